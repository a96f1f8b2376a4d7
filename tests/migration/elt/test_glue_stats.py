"""`wmg glue stats` and `wmg glue logs` against Glue and CloudWatch Logs on a moto server."""

import contextlib
import json
import time
import uuid
from pathlib import Path

import boto3
import openpyxl
from typer.testing import CliRunner

from wmg_assets.cli import app
from wmg_assets.migration.elt.glue_stats import dpu_seconds


def test_dpu_seconds_from_workers_capacity_or_glue() -> None:
    assert dpu_seconds({"ExecutionTime": 100, "WorkerType": "G.2X", "NumberOfWorkers": 5}) == 1000
    assert dpu_seconds({"ExecutionTime": 100, "MaxCapacity": 0.0625}) == 6.25
    assert dpu_seconds({"ExecutionTime": 100, "DPUSeconds": 42.5, "NumberOfWorkers": 9}) == 42.5


def test_stats_report_and_run_logs(moto_endpoint: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WMG_AWS_ENDPOINT_URL", moto_endpoint)
    glue = boto3.client("glue", endpoint_url=moto_endpoint, region_name="us-east-1")
    ran, idle = f"ran-{uuid.uuid4().hex[:6]}", f"idle-{uuid.uuid4().hex[:6]}"
    for name in (ran, idle):
        glue.create_job(
            Name=name,
            Role="arn:aws:iam::123456789012:role/g",
            Command={"Name": "glueetl", "ScriptLocation": "s3://b/s.py"},
            WorkerType="G.1X",
            NumberOfWorkers=4,
        )
    run_id = glue.start_job_run(JobName=ran)["JobRunId"]
    for _ in range(3):  # moto moves a run STARTING → RUNNING → SUCCEEDED as it is read
        glue.get_job_run(JobName=ran, RunId=run_id)
    result = CliRunner().invoke(
        app, ["glue", "stats", "--jobs", f"{ran},{idle}", "--out", str(tmp_path / "stats")]
    )
    assert result.exit_code == 1, result.output  # a named job had no successful run
    assert f"{idle}: no successful run" in result.output
    [report] = list((tmp_path / "stats").glob("data_*.xlsx"))
    sheet = openpyxl.load_workbook(report)["jobs"]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header[:2] == ["Job Name", "Last Run ID"] and header[-1] == "DPU Seconds"
    assert [(r[0], r[1]) for r in rows] == [(ran, run_id)]
    payload = json.loads(report.with_suffix(".json").read_text())
    assert payload["jobs"][0]["Worker Type"] is not None
    assert payload["without_successful_run"] == [idle]

    logs = boto3.client("logs", endpoint_url=moto_endpoint, region_name="us-east-1")
    for group, lines in (
        ("/aws-glue/jobs/output", ["started", "42 rows"]),
        ("/aws-glue/jobs/error", ["a warning"]),
    ):
        with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
            logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName=run_id)
        logs.put_log_events(
            logGroupName=group,
            logStreamName=run_id,
            logEvents=[
                {"timestamp": int(time.time() * 1000) + i, "message": m}
                for i, m in enumerate(lines)
            ],
        )
    result = CliRunner().invoke(app, ["glue", "logs", ran, "--out", str(tmp_path / "logs")])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "logs" / ran / run_id
    assert (folder / "output.log").read_text().splitlines() == ["started", "42 rows"]
    assert (folder / "error.log").read_text().splitlines() == ["a warning"]
