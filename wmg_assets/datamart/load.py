"""Load a datamart: mirror its source tables, full or incremental, then rebuild its joins.

1. Before anything is written: every table the config names must exist in the source, with
   its incremental field (else the run fails naming them).
2. Each source table is read through Ibis — whole (full load, a missing watermark, or a table
   not mirrored yet) or `field >= watermark - lag` (the filter runs in the source) — streamed
   to Parquet, and committed to its Iceberg mirror `<database>.<table>`: replaced (one
   snapshot) or upserted by key.
3. Each join output is recomputed from the mirrors (DuckDB over their Parquet files) and
   replaces `<database>.<output>` in one snapshot, so it always equals a full load.
4. The watermark advances to the largest incremental value read, after every commit.

An incremental run that reads no row anywhere commits nothing and keeps the watermark.
"""

import functools
import logging
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pyiceberg.exceptions import NoSuchTableError
from pyiceberg.manifest import DataFile
from pyiceberg.table import Table as IcebergTable
from sqlglot import exp

from wmg_assets.datamart.config import DatamartConfig, JoinOutput, SourceTable
from wmg_assets.datamart.watermark import read_watermark, utc_naive, write_watermark
from wmg_assets.feeds.pipeline import nullable_schema, publish
from wmg_resources.iceberg import IcebergResource
from wmg_resources.iceberg_expiry import expire_when_due, keep_metadata
from wmg_resources.iceberg_row_changes import (
    applies_to,
    commit_row_changes,
    live_files,
    position_delete_file,
    referenced_path,
    supports_position_deletes,
    write_position_deletes,
)
from wmg_resources.iceberg_transaction import transaction
from wmg_resources.lake import LakeResource

log = logging.getLogger(__name__)

MIRROR_FILE_ROWS = 250_000
"""Rows per data file of a full load's mirror: a data file is rewritten once changes have
deleted `REWRITE_AT` of it, so smaller files are rewritten sooner and cheaper, larger ones
mean fewer files to plan."""

MERGE_DELETE_FILES_AT = 4
"""A data file's delete files (one per change to it) are merged into one when a change would
give it more than this many: readers open every delete file."""

REWRITE_AT = 0.2
"""Share of a data file's rows that, once deleted by position-delete files, gets it rewritten
without them (copy-on-write) at the next change to it: reads stay within 1/(1-0.2) of a
clean table's, and a change spread over the table rewrites it every ~20 runs, not every run."""


class DatamartSourceError(RuntimeError):
    """The source lacks a table or column the datamart needs; nothing was written."""


@dataclass
class TableLoad:
    rows_read: int = 0  # from the source
    rows_changed: int = 0  # of those, new or different from the mirror
    full: bool = False
    max_value: datetime | None = None
    snapshot_id: int | None = None


@dataclass
class DatamartLoad:
    requested: str
    load_type: str  # what ran: `full` when no watermark existed
    watermark_before: datetime | None
    watermark_after: str | None = None
    skipped: bool = False
    tables: dict[str, TableLoad] = field(default_factory=dict)
    outputs: dict[str, int] = field(default_factory=dict)  # join output → rows


def datamart_prefix(database: str, table: str) -> str:
    return f"datamart/{database}/{table}"


class SparkCatalogSource:
    """Tables of one database of the Spark session's catalog (`spark:///<database>`): the
    Glue Data Catalog in a Glue job or on EMR, a local catalog here. The session is the
    active one (a Glue job's own), else the platform's (`WMG_SPARK_REMOTE` or local)."""

    name = "pyspark"

    def __init__(self, database: str) -> None:
        from pyspark.sql import SparkSession

        from wmg_resources.settings import load_settings
        from wmg_resources.spark import pyspark_resource

        session = SparkSession.getActiveSession()
        if session is None:
            session = pyspark_resource(load_settings().spark_remote).spark_session
        self.database, self.con = database, ibis.pyspark.connect(session)

    def list_tables(self) -> list[str]:
        return self.con.list_tables(database=self.database)

    def table(self, name: str) -> Any:
        return self.con.table(name, database=self.database)

    def disconnect(self) -> None:
        """The session is shared (or the Glue job's): left running."""


