"""Upsert one file's silver rows into a warehouse table, pushed down as SQL.

1. stage the silver Parquet (wide types: TEXT / BIGINT / …): bulk-loaded into a temporary
   table, or on DuckDB with a local lake a view over the files themselves;
2. measure it (longest string in bytes, integer range) and plan the schema changes;
3. keep one row per key: the greatest `order_by`, then the later line of the file;
4. carry forward, for keys the target has, the values of target columns the file lacks
   (only new rows get the seed's fill values); drop staged rows identical to the target row
   (so re-loading a file changes nothing) and, with `order_by`, rows older than the target's
   (`stale`: an old version arriving late never overwrites a newer one; ties go to the file);
5. in one transaction: apply the plan, lock the target, `DELETE … USING`, `INSERT`, and
   `record` the outcome (audit and ledger rows) — all commit together or not at all
   (Redshift widens VARCHARs just before, as it refuses that inside a transaction).

Row counts come back from the statements themselves: `updated` is what the DELETE
removed, `inserted` is what the INSERT added beyond that.
"""

import logging
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from wmg_resources.lake import LakeResource
from wmg_resources.timing import StepTimes
from wmg_resources.warehouse.base import Column, Warehouse
from wmg_resources.warehouse.dialect import column_list, qualified, quote, render_type
from wmg_resources.warehouse.evolution import (
    LINE_COLUMN,
    ColumnStats,
    MergeError,
    SchemaPlan,
    SourceColumn,
    ViewDefinition,
    plan_schema_changes,
)

log = logging.getLogger(__name__)

METADATA_COLUMNS = ("run_date", "file_name")

T = TypeVar("T")
Retry = Callable[[Callable[[], T]], T]
Recorder = Callable[[Warehouse, dict[str, int], str], None]
"""Called inside the merge's transaction with the merge's counts (rows_read, rows_updated,
rows_inserted, …) and the applied plan (Markdown): what it writes commits with the merge,
and if it raises, nothing does."""


def no_retry(fn: Callable[[], T]) -> T:
    return fn()


@dataclass
class MergeResult:
    rows_read: int
    rows_deduplicated: int  # duplicates of a key within the file that were dropped
    rows_unchanged: int  # keys whose row already equals the target row
    rows_updated: int
    rows_inserted: int
    plan: SchemaPlan
    dialect: str
    target_columns: list[Column] = field(default_factory=list)
    target_rows: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # per step: load, plan, ...
    rows_stale: int = 0  # rows older (by order_by) than the target's row of their key

    @property
    def counts(self) -> dict[str, int]:
        return {
            "rows_read": self.rows_read,
            "rows_deduplicated": self.rows_deduplicated,
            "rows_unchanged": self.rows_unchanged,
            "rows_stale": self.rows_stale,
            "rows_updated": self.rows_updated,
            "rows_inserted": self.rows_inserted,
        }

    @property
    def table_created(self) -> bool:
        return any(a.kind == "create_table" for a in self.plan.actions)

    @property
    def plan_markdown(self) -> str:
        return self.plan.markdown(self.dialect)


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


def carry_forward_sql(
    rows: str, target: str, keys: Sequence[str], defaults: dict[str, str], dialect: str
) -> str:
    """`rows` (an aliased relation `d`) with the target columns the file lacks: the target
    row's value where the key exists (an update keeps what the file does not say), else the
    fill value (a new row). Target keys are NOT NULL, so a NULL key means no match."""
    first_key = f"t.{quote(keys[0], dialect)}"
    carried = ", ".join(
        f"CASE WHEN {first_key} IS NULL THEN {literal} ELSE t.{quote(c, dialect)} END "
        f"AS {quote(c, dialect)}"
        for c, literal in defaults.items()
    )
    return (
        f"SELECT d.*, {carried} FROM {rows} LEFT JOIN {target} AS t "
        f"ON {_key_match('d', 't', keys, dialect)}"
    )


