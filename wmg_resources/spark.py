"""Spark sessions for the Spark engine: local[*] here, Spark Connect when a remote is set.

Glue and EMR jobs bring their own session; this module configures the ones we start.
"""

import os
import sys
import tempfile
from pathlib import Path

from dagster_pyspark import LazyPySparkResource

LOCAL_SPARK_CONFIG = {
    "spark.master": "local[*]",
    # This host's name does not resolve to a reachable address; bind to loopback.
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "4",
    # Iceberg wants microsecond timestamps, not Spark's default INT96.
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.ansi.enabled": "true",
    # Naive timestamps as in the CSV (and as DuckDB types them): TIMESTAMP means NTZ.
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    # Managed tables of a local session go to a scratch folder, not the working directory.
    "spark.sql.warehouse.dir": str(Path(tempfile.gettempdir()) / "wmg-spark-warehouse"),
}


def spark_config(remote: str | None = None) -> dict[str, str]:
    """Session settings: local[*] on loopback, or Spark Connect at `remote` (`sc://…`)."""
    if remote:
        return {
            "spark.remote": remote,
            "spark.sql.session.timeZone": "UTC",
            "spark.sql.timestampType": "TIMESTAMP_NTZ",
        }
    return dict(LOCAL_SPARK_CONFIG)


def pyspark_resource(remote: str | None = None) -> LazyPySparkResource:
    if not remote:
        # Python UDFs (e.g. `standardize_phone`) run in local workers of this interpreter,
        # which has the platform's packages; PySpark would start a bare `python3`.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return LazyPySparkResource(spark_config=spark_config(remote))