def connect_source(url: str) -> Any:
    """An Ibis connection to the source: `duckdb:///file` (read-only), `postgresql://…`, or
    `spark:///<database>` (the Spark session's catalog, e.g. Glue's)."""
    if url.startswith("duckdb://"):
        return ibis.duckdb.connect(url.removeprefix("duckdb://"), read_only=True)
    if url.startswith("spark://"):
        return SparkCatalogSource(url.removeprefix("spark://").strip("/"))
    con: Any = ibis.connect(url)
    if getattr(con, "name", "") == "postgres":
        # Rows are read through a server-side cursor, which PostgreSQL plans for its first
        # 10% by default: on a table with stale statistics (right after the changes an
        # incremental run reads) that is a sequential scan instead of the watermark's index.
        # Every row is read, so plan for all of them.
        con.raw_sql("SET cursor_tuple_fraction = 1.0").close()
    return con


def source_tables(con: Any) -> set[str]:
    """The tables (and views) of the source's default schema."""
    try:
        return set(con.list_tables())
    except AttributeError:  # ibis 12's DuckDB list_tables uses an API DuckDB 2 removed
        cursor = con.raw_sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        )
        return {row[0] for row in cursor.fetchall()}


def check_source(con: Any, config: DatamartConfig) -> None:
    """Every configured table exists with its incremental field, else DatamartSourceError."""
    present = source_tables(con)
    missing = [t.name for t in config.tables if t.name not in present]
    if missing:
        raise DatamartSourceError(
            f"datamart {config.database_name}: source table(s) {', '.join(missing)} do not exist"
        )
    for t in config.tables:
        columns = con.table(t.name).columns
        absent = [c for c in [t.incremental_field, *t.keys] if c not in columns]
        if absent:
            raise DatamartSourceError(
                f"datamart {config.database_name}: table {t.name} has no column(s) "
                f"{', '.join(absent)} (incremental_field / keys in the config)"
            )


def arrow_batches(con: Any, expr: Any) -> Any:
    """The rows of an Ibis expression as Arrow record batches, streamed."""
    if getattr(con, "name", "") == "duckdb":  # ibis 12's DuckDB batches need the DuckDB 1 API
        return con.con.sql(ibis.to_sql(expr, dialect="duckdb")).to_arrow_reader(100_000)
    return expr.to_pyarrow_batches()


def _since_literal(column: Any, since: datetime) -> Any:
    timezone = getattr(column.type(), "timezone", None)
    if timezone:
        return ibis.literal(since.replace(tzinfo=UTC))
    return ibis.literal(since)


def _max_utc(batch: pa.RecordBatch, name: str) -> datetime | None:
    value = pc.max(batch.column(name)).as_py()  # type: ignore[attr-defined]
    return None if value is None else utc_naive(value)


def read_table(
    con: Any, table: SourceTable, since: datetime | None, out: Path
) -> tuple[int, datetime | None, list[Path]]:
    """Rows of `table` (all, or `incremental_field >= since`) streamed to Parquet files named
    after `out`, at most `MIRROR_FILE_ROWS` rows each; the rows read, the largest incremental
    value among them (naive UTC) and the files."""
    source = con.table(table.name)
    column = source[table.incremental_field]
    expr = source if since is None else source.filter(column >= _since_literal(column, since))
    rows, largest, writer, parts, in_part = 0, None, None, [], 0
    try:
        for batch in arrow_batches(con, expr):
            if batch.num_rows == 0:
                continue
            rows += batch.num_rows
            value = _max_utc(batch, table.incremental_field)
            rest = batch
            while rest.num_rows:
                if writer is None:
                    parts.append(out.with_name(f"{out.stem}-{len(parts)}{out.suffix}"))
                    writer, in_part = pq.ParquetWriter(parts[-1], rest.schema), 0
                room = MIRROR_FILE_ROWS - in_part
                piece, rest = rest.slice(0, room), rest.slice(room)
                writer.write_batch(piece)
                in_part += piece.num_rows
                if in_part >= MIRROR_FILE_ROWS:
                    writer.close()
                    writer = None
            largest = value if largest is None or (value and value > largest) else largest
    finally:
        if writer is not None:
            writer.close()
    return rows, largest, parts


