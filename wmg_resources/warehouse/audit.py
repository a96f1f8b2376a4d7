"""The audit table `<schema>.job_sts`: one row per file attempt, SUCCESS or FAILED.

Columns are the WMG Glue job's (`run_id, job_id, run_start_ts, run_end_ts,
source_filename, target_table_name, records_read, records_updated, records_inserted,
status, error_message`) plus `schema_changes`, the plan applied (Markdown).
"""

from dataclasses import astuple, dataclass, fields
from datetime import datetime

from wmg_resources.warehouse.base import Warehouse
from wmg_resources.warehouse.dialect import column_list, qualified, quote, render_type

AUDIT_TABLE = "job_sts"


@dataclass(frozen=True)
class AuditRow:
    run_id: str
    job_id: str
    run_start_ts: datetime
    run_end_ts: datetime
    source_filename: str
    target_table_name: str
    records_read: int | None
    records_updated: int | None
    records_inserted: int | None
    status: str  # SUCCESS | FAILED
    error_message: str | None
    schema_changes: str | None


def _columns(dialect: str) -> list[tuple[str, str]]:
    text = render_type("varchar", dialect)
    types = {
        "run_start_ts": "TIMESTAMP",
        "run_end_ts": "TIMESTAMP",
        "records_read": "BIGINT",
        "records_updated": "BIGINT",
        "records_inserted": "BIGINT",
        "status": "VARCHAR(16)",
    }
    return [(f.name, types.get(f.name, text)) for f in fields(AuditRow)]


def write_audit_row(wh: Warehouse, schema: str, row: AuditRow) -> None:
    """Insert one audit row, creating the schema and table on first use."""
    d = wh.dialect
    table = qualified(schema, AUDIT_TABLE, d)
    cols = _columns(d)
    wh.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema, d)}")
    wh.execute(
        f"CREATE TABLE IF NOT EXISTS {table} ("
        + ", ".join(f"{quote(n, d)} {t}" for n, t in cols)
        + ")"
    )
    names = [n for n, _ in cols]
    placeholders = ", ".join([wh.param] * len(names))
    wh.execute(
        f"INSERT INTO {table} ({column_list(names, d)}) VALUES ({placeholders})", astuple(row)
    )
