"""DuckDB: the embedded default warehouse (`duckdb:///path/to/file.duckdb`)."""

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import duckdb
import tenacity
from sqlglot import exp

from wmg_resources.lake import LakeResource
from wmg_resources.warehouse.base import Column, Warehouse, columns_from_catalog
from wmg_resources.warehouse.dialect import column_list, quote


def duckdb_config(memory_limit: str | None) -> dict[str, Any]:
    """Settings of every embedded DuckDB: a memory cap (it spills beyond), and rows need not
    keep their input order (which lets large inserts and copies stream)."""
    config: dict[str, Any] = {"preserve_insertion_order": False}
    if memory_limit:
        config["memory_limit"] = memory_limit
    return config


LOCK_WAIT_SECONDS = 120.0
"""How long opening a DuckDB file waits while another process holds it (a run's merge, a
sensor reading the ledger): DuckDB files take one writing process at a time."""


def _is_lock_conflict(error: BaseException) -> bool:
    return isinstance(error, duckdb.IOException) and "lock" in str(error).lower()


def connect_waiting(path: str, config: dict[str, Any], wait_seconds: float) -> Any:
    """`duckdb.connect`, retried while another process holds the file's lock."""
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_delay(wait_seconds),
        wait=tenacity.wait_exponential(multiplier=0.05, max=1.0),
        retry=tenacity.retry_if_exception(_is_lock_conflict),
        reraise=True,
    )
    return retrying(duckdb.connect, path, config=config)


class DuckDBWarehouse(Warehouse):
    dialect = "duckdb"
    param = "?"

    def __init__(
        self,
        path: str,
        memory_limit: str | None = None,
        lock_wait_seconds: float = LOCK_WAIT_SECONDS,
    ) -> None:
        if path not in ("", ":memory:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path or ":memory:"
        self.con = connect_waiting(self.path, duckdb_config(memory_limit), lock_wait_seconds)
        self._views: set[str] = set()  # staging relations that are views

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        cur = self.con.execute(sql, params) if params else self.con.execute(sql)
        if cur.description and cur.description[0][0] == "Count":
            row = cur.fetchone()
            return int(row[0]) if row else 0
        return -1

    def query(self, sql: str, params: Sequence[Any] | None = None) -> tuple[list[str], list[tuple]]:
        cur = self.con.execute(sql, params) if params else self.con.execute(sql)
        names = [d[0] for d in cur.description or []]
        return names, cur.fetchall() if names else []

    def columns(self, schema: str, table: str) -> list[Column] | None:
        return columns_from_catalog(self, schema, table)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.begin()
        try:
            yield
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    def stage(
        self,
        name: str,
        columns: list[tuple[str, str]],
        lake: LakeResource,
        keys: list[str],
        scratch: Path,
    ) -> int:
        """From a local lake, a view over the Parquet files themselves: DuckDB reads them
        where they are (no copy into a temporary table); from S3, the loaded table."""
        if lake.is_s3 or not keys:
            return super().stage(name, columns, lake, keys, scratch)
        self.drop_staging(name)
        files = ", ".join(exp.Literal.string(lake.path(k)).sql(self.dialect) for k in keys)
        select = ", ".join(
            f"CAST({quote(n, self.dialect)} AS {t}) AS {quote(n, self.dialect)}" for n, t in columns
        )
        self.execute(
            f"CREATE TEMP VIEW {quote(name, self.dialect)} AS SELECT {select} "
            f"FROM read_parquet([{files}], union_by_name = true)"
        )
        self._views.add(name)
        return int(self.scalar(f"SELECT count(*) FROM {quote(name, self.dialect)}"))

    def drop_staging(self, name: str) -> None:
        kind = "VIEW" if name in self._views else "TABLE"
        self.execute(f"DROP {kind} IF EXISTS {quote(name, self.dialect)}")
        self._views.discard(name)

    def bulk_load(
        self, table: str, columns: list[str], lake: LakeResource, keys: list[str], scratch: Path
    ) -> int:
        if not keys:
            return 0
        with ExitStack() as stack:
            paths = [str(stack.enter_context(lake.local_copy(k, scratch))) for k in keys]
            cols = column_list(columns, self.dialect)
            return self.execute(
                f"INSERT INTO {quote(table, self.dialect)} ({cols}) "
                f"SELECT {cols} FROM read_parquet(?, union_by_name = true)",
                [paths],
            )

    def close(self) -> None:
        self.con.close()