class Mirrors:
    """The datamart's Iceberg tables: namespace `<database>`, data in the lake. `scratch` is
    the run's working folder: rewrites are made there, and data files read from S3 are
    downloaded there once per run (data files never change once written)."""

    def __init__(
        self, config: DatamartConfig, lake: LakeResource, iceberg: IcebergResource, scratch: Path
    ):
        self.config, self.lake, self.catalog = config, lake, iceberg.catalog()
        self.namespace, self.scratch = config.database_name, scratch
        self._files: dict[str, MirrorFiles] = {}  # see local_files
        self._downloads: dict[str, str] = {}  # S3 key -> its copy in scratch, made once

    def load(self, name: str) -> IcebergTable | None:
        try:
            return self.catalog.load_table(f"{self.namespace}.{name}")
        except NoSuchTableError:
            return None

    def _table(self, name: str, schema: pa.Schema) -> IcebergTable:
        existing = self.load(name)
        if existing is not None:
            return existing
        self.catalog.create_namespace_if_not_exists(self.namespace)
        return self.catalog.create_table(
            f"{self.namespace}.{name}",
            schema=schema,
            location=self.lake.uri(datamart_prefix(self.namespace, name)),
            properties=keep_metadata(self.config.snapshots_kept),
        )

    def _committed(self, name: str, table: IcebergTable) -> int | None:
        """After a commit to `table` (`<database>.<name>`, updated by it): its snapshot id.
        Its file listing is listed again when next needed; once it holds twice
        `snapshots_kept` snapshots, the oldest are expired down to that many."""
        self._files.pop(name, None)
        expire_when_due(table, self.config.snapshots_kept)
        return _snapshot_id(table)

    def replace(self, name: str, files: list[Path], run_id: str) -> int | None:
        """`<database>.<name>` holds exactly the rows of `files`, in one snapshot."""
        schema = nullable_schema(pq.read_schema(files[0]))
        keys = publish(self.lake, files, f"{datamart_prefix(self.namespace, name)}/data", name,
                       run_id)  # fmt: skip
        table = self._table(name, schema)
        data, deletes = live_files(table)  # every file out, delete files too
        with transaction(table) as tx:
            with tx.update_schema() as update:
                update.union_by_name(schema)
            commit_row_changes(tx, table, removed=data + deletes,
                               added_data=[self.lake.uri(k) for k in keys])  # fmt: skip
        return self._committed(name, table)

    def upsert(
        self, name: str, file: Path, keys: list[str], known: "Positions | None" = None
    ) -> int | None:
        """Rows of `file` replace the rows with the same key (where they are: `known`), the
        others are added."""
        if len(keys) == 1:  # the rows are known to be new or changed
            return self.replace_rows(name, keys[0], file, file, known)
        rows = pq.read_table(file)
        table = self._table(name, nullable_schema(rows.schema))
        with table.update_schema() as update:
            update.union_by_name(nullable_schema(rows.schema))
        table = self.load(name)
        assert table is not None
        table.upsert(rows.cast(table.schema().as_arrow()), join_cols=keys)
        return self._committed(name, table)

    def replace_rows(
        self,
        name: str,
        key: str,
        keys_file: Path,
        rows_file: Path | None,
        known: "Positions | None" = None,
    ) -> int | None:
        """In one snapshot, the rows of `<database>.<name>` whose `key` is among the `key`
        values of `keys_file` are removed and the rows of `rows_file` (if any) added. `known`
        says where those rows are, if already found (used while the mirror is unchanged).

        Merge-on-read: a data file holding such keys gets a position-delete file naming their
        rows and is not rewritten, so a change costs what changed, clustered or spread over
        the table. A data file whose deleted rows would reach `REWRITE_AT` of it is rewritten
        without them instead (copy-on-write) and its delete files dropped, so reads stay fast;
        so is every touched file of a table that takes no position deletes (see
        `supports_position_deletes`, and a column named `file_row_number`).
        """
        if rows_file is None:
            table = self.load(name)
        else:
            schema = nullable_schema(pq.read_schema(rows_file))
            table = self._table(name, schema)
            with transaction(table) as tx, tx.update_schema() as update:  # updates `table`
                update.union_by_name(schema)
        assert table is not None
        files = self.local_files(name, table)
        merge_on_read = supports_position_deletes(table) and files.has_positions()
        rewrite: list[str] = []  # data files (table paths), rewritten without the keys
        rewritten: list[Path] = []
        delete_files: list[Path] = []  # new position-delete files, one per data file
        merged: list[DataFile] = []  # earlier delete files, merged into a new one
        con = duckdb.connect()
        try:
            con.execute(f"CREATE TEMP TABLE __keys AS SELECT DISTINCT {_q(key)} AS k FROM "
                        f"{_read_parquet_sql([str(keys_file)])}")  # fmt: skip
            hits: dict[str, int] = {}
            if files.data and known is not None and known.snapshot_id == files.snapshot_id:
                con.execute("CREATE TEMP TABLE __hits AS SELECT file_path, pos FROM "
                            f"{_read_parquet_sql([str(known.file)])}")  # fmt: skip
            elif files.data:
                con.execute(
                    "CREATE TEMP TABLE __hits AS SELECT __wmg_file AS file_path, __wmg_pos AS pos "
                    f"FROM ({files.rows_sql(positions=True)}) "
                    f"WHERE {_q(key)} IN (SELECT k FROM __keys)"
                )  # fmt: skip
            if files.data:
                hits = dict(con.execute("SELECT file_path, count(*) FROM __hits GROUP BY 1")
                            .fetchall())  # fmt: skip
            deleted = files.deleted_rows(con)
            for path, n in sorted(hits.items()):
                total = files.by_path[path].record_count
                if not merge_on_read or deleted.get(path, 0) + n >= REWRITE_AT * total:
                    rewrite.append(path)
                    out = self.scratch / f"{name}.rewrite-{len(rewrite)}.parquet"
                    kept = (f"SELECT * FROM ({files.rows_sql(only=[path])}) AS f WHERE NOT "
                            f"EXISTS (SELECT 1 FROM __keys WHERE k = f.{_q(key)})")  # fmt: skip
                    _copy_parquet(con, kept, out)
                    if pq.ParquetFile(out).metadata.num_rows:
                        rewritten.append(out)
                else:
                    out = self.scratch / f"{name}.deletes-{len(delete_files)}.parquet"
                    new = f"SELECT file_path, pos FROM __hits WHERE file_path = {_literal(path)}"
                    earlier = files.deletes_for(path)
                    if len(earlier) >= MERGE_DELETE_FILES_AT:  # one file instead, read faster
                        merged.extend(earlier.values())
                        new += (f" UNION ALL SELECT file_path, pos FROM "
                                f"{_read_parquet_sql(list(earlier))}")  # fmt: skip
                    positions = con.sql(f"SELECT * FROM ({new}) ORDER BY pos")
                    write_position_deletes(positions.to_arrow_reader(), out)
                    delete_files.append(out)
        finally:
            con.close()
        if not hits and rows_file is None:
            return _snapshot_id(table)
        removed = [files.by_path[p] for p in rewrite] + files.deletes_of(rewrite) + merged
        prefix, token = f"{datamart_prefix(self.namespace, name)}/data", uuid.uuid4().hex
        published = publish(self.lake, rewritten, prefix, f"{name}.rewritten", token)
        if rows_file is not None:  # copied: the join rebuild reads it afterwards
            published += publish(self.lake, [rows_file], prefix, name, token, move=False)
        delete_keys = publish(self.lake, delete_files, prefix, f"{name}.deletes", token,
                              move=False)  # fmt: skip
        deletes = [position_delete_file(local, self.lake.uri(k))
                   for local, k in zip(delete_files, delete_keys, strict=True)]  # fmt: skip
        added = [self.lake.uri(k) for k in published]
        published += delete_keys
        try:
            with transaction(table) as tx:
                commit_row_changes(tx, table, removed=removed, added_data=added,
                                   added_deletes=deletes)  # fmt: skip
        except Exception:
            self._files.pop(name, None)
            for k in published:
                self.lake.delete(k)
            raise
        log.info("%s.%s: %d changed %s key(s): %d data file(s) given position deletes, %d "
                 "rewritten, %d added", self.namespace, name, sum(hits.values()), key,
                 len(delete_files), len(rewrite), len(added))  # fmt: skip
        return self._committed(name, table)

    def local_files(self, name: str, table: IcebergTable | None = None) -> "MirrorFiles":
        """A mirror's current data and delete files by local path: the files themselves in a
        local lake; from S3, downloads into the run's scratch folder, each made once per run.
        Listed once until the mirror changes: a commit here, or a `table` just loaded that
        shows another snapshot or schema."""
        cached = self._files.get(name)
        if cached is not None and (table is None or cached.matches(table)):
            return cached
        table = table or self.load(name)
        assert table is not None
        data, deletes = live_files(table)
        files = self._files[name] = MirrorFiles(
            data={self._local(f.file_path): f for f in data},
            deletes={self._local(f.file_path): f for f in deletes},
            columns=[c.name for c in table.schema().columns],
            snapshot_id=_snapshot_id(table),
        )
        return files

    def _local(self, file_path: str) -> str:
        key = self.lake.key_of(file_path)
        if not self.lake.is_s3:
            return str(self.lake.path(key))
        if key not in self._downloads:  # files never change once written
            self._downloads[key] = str(self.lake.download(key, self.scratch / "mirror"))
        return self._downloads[key]


