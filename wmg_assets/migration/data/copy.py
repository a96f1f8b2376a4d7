"""Copy one table (one spec row) and prove it: the target created from the source's schema
when it is missing (types mapped as the DDL toolkit maps them), the rows streamed
(`wmg_resources/transfer.py`) by load type, then the reconciliation of the copied rows.

Load types, each in one transaction on the target:

- `append`: the source rows are added (reconciled when the target was empty before);
- `overwrite`: `DELETE` then the copy — readers see the old rows until the commit, never an
  empty table;
- `incremental`: with `w` the target's largest `incremental_load_column`, the target rows
  `= w` are deleted and the source rows `>= w` copied, so rows sharing the boundary value
  are neither lost nor doubled (an empty target is copied whole); the window `>= w` is
  reconciled.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from wmg_assets.migration.data.reconcile import Reconciliation, Side, reconcile_tables
from wmg_assets.migration.data.specs import TableSpec
from wmg_assets.migration.schema.catalog import read_schema
from wmg_assets.migration.schema.ddl_text import create_table_sql, quoted
from wmg_assets.migration.schema.model import Column, ColumnType, Key, Table
from wmg_resources.s3_staging import S3Staging
from wmg_resources.transfer import (
    check_staging,
    postgres_pipe,
    postgres_via_s3,
    redshift_load,
    source_batches,
    write_batches,
)

log = logging.getLogger(__name__)

_ARROW = {
    "SMALLINT": pa.int16(), "INT": pa.int32(), "BIGINT": pa.int64(), "BOOLEAN": pa.bool_(),
    "REAL": pa.float32(), "DOUBLE PRECISION": pa.float64(), "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
}  # fmt: skip


def arrow_type(ctype: ColumnType) -> pa.DataType:
    """The Arrow type a column is streamed as (text where no exact one is safe)."""
    if ctype.name == "DECIMAL" and ctype.precision is not None and ctype.precision <= 38:
        return pa.decimal128(ctype.precision, ctype.scale or 0)
    return _ARROW.get(ctype.name, pa.string())


@dataclass
class CopyResult:
    spec: TableSpec
    rows: int = 0
    seconds: float = 0.0
    created: bool = False
    watermark_before: Any = None
    watermark_after: Any = None
    reconciliation: Reconciliation | None = None
    key: list[str] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def _split(table: str) -> tuple[str, str]:
    schema, _, name = table.rpartition(".")
    return schema or "public", name


def _table(db: Any, name: str) -> Table | None:
    """The table's model; a Teradata table's types as the conversion engine maps them."""
    schema, table = _split(name)
    if db.dialect != "teradata":
        return read_schema(db, schema, tables=[table], views=[]).tables.get(table.lower())
    from wmg_assets.migration.schema.sides import LoadedSide, in_terms_of
    from wmg_assets.migration.schema.teradata import read_teradata_schema

    model = read_teradata_schema(db, schema, tables=[table], views=[])
    return in_terms_of(LoadedSide(model, "teradata", db), "redshift").schema.tables.get(
        table.lower()
    )


def _name_sql(name: str, dialect: str) -> str:
    return ".".join(quoted(p, dialect) for p in _split(name))


def copy_table(spec: TableSpec, source: Any, target: Any,
               progress: Callable[[int], None] | None = None,
               reconcile: bool = True, staging: S3Staging | None = None) -> CopyResult:  # fmt: skip
    """Copy the spec's table from `source` to `target` and reconcile it (module docstring).
    `staging` is the temporary S3 prefix the rows pass through (needed by Redshift either
    side; optional for PostgreSQL → PostgreSQL, e.g. across accounts)."""
    check_staging(source, target, staging)
    started = time.monotonic()
    result = CopyResult(spec)
    mine = _table(source, spec.source_table)
    if mine is None:
        raise LookupError(f"{spec.source_table}: no such table in the source")
    columns = [c for c in mine.columns if spec.columns is None
               or c.name.lower() in {x.lower() for x in spec.columns}]  # fmt: skip
    if spec.columns is not None and len(columns) != len(spec.columns):
        known = {c.name.lower() for c in mine.columns}
        raise LookupError(f"{spec.source_table}: no column(s) "
                          f"{[c for c in spec.columns if c.lower() not in known]}")  # fmt: skip
    theirs = _table(target, spec.target_table)
    if theirs is None:
        schema, name = _split(spec.target_table)
        target.create_if_missing(f"CREATE SCHEMA IF NOT EXISTS {quoted(schema, target.dialect)}")
        key = mine.primary_key
        if key is not None and not set(key.columns) <= {c.name for c in columns}:
            key = None  # the copy leaves out a key column
        if key is not None:
            key = Key("p", key.columns)  # the target names its own constraint
        model = Table(schema, name, tuple(columns), primary_key=key)
        target.execute(create_table_sql(model, target.dialect, foreign_keys=False).rstrip(";"))
        result.created = True
        theirs = _table(target, spec.target_table)
        assert theirs is not None
    names = [c.name for c in columns]
    was_empty = _count(target, spec.target_table) == 0
    where, watermark = _filters(spec, source, target)
    result.watermark_before = watermark
    select = (f"SELECT {', '.join(quoted(n, source.dialect) for n in names)} FROM "
              f"{_name_sql(spec.source_table, source.dialect)}")  # fmt: skip
    if where:
        select += f" WHERE {where}"
    table_sql = _name_sql(spec.target_table, target.dialect)
    with target.transaction():
        if spec.load_type == "overwrite":
            target.execute(f"DELETE FROM {table_sql}")
        elif spec.load_type == "incremental" and watermark is not None:
            column = quoted(spec.incremental_load_column or "", target.dialect)
            target.execute(f"DELETE FROM {table_sql} WHERE {column} = {target.param}",
                           [watermark])  # fmt: skip
        result.rows = _stream(source, target, select, table_sql, columns, theirs, progress,
                              staging)  # fmt: skip
    result.seconds = time.monotonic() - started
    if spec.load_type == "incremental":
        result.watermark_after = _largest(target, spec.target_table, spec.incremental_load_column)
    result.key = spec.key_columns or list(mine.primary_key.columns if mine.primary_key else [])
    if source.dialect == "teradata":
        log.warning("%s: not reconciled (checksums are not built for Teradata yet)",
                    spec.source_table)  # fmt: skip
    elif reconcile and result.key and (spec.load_type != "append" or was_empty):
        result.reconciliation = _reconcile(spec, source, target, result, where, names)
    return result


def _filters(spec: TableSpec, source: Any, target: Any) -> tuple[str | None, Any]:
    """The source filter (the spec's, and the incremental boundary), and the watermark."""
    parts = [f"({spec.source_filter})"] if spec.source_filter else []
    watermark = None
    if spec.load_type == "incremental":
        watermark = _largest(target, spec.target_table, spec.incremental_load_column)
        if watermark is not None:
            literal = _literal(watermark, source.dialect)
            parts.append(f"{quoted(spec.incremental_load_column or '', source.dialect)} >= "
                         f"{literal}")  # fmt: skip
    return (" AND ".join(parts) or None), watermark


def _literal(value: Any, dialect: str) -> str:
    """A watermark as a SQL literal (it came from the target, typed by its driver)."""
    from sqlglot import exp

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return exp.Literal.string(str(value)).sql(dialect)


def _count(db: Any, table: str) -> int:
    return int(db.query(f"SELECT count(*) FROM {_name_sql(table, db.dialect)}")[1][0][0])


def _largest(db: Any, table: str, column: str | None) -> Any:
    """The column's largest value in the (existing) target table."""
    if column is None:
        return None
    [(value,)] = db.query(f"SELECT max({quoted(column, db.dialect)}) FROM "
                          f"{_name_sql(table, db.dialect)}")[1]  # fmt: skip
    return value


def _stream(source: Any, target: Any, select: str, table_sql: str, columns: list[Column],
            theirs: Table, progress: Callable[[int], None] | None,
            staging: S3Staging | None) -> int:  # fmt: skip
    """The rows, by the fastest path the pair has (`wmg_resources/transfer.py`)."""
    names = [c.name for c in columns]
    if source.dialect == target.dialect == "postgres":
        same = all(theirs.column(c.name) is not None and theirs.column(c.name).type == c.type  # type: ignore[union-attr]
                   for c in columns)  # fmt: skip
        if staging is not None:
            return postgres_via_s3(source, target, select, table_sql, names, same, staging,
                                   progress)  # fmt: skip
        return postgres_pipe(source, target, select, table_sql, names, same, progress)
    schema = pa.schema([(c.name, arrow_type(c.type)) for c in columns])
    batches = source_batches(source, select, schema, staging)
    if target.dialect == "redshift":
        return redshift_load(target, table_sql, names, batches, schema, staging, progress)
    return write_batches(target, table_sql, names, batches, progress)


def _reconcile(spec: TableSpec, source: Any, target: Any, result: CopyResult,
               where: str | None, names: list[str]) -> Reconciliation:  # fmt: skip
    """The copied rows against the target: for an incremental or appended copy only the
    rows the copy covered (the target keeps others)."""
    target_where = None
    if spec.load_type == "incremental" and result.watermark_before is not None:
        column = quoted(spec.incremental_load_column or "", target.dialect)
        target_where = f"{column} >= {_literal(result.watermark_before, target.dialect)}"
    columns = [n for n in names if n.lower() not in {k.lower() for k in result.key}]
    return reconcile_tables(Side(source, spec.source_table, where),
                            Side(target, spec.target_table, target_where), result.key,
                            columns=columns)  # fmt: skip
