"""Upsert one file's silver rows into a warehouse table, pushed down as SQL.

1. bulk-load the silver Parquet into a staging table (wide types: TEXT / BIGINT / …);
2. check it: upsert keys present, types compatible with the target, VARCHARs long enough;
3. keep one row per key: the greatest `order_by`, then the later line of the file;
4. drop staged rows identical to the target row (so re-loading a file changes nothing);
5. in one transaction: create the target if missing, `DELETE … USING`, `INSERT`.

Row counts come back from the statements themselves: `updated` is what the DELETE
removed, `inserted` is what the INSERT added beyond that.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wmg_resources.errors import InputError
from wmg_resources.lake import LakeResource
from wmg_resources.warehouse.base import Column, Warehouse
from wmg_resources.warehouse.dialect import (
    column_list,
    qualified,
    quote,
    render_type,
    varchar_length_for,
)

log = logging.getLogger(__name__)

LINE_COLUMN = "_wmg_line"
"""Silver's source line number; cleaned CSV names never start with `_`, so it is free."""

METADATA_COLUMNS = ("run_date", "file_name")

_COMPATIBLE = {
    "bigint": {"smallint", "integer", "bigint", "decimal", "double", "real"},
    "decimal": {"decimal", "double", "real"},
    "varchar": {"varchar"},
    "boolean": {"boolean"},
    "date": {"date", "timestamp", "timestamptz"},
    "timestamp": {"timestamp", "timestamptz"},
    "timestamptz": {"timestamptz", "timestamp"},
    "double": {"double", "real", "decimal"},
}


class MergeError(InputError):
    """The file cannot be merged; nothing was written. The message says why and where."""


@dataclass(frozen=True)
class SourceColumn:
    name: str
    logical_type: str  # from dialect.logical_type


@dataclass
class MergeResult:
    rows_read: int
    rows_deduplicated: int  # duplicates of a key within the file that were dropped
    rows_unchanged: int  # keys whose row already equals the target row
    rows_updated: int
    rows_inserted: int
    table_created: bool
    target_columns: list[Column] = field(default_factory=list)
    target_rows: int = 0


def _family(type_name: str) -> str:
    return type_name.split("(")[0]


def _byte_length(expr: str, dialect: str) -> str:
    return f"strlen({expr})" if dialect == "duckdb" else f"octet_length({expr})"


def _key_match(left: str, right: str, keys: Sequence[str], dialect: str) -> str:
    return " AND ".join(f"{left}.{quote(k, dialect)} = {right}.{quote(k, dialect)}" for k in keys)


def _same_values(left: str, right: str, columns: Sequence[str], dialect: str) -> str:
    """Null-safe equality of every column (Redshift has no IS NOT DISTINCT FROM)."""
    parts = []
    for c in columns:
        a, b = f"{left}.{quote(c, dialect)}", f"{right}.{quote(c, dialect)}"
        parts.append(f"({a} = {b} OR ({a} IS NULL AND {b} IS NULL))")
    return " AND ".join(parts) or "TRUE"


def staging_columns(source: Sequence[SourceColumn], dialect: str) -> list[tuple[str, str]]:
    """Staging DDL: every column at its widest type for the dialect."""
    return [(c.name, render_type(c.logical_type, dialect)) for c in source]


def create_table_sql(
    schema: str,
    table: str,
    source: Sequence[SourceColumn],
    keys: Sequence[str],
    max_bytes: Mapping[str, int | None],
    dialect: str,
) -> str:
    """`CREATE TABLE` for a new target: keys NOT NULL, VARCHARs sized from the data."""
    cols = []
    for c in source:
        if c.name == LINE_COLUMN:
            continue
        length = varchar_length_for(max_bytes.get(c.name)) if c.logical_type == "varchar" else None
        null = " NOT NULL" if c.name in keys else ""
        cols.append(
            f"{quote(c.name, dialect)} {render_type(c.logical_type, dialect, length)}{null}"
        )
    return f"CREATE TABLE {qualified(schema, table, dialect)} ({', '.join(cols)})"


def dedupe_sql(
    staged: str, keys: Sequence[str], order_by: str | None, columns: Sequence[str], dialect: str
) -> str:
    """One row per key: greatest `order_by` (NULLs lose), then the later line."""
    order = [f"{quote(LINE_COLUMN, dialect)} DESC"]
    if order_by:
        order.insert(0, f"{quote(order_by, dialect)} DESC NULLS LAST")
    return (
        f"SELECT {column_list(list(columns), dialect)} FROM ("
        f"SELECT *, ROW_NUMBER() OVER (PARTITION BY {column_list(list(keys), dialect)} "
        f"ORDER BY {', '.join(order)}) AS {quote('_wmg_rn', dialect)} FROM {staged}"
        f") AS s WHERE {quote('_wmg_rn', dialect)} = 1"
    )


