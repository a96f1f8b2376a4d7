"""ELT jobs and their steps, as code or config.

A **step** is a Python class with the seed's `execute_flow(executor, params)`, or a YAML list
of statements; a **job** is the ordered list of its steps, in `config/elt/*.yaml`:

```yaml
name: daily_orders
connections: {pg: env:ORDERS_DB_URL}      # name → URL, env:VAR or secret:<name>
duckdb: duckdb:///data/elt.duckdb         # the local engine (default $WMG_HOME/elt/<job>.duckdb)
params: {day: "2026-12-01"}               # defaults; a run's params override them
restart: local                            # local | lake | warehouse (where resume points live)
retries: 2                                # Dagster RetryPolicy of each step
steps:
  - name: stage
    statements:
      - sql: "DELETE FROM stage.orders WHERE day = '${day}'"
        on: pg                            # a connection; default the local DuckDB
      - read: {type: csv, path: "/landing/${day}.csv", table: orders_raw}
      - sql: "CREATE TABLE clean AS SELECT * FROM orders_raw WHERE amount > 0"
      - write: {type: parquet, path: "/out/${day}.parquet", table: clean, mode: overwrite}
      - spark_sql: "SELECT count(*) FROM parquet.`/out/${day}.parquet`"
  - name: custom
    class: my_package.steps:PublishStep   # a Step subclass
```

`${name}` in a statement is the parameter's value (`params.py` resolves them; `wmg_home` and
`run_id` are always there). Each statement
is one resume point: a resumed step skips the statements before its restart index.
"""

import importlib
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from wmg_assets.migration.elt.executor import Executor
from wmg_assets.migration.elt.params import Params


class Step(ABC):
    """One step of a job: the seed's `GlueELTStep` shape. `execute_flow` runs the step's
    statements through `executor` (`execute_query`, `read_file`, `write_file`); each call is
    one statement for restart purposes, so the flow must make the same calls in the same
    order on every run."""

    name: str = ""

    @abstractmethod
    def execute_flow(self, executor: Executor, params: Params) -> None: ...


class FileSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str
    path: str
    table: str
    options: dict[str, Any] = Field(default_factory=dict)
    mode: str | None = None
    engine: Literal["duckdb", "spark"] = "duckdb"


class Statement(BaseModel):
    """One statement of a YAML step: exactly one of `sql`, `spark_sql`, `read`, `write`."""

    model_config = ConfigDict(extra="forbid")

    sql: str | None = None
    spark_sql: str | None = None
    read: FileSpec | None = None
    write: FileSpec | None = None
    on: str | None = None  # a connection name; default the local DuckDB
    db_type: Literal["postgresql", "redshift", "duckdb"] | None = None  # default: from the URL
    temporary_table: str | None = None
    timeout_seconds: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _yaml_on(cls, data: Any) -> Any:
        from wmg_assets.feeds.config import bare_on_key

        return bare_on_key(data)

    @model_validator(mode="after")
    def _exactly_one(self) -> "Statement":
        given = [k for k in ("sql", "spark_sql", "read", "write") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a statement has exactly one of sql, spark_sql, read, write "
                f"(got {', '.join(given) or 'none'})"
            )
        return self


class StepConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    statements: list[Statement] = Field(default_factory=list)
    class_: str | None = Field(default=None, alias="class")
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _statements_or_class(self) -> "StepConfig":
        if bool(self.statements) == bool(self.class_):
            raise ValueError(f"step {self.name}: give either statements or class")
        return self


class JobConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    description: str = ""
    connections: dict[str, str] = Field(default_factory=dict)
    duckdb: str | None = None  # default: duckdb:///$WMG_HOME/elt/<job>.duckdb
    params: dict[str, Any] = Field(default_factory=dict)
    restart: Literal["local", "lake", "warehouse"] = "local"
    retries: int = Field(default=0, ge=0)
    steps: list[StepConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_steps(self) -> "JobConfig":
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names):
            raise ValueError(f"job {self.name}: step names repeat: {names}")
        return self