def stale_condition(new: str, order_by: str, dialect: str) -> str:
    """A staged row is stale when the target's row of its key has a greater `order_by` (a
    NULL never wins: the dedupe's rule); equal values are not stale (the later file wins)."""
    n, t = f"{new}.{quote(order_by, dialect)}", f"t.{quote(order_by, dialect)}"
    return f"{t} IS NOT NULL AND ({n} IS NULL OR {n} < {t})"


def lock_sql(target: str, dialect: str) -> str | None:
    """Keeps a second merge into the same table waiting until this one commits."""
    if dialect == "postgres":
        return f"LOCK TABLE {target} IN SHARE ROW EXCLUSIVE MODE"
    if dialect == "redshift":
        return f"LOCK {target}"
    return None  # DuckDB: one writer per database file


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
    views: Sequence[ViewDefinition] = (),
    retry: Retry = no_retry,
    dry_run: bool = False,
    record: Recorder | None = None,
) -> MergeResult:
    """Merge the silver Parquet objects `files` of one landed file into `schema.table`.

    With `dry_run`, stop after planning: the result holds the plan and nothing is changed.
    `record` writes the outcome inside the merge's transaction (see `Recorder`).
    """
    d = wh.dialect
    names = [c.name for c in source]
    staged_name, new_name = f"_wmg_stg_{token}", f"_wmg_new_{token}"
    staged, new = wh.staging_name(staged_name), wh.staging_name(new_name)
    target = qualified(schema, table, d)

    times = StepTimes()
    held = ExitStack()
    try:
        with times("load"):
            rows_read = wh.stage(
                staged_name, staging_columns(source, d), lake, list(files), scratch
            )
        if not dry_run:  # released when the merge is done (the finally below)
            held.enter_context(wh.merge_lock(schema, table))
        with times("plan"):
            _check_keys(wh, staged, file_name, [c for c in source if c.name in keys])
            stats = measure(wh, staged, source)
            existing = wh.columns(schema, table)
            plan = plan_schema_changes(
                file_name, source, stats, existing, schema=schema, table=table, keys=keys,
                dialect=d, views=views,
            )  # fmt: skip
        if dry_run:
            return MergeResult(rows_read, 0, 0, 0, 0, plan, d, existing or [], 0, times.seconds)

        data_columns = [n for n in names if n != LINE_COLUMN]
        with times("dedupe"):
            duplicates = _has_duplicate_keys(wh, staged, keys)
        if duplicates:
            deduped = f"({dedupe_sql(staged, keys, order_by, data_columns, d)}) AS d"
        else:  # most files: skip the sort that picks one row per key
            deduped = f"(SELECT {column_list(data_columns, d)} FROM {staged}) AS d"
        unchanged = stale = 0
        if existing is not None:  # else the plan creates the table: nothing to compare
            with times("dedupe"):
                wh.execute(f"DROP TABLE IF EXISTS {new}")
                if plan.defaults:
                    deduped = f"({carry_forward_sql(deduped, target, keys, plan.defaults, d)}) AS d"
                wh.execute(f"CREATE TEMP TABLE {new} AS SELECT * FROM {deduped}")
                deduped = new
                if order_by and order_by in {c.name for c in existing}:
                    stale = wh.execute(
                        f"DELETE FROM {new} USING {target} AS t WHERE "
                        f"{_key_match(new, 't', keys, d)} AND {stale_condition(new, order_by, d)}"
                    )
                if not plan.adds_columns:
                    compare = [
                        n for n in data_columns if n not in METADATA_COLUMNS and n not in keys
                    ]
                    unchanged = wh.execute(
                        f"DELETE FROM {new} USING {target} AS t WHERE "
                        f"{_key_match(new, 't', keys, d)} AND "
                        f"{_same_values(new, 't', compare, d)}"
                    )
            inserted_columns, fill = [*data_columns, *plan.defaults], {}
        else:
            inserted_columns, fill = data_columns, plan.defaults
        statements = plan.statements(d)
        outside = [s.sql for s in statements if not s.in_transaction]
        inside = [s for s in statements if s.in_transaction]
        if outside:
            retry(lambda: [wh.execute(sql) for sql in outside])

        def merge() -> tuple[int, int]:
            with wh.transaction():
                for statement in inside:
                    if statement.if_missing:
                        wh.create_if_missing(statement.sql)
                    else:
                        wh.execute(statement.sql)
                lock = lock_sql(target, d)
                if lock:
                    wh.execute(lock)
                updated = 0
                if existing is not None:
                    updated = wh.execute(
                        f"DELETE FROM {target} USING {new} WHERE {_key_match(target, new, keys, d)}"
                    )
                written = wh.execute(_insert_sql(target, deduped, inserted_columns, fill, d))
                if record is not None:
                    counts = _counts(rows_read, unchanged, stale, updated, written)
                    record(wh, counts, plan.markdown(d))
            return updated, written

        with times("merge"):
            updated, written = retry(merge)
        result = MergeResult(
            **_counts(rows_read, unchanged, stale, updated, written),
            plan=plan,
            dialect=d,
            target_columns=wh.columns(schema, table) or [],
            target_rows=int(wh.scalar(f"SELECT count(*) FROM {target}")),
            seconds=times.seconds,
        )
        log.info(
            "merged %s into %s.%s: %d read, %d updated, %d inserted, %d unchanged, %d stale",
            file_name, schema, table, rows_read, result.rows_updated, result.rows_inserted,
            unchanged, stale,
        )  # fmt: skip
        return result
    finally:
        held.close()
        wh.execute(f"DROP TABLE IF EXISTS {new}")
        wh.drop_staging(staged_name)


