"""The engine that runs lake-side transforms: Ibis on DuckDB (default) or on Spark."""

import logging
from pathlib import Path
from typing import Literal

import dagster as dg
import ibis
import ibis.expr.types as ir
from dagster_pyspark import LazyPySparkResource

log = logging.getLogger(__name__)


class EngineResource(dg.ConfigurableResource):
    """Runs Ibis expressions; `kind` is `duckdb` (embedded) or `spark` (`spark` resource)."""

    kind: Literal["duckdb", "spark"] = "duckdb"
    spark: LazyPySparkResource | None = None

    def connect(self) -> ibis.BaseBackend:
        if self.kind == "spark":
            if self.spark is None:
                raise ValueError(
                    "the Spark engine needs a Spark session resource (WMG_ENGINE=spark)"
                )
            return ibis.pyspark.connect(self.spark.spark_session)
        return ibis.duckdb.connect()

    def write_parquet(self, con: ibis.BaseBackend, expr: ir.Table, directory: Path) -> list[Path]:
        """Write an expression's rows as Parquet file(s) into `directory`; the files."""
        directory.mkdir(parents=True, exist_ok=True)
        if self.kind == "spark":
            out = directory / "spark"
            con.to_parquet(expr, str(out), mode="overwrite")
            return sorted(out.glob("*.parquet"))
        out = directory / "part-0.parquet"
        con.to_parquet(expr, str(out))
        return [out]