class EltConfigError(ValueError):
    """A job file that cannot be used: the message names the file and the field."""


def load_jobs(directory: Path) -> list[JobConfig]:
    """Every job of `directory/*.yaml` (an invalid file is an error naming it)."""
    jobs = []
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        text = path.read_text(encoding="utf-8")
        try:
            jobs.append(JobConfig.model_validate(yaml.safe_load(text) or {}))
        except ValidationError as e:
            from wmg_assets.config_errors import describe

            raise EltConfigError(describe(path, text, e, JobConfig)) from e
    names = [j.name for j in jobs]
    if len(set(names)) != len(names):
        raise EltConfigError(f"{directory}: job names repeat: {names}")
    return jobs


_PARAM = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.]*)\}")


def substitute(text: str, params: Params) -> str:
    """`${name}` replaced by the parameter's value (an unknown name is an error)."""

    def value(match: re.Match) -> str:
        found = params.get(match.group(1))
        if found is None:
            raise KeyError(f"parameter {match.group(1)!r} is not set")
        return str(found)

    return _PARAM.sub(value, text)


class StatementsStep(Step):
    """A YAML step: its statements in order, through the executor."""

    def __init__(self, config: StepConfig) -> None:
        self.name, self.config = config.name, config

    def execute_flow(self, executor: Executor, params: Params) -> None:
        for statement in self.config.statements:
            run_statement(executor, statement, params)


def run_statement(executor: Executor, statement: Statement, params: Params) -> Any:
    if statement.sql is not None or statement.spark_sql is not None:
        sql = substitute(statement.sql or statement.spark_sql or "", params)
        db_type = (
            "spark"
            if statement.spark_sql is not None
            else statement.db_type or _db_type(executor, statement.on)
        )
        return executor.execute_query(
            sql,
            db_type=db_type,
            connection=statement.on,
            temporary_table=statement.temporary_table,
            timeout_seconds=statement.timeout_seconds,
        )
    spec = statement.read or statement.write
    assert spec is not None
    options = {**spec.options, **({"mode": spec.mode} if spec.mode else {})}
    call = executor.read_file if statement.read is not None else executor.write_file
    return call(spec.type, substitute(spec.path, params), spec.table, options, spec.engine)


def _db_type(executor: Executor, connection: str | None) -> str:
    if connection is None:
        return "duckdb"
    from wmg_assets.migration.data.migrate import connection_url

    reference = executor.connections.get(connection)
    if reference is None:
        raise KeyError(f"statement on {connection!r}: no such connection in the job")
    url = connection_url(reference)
    for prefix, kind in (
        ("redshift", "redshift"),
        ("postgres", "postgresql"),
        ("duckdb", "duckdb"),
    ):
        if url.startswith(prefix):
            return kind
    return "postgresql"  # a secret:// connection: PostgreSQL unless the statement says


def build_step(config: StepConfig) -> Step:
    """The step object of a config entry: the statements, or the named class."""
    if config.class_ is None:
        return StatementsStep(config)
    module, _, name = config.class_.partition(":")
    cls: Callable[[], Step] = getattr(importlib.import_module(module), name)
    step = cls()
    step.name = config.name
    return step


def job_params(job: JobConfig, step: StepConfig, runtime: Mapping[str, Any]) -> Params:
    """A step's parameters: runtime values over the step's, over the job's defaults."""
    return Params(runtime=dict(runtime), job_arguments=dict(step.params), defaults=dict(job.params))


def load_elt_jobs(directory: Path) -> list[JobConfig]:
    """The ELT jobs of `directory` for the definitions. A broken job file is a config error
    like any other (`FeedConfigError`): the definitions leave the ELT jobs out with a
    warning instead of failing, so a typo there never stops the feeds."""
    from wmg_assets.feeds.config import FeedConfigError

    try:
        return load_jobs(directory) if directory.is_dir() else []
    except EltConfigError as e:
        raise FeedConfigError(str(e)) from e
