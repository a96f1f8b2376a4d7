"""What happens around each step of a file: structured logs, audit row, file moves.

Every step of a feed (silver, warehouse) runs inside `file_step`. The warehouse step's merge
writes the SUCCESS audit row and ledger row inside its own transaction (`FileStep.record`),
so the target, the audit and the ledger always agree; the file is then archived
(`data/archive/YYYY/MM/`), which is safe to repeat.
A failure in any step writes a FAILED audit row with the error, moves the file to
`data/unprocessed/YYYY/MM/`, and re-raises so the run fails visibly. Either way the step's
JSON log lines (`level, ts, run_id, msg` and extra fields) are appended to
`logs/<run_id>.jsonl` in the lake.
"""

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import dagster as dg

from wmg_assets.feeds.config import FeedConfig
from wmg_assets.feeds.landed import (
    LandedFile,
    loaded_file_of_partition,
    previous_load,
    reload_requested,
)
from wmg_resources.lake import LakeResource, archive_key, unprocessed_key
from wmg_resources.warehouse import Warehouse, WarehouseResource
from wmg_resources.warehouse.audit import AuditRow, write_audit_row
from wmg_resources.warehouse.ledger import AlreadyLoaded, write_ledger_row

log = logging.getLogger(__name__)

LOGGED_PACKAGES = ("wmg_assets", "wmg_resources")


def logs_key(run_id: str) -> str:
    return f"logs/{run_id}.jsonl"


class RunLogBuffer(logging.Handler):
    """Collects the platform's log records of one step as JSON lines, and forwards them
    to the Dagster run log so that they show in the UI too."""

    def __init__(self, context: dg.AssetExecutionContext, **fields: Any) -> None:
        super().__init__(logging.INFO)
        self.context, self.fields = context, fields
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        entry = {
            "level": record.levelname,
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "run_id": self.context.run_id,
            "msg": record.getMessage(),
            **self.fields,
            **getattr(record, "wmg", {}),
        }
        self.lines.append(json.dumps(entry, default=str))
        self.context.log.log(record.levelno, entry["msg"])


@dataclass
class FileStep:
    """Handed to the step's code: log through `info`; the final step's merge calls `record`
    inside its transaction (or sets `counts` for `file_step` to record on success)."""

    buffer: RunLogBuffer
    context: dg.AssetExecutionContext
    feed: FeedConfig
    audit_schema: str
    counts: dict[str, int] = field(default_factory=dict)
    schema_changes: str | None = None
    recorded: bool = False

    def info(self, msg: str, **extra: Any) -> None:
        log.info(msg, extra={"wmg": extra})

    def landed(self) -> LandedFile | None:
        """What bronze recorded of this run's file."""
        partition = self.context.partition_key
        return loaded_file_of_partition(self.context.instance, self.feed, partition)

    def record(self, wh: Warehouse, counts: dict[str, int], schema_changes: str) -> None:
        """The SUCCESS audit and ledger rows, written on `wh` inside the merge's transaction;
        raises `AlreadyLoaded` (rolling the merge back) when another run loaded the same
        object meanwhile."""
        landed = self.landed()
        if landed is not None and not reload_requested(self.context):
            previous = previous_load(wh, self.audit_schema, self.feed, landed, self.context.run_id)
            if previous is not None:
                raise AlreadyLoaded(previous)
        self.counts, self.schema_changes = counts, schema_changes
        write_outcome(wh, self.audit_schema, audit_row(self, None), landed, self.context.run_id)
        self.recorded = True


def _run_start(context: dg.AssetExecutionContext) -> datetime:
    record = context.instance.get_run_record_by_id(context.run_id)
    started = record.start_time if record else None
    return datetime.fromtimestamp(started, UTC) if started else datetime.now(UTC)


def _naive_utc(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None)


def export_logs(lake: LakeResource, run_id: str, lines: list[str]) -> None:
    """Append lines to `logs/<run_id>.jsonl` (rewritten whole: S3 has no append)."""
    key = logs_key(run_id)
    previous = lake.read_bytes(key) if lake.exists(key) else b""
    lake.put_bytes(previous + "".join(f"{line}\n" for line in lines).encode(), key)


