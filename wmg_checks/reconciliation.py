"""Reconciliation of one file across the layers: no row lost, none made up.

For each file (partition), after its warehouse merge:

1. bronze records = silver rows + DLQ rows — the records counted in the landed bytes
   (CSV-aware, independent of the parser) against the rows in the silver Iceberg table for
   this file (data file statistics) and the rows in this run's DLQ files (Parquet footers);
2. warehouse rows read = silver rows — the merge staged every silver row of the file;
3. rows read - rows deduplicated = rows updated + inserted + unchanged + stale — every row
   kept by the dedupe was accounted for by the merge.

Any mismatch fails the check; the figures are in its metadata.
"""

import warnings

import dagster as dg

from wmg_assets.feeds.assets import warehouse_asset_key
from wmg_assets.feeds.config import FeedConfig
from wmg_assets.feeds.landed import LandedFile, bronze_asset_key, latest_materialization
from wmg_assets.feeds.pipeline import silver_data_files
from wmg_resources.iceberg import IcebergResource
from wmg_resources.lake import LakeResource, dlq_prefix


def reconcile(figures: dict[str, int | None]) -> list[str]:
    """The mismatches among a file's figures (see the module docstring); [] when they agree."""
    f = figures
    mismatches = []
    landed = (f["silver_rows"] or 0) + (f["dlq_rows"] or 0)
    if f["bronze_records"] is not None and f["bronze_records"] != landed:
        mismatches.append(
            f"bronze has {f['bronze_records']} records but silver holds {f['silver_rows']} rows "
            f"and the DLQ {f['dlq_rows']}"
        )
    if f["rows_read"] != f["silver_rows"]:
        mismatches.append(f"the merge read {f['rows_read']} rows of {f['silver_rows']} in silver")
    kept = (f["rows_read"] or 0) - (f["rows_deduplicated"] or 0)
    merged = sum(
        f.get(k) or 0 for k in ("rows_updated", "rows_inserted", "rows_unchanged", "rows_stale")
    )
    if kept != merged:
        mismatches.append(
            f"{kept} rows were left after the dedupe but the merge accounts for {merged} "
            "(updated + inserted + unchanged + stale)"
        )
    return mismatches


def reconciliation_check(feed: FeedConfig) -> dg.AssetChecksDefinition:
    # Partitioned asset checks are a Dagster preview: one check result per file is what this
    # check is, so the preview is used knowingly and its warning kept off users' terminals.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return _reconciliation_check(feed)


def _reconciliation_check(feed: FeedConfig) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=warehouse_asset_key(feed),
        name="reconciliation",
        partitions_def=dg.DynamicPartitionsDefinition(name=feed.partitions_name),
        description=(
            "Every record of the landed file is in silver or the DLQ, the merge read every "
            "silver row, and every row it kept was updated, inserted or found unchanged."
        ),
    )
    def reconciliation(
        context: dg.AssetCheckExecutionContext, lake: LakeResource, iceberg: IcebergResource
    ) -> dg.AssetCheckResult:
        file_name = context.partition_key
        instance = context.instance
        bronze = latest_materialization(instance, bronze_asset_key(feed), file_name)
        silver = latest_materialization(instance, dg.AssetKey(["silver", feed.name]), file_name)
        merged = latest_materialization(instance, warehouse_asset_key(feed), file_name)
        if bronze is None or silver is None or merged is None:
            return dg.AssetCheckResult(
                passed=False, description=f"{file_name} has not gone through every layer yet"
            )
        dlq = lake.list(dlq_prefix(feed.name, silver.run_id))
        figures = {
            "bronze_records": LandedFile.from_metadata(bronze.metadata).records,
            "silver_rows": sum(f.record_count for f in silver_data_files(iceberg, feed.name,
                                                                         file_name)),
            "dlq_rows": sum(lake.parquet_rows(o.key) for o in dlq if o.key.endswith(".parquet")),
            **{k: merged.number(k) for k in ("rows_read", "rows_deduplicated", "rows_updated",
                                              "rows_inserted", "rows_unchanged", "rows_stale")},
        }  # fmt: skip
        mismatches = reconcile(figures)
        return dg.AssetCheckResult(
            passed=not mismatches,
            description="; ".join(mismatches) or "every row accounted for",
            metadata={
                **{k: -1 if v is None else v for k, v in figures.items()},
                "mismatches": dg.MetadataValue.json(mismatches),
            },
        )

    return reconciliation
