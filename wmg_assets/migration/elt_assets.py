"""Dagster wiring of ELT jobs (`migration/elt/`): for each job of `$WMG_CONFIG_DIR/elt/*.yaml`,
one asset per step, `elt/<job>/<step>`, each depending on the one before, and a Dagster job
`elt__<job>` selecting them. A step's asset resumes the step at its persisted statement;
Dagster's "re-execute from failure" re-runs only the failed step and those after it, and a
fresh run of the job skips the steps the unfinished pass already did. Every log line carries
the run's correlation id (the Dagster run id); each step writes an audit row to `wmg.job_sts`;
passing errors are retried by the job's `RetryPolicy` (`retries:`), resuming at the failed
statement."""

import logging
from datetime import UTC, datetime
from typing import Any

import dagster as dg

from wmg_assets.migration.elt.executor import Executor
from wmg_assets.migration.elt.restart import (
    LakeHandler,
    LocalJsonHandler,
    PersistenceHandler,
    WarehouseHandler,
)
from wmg_assets.migration.elt.runner import finish_job, run_step
from wmg_assets.migration.elt.steps import JobConfig, StepConfig, build_step, job_params
from wmg_resources.lake import LakeResource
from wmg_resources.settings import WmgSettings, load_settings
from wmg_resources.warehouse import WarehouseResource
from wmg_resources.warehouse.audit import attempt_row, write_audit_row

CORRELATION_TAG = "wmg/correlation_id"


def elt_step_key(job: JobConfig, step: StepConfig) -> dg.AssetKey:
    return dg.AssetKey(["elt", job.name, step.name])


def elt_job_name(job: JobConfig) -> str:
    return f"elt__{job.name}"


def persistence_handler(
    job: JobConfig, settings: WmgSettings, lake: LakeResource | None = None
) -> PersistenceHandler:
    """Where the job's resume points live (`restart:` of its YAML)."""
    directory = settings.home / "elt" / "restart"
    if job.restart == "lake":
        return LakeHandler(lake or LakeResource(url=settings.lake), directory)
    if job.restart == "warehouse":
        from wmg_resources.warehouse import connect_warehouse

        return WarehouseHandler(
            lambda: connect_warehouse(settings.warehouse), settings.audit_schema
        )
    return LocalJsonHandler(directory)


class _Correlated(logging.LoggerAdapter):
    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        return f"[{(self.extra or {}).get('correlation_id')}] {msg}", kwargs


def build_elt_step_asset(job: JobConfig, index: int) -> dg.AssetsDefinition:
    step_config = job.steps[index]
    key = elt_step_key(job, step_config)
    deps = [elt_step_key(job, job.steps[index - 1])] if index else []
    last = index == len(job.steps) - 1
    what = (
        f"{len(step_config.statements)} statement(s)"
        if step_config.statements
        else f"the class `{step_config.class_}`"
    )

    @dg.asset(
        key=key,
        deps=deps,
        group_name="elt",
        kinds={"sql"},
        retry_policy=dg.RetryPolicy(max_retries=job.retries) if job.retries else None,
        description=f"Step {index + 1} of {len(job.steps)} of the ELT job `{job.name}`: "
        f"{what}. Restartable: a failed run resumes this step at the statement that failed. "
        + job.description,
    )
    def elt_step(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, lake: LakeResource
    ):
        settings = load_settings()
        correlation = context.run.tags.get(CORRELATION_TAG, context.run_id)
        logger = _Correlated(context.log, {"correlation_id": correlation})  # type: ignore[arg-type]
        handler = persistence_handler(job, settings, lake)
        executor = Executor(
            job.connections,
            job.duckdb or f"duckdb:///{settings.home / 'elt' / f'{job.name}.duckdb'}",
        )
        started = datetime.now(UTC).replace(tzinfo=None)
        runtime = {k: v for k, v in context.run.tags.items() if k.startswith("param/")}
        params = job_params(job, step_config, {k[6:]: v for k, v in runtime.items()})
        params.context = {"wmg_home": str(settings.home), "run_id": context.run_id}
        error: Exception | None = None
        try:
            outcome = run_step(
                job.name, build_step(step_config), executor, handler, params, logger=logger
            )
        except Exception as e:
            error = e
            raise
        finally:
            executor.close()
            _audit(context.run_id, job, step_config, started, error, warehouse)
        if last:
            finish_job(job.name, handler)
        return dg.MaterializeResult(
            metadata={
                "correlation_id": correlation,
                "skipped": outcome.skipped,
                "resumed_at_statement": outcome.resumed_at + 1,
                "statements_run": outcome.statements_run,
                "seconds": round(outcome.seconds, 3),
            }
        )

    return elt_step


def _audit(
    run_id: str,
    job: JobConfig,
    step: StepConfig,
    started: datetime,
    error: Exception | None,
    warehouse: WarehouseResource,
) -> None:
    row = attempt_row(run_id, f"elt/{job.name}/{step.name}", started, error)
    with warehouse.connect() as wh:
        write_audit_row(wh, warehouse.audit_schema, row)


def build_elt_assets(job: JobConfig) -> list[dg.AssetsDefinition]:
    return [build_elt_step_asset(job, i) for i in range(len(job.steps))]


def build_elt_job(job: JobConfig):
    keys = [elt_step_key(job, s) for s in job.steps]
    return dg.define_asset_job(
        elt_job_name(job),
        selection=dg.AssetSelection.assets(*keys),
        description=job.description or f"The ELT job {job.name}.",
    )
