"""`wmg glue stats` and `wmg glue logs`: Glue job statistics to Excel, a run's CloudWatch logs
to files (the AWS endpoint and region from the platform's settings)."""

from pathlib import Path
from typing import Annotated

import typer

from wmg_assets.migration.cli import consoles, fail, print_table

glue_app = typer.Typer(help="AWS Glue: job statistics and run logs.", no_args_is_help=True)


def _client(service: str):
    import boto3

    from wmg_resources.settings import load_settings

    settings = load_settings()
    return boto3.client(
        service, region_name=settings.aws_region, endpoint_url=settings.aws_endpoint
    )


@glue_app.command("stats")
def glue_stats(
    jobs: Annotated[str | None, typer.Option(help="job names, comma separated")] = None,
    hours: Annotated[float | None, typer.Option(help="jobs last run within these hours")] = None,
    out: Annotated[Path, typer.Option(help="the report's folder")] = Path("glue_stats"),
) -> None:
    """Each job's last successful run — times, capacity, workers, DPU seconds — as a report
    (`data_<timestamp>.xlsx`, .md, .json). With neither option: every job, last 24 hours."""
    from wmg_assets.migration.elt.glue_stats import jobs_stats, save_report

    if jobs and hours is not None:
        raise fail("give --jobs or --hours, not both")
    names = [j.strip() for j in jobs.split(",") if j.strip()] if jobs else None
    rows, missing = jobs_stats(
        _client("glue"), names, 24.0 if names is None and hours is None else hours
    )
    paths = save_report(rows, missing, out)
    print_table(
        f"{len(rows)} jobs",
        ["job", "last run", "seconds", "DPU seconds"],
        [(r["Job Name"], r["Last Run ID"], r["Execution Time"], r["DPU Seconds"]) for r in rows],
    )
    _, err = consoles()
    for name in missing:
        err.print(f"{name}: no successful run", markup=False)
    err.print(f"report: {paths['xlsx']}", markup=False)
    if names and missing:
        raise typer.Exit(1)


@glue_app.command("logs")
def glue_logs(
    job: Annotated[str, typer.Argument(help="the Glue job")],
    run_id: Annotated[str | None, typer.Option("--run", help="a run id (default: latest)")] = None,
    out: Annotated[Path, typer.Option(help="the folder for the log files")] = Path("glue-logs"),
) -> None:
    """A run's output and error logs from CloudWatch, one file per log group."""
    from wmg_assets.migration.elt.glue_stats import run_logs

    glue = _client("glue")
    if run_id is None:
        runs = glue.get_job_runs(JobName=job, MaxResults=1).get("JobRuns", [])
        if not runs:
            raise fail(f"{job}: no run")
        run_id = runs[0]["Id"]
    folder = out / job / str(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    for group, messages in run_logs(_client("logs"), str(run_id)).items():
        kind = group.rsplit("/", 1)[-1]
        (folder / f"{kind}.log").write_text("\n".join(messages) + ("\n" if messages else ""))
        consoles()[1].print(
            f"{group}: {len(messages)} lines → {folder / f'{kind}.log'}", markup=False
        )