@dataclass
class MirrorFiles:
    """A mirror's current files, local: its data files and position-delete files, each by
    local path with its Iceberg entry (whose `file_path` is the path the table knows)."""

    data: dict[str, DataFile]
    deletes: dict[str, DataFile]
    columns: list[str]
    snapshot_id: int | None

    def matches(self, table: IcebergTable) -> bool:
        """Whether these are still `table`'s files (same snapshot, same columns)."""
        columns = [c.name for c in table.schema().columns]
        return self.snapshot_id == _snapshot_id(table) and self.columns == columns

    @functools.cached_property
    def by_path(self) -> dict[str, DataFile]:
        """The data files by their path in the table."""
        return {f.file_path: f for f in self.data.values()}

    @functools.cached_property
    def local_of(self) -> dict[str, str]:
        """The local path of each data file, by its path in the table."""
        return {f.file_path: p for p, f in self.data.items()}

    def has_positions(self) -> bool:
        """Whether DuckDB can tell each row's position (a column of that name hides it)."""
        return not any(c.lower() == "file_row_number" for c in self.columns)

    def rows_sql(self, only: list[str] | None = None, positions: bool = False) -> str:
        """DuckDB SQL of the mirror's rows (of the data files at the table paths `only`): the
        data files' rows less the rows the delete files delete. With `positions`, each row's
        data file (`__wmg_file`, its table path) and 0-based row in it (`__wmg_pos`) too."""
        files = [self.local_of[p] for p in only] if only is not None else list(self.data)
        if not self.deletes and not positions:
            return f"SELECT * FROM {_read_parquet_sql(files)}"
        with_pos = self.has_positions()  # else __wmg_pos is null
        if self.deletes and not with_pos:
            raise DatamartSourceError(
                "a mirror with position deletes has a column named file_row_number, which "
                "hides each row's position from DuckDB: run a full load to rewrite it"
            )
        paths = ", ".join(f"({_literal(p)}, {_literal(self.data[p].file_path)})" for p in files)
        scan = (
            f"SELECT d.* EXCLUDE (__wmg_local{', file_row_number' * with_pos}), "
            f"p.file_path AS __wmg_file, "
            f"{'d.file_row_number' if with_pos else 'NULL::BIGINT'} AS __wmg_pos FROM "
            f"{_read_parquet_sql(files, filename='__wmg_local', positions=with_pos)} AS d "
            f"JOIN (VALUES {paths}) AS p(local_path, file_path) ON d.__wmg_local = p.local_path"
        )
        if self.deletes:
            scan = (f"SELECT * FROM ({scan}) AS r WHERE NOT EXISTS (SELECT 1 FROM "
                    f"{_read_parquet_sql(list(self.deletes))} AS x "
                    "WHERE x.file_path = r.__wmg_file AND x.pos = r.__wmg_pos)")  # fmt: skip
        return scan if positions else f"SELECT * EXCLUDE (__wmg_file, __wmg_pos) FROM ({scan})"

    def deleted_rows(self, con: Any) -> dict[str, int]:
        """Rows the delete files delete, per data file (table path): from the entries of the
        delete files that name one data file, by reading the others."""
        counts: dict[str, int] = {}
        unscoped = []
        for local, delete_file in self.deletes.items():
            path = referenced_path(delete_file)
            if path is None:
                unscoped.append(local)
            else:
                counts[path] = counts.get(path, 0) + delete_file.record_count
        if unscoped:
            query = f"SELECT file_path, count(*) FROM {_read_parquet_sql(unscoped)} GROUP BY 1"
            for path, n in con.execute(query).fetchall():
                counts[path] = counts.get(path, 0) + n
        return counts

    def deletes_for(self, path: str) -> dict[str, DataFile]:
        """The delete files (by local path) that delete from the data file at `path` alone."""
        return {p: d for p, d in self.deletes.items() if referenced_path(d) == path}

    def deletes_of(self, removed: list[str]) -> list[DataFile]:
        """The delete files that apply to none of the data files left once the data files at
        the table paths `removed` are gone (each names one data file: `position_delete_file`)."""
        left = set(self.by_path) - set(removed)
        return [d for d in self.deletes.values() if not any(applies_to(d, p) for p in left)]


