"""Glue job statistics (the seed's `GlueJobStatsExtractor` and
`TimeBasedGlueJobStatsExtractor`) and a run's CloudWatch logs (`fetch_glue_job_execution_logs`).

For each job: its last successful run with `Job Name`, `Last Run ID`, `Start Time`, `End
Time`, `Execution Time` (s), `Allocated Capacity`, `Max Capacity`, `Worker Type`, `Number Of
Workers` and `DPU Seconds` (Glue's own `DPUSeconds` when it reports one — auto-scaling, Flex —
else execution time times the run's DPUs: workers times the worker type's DPUs, or max
capacity). The report is `data_YYYY_MM_DD_HH_MM_SS.xlsx` (and .md, .json), by the toolkit's
writer.
"""

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from wmg_assets.migration.reports import Report, ReportTable, write_reports

log = logging.getLogger(__name__)

COLUMNS = [
    "Job Name",
    "Last Run ID",
    "Start Time",
    "End Time",
    "Execution Time",
    "Allocated Capacity",
    "Max Capacity",
    "Worker Type",
    "Number Of Workers",
    "DPU Seconds",
]
WORKER_DPUS = {
    "Standard": 1.0,
    "G.025X": 0.25,
    "G.1X": 1.0,
    "G.2X": 2.0,
    "G.4X": 4.0,
    "G.8X": 8.0,
    "Z.2X": 2.0,
}
LOG_GROUPS = ("/aws-glue/jobs/output", "/aws-glue/jobs/error")


def last_success_run(glue: Any, job: str) -> dict | None:
    """The job's newest SUCCEEDED run (Glue lists runs newest first), or None."""
    for page in glue.get_paginator("get_job_runs").paginate(JobName=job):
        for run in page.get("JobRuns", []):
            if run.get("JobRunState") == "SUCCEEDED":
                return run
    return None


def dpu_seconds(run: dict) -> float:
    if run.get("DPUSeconds") is not None:
        return float(run["DPUSeconds"])
    seconds = float(run.get("ExecutionTime") or 0)
    workers, kind = run.get("NumberOfWorkers"), run.get("WorkerType")
    if workers and kind in WORKER_DPUS:
        return seconds * workers * WORKER_DPUS[kind]
    return seconds * float(run.get("MaxCapacity") or run.get("AllocatedCapacity") or 0)


def job_details(job: str, run: dict) -> dict[str, Any]:
    def stamp(value: Any) -> str:
        return value.isoformat(sep=" ", timespec="seconds") if value else ""

    return dict(
        zip(
            COLUMNS,
            [
                job,
                run.get("Id"),
                stamp(run.get("StartedOn")),
                stamp(run.get("CompletedOn")),
                run.get("ExecutionTime"),
                run.get("AllocatedCapacity"),
                run.get("MaxCapacity"),
                run.get("WorkerType"),
                run.get("NumberOfWorkers"),
                round(dpu_seconds(run), 2),
            ],
            strict=True,
        )
    )


def all_jobs(glue: Any) -> list[str]:
    return [
        j["Name"]
        for page in glue.get_paginator("get_jobs").paginate()
        for j in page.get("Jobs", [])
    ]


def jobs_stats(
    glue: Any, jobs: Iterable[str] | None = None, hours: float | None = None
) -> tuple[list[dict], list[str]]:
    """(rows, jobs without a successful run): the named jobs, or every job whose last
    successful run started within the last `hours`."""
    names = list(jobs) if jobs is not None else all_jobs(glue)
    since = datetime.now(UTC) - timedelta(hours=hours) if hours is not None else None
    rows, missing = [], []
    for name in names:
        run = last_success_run(glue, name)
        if run is None:
            missing.append(name)
            continue
        started = run.get("StartedOn")
        if since is not None and started is not None and started.astimezone(UTC) < since:
            continue
        rows.append(job_details(name, run))
    return rows, missing


def save_report(rows: list[dict], missing: list[str], folder: Path) -> dict[str, Path]:
    stem = datetime.now(UTC).strftime("data_%Y_%m_%d_%H_%M_%S")
    report = Report(
        "Glue job statistics",
        {"jobs": len(rows), "without a successful run": len(missing)},
        [ReportTable("jobs", COLUMNS, [[r[c] for c in COLUMNS] for r in rows])],
        {"jobs": rows, "without_successful_run": missing},
    )
    return write_reports(report, folder, stem)


def run_logs(logs: Any, run_id: str, groups: Iterable[str] = LOG_GROUPS) -> dict[str, list[str]]:
    """A run's log messages per group (streams named after the run id), oldest first."""
    found: dict[str, list[str]] = {}
    for group in groups:
        messages: list[str] = []
        try:
            streams = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=run_id)
        except logs.exceptions.ResourceNotFoundException:
            found[group] = messages
            continue
        for stream in streams.get("logStreams", []):
            token = None
            while True:
                extra = {"nextToken": token} if token else {}
                page = logs.get_log_events(
                    logGroupName=group,
                    startFromHead=True,
                    logStreamName=stream["logStreamName"],
                    **extra,
                )
                messages += [e["message"] for e in page.get("events", [])]
                if page.get("nextForwardToken") in (None, token):
                    break
                token = page["nextForwardToken"]
        found[group] = messages
    return found
