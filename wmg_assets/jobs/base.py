"""The job lifecycle of seed 004 (`BaseGlueJob`), as a Dagster asset.

Subclass `WmgJob`, write `extract`, `transform`, `load` (and `rules` or `validate`), and
`job_asset(MyJob)` makes it an asset `jobs/<name>` that runs

    extract → transform → validate (before any write) → load

with the platform's services around it: JSON logs correlated by run id and job
(`logs/<run_id>.jsonl`), an audit row (`wmg.job_sts`, SUCCESS or FAILED with the error),
broken rows to the DLQ (`dlq/<job>/<run_id>/`, `on_fail: dlq`) or no write at all
(`on_fail: fail`), the blocking `rules` check in the UI, and — through the run status
sensors — an SNS message when a topic is configured.

Frames are Ibis tables, so a job runs on DuckDB locally and on Spark in production.
`self.environment` (`local`, `test`, `prod`) lets a job choose its sources and targets;
`load_data` does it for the usual case: the sample CSV locally, the silver table elsewhere.
"""

import logging
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import dagster as dg
import ibis
import ibis.expr.types as ir
import pyarrow.parquet as pq

from wmg_assets.feeds.lifecycle import correlated_logs
from wmg_assets.feeds.pipeline import (
    SILVER_NAMESPACE,
    load_silver_table,
    nullable_schema,
    publish,
)
from wmg_assets.feeds.quality import (
    RulesBroken,
    RulesOutcome,
    apply_rules,
    rules_check_result,
    rules_check_spec,
)
from wmg_assets.feeds.silver_snapshot import replace_silver_table
from wmg_assets.transforms.names import clean_column_name
from wmg_checks.rules import LINE, QualityRules
from wmg_resources.engine import EngineResource
from wmg_resources.iceberg import IcebergResource
from wmg_resources.lake import LakeResource, dlq_prefix, silver_prefix
from wmg_resources.warehouse import WarehouseResource
from wmg_resources.warehouse.audit import AuditRow, write_audit_row

log = logging.getLogger(__name__)


@dataclass
class JobServices:
    """What a running job may use: the run, its environment, the lake and the engine."""

    run_id: str
    environment: str
    lake: LakeResource
    iceberg: IcebergResource
    engine: EngineResource
    con: Any  # the engine's Ibis backend, open for the whole run
    scratch: Path
    files: ExitStack  # keeps local copies of lake objects alive until the run ends