def _counts(read: int, unchanged: int, stale: int, updated: int, written: int) -> dict[str, int]:
    """The merge's counts from what its statements returned (`written` = rows inserted,
    updated ones included)."""
    return {
        "rows_read": read,
        "rows_deduplicated": read - unchanged - stale - written,
        "rows_unchanged": unchanged,
        "rows_stale": stale,
        "rows_updated": updated,
        "rows_inserted": written - updated,
    }


def _insert_sql(
    target: str, rows: str, columns: Sequence[str], defaults: dict[str, str], dialect: str
) -> str:
    """INSERT of the new `rows` (a table or an aliased subquery); target columns the file
    lacks get their default."""
    names = [*columns, *defaults]
    values = [quote(c, dialect) for c in columns] + list(defaults.values())
    return (
        f"INSERT INTO {target} ({column_list(names, dialect)}) "
        f"SELECT {', '.join(values)} FROM {rows}"
    )


def measure(wh: Warehouse, staged: str, source: Sequence[SourceColumn]) -> dict[str, ColumnStats]:
    """Longest string (UTF-8 bytes) and integer range of each staged column, in one query."""
    exprs: list[str] = []
    for c in source:
        col = quote(c.name, wh.dialect)
        if c.logical_type == "varchar":
            exprs.append(f"max({_byte_length(col, wh.dialect)})")
        elif c.logical_type == "bigint" and c.name != LINE_COLUMN:
            exprs += [f"min({col})", f"max({col})"]
    if not exprs:
        return {}
    _, rows = wh.query(f"SELECT {', '.join(exprs)} FROM {staged}")
    values = iter(rows[0])
    stats = {}
    for c in source:
        if c.logical_type == "varchar":
            v = next(values)
            stats[c.name] = ColumnStats(max_bytes=int(v) if v is not None else None)
        elif c.logical_type == "bigint" and c.name != LINE_COLUMN:
            lo, hi = next(values), next(values)
            stats[c.name] = ColumnStats(
                min_value=int(lo) if lo is not None else None,
                max_value=int(hi) if hi is not None else None,
            )
    return stats


def _has_duplicate_keys(wh: Warehouse, staged: str, keys: Sequence[str]) -> bool:
    cols = column_list(list(keys), wh.dialect)
    _, rows = wh.query(f"SELECT 1 FROM {staged} GROUP BY {cols} HAVING count(*) > 1 LIMIT 1")
    return bool(rows)


def _check_keys(wh: Warehouse, staged: str, file_name: str, keys: Sequence[SourceColumn]) -> None:
    """A NULL or empty upsert key fails the file, naming its first line (silver already
    moves such rows to the DLQ, so this guards direct use)."""
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


__all__ = ["MergeError", "MergeResult", "SourceColumn", "ViewDefinition", "upsert_parquet"]
