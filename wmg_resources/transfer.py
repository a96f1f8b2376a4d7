"""Streaming table data between databases, never a whole table in memory:

- PostgreSQL → PostgreSQL: `COPY (SELECT …) TO STDOUT` piped into `COPY … FROM STDIN`,
  binary when the column types are the same, else CSV;
- PostgreSQL → other: `COPY … TO STDOUT (FORMAT csv)` read by pyarrow's streaming CSV
  reader, with the source's types, into Arrow batches;
- DuckDB → any: Arrow record batches (`to_arrow_reader`);
- any → PostgreSQL: Arrow batches written as CSV (pyarrow) into `COPY … FROM STDIN`;
- any → DuckDB: each Arrow batch inserted (`INSERT … SELECT` from the registered batch);
- through a temporary S3 prefix (`s3_staging.py`, emptied afterwards even on failure):
  PostgreSQL → PostgreSQL across accounts (the `COPY` stream uploaded, then streamed back
  into `COPY … FROM STDIN`); any → Redshift (Parquet files, a manifest, Redshift's
  `COPY … FORMAT AS PARQUET MANIFEST`); Redshift → any (`UNLOAD … FORMAT PARQUET`, the files
  read back batch by batch). Redshift's COPY and UNLOAD run with the `iam_role` of its URL.

In CSV, NULL is an unquoted empty field and an empty string a quoted one, both ways, so the
two stay apart. Each call runs inside the caller's transaction on the target.
"""

import io
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlglot import exp

from wmg_resources.s3_staging import S3Staging
from wmg_resources.warehouse.dialect import column_list
from wmg_resources.warehouse.redshift import copy_parquet_sql, parquet_manifest

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


def source_batches(db: Any, select_sql: str, schema: pa.Schema,
                   staging: S3Staging | None = None) -> Iterator[pa.RecordBatch]:  # fmt: skip
    """The rows of `select_sql` on `db` as Arrow batches of `schema` (Redshift: unloaded
    into `staging`)."""
    if db.dialect == "redshift":
        yield from redshift_unload(db, select_sql, _needs(staging, "a Redshift source"))
        return
    if db.dialect == "teradata":
        yield from teradata_batches(db, select_sql, schema)
        return
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


def _copy_pair(
    select_sql: str, table_sql: str, columns: Sequence[str], binary: bool
) -> tuple[str, str]:
    """PostgreSQL's `COPY (query) TO STDOUT` and the matching `COPY table FROM STDIN`."""
    fmt = "binary" if binary else "csv"
    columns_sql = column_list(list(columns), "postgres")
    return (
        f"COPY ({select_sql}) TO STDOUT (FORMAT {fmt})",
        f"COPY {table_sql} ({columns_sql}) FROM STDIN (FORMAT {fmt})",
    )


def postgres_pipe(source: Any, target: Any, select_sql: str, table_sql: str,
                  columns: Sequence[str], binary: bool,
                  progress: Callable[[int], None] | None = None) -> int:  # fmt: skip
    """PostgreSQL to PostgreSQL: COPY out piped into COPY in (the rows copied)."""
    out_sql, in_sql = _copy_pair(select_sql, table_sql, columns, binary)
    with source.conn.cursor() as out_cur, target.conn.cursor() as in_cur:
        with out_cur.copy(out_sql.encode()) as out_copy, in_cur.copy(in_sql.encode()) as in_copy:
            for chunk in _rebuffered(iter(out_copy)):
                in_copy.write(chunk)
                if progress:
                    progress(0)
        rows = in_cur.rowcount  # set once the COPY is finished, before the cursor closes
    if progress:
        progress(rows)
    return max(rows, 0)


def check_staging(source: Any, target: Any, staging: S3Staging | None) -> None:
    """Fail before anything is written when a Redshift side has no staging prefix."""
    for db, what in ((source, "a Redshift source"), (target, "a Redshift target")):
        if db.dialect == "redshift":
            _needs(staging, what)


def _needs(staging: S3Staging | None, what: str) -> S3Staging:
    if staging is None:
        raise ValueError(f"{what} moves data through S3: give the copy a staging location "
                         "(s3://bucket/prefix)")  # fmt: skip
    return staging


