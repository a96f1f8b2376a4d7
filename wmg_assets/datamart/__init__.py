"""The CDC datamart (seed 003): source tables mirrored incrementally against a watermark,
joined into outputs, all as Iceberg tables under the lake's `datamart/<database>/`."""