@contextmanager
def correlated_logs(
    context: dg.AssetExecutionContext, lake: LakeResource, **fields: str
) -> Iterator[RunLogBuffer]:
    """During one step, every log record of the platform's packages becomes a JSON line
    carrying the run id and `fields` (a file's feed, file and step; a job's name) — appended
    to `logs/<run_id>.jsonl` in the lake — and a line of the run's log in the Dagster UI."""
    buffer = RunLogBuffer(context, **fields)
    loggers = [logging.getLogger(name) for name in LOGGED_PACKAGES]
    for logger in loggers:
        logger.addHandler(buffer)
        logger.setLevel(min(logger.level or logging.INFO, logging.INFO))
    try:
        yield buffer
    finally:
        for logger in loggers:
            logger.removeHandler(buffer)
        try:
            export_logs(lake, context.run_id, buffer.lines)
        except Exception:  # the logs must never hide the step's own outcome
            log.exception("could not export the run's logs to %s", logs_key(context.run_id))


@contextmanager
def file_step(
    context: dg.AssetExecutionContext,
    feed: FeedConfig,
    step: str,
    *,
    lake: LakeResource,
    warehouse: WarehouseResource,
    final: bool = False,
) -> Iterator[FileStep]:
    """Run one step of a file; `final` marks the step whose success completes the file."""
    file_name = context.partition_key
    fields = {"feed": feed.name, "file": file_name, "step": step}
    with correlated_logs(context, lake, **fields) as buffer:
        state = FileStep(buffer, context, feed, warehouse.audit_schema)
        state.info(f"{step} of {file_name} started")
        try:
            yield state
        except AlreadyLoaded:
            raise  # not a failure: the caller records the duplicate
        except Exception as error:
            log.error("%s of %s failed: %s", step, file_name, error)
            _finish(context, feed, lake, warehouse, state, error)
            raise
        if final:
            _finish(context, feed, lake, warehouse, state, None)
        state.info(f"{step} of {file_name} succeeded", **state.counts)


def audit_row(state: FileStep, error: Exception | None) -> AuditRow:
    """The job_sts row of a file's attempt; a failure's message names the file."""
    context, feed = state.context, state.feed
    file_name, message = context.partition_key, None
    if error is not None:
        message = str(error) if file_name in str(error) else f"{file_name}: {error}"
    return AuditRow(
        run_id=context.run_id,
        job_id=feed.name,
        run_start_ts=_naive_utc(_run_start(context)),
        run_end_ts=_naive_utc(datetime.now(UTC)),
        source_filename=file_name,
        target_table_name=f"{feed.target.schema}.{feed.target.table}",
        records_read=state.counts.get("rows_read"),
        records_updated=state.counts.get("rows_updated"),
        records_inserted=state.counts.get("rows_inserted"),
        status="FAILED" if error else "SUCCESS",
        error_message=message[:65000] if message else None,
        schema_changes=state.schema_changes,
    )


def write_outcome(
    wh: Warehouse, schema: str, row: AuditRow, landed: LandedFile | None, run_id: str
) -> None:
    """The audit row and, when bronze recorded the file, its ledger row (same status)."""
    write_audit_row(wh, schema, row)
    if landed is not None:
        write_ledger_row(wh, schema, landed.ledger_row(row.job_id, run_id, row.status))


def _finish(
    context: dg.AssetExecutionContext,
    feed: FeedConfig,
    lake: LakeResource,
    warehouse: WarehouseResource,
    state: FileStep,
    error: Exception | None,
) -> None:
    """Audit and ledger rows (unless the merge wrote them), then the file's move: archive
    on success, unprocessed on failure."""
    file_name, now = context.partition_key, datetime.now(UTC)
    if not state.recorded:
        try:
            with warehouse.connect() as wh, wh.transaction():
                write_outcome(wh, warehouse.audit_schema, audit_row(state, error),
                              state.landed(), context.run_id)  # fmt: skip
        except Exception:
            log.exception("could not write the audit and ledger rows of %s", file_name)
            if error is None:
                raise
    current = lake.find_landed(file_name)
    destination = (unprocessed_key if error else archive_key)(file_name, now)
    if current and current != destination:
        lake.move(current, destination)
        state.info(f"moved {file_name} to {destination}", destination=destination)
