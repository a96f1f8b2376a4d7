"""PostgreSQL through psycopg 3 (`postgresql://user:pass@host:port/db`).

Bulk loads stream the silver Parquet through `COPY … FROM STDIN` in CSV form, one Arrow
batch at a time: no table is ever collected into Python.
"""

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from wmg_resources.lake import LakeResource
from wmg_resources.warehouse.base import Column, Warehouse, columns_from_catalog
from wmg_resources.warehouse.dialect import column_list, quote

COPY_BATCH_ROWS = 64_000
CREATE_ATTEMPTS = 3
RACED_CREATE = (
    psycopg.errors.UniqueViolation,
    psycopg.errors.DuplicateObject,
    psycopg.errors.DuplicateTable,
    psycopg.errors.DuplicateSchema,
)
"""What the loser of two concurrent `CREATE … IF NOT EXISTS` gets from PostgreSQL."""


class PostgresWarehouse(Warehouse):
    dialect = "postgres"
    param = "%s"

    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(url, autocommit=True)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        with self.conn.cursor() as cur:
            cur.execute(sql.encode() if params is None else sql, params)  # type: ignore[arg-type]
            return cur.rowcount

    def query(self, sql: str, params: Sequence[Any] | None = None) -> tuple[list[str], list[tuple]]:
        with self.conn.cursor() as cur:
            cur.execute(sql.encode() if params is None else sql, params)  # type: ignore[arg-type]
            names = [d.name for d in cur.description or []]
            return names, cur.fetchall() if names else []

    def columns(self, schema: str, table: str) -> list[Column] | None:
        return columns_from_catalog(self, schema, table)

    def create_if_missing(self, sql: str) -> None:
        """PostgreSQL checks `IF NOT EXISTS` before it writes the catalog, so the loser of a
        race gets a unique violation, or "relation/type … already exists", for an object that
        exists by then: the statement runs in a savepoint (a transaction outside one) and,
        after such an error, again."""
        for attempt in range(CREATE_ATTEMPTS):
            try:
                with self.conn.transaction():
                    self.execute(sql)
                return
            except RACED_CREATE:
                if attempt == CREATE_ATTEMPTS - 1:
                    raise

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.conn.transaction():
            yield

    @contextmanager
    def merge_lock(self, schema: str, table: str) -> Iterator[None]:
        """A session advisory lock on the table's name: it also serializes the first loads
        into a table that does not exist yet (which LOCK TABLE cannot)."""
        key = f"wmg merge {schema}.{table}"
        self.execute("SELECT pg_advisory_lock(hashtext(%s))", [key])
        try:
            yield
        finally:
            self.execute("SELECT pg_advisory_unlock(hashtext(%s))", [key])

    def bulk_load(
        self, table: str, columns: list[str], lake: LakeResource, keys: list[str], scratch: Path
    ) -> int:
        copy_sql = (
            f"COPY {quote(table, self.dialect)} ({column_list(columns, self.dialect)}) "
            "FROM STDIN (FORMAT csv)"
        )
        rows = 0
        options = pacsv.WriteOptions(include_header=False)
        with self.conn.cursor() as cur, cur.copy(copy_sql.encode()) as copy:
            for key in keys:
                with lake.fs.open_input_file(lake.path(key)) as f:
                    for batch in pq.ParquetFile(f).iter_batches(COPY_BATCH_ROWS, columns=columns):
                        buf = io.BytesIO()
                        pacsv.write_csv(batch, buf, write_options=options)
                        copy.write(buf.getvalue())
                        rows += batch.num_rows
        return rows

    def close(self) -> None:
        self.conn.close()