def _iam_role(db: Any) -> str:
    role = getattr(db, "iam_role", "")
    if not role:
        raise ValueError("Redshift COPY/UNLOAD needs ?iam_role=arn:… in the redshift:// URL")
    return role


def _literal(text: str) -> str:
    return exp.Literal.string(text).sql("redshift")


def unload_sql(select_sql: str, prefix_uri: str, iam_role: str) -> str:
    """Redshift `UNLOAD` of a query as Parquet files under `prefix_uri` (the query is a
    string literal: its quotes are escaped; UNLOAD takes no bind parameters)."""
    return (f"UNLOAD ({_literal(select_sql)}) TO {_literal(prefix_uri + 'part_')} "
            f"IAM_ROLE {_literal(iam_role)} FORMAT PARQUET")  # fmt: skip


def redshift_unload(db: Any, select_sql: str, staging: S3Staging) -> Iterator[pa.RecordBatch]:
    """A Redshift query's rows: unloaded to the staging prefix, read back batch by batch."""
    db.execute(unload_sql(select_sql, staging.prefix_uri, _iam_role(db)))
    yield from staging.read_parquet()


def redshift_load(db: Any, table_sql: str, columns: Sequence[str],
                  batches: Iterator[pa.RecordBatch], schema: pa.Schema,
                  staging: S3Staging | None,
                  progress: Callable[[int], None] | None = None) -> int:  # fmt: skip
    """Batches into Redshift: Parquet files in the staging prefix, a manifest, one COPY."""
    staging = _needs(staging, "a Redshift target")
    rows = 0

    def counted() -> Iterator[pa.RecordBatch]:
        nonlocal rows
        for batch in batches:
            rows += batch.num_rows
            if progress:
                progress(batch.num_rows)
            yield batch

    files = staging.write_parquet(counted(), schema)
    if not files:
        return 0
    manifest_key = f"{staging.prefix}load.manifest"
    manifest = parquet_manifest([staging.uri(f.key) for f in files], [f.size for f in files])
    staging.client.put_object(Bucket=staging.bucket, Key=manifest_key, Body=manifest)
    db.execute(copy_parquet_sql(table_sql, list(columns), staging.uri(manifest_key),
                                _iam_role(db)))  # fmt: skip
    return rows


def teradata_select(select_sql: str) -> str:
    """A Teradata query run through FastExport when the driver can (teradatasql's
    `{fn teradata_try_fastexport}` escape: it falls back to a normal SELECT by itself)."""
    return "{fn teradata_try_fastexport}" + select_sql


def teradata_batches(db: Any, select_sql: str, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """A Teradata query's rows, `BATCH_ROWS` at a time from the cursor, as Arrow batches."""
    with db.conn.cursor() as cur:
        cur.execute(teradata_select(select_sql))
        while rows := cur.fetchmany(BATCH_ROWS):
            columns = list(zip(*rows, strict=True))
            yield pa.RecordBatch.from_arrays(
                [pa.array(list(c), type=f.type) for c, f in zip(columns, schema, strict=True)],
                schema=schema,
            )


def _rebuffered(chunks: Iterator[bytes], size: int = CHUNK) -> Iterator[bytes]:
    """`COPY` hands over one row per chunk: joined into pieces of about `size` bytes."""
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        if len(buffer) >= size:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def postgres_via_s3(source: Any, target: Any, select_sql: str, table_sql: str,
                    columns: Sequence[str], binary: bool, staging: S3Staging,
                    progress: Callable[[int], None] | None = None) -> int:  # fmt: skip
    """PostgreSQL to PostgreSQL through S3 (another account's bucket): the source's COPY
    stream uploaded to the staging prefix, then streamed from S3 into the target's COPY."""
    out_sql, in_sql = _copy_pair(select_sql, table_sql, columns, binary)
    with source.conn.cursor() as out_cur, out_cur.copy(out_sql.encode()) as out_copy:
        objects = staging.upload_stream("copy", _rebuffered(iter(out_copy)))
    with target.conn.cursor() as in_cur:
        with in_cur.copy(in_sql.encode()) as in_copy:
            for obj in objects:
                for chunk in staging.download_chunks(obj.key):
                    in_copy.write(chunk)
                    if progress:
                        progress(0)
        rows = in_cur.rowcount
    if progress:
        progress(rows)
    return max(rows, 0)
