"""`wmg elt list` and `wmg elt run NAME`: ELT jobs from the command line, each run recorded in
the Dagster instance (as `wmg ingest` is), resuming where the last run of the job stopped."""

from typing import Annotated

import typer

from wmg_assets.migration.cli import consoles, fail, print_table

SILENT_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
elt_app = typer.Typer(help="Restartable ELT jobs (config/elt/*.yaml).", no_args_is_help=True)


def _jobs():
    from wmg_assets.feeds.config import FeedConfigError
    from wmg_assets.migration.elt.steps import load_elt_jobs
    from wmg_resources.settings import load_settings

    settings = load_settings()
    try:
        return settings, load_elt_jobs(settings.config_dir / "elt")
    except FeedConfigError as e:  # a job file's error: file, line, field
        raise fail(e) from e


@elt_app.command("list")
def elt_list() -> None:
    """The jobs, their steps, and where an unfinished one will resume."""
    from wmg_assets.migration.elt_assets import persistence_handler

    settings, jobs = _jobs()
    rows = []
    for job in jobs:
        state = persistence_handler(job, settings).load(job.name)
        resume = ", ".join(f"{e.step} at statement {e.index + 1}" for e in state.restart)
        done = ", ".join(state.completed)
        rows.append(
            (
                job.name,
                " → ".join(s.name for s in job.steps),
                job.restart,
                resume or (f"after {done}" if done else "from the start"),
            )
        )
    print_table(f"{len(jobs)} ELT jobs", ["job", "steps", "restart", "next run"], rows)


@elt_app.command("run")
def elt_run(
    name: Annotated[str, typer.Argument(help="the job's name")],
    param: Annotated[list[str] | None, typer.Option(help="k=v, a runtime parameter")] = None,
) -> None:
    """Run an ELT job: finished steps of an unfinished pass are skipped and the failed step
    resumes at its statement. Exit 0 when every step succeeded, 1 otherwise."""
    from wmg_assets.definitions import load_definitions_from
    from wmg_assets.ingest import dagster_instance, failure_message
    from wmg_assets.migration.elt_assets import elt_job_name

    settings, jobs = _jobs()
    job = next((j for j in jobs if j.name == name), None)
    if job is None:
        raise fail(f"no ELT job {name!r}; the jobs: {', '.join(j.name for j in jobs) or 'none'}")
    tags = {}
    for item in param or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise fail(f"--param {item!r}: write it as key=value")
        tags[f"param/{key}"] = value
    defs = load_definitions_from(settings)
    _, err = consoles()
    with err.status(f"running ELT job {name}"):
        result = defs.resolve_job_def(elt_job_name(job)).execute_in_process(
            instance=dagster_instance(settings),
            run_config=SILENT_RUN_CONFIG,
            tags=tags,
            raise_on_error=False,
        )
    rows = []
    for event in result.get_asset_materialization_events():
        m = {k: v.value for k, v in event.materialization.metadata.items()}
        state = (
            "skipped (done earlier)"
            if m.get("skipped")
            else f"from statement {m.get('resumed_at_statement')}"
        )
        step = event.asset_key.path[-1] if event.asset_key else "?"
        rows.append((step, state, m.get("statements_run"), m.get("seconds")))
    print_table(
        f"ELT job {name}: run {result.run_id}", ["step", "ran", "statements", "seconds"], rows
    )
    if not result.success:
        err.print(failure_message(result.all_events, name), markup=False)
        err.print(
            f"fix the cause, then `wmg elt run {name}` resumes at the failed statement",
            markup=False,
        )
        raise typer.Exit(1)
