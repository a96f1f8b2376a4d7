"""The audit table `<schema>.job_sts`: one row per file attempt, SUCCESS or FAILED.

Columns are the WMG Glue job's (`run_id, job_id, run_start_ts, run_end_ts,
source_filename, target_table_name, records_read, records_updated, records_inserted,
status, error_message`) plus `schema_changes`, the plan applied (Markdown).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wmg_resources.warehouse.base import Warehouse
from wmg_resources.warehouse.records import append_record

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


AUDIT_TYPES = {
    "run_start_ts": "TIMESTAMP",
    "run_end_ts": "TIMESTAMP",
    "records_read": "BIGINT",
    "records_updated": "BIGINT",
    "records_inserted": "BIGINT",
    "status": "VARCHAR(16)",
}


def write_audit_row(wh: Warehouse, schema: str, row: AuditRow) -> None:
    """Insert one audit row, creating the schema and table on first use."""
    append_record(wh, schema, AUDIT_TABLE, row, AUDIT_TYPES)


def attempt_row(
    run_id: str,
    job_id: str,
    started: Any,
    error: BaseException | None,
    source: str = "",
    target: str = "",
    rows: int | None = None,
) -> AuditRow:
    """The audit row of one attempt that ends now: SUCCESS, or FAILED with the error."""
    from datetime import UTC, datetime

    return AuditRow(
        run_id=run_id, job_id=job_id, run_start_ts=started,
        run_end_ts=datetime.now(UTC).replace(tzinfo=None), source_filename=source,
        target_table_name=target, records_read=rows, records_updated=None,
        records_inserted=rows, status="FAILED" if error else "SUCCESS",
        error_message=str(error)[:65000] if error else None, schema_changes=None,
    )  # fmt: skip