def check_compatibility(
    file_name: str,
    source: Sequence[SourceColumn],
    target: Sequence[Column],
    max_bytes: Mapping[str, int | None],
) -> None:
    """Raise `MergeError` naming every column the target cannot take as it is."""
    by_name = {c.name: c for c in target}
    problems = []
    for c in source:
        if c.name == LINE_COLUMN:
            continue
        t = by_name.get(c.name)
        if t is None:
            problems.append(f"column {c.name!r} ({c.logical_type}) is not in the target")
            continue
        src_family, tgt_family = _family(c.logical_type), _family(t.type)
        if tgt_family not in _COMPATIBLE.get(src_family, {src_family}):
            problems.append(
                f"column {c.name!r}: the file has {c.logical_type} values, the target column "
                f"is {t.type}"
            )
        needed = max_bytes.get(c.name)
        if tgt_family == "varchar" and t.length and needed and needed > t.length:
            problems.append(
                f"column {c.name!r}: a value of {needed} bytes does not fit VARCHAR({t.length})"
            )
    if problems:
        raise MergeError(file_name, "cannot load into the target: " + "; ".join(problems))


def upsert_parquet(
    wh: Warehouse,
    lake: LakeResource,
    files: Sequence[str],
    scratch: Path,
    *,
    file_name: str,
    schema: str,
    table: str,
    source: Sequence[SourceColumn],
    keys: Sequence[str],
    order_by: str | None,
    token: str,
) -> MergeResult:
    """Merge the silver Parquet objects `files` of one landed file into `schema.table`."""
    d = wh.dialect
    names = [c.name for c in source]
    staged_name, new_name = f"_wmg_stg_{token}", f"_wmg_new_{token}"
    staged, new = wh.staging_name(staged_name), wh.staging_name(new_name)
    target = qualified(schema, table, d)

    wh.create_staging_table(staged_name, staging_columns(source, d))
    try:
        rows_read = wh.bulk_load(staged_name, names, lake, list(files), scratch)
        _check_keys(wh, staged, file_name, [c for c in source if c.name in keys])
        max_bytes = _max_byte_lengths(wh, staged, source)

        existing = wh.columns(schema, table)
        if existing is not None:
            check_compatibility(file_name, source, existing, max_bytes)
        data_columns = [n for n in names if n != LINE_COLUMN]
        compare = [n for n in data_columns if n not in METADATA_COLUMNS and n not in keys]

        wh.execute(f"DROP TABLE IF EXISTS {new}")
        wh.execute(
            f"CREATE TEMP TABLE {new} AS " + dedupe_sql(staged, keys, order_by, data_columns, d)
        )
        distinct = int(wh.scalar(f"SELECT count(*) FROM {new}"))
        unchanged = 0
        if existing is not None:
            unchanged = wh.execute(
                f"DELETE FROM {new} USING {target} AS t WHERE "
                f"{_key_match(new, 't', keys, d)} AND {_same_values(new, 't', compare, d)}"
            )
        with wh.transaction():
            if existing is None:
                wh.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema, d)}")
                wh.execute(create_table_sql(schema, table, source, keys, max_bytes, d))
            updated = wh.execute(
                f"DELETE FROM {target} USING {new} WHERE {_key_match(target, new, keys, d)}"
            )
            cols = column_list(data_columns, d)
            written = wh.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {new}")
        result = MergeResult(
            rows_read=rows_read,
            rows_deduplicated=rows_read - distinct,
            rows_unchanged=unchanged,
            rows_updated=updated,
            rows_inserted=written - updated,
            table_created=existing is None,
            target_columns=wh.columns(schema, table) or [],
            target_rows=int(wh.scalar(f"SELECT count(*) FROM {target}")),
        )
        log.info("merged %s into %s.%s: %s", file_name, schema, table, result)
        return result
    finally:
        wh.execute(f"DROP TABLE IF EXISTS {new}")
        wh.execute(f"DROP TABLE IF EXISTS {staged}")


def _check_keys(wh: Warehouse, staged: str, file_name: str, keys: Sequence[SourceColumn]) -> None:
    """A NULL or empty upsert key fails the file, naming its first line."""
    for k in keys:
        col = quote(k.name, wh.dialect)
        empty = f"{col} IS NULL" + (f" OR {col} = ''" if k.logical_type == "varchar" else "")
        _, rows = wh.query(
            f"SELECT count(*), min({quote(LINE_COLUMN, wh.dialect)}) FROM {staged} WHERE {empty}"
        )
        count, first_line = rows[0]
        if count:
            raise MergeError(
                file_name,
                f"the upsert key is empty in {count} row(s)",
                line=first_line,
                column=k.name,
            )


def _max_byte_lengths(
    wh: Warehouse, staged: str, source: Sequence[SourceColumn]
) -> dict[str, int | None]:
    strings = [c.name for c in source if c.logical_type == "varchar"]
    if not strings:
        return {}
    select = ", ".join(f"max({_byte_length(quote(c, wh.dialect), wh.dialect)})" for c in strings)
    _, rows = wh.query(f"SELECT {select} FROM {staged}")
    return {c: (int(v) if v is not None else None) for c, v in zip(strings, rows[0], strict=True)}
