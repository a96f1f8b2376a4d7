"""The engine that runs lake-side transforms: Ibis on DuckDB (default) or on Spark."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import dagster as dg
import ibis
import ibis.expr.types as ir
from dagster_pyspark import LazyPySparkResource

from wmg_resources.settings import DUCKDB_MEMORY_LIMIT
from wmg_resources.warehouse.duckdb import duckdb_config

log = logging.getLogger(__name__)


class EngineResource(dg.ConfigurableResource):
    """Runs Ibis expressions; `kind` is `duckdb` (embedded) or `spark` (`spark` resource)."""

    kind: Literal["duckdb", "spark"] = "duckdb"
    spark: LazyPySparkResource | None = None
    duckdb_memory_limit: str = DUCKDB_MEMORY_LIMIT

    def connect(self) -> ibis.BaseBackend:
        if self.kind == "spark":
            if self.spark is None:
                raise ValueError(
                    "the Spark engine needs a Spark session resource (WMG_ENGINE=spark)"
                )
            return ibis.pyspark.connect(self.spark.spark_session)
        return ibis.duckdb.connect(**duckdb_config(self.duckdb_memory_limit))

    @contextmanager
    def session(self) -> Iterator[ibis.BaseBackend]:
        """A connection for one piece of work; an embedded DuckDB is closed (its memory
        freed) afterwards, a Spark session is shared and stays up."""
        con = self.connect()
        try:
            yield con
        finally:
            if self.kind == "duckdb":
                con.disconnect()

    @staticmethod
    def read_parquet(con: ibis.BaseBackend, files: list[Path]) -> ir.Table:
        """The rows of files `write_parquet` wrote (one file, or the folder holding them)."""
        return con.read_parquet(str(files[0] if len(files) == 1 else files[0].parent))

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