def changed_rows(
    increment: list[Path],
    mirror_files: "MirrorFiles",
    keys: list[str],
    out: Path,
    old_out: Path | None,
) -> "Positions | None":
    """Rows of the `increment` files that are new or differ from the mirror's row with the
    same key (the lag window re-reads rows already loaded), written to `out`; the mirror's
    versions of those rows go to `old_out` (if given: the joins need them). The mirror is read
    once; where its old versions are (data file, row) is returned, for `Mirrors.replace_rows`
    (None: no mirror)."""
    con = duckdb.connect()
    try:
        inc = _read_parquet_sql([str(p) for p in increment])
        columns = [d[0] for d in con.execute(f"DESCRIBE SELECT * FROM {inc}").fetchall()]
        cols = ", ".join(_q(c) for c in columns)
        query = f"SELECT {cols} FROM {inc}"
        changed = f"read_parquet({_literal(str(out))})"
        if not mirror_files.data:
            _copy_parquet(con, query, out)
            if old_out is not None:
                _copy_parquet(con, f"SELECT * FROM {changed} WHERE false", old_out)
            return None
        same_keys = " AND ".join(f"m.{_q(k)} = i.{_q(k)}" for k in keys)
        con.execute(f"CREATE TEMP TABLE __old AS SELECT * FROM "
                    f"({mirror_files.rows_sql(positions=True)}) AS m "
                    f"WHERE EXISTS (SELECT 1 FROM {inc} i WHERE {same_keys})")  # fmt: skip
        query += f" EXCEPT SELECT {', '.join(f'm.{_q(c)}' for c in columns)} FROM __old m"
        _copy_parquet(con, query, out)
        replaced = (f"FROM __old m WHERE EXISTS (SELECT 1 FROM {changed} i "
                    f"WHERE {same_keys})")  # fmt: skip
        if old_out is not None:
            _copy_parquet(con, f"SELECT * EXCLUDE (__wmg_file, __wmg_pos) {replaced}", old_out)
        positions = out.with_name(out.stem + ".positions.parquet")
        _copy_parquet(con, f"SELECT __wmg_file AS file_path, __wmg_pos AS pos {replaced}",
                      positions)  # fmt: skip
        return Positions(mirror_files.snapshot_id, positions)
    finally:
        con.close()