class WmgJob(ABC):
    """Base of a job: see the module docstring. Set `name` (and `rules`, `description`)."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    rules: ClassVar[QualityRules | None] = None

    def __init__(self, services: JobServices) -> None:
        self.services = services
        self.run_id = services.run_id
        self.environment = services.environment
        self.log = logging.getLogger(f"wmg_assets.jobs.{self.name}")
        self.rows_extracted = 0
        self.source = ""  # what `extract` read, for the audit row

    # -- the lifecycle: override these ----------------------------------------------

    @abstractmethod
    def extract(self) -> ir.Table:
        """Pull the raw data."""

    def transform(self, table: ir.Table) -> ir.Table:
        """Clean and enrich; by default, nothing."""
        return table

    @abstractmethod
    def load(self, table: ir.Table) -> list[str]:
        """Write the validated rows; where they went (lake keys or table names)."""

    # -- services ---------------------------------------------------------------------

    def load_data(self, name: str, local_csv: str | Path) -> ir.Table:
        """Environment-aware source: locally the CSV at `local_csv` (columns cleaned like a
        feed's), elsewhere the rows of the silver Iceberg table `silver.<name>`."""
        s = self.services
        if self.environment == "local":
            self.source = str(local_csv)
            table = s.con.read_csv(str(local_csv))
            return table.rename({clean_column_name(c): c for c in table.columns})
        silver = load_silver_table(s.iceberg, name)
        if silver is None:
            raise FileNotFoundError(f"silver.{name} does not exist in the {self.environment} lake")
        self.source = f"silver.{name}"
        paths = [
            str(s.files.enter_context(s.lake.local_copy(s.lake.key_of(t.file.file_path),
                                                        s.scratch / "source")))
            for t in silver.scan().plan_files()
        ]  # fmt: skip
        return s.con.read_parquet(paths)

    def write_parquet(self, table: ir.Table, key_prefix: str) -> list[str]:
        """Write rows as Parquet into the lake under `key_prefix`; their lake keys."""
        s = self.services
        files = s.engine.write_parquet(s.con, table, s.scratch / "out" / key_prefix)
        return publish(s.lake, files, key_prefix, self.name, self.run_id)

    def replace_silver(self, table: ir.Table, name: str) -> str:
        """Make the Iceberg table `silver.<name>` hold exactly these rows; its name."""
        s = self.services
        keys = self.write_parquet(table, f"{silver_prefix(name)}/data")
        schema = nullable_schema(pq.read_schema(s.lake.open_input_file(keys[0])))
        replace_silver_table(s.iceberg, s.lake, name, schema, keys)
        return f"{SILVER_NAMESPACE}.{name}"


def _count(table: ir.Table) -> int:
    return int(table.count().to_pyarrow().as_py())


@contextmanager
def job_services(
    context: dg.AssetExecutionContext,
    environment: str,
    lake: LakeResource,
    iceberg: IcebergResource,
    engine: EngineResource,
) -> Iterator[JobServices]:
    with (
        tempfile.TemporaryDirectory(prefix="wmg-job-") as scratch,
        engine.session() as con,
        ExitStack() as files,
    ):
        yield JobServices(context.run_id, environment, lake, iceberg, engine, con, Path(scratch),
                          files)  # fmt: skip


def _validate(job: WmgJob, table: ir.Table) -> tuple[ir.Table, RulesOutcome | None]:
    """The rows to load after the job's rules (broken ones to the DLQ, or RulesBroken)."""
    if job.rules is None:
        return table, None
    s = job.services
    numbered = LINE not in table.columns
    if numbered:  # rules name rows by line: a frame's rows are numbered from 1
        table = table.mutate(**{LINE: ibis.row_number() + 1})
    staged = s.engine.write_parquet(s.con, table, s.scratch / "validate")
    kept, outcome = apply_rules(job.rules, job.name, staged, s.scratch, s.engine)
    if outcome.dlq_files:
        publish(s.lake, outcome.dlq_files, dlq_prefix(job.name, job.run_id), job.name, job.run_id)
    valid = s.engine.read_parquet(s.con, kept)
    return (valid.drop(LINE) if numbered else valid), outcome


def _audit(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    job: WmgJob,
    started: datetime,
    outputs: list[str],
    loaded: int | None,
    error: Exception | None,
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    row = AuditRow(
        run_id=context.run_id, job_id=job.name, run_start_ts=started, run_end_ts=now,
        source_filename=job.source, target_table_name=", ".join(outputs)[:65000],
        records_read=job.rows_extracted, records_updated=None, records_inserted=loaded,
        status="FAILED" if error else "SUCCESS",
        error_message=str(error)[:65000] if error else None, schema_changes=None,
    )  # fmt: skip
    with warehouse.connect() as wh:
        write_audit_row(wh, warehouse.audit_schema, row)


def job_asset(job_class: type[WmgJob], environment: str) -> dg.AssetsDefinition:
    """The asset `jobs/<name>` that runs `job_class` through its lifecycle."""
    key = dg.AssetKey(["jobs", job_class.name])
    rules = job_class.rules

    @dg.asset(
        key=key,
        group_name="jobs",
        kinds={"python"},
        description=job_class.description or (job_class.__doc__ or "").strip(),
        check_specs=[rules_check_spec(key, rules)] if rules else None,
    )
    def run_job(
        context: dg.AssetExecutionContext,
        lake: LakeResource,
        iceberg: IcebergResource,
        engine: EngineResource,
        warehouse: WarehouseResource,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        started = datetime.now(UTC).replace(tzinfo=None)
        with (
            correlated_logs(context, lake, job=job_class.name),
            job_services(context, environment, lake, iceberg, engine) as services,
        ):
            job = job_class(services)
            outputs: list[str] = []
            try:
                table = job.transform(job.extract())
                job.rows_extracted = _count(table)
                log.info("%s: %d row(s) extracted and transformed", job.name, job.rows_extracted)
                try:
                    table, outcome = _validate(job, table)  # before any write
                except RulesBroken as broken:
                    yield rules_check_result(broken.outcome, [])
                    raise
                if outcome is not None:
                    yield rules_check_result(outcome, [])
                loaded = _count(table)
                outputs = job.load(table)
                log.info("%s: %d row(s) loaded to %s", job.name, loaded, ", ".join(outputs))
            except Exception as error:
                log.error("%s failed: %s", job_class.name, error)
                _audit(context, warehouse, job, started, outputs, None, error)
                raise
            _audit(context, warehouse, job, started, outputs, loaded, None)
        yield dg.MaterializeResult(
            metadata={
                "dagster/row_count": loaded,
                "rows_extracted": job.rows_extracted,
                "outputs": dg.MetadataValue.json(outputs),
                "environment": environment,
            }
        )

    return run_job
