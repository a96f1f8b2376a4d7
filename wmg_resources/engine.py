"""The engine that runs lake-side transforms: Ibis on DuckDB (default) or on Spark."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import dagster as dg
import ibis
import ibis.expr.types as ir
from pydantic import PrivateAttr

from wmg_resources.settings import DUCKDB_MEMORY_LIMIT
from wmg_resources.warehouse.duckdb import duckdb_config

log = logging.getLogger(__name__)


class EngineResource(dg.ConfigurableResource):
    """Runs Ibis expressions; `kind` is `duckdb` (embedded) or `spark`: a local[*] session,
    or Spark Connect at `spark_remote` (`sc://…`).

    PySpark is imported only when a Spark session is first needed: about 0.35 s that every
    DuckDB run and `wmg` command would otherwise pay."""

    kind: Literal["duckdb", "spark"] = "duckdb"
    spark_remote: str | None = None
    duckdb_memory_limit: str = DUCKDB_MEMORY_LIMIT
    _spark: Any = PrivateAttr(default=None)

    @property
    def spark_session(self) -> Any:
        """The Spark session (started on first use; one per process, as Spark keeps it)."""
        if self._spark is None:
            from wmg_resources.spark import pyspark_resource

            self._spark = pyspark_resource(self.spark_remote)
        return self._spark.spark_session

    def connect(self) -> ibis.BaseBackend:
        if self.kind == "spark":
            return ibis.pyspark.connect(self.spark_session)
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