@dataclass
class Positions:
    """Where rows are in a mirror (at its snapshot `snapshot_id`): a Parquet `file` of
    `(file_path, pos)`."""

    snapshot_id: int | None
    file: Path


def _total_records(table: IcebergTable | None) -> int:
    """Rows in a table, from its current snapshot's summary (no data read): its data files'
    rows less the rows its position-delete files delete (each row deleted once, by a delete
    file that goes when its data file goes: see `Mirrors.replace_rows`)."""
    snapshot = table.current_snapshot() if table is not None else None
    summary = snapshot.summary if snapshot and snapshot.summary else None
    records = summary.get("total-records") if summary is not None else None
    if summary is None or records is None:
        return -1
    return int(records) - int(summary.get("total-position-deletes") or 0)


def _snapshot_id(table: IcebergTable | None) -> int | None:
    snapshot = table.current_snapshot() if table is not None else None
    return snapshot.snapshot_id if snapshot else None


def _q(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")


def _column_ref(text: str, base: str) -> str:
    table, _, column = text.rpartition(".")
    return f"{_q(table or base)}.{_q(column)}"


def join_from(join: JoinOutput, relation: dict[str, str] | None = None) -> str:
    """The FROM clause of a join output; `relation` swaps a table for another relation."""
    rel = relation or {}
    sources = [f"{_q(rel.get(join.base, join.base))} AS {_q(join.base)}"]
    for w in join.with_:
        condition = " AND ".join(
            f"{_q(w.name)}.{_q(mine)} = {_column_ref(theirs, join.base)}"
            for mine, theirs in w.on.items()
        )
        table = _q(rel.get(w.table, w.table))
        sources.append(f"{w.how.upper()} JOIN {table} AS {_q(w.name)} ON {condition}")
    return " ".join(sources)


def join_select(join: JoinOutput, columns_of: dict[str, list[str]]) -> str:
    """The select list of a join output: its projection, or every column (joined ones
    prefixed with their alias)."""
    if join.columns:
        pairs = []
        for c in join.columns:
            name, alias = (c, None) if isinstance(c, str) else (c.name, c.as_)
            pairs.append((_column_ref(name, join.base), alias or name.replace(".", "_")))
    else:
        pairs = [(f"{_q(join.base)}.{_q(c)}", c) for c in columns_of[join.base]]
        pairs += [(f"{_q(w.name)}.{_q(c)}", f"{w.name}_{c}")
                  for w in join.with_ for c in columns_of[w.table]]  # fmt: skip
    used: dict[str, int] = {}
    items = []
    for ref, name in pairs:  # `account_id` of the base and `id` of alias `account` collide
        used[name] = used.get(name, 0) + 1
        items.append(f"{ref} AS {_q(name if used[name] == 1 else f'{name}_{used[name]}')}")
    return ", ".join(items)


def join_sql(join: JoinOutput, columns_of: dict[str, list[str]]) -> str:
    """The SELECT of a join output over views named after the source tables."""
    return f"SELECT {join_select(join, columns_of)} FROM {join_from(join)}"


def output_key(join: JoinOutput, config: DatamartConfig) -> str | None:
    """The output column holding the base table's key, when it has a single one that the
    output keeps (then join rows can be recomputed for the base keys a change touched)."""
    keys = config.table(join.base).keys
    if len(keys) != 1:
        return None
    if not join.columns:
        return keys[0]
    for c in join.columns:
        name, alias = (c, None) if isinstance(c, str) else (c.name, c.as_)
        table, _, column = name.rpartition(".")
        if column == keys[0] and table in ("", join.base):
            return alias or name.replace(".", "_")
    return None


@dataclass
class Changes:
    """Rows a run changed, per table: their new versions and the versions they replaced."""

    new: dict[str, Path] = field(default_factory=dict)
    old: dict[str, Path] = field(default_factory=dict)
    positions: dict[str, "Positions | None"] = field(default_factory=dict)  # of the old ones


def _read_parquet_sql(files: list[str], filename: str = "", positions: bool = False) -> str:
    """DuckDB's reader of Parquet files, columns matched by name; with `filename`, each row's
    file path in a column of that name, with `positions` its row in `file_row_number`."""
    listing = ", ".join(exp.Literal.string(f).sql("duckdb") for f in files)
    options = "union_by_name = true"
    if filename:
        options += f", filename = {exp.Literal.string(filename).sql('duckdb')}"
    if positions:
        options += ", file_row_number = true"
    return f"read_parquet([{listing}], {options})"


def _literal(text: str) -> str:
    return exp.Literal.string(text).sql("duckdb")


def _copy_parquet(con: Any, query: str, out: Path) -> None:
    """Write a DuckDB query's rows to the Parquet file `out`."""
    con.execute(f"COPY ({query}) TO {exp.Literal.string(str(out)).sql('duckdb')} (FORMAT parquet)")


def _parquet_view(con: Any, name: str, files: list[str]) -> None:
    con.execute(f"CREATE OR REPLACE VIEW {_q(name)} AS SELECT * FROM {_read_parquet_sql(files)}")


def touched_base_keys(con: Any, join: JoinOutput, config: DatamartConfig, changes: Changes) -> str:
    """SQL of the base keys whose join rows a change may alter: changed base rows, and base
    rows that a changed joined row matches — in its new version or in its old one."""
    base_key = config.table(join.base).keys[0]
    parts = []
    for version, files in (("new", changes.new), ("old", changes.old)):
        if join.base in files:
            view = f"__{version}_{join.base}"
            _parquet_view(con, view, [str(files[join.base])])
            parts.append(f"SELECT {_q(base_key)} AS k FROM {_q(view)}")
        for w in join.with_:
            if w.table not in files:
                continue
            view = f"__{version}_{w.table}"
            _parquet_view(con, view, [str(files[w.table])])
            first_key = config.table(w.table).keys[0]
            parts.append(
                f"SELECT {_q(join.base)}.{_q(base_key)} AS k FROM "
                f"{join_from(join, {w.table: view})} WHERE {_q(w.name)}.{_q(first_key)} IS NOT NULL"
            )
    return " UNION ".join(parts) if parts else "SELECT NULL AS k WHERE false"


def rebuild_join(
    join: JoinOutput,
    config: DatamartConfig,
    mirrors: Mirrors,
    scratch: Path,
    run_id: str,
    changes: Changes | None = None,
) -> int:
    """Bring a join output up to date with the mirrors; its rows. With `changes` (an
    incremental run) and a single base key kept by the output, only the join rows of the base
    keys the changes touched are recomputed (deleted and inserted in one snapshot); else the
    whole output is recomputed and replaced."""
    key = output_key(join, config)
    existing = mirrors.load(join.output)
    partial = changes is not None and key is not None and existing is not None
    con = duckdb.connect()
    try:
        columns_of = {}
        for name in [join.base, *(w.table for w in join.with_)]:
            files = mirrors.local_files(name)
            con.execute(f"CREATE OR REPLACE VIEW {_q(name)} AS {files.rows_sql()}")
            columns_of[name] = [d[0] for d in con.execute(f"DESCRIBE {_q(name)}").fetchall()]
        query = join_sql(join, columns_of)
        if not partial:
            out = scratch / f"{join.output}.parquet"
            _copy_parquet(con, query, out)
            rows_out = pq.ParquetFile(out).metadata.num_rows
            mirrors.replace(join.output, [out], run_id)
            return rows_out
        assert changes is not None and key is not None and existing is not None
        touched_sql = touched_base_keys(con, join, config, changes)
        con.execute(f"CREATE TEMP TABLE __touched AS SELECT DISTINCT k FROM ({touched_sql}) t "
                    "WHERE k IS NOT NULL")  # fmt: skip
        base_key = config.table(join.base).keys[0]
        keys_file = scratch / f"{join.output}.keys.parquet"
        rows_file = scratch / f"{join.output}.rows.parquet"
        _copy_parquet(con, f"SELECT k AS {_q(key)} FROM __touched", keys_file)
        _copy_parquet(con, f"{query} WHERE {_q(join.base)}.{_q(base_key)} IN "
                           "(SELECT k FROM __touched)", rows_file)  # fmt: skip
        touched = pq.ParquetFile(keys_file).metadata.num_rows
        rows = pq.ParquetFile(rows_file).metadata.num_rows
        if touched:
            mirrors.replace_rows(join.output, key, keys_file, rows_file if rows else None)
        log.info("%s: %d base key(s) touched, %d join row(s) recomputed", join.output,
                 touched, rows)  # fmt: skip
        return _total_records(mirrors.load(join.output))
    finally:
        con.close()


def run_datamart(
    config: DatamartConfig,
    load_type: str,
    *,
    source_url: str,
    lake: LakeResource,
    iceberg: IcebergResource,
    run_id: str,
    now: datetime | None = None,
) -> DatamartLoad:
    """Load the datamart (see the module docstring); what was read, committed and stored."""
    watermark = read_watermark(lake, config.database_name)
    full = load_type == "full" or watermark is None
    result = DatamartLoad(load_type, "full" if full else "incremental", watermark)
    con = connect_source(source_url)
    try:
        check_source(con, config)
        since = None if full else watermark - timedelta(seconds=config.lag_seconds)  # type: ignore[operator]
        with tempfile.TemporaryDirectory(prefix="wmg-datamart-") as scratch:
            mirrors = Mirrors(config, lake, iceberg, Path(scratch))
            files: dict[str, list[Path]] = {}
            changes = Changes()
            joined = {j.base for j in config.joins} | {w.table for j in config.joins
                                                       for w in j.with_}  # fmt: skip
            for table in config.tables:
                table_full = since is None or mirrors.load(table.name) is None
                out = Path(scratch) / f"{table.name}.parquet"
                rows, largest, parts = read_table(con, table, None if table_full else since,
                                                  out)  # fmt: skip
                load = result.tables[table.name] = TableLoad(rows, rows, table_full, largest)
                scope = "all" if table_full else f"{table.incremental_field} >= {since}"
                if rows and not table_full:
                    changed = Path(scratch) / f"{table.name}.changed.parquet"
                    replaced = Path(scratch) / f"{table.name}.old.parquet"
                    if table.name not in joined:
                        replaced = None  # no join needs the versions a change replaced
                    known = changed_rows(parts, mirrors.local_files(table.name), table.keys,
                                         changed, replaced)  # fmt: skip
                    load.rows_changed = pq.ParquetFile(changed).metadata.num_rows
                    parts = [changed]
                    if load.rows_changed:
                        changes.new[table.name] = changed
                        if replaced is not None:
                            changes.old[table.name] = replaced
                        changes.positions[table.name] = known
                log.info("%s: read %d row(s) of %s (%s), %d new or changed", config.database_name,
                         rows, table.name, scope, load.rows_changed)  # fmt: skip
                if load.rows_changed or table_full:
                    files[table.name] = parts or [out]
            if not full and not any(t.rows_changed for t in result.tables.values()):
                result.skipped = True
                log.info("%s: empty increment, nothing committed", config.database_name)
                return result
            for table in config.tables:
                load = result.tables[table.name]
                if table.name not in files:
                    continue
                if load.full and not load.rows_read:  # an empty table: empty mirror
                    pq.write_table(con.table(table.name).limit(0).to_pyarrow(),
                                   files[table.name][0])  # fmt: skip
                load.snapshot_id = (
                    mirrors.replace(table.name, files[table.name], run_id) if load.full
                    else mirrors.upsert(table.name, files[table.name][0], table.keys,
                                        changes.positions.get(table.name))
                )  # fmt: skip
            any_full = any(t.full for t in result.tables.values())
            for join in config.joins:
                result.outputs[join.output] = rebuild_join(
                    join, config, mirrors, Path(scratch), run_id, None if any_full else changes
                )
    finally:
        con.disconnect()
    values = [t.max_value for t in result.tables.values() if t.max_value is not None]
    if watermark is not None:
        values.append(watermark)  # never backwards
    if values:
        result.watermark_after = write_watermark(lake, config.database_name, max(values))
    return result
