"""The migration toolkit (seeds 000/001): Teradata → Redshift / Spark SQL conversion first.

Pure cores (no Dagster, no network) live in the sub-packages; see ARCHITECTURE.md."""
