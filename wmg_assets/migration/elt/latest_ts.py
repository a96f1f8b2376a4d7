"""The Teradata latest-timestamp extractor (`common.td_latest_ts_extractor`): for each table of a
view → table mapping, the latest value of each of its `timestamp` and `date` columns, tables
queried in parallel (`threads`, 0 = one after another, each thread its own connection); a
table that fails is reported with its error and the others go on. The report (`output` rows
per column, `summary` per table, `failed`) is written by the toolkit's writer (xlsx, md, json).

The SQL has the same shape on every source: the temporal columns from the catalog
(`DBC.ColumnsV` on Teradata, `information_schema.columns` elsewhere), then one
`SELECT MAX(c1), MAX(c2), … FROM db.table` per table.
"""

import csv
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wmg_assets.migration.reports import Report, ReportTable, write_reports
from wmg_assets.migration.schema.ddl_text import dotted_name_sql, quoted

log = logging.getLogger(__name__)

TERADATA_COLUMNS_SQL = (
    "SELECT TRIM(ColumnName) FROM DBC.ColumnsV WHERE DatabaseName = ? AND TableName = ? "
    "AND ColumnType IN ('TS', 'SZ', 'DA') ORDER BY ColumnId"
)
CATALOG_COLUMNS_SQL = (
    "SELECT column_name FROM information_schema.columns WHERE table_schema = {p} "
    "AND table_name = {p} AND lower(data_type) IN ('date', 'timestamp', 'timestamptz', "
    "'timestamp without time zone', 'timestamp with time zone') "
    "ORDER BY ordinal_position"
)


@dataclass
class LatestTimestamps:
    output: list[dict[str, Any]] = field(default_factory=list)  # view, table, column, latest
    summary: list[dict[str, Any]] = field(default_factory=list)  # view, table, columns, latest
    failed: list[dict[str, str]] = field(default_factory=list)  # view, table, error


def read_mapping(path: Path) -> list[tuple[str, str]]:
    """A `view,table` CSV (header `view,table`; `database.table` names)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [
            (r["view"].strip(), r["table"].strip()) for r in csv.DictReader(f) if r.get("table")
        ]


def columns_sql(db: Any) -> str:
    if db.dialect == "teradata":
        return TERADATA_COLUMNS_SQL
    return CATALOG_COLUMNS_SQL.format(p=db.param)


def latest_sql(table: str, columns: list[str], dialect: str) -> str:
    maxima = ", ".join(f"MAX({quoted(c, dialect)})" for c in columns)
    return f"SELECT {maxima} FROM {dotted_name_sql(table, dialect)}"


def _one(db: Any, view: str, table: str, result: LatestTimestamps) -> None:
    database, _, name = table.rpartition(".")
    _, rows = db.query(columns_sql(db), [database, name])
    columns = [r[0] for r in rows]
    if not columns:  # none, or no such table: the table itself says which
        db.query(f"SELECT 1 FROM {dotted_name_sql(table, db.dialect)} WHERE 1 = 0")
        result.summary.append({"view": view, "table": table, "columns": 0, "latest": None})
        return
    [values] = db.query(latest_sql(table, columns, db.dialect))[1]
    for column, value in zip(columns, values, strict=True):
        result.output.append({"view": view, "table": table, "column": column, "latest": value})
    present = [v for v in values if v is not None]
    result.summary.append(
        {
            "view": view,
            "table": table,
            "columns": len(columns),
            "latest": max(present, key=str) if present else None,
        }
    )


def extract_latest(
    connect: Callable[[], Any], mapping: list[tuple[str, str]], threads: int = 10
) -> LatestTimestamps:
    """Every table of the mapping (module docstring)."""
    result = LatestTimestamps()

    def run(pair: tuple[str, str]) -> None:
        view, table = pair
        db = connect()
        try:
            _one(db, view, table, result)
        except Exception as e:  # reported; the others go on
            log.error("%s: %s", table, e)
            result.failed.append({"view": view, "table": table, "error": str(e).splitlines()[0]})
        finally:
            db.close()

    if threads <= 0:
        for pair in mapping:
            run(pair)
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(run, mapping))
    for rows in (result.output, result.summary, result.failed):
        rows.sort(key=lambda r: (r["table"], r.get("column", "")))
    return result


def save_report(result: LatestTimestamps, folder: Path) -> dict[str, Path]:
    def table(name: str, rows: list[dict], columns: list[str]) -> ReportTable:
        def cell(value: Any) -> Any:
            plain = value is None or isinstance(value, (str, int, float, bool))
            return value if plain else str(value)

        return ReportTable(name, columns, [[cell(r.get(c)) for c in columns] for r in rows])

    report = Report(
        "Latest timestamps",
        {"tables": len(result.summary), "failed": len(result.failed)},
        [
            table("output", result.output, ["view", "table", "column", "latest"]),
            table("summary", result.summary, ["view", "table", "columns", "latest"]),
            table("failed", result.failed, ["view", "table", "error"]),
        ],
        {"output": result.output, "summary": result.summary, "failed": result.failed},
    )
    return write_reports(report, folder, "latest_timestamps")
