"""Streaming table data between databases, never a whole table in memory:

- PostgreSQL → PostgreSQL: `COPY (SELECT …) TO STDOUT` piped into `COPY … FROM STDIN`,
  binary when the column types are the same, else CSV;
- PostgreSQL → other: `COPY … TO STDOUT (FORMAT csv)` read by pyarrow's streaming CSV
  reader, with the source's types, into Arrow batches;
- DuckDB → any: Arrow record batches (`to_arrow_reader`);
- any → PostgreSQL: Arrow batches written as CSV (pyarrow) into `COPY … FROM STDIN`;
- any → DuckDB: each Arrow batch inserted (`INSERT … SELECT` from the registered batch).

In CSV, NULL is an unquoted empty field and an empty string a quoted one, both ways, so the
two stay apart. Each call runs inside the caller's transaction on the target.
"""

import io
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from wmg_resources.warehouse.dialect import column_list

BATCH_ROWS = 100_000
CHUNK = 1 << 20


class _CopyReader(io.RawIOBase):
    """A file-like view of `COPY … TO STDOUT`'s chunks, for pyarrow's CSV reader."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks, self.pending = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        while not self.pending:
            try:
                self.pending = bytes(next(self.chunks))
            except StopIteration:
                return 0
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def source_batches(db: Any, select_sql: str, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """The rows of `select_sql` on `db` as Arrow batches of `schema`."""
    if db.dialect == "duckdb":
        reader = db.con.sql(select_sql).to_arrow_reader(BATCH_ROWS)
        for batch in reader:
            yield batch
        return
    if db.dialect != "postgres":
        raise NotImplementedError(f"streaming from {db.dialect} is not built yet")
    copy_sql = f"COPY ({select_sql}) TO STDOUT (FORMAT csv)"
    with db.conn.cursor() as cur, cur.copy(copy_sql.encode()) as copy:
        stream = io.BufferedReader(_CopyReader(iter(copy)), CHUNK)
        reader = pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(column_names=schema.names, block_size=CHUNK * 8),
            convert_options=pacsv.ConvertOptions(
                column_types=schema, null_values=[""], strings_can_be_null=True,
                quoted_strings_can_be_null=False, true_values=["t", "true"],
                false_values=["f", "false"],
            ),
        )  # fmt: skip
        for batch in reader:
            yield batch


def write_batches(db: Any, table_sql: str, columns: Sequence[str],
                  batches: Iterator[pa.RecordBatch],
                  progress: Callable[[int], None] | None = None) -> int:  # fmt: skip
    """Append the batches to `table_sql` (already quoted) on `db`; the rows written."""
    rows = 0
    if db.dialect == "postgres":
        options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
        copy_sql = (
            f"COPY {table_sql} ({column_list(list(columns), db.dialect)}) FROM STDIN (FORMAT csv)"
        )
        with db.conn.cursor() as cur, cur.copy(copy_sql.encode()) as copy:
            for batch in batches:
                buffer = io.BytesIO()
                pacsv.write_csv(batch, buffer, write_options=options)
                copy.write(buffer.getvalue())
                rows += batch.num_rows
                if progress:
                    progress(batch.num_rows)
        return rows
    if db.dialect == "duckdb":
        for batch in batches:
            db.con.register("wmg_transfer_batch", batch)
            try:
                names = column_list(batch.schema.names, db.dialect)
                into = column_list(list(columns), db.dialect)
                db.con.execute(f"INSERT INTO {table_sql} ({into}) "
                               f"SELECT {names} FROM wmg_transfer_batch")  # fmt: skip
            finally:
                db.con.unregister("wmg_transfer_batch")
            rows += batch.num_rows
            if progress:
                progress(batch.num_rows)
        return rows
    raise NotImplementedError(f"streaming into {db.dialect} is not built yet")


def postgres_pipe(source: Any, target: Any, select_sql: str, table_sql: str,
                  columns: Sequence[str], binary: bool,
                  progress: Callable[[int], None] | None = None) -> int:  # fmt: skip
    """PostgreSQL to PostgreSQL: COPY out piped into COPY in (the rows copied)."""
    fmt = "binary" if binary else "csv"
    out_sql = f"COPY ({select_sql}) TO STDOUT (FORMAT {fmt})"
    in_sql = (
        f"COPY {table_sql} ({column_list(list(columns), 'postgres')}) FROM STDIN (FORMAT {fmt})"
    )
    with source.conn.cursor() as out_cur, target.conn.cursor() as in_cur:
        with out_cur.copy(out_sql.encode()) as out_copy, in_cur.copy(in_sql.encode()) as in_copy:
            buffer = bytearray()  # COPY hands over one row per chunk: written by the MB
            for chunk in out_copy:
                buffer += chunk
                if len(buffer) >= CHUNK:
                    in_copy.write(bytes(buffer))
                    buffer.clear()
                    if progress:
                        progress(0)
            if buffer:
                in_copy.write(bytes(buffer))
        rows = in_cur.rowcount  # set once the COPY is finished, before the cursor closes
    if progress:
        progress(rows)
    return max(rows, 0)
