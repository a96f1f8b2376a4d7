"""Acceptance of restartable ELT jobs on the real engines: a three-step job (SQL on
PostgreSQL, a file read / transform / write on DuckDB, Spark SQL) whose second step fails at
its third statement; after the cause is fixed, Dagster's re-execution from failure skips step
1, starts step 2 at statement 3 and finishes step 3 — statements 1 and 2 of step 2 are not run
again. The same when the process is SIGKILLed inside step 2 and the job is started again."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import psycopg
import pytest
import yaml
from typer.testing import CliRunner

from tests.migration.conftest import rows_of
from tests.migration.elt import elt_repo
from wmg_assets.cli import app
from wmg_assets.migration.elt.restart import LocalJsonHandler, restart_index

pytestmark = pytest.mark.postgres


@pytest.fixture
def elt_env(wmg_env: Path, tmp_path: Path, postgres_url: str, monkeypatch) -> dict:
    config = tmp_path / "config"
    (config / "elt").mkdir(parents=True)
    monkeypatch.setenv("WMG_CONFIG_DIR", str(config))
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.csv").write_text("id,name\n1,ann\n2,bob\n3,cy\n")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(b"CREATE TABLE ran (statement TEXT, at TIMESTAMP DEFAULT clock_timestamp())")
        conn.execute(b"CREATE TABLE gate (open BOOLEAN)")
    return {"config": config, "data": data, "home": wmg_env, "pg": postgres_url}


def _three_step(env: dict) -> dict:
    data = env["data"]
    return {
        "name": "three_step",
        "connections": {"pg": env["pg"]},
        "steps": [
            {
                "name": "extract",
                "statements": [
                    {"sql": "INSERT INTO ran (statement) VALUES ('extract.1')", "on": "pg"}
                ],
            },
            {
                "name": "transform",
                "statements": [
                    {
                        "read": {
                            "type": "csv",
                            "path": str(data / "orders.csv"),
                            "table": "orders_raw",
                        }
                    },
                    {
                        "sql": "CREATE TABLE clean AS SELECT id, upper(name) AS name, "
                        "current_timestamp AS made_at FROM orders_raw"
                    },
                    {
                        "sql": "CREATE TABLE enriched AS SELECT c.id, c.name, l.label FROM clean c "
                        "JOIN lookup l USING (id)"
                    },
                    {
                        "write": {
                            "type": "parquet",
                            "path": str(data / "enriched.parquet"),
                            "table": "enriched",
                        }
                    },
                ],
            },
            {
                "name": "publish",
                "statements": [
                    {
                        "spark_sql": "CREATE OR REPLACE TEMP VIEW published AS "
                        f"SELECT id, name, label FROM parquet.`{data / 'enriched.parquet'}`"
                    },
                    {
                        "write": {
                            "type": "csv",
                            "path": str(data / "published"),
                            "table": "published",
                            "engine": "spark",
                        }
                    },
                ],
            },
        ],
    }


def _duck(env: dict, sql: str) -> list[tuple]:
    with duckdb.connect(str(env["home"] / "elt" / "three_step.duckdb")) as con:
        return con.execute(sql).fetchall()


def test_re_execution_from_failure_resumes_at_the_failed_statement(
    elt_env: dict, spark_session, monkeypatch
) -> None:
    (elt_env["config"] / "elt" / "three_step.yaml").write_text(yaml.safe_dump(_three_step(elt_env)))
    monkeypatch.setenv("WMG_TEST_ELT_JOB", "three_step")
    instance = dg.DagsterInstance.get()
    job = dg.reconstructable(elt_repo.elt_job)
    first = dg.execute_job(job, instance=instance, raise_on_error=False)
    assert not first.success
    failures = [e for e in first.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert [e.step_key for e in failures] == ["elt__three_step__transform"]
    assert "step transform failed at statement 3" in str(failures[0].event_specific_data)
    assert "Table with name lookup does not exist" in str(failures[0].event_specific_data)
    state = LocalJsonHandler(elt_env["home"] / "elt" / "restart").load("three_step")
    assert state.completed == ["extract"] and restart_index("transform", state.restart) == 2
    made_at = _duck(elt_env, "SELECT max(made_at) FROM clean")

    _duck(
        elt_env,
        "CREATE TABLE lookup AS SELECT * FROM (VALUES (1, 'gold'), (2, 'silver'), "
        "(3, 'bronze')) AS v(id, label)",
    )  # the cause fixed
    (elt_env["data"] / "orders.csv").unlink()  # statement 1 of step 2 would now fail if re-run
    options = dg.ReexecutionOptions.from_failure(first.run_id, instance)
    second = dg.execute_job(job, instance=instance, reexecution_options=options)
    assert second.success
    done = {
        e.step_key for e in second.all_events if e.event_type == dg.DagsterEventType.STEP_SUCCESS
    }
    assert done == {"elt__three_step__transform", "elt__three_step__publish"}  # step 1 skipped
    [transform] = [m for m in second.asset_materializations_for_node("elt__three_step__transform")]
    assert transform.metadata["resumed_at_statement"].value == 3
    assert transform.metadata["statements_run"].value == 2
    assert rows_of(elt_env["pg"], "SELECT statement FROM ran") == [("extract.1",)]
    assert _duck(elt_env, "SELECT max(made_at) FROM clean") == made_at  # statement 2 not re-run
    published = sorted(p for p in (elt_env["data"] / "published").glob("part-*.csv"))
    lines = sorted(line for p in published for line in p.read_text().splitlines()[1:])
    assert lines == ["1,ANN,gold", "2,BOB,silver", "3,CY,bronze"]
    assert LocalJsonHandler(elt_env["home"] / "elt" / "restart").load("three_step").restart == []
    audit = duckdb.connect(str(elt_env["home"] / "warehouse.duckdb"), read_only=True)
    statuses = audit.execute(
        "SELECT job_id, status FROM wmg.job_sts ORDER BY run_end_ts"
    ).fetchall()
    audit.close()
    assert statuses == [
        ("elt/three_step/extract", "SUCCESS"),
        ("elt/three_step/transform", "FAILED"),
        ("elt/three_step/transform", "SUCCESS"),
        ("elt/three_step/publish", "SUCCESS"),
    ]


def test_a_sigkilled_job_started_again_resumes_inside_its_step(elt_env: dict) -> None:
    job = {
        "name": "killed",
        "connections": {"pg": elt_env["pg"]},
        "steps": [
            {
                "name": "first",
                "statements": [
                    {"sql": "INSERT INTO ran (statement) VALUES ('first.1')", "on": "pg"}
                ],
            },
            {
                "name": "second",
                "statements": [
                    {"sql": "INSERT INTO ran (statement) VALUES ('second.1')", "on": "pg"},
                    {
                        "sql": "SELECT pg_sleep(CASE WHEN (SELECT count(*) FROM gate) = 0 THEN 120 "
                        "ELSE 0 END)",
                        "on": "pg",
                    },
                    {"sql": "INSERT INTO ran (statement) VALUES ('second.3')", "on": "pg"},
                ],
            },
        ],
    }
    (elt_env["config"] / "elt" / "killed.yaml").write_text(yaml.safe_dump(job))
    handler = LocalJsonHandler(elt_env["home"] / "elt" / "restart")
    process = subprocess.Popen(
        [sys.executable, "-m", "wmg_assets.cli", "elt", "run", "killed"],
        env=dict(os.environ),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while restart_index("second", handler.load("killed").restart) != 1:
        assert process.poll() is None and time.monotonic() < deadline, "never reached step 2"
        time.sleep(0.2)
    time.sleep(0.5)  # inside statement 2 (pg_sleep)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(30)
    assert rows_of(elt_env["pg"], "SELECT statement FROM ran ORDER BY at") == [
        ("first.1",),
        ("second.1",),
    ]
    rows_of(elt_env["pg"], "INSERT INTO gate VALUES (true) RETURNING open")
    result = CliRunner().invoke(app, ["elt", "run", "killed"])
    assert result.exit_code == 0, result.output
    assert "skipped (done earlier)" in result.output and "from statement 2" in result.output
    assert rows_of(elt_env["pg"], "SELECT statement FROM ran ORDER BY at") == [
        ("first.1",),
        ("second.1",),
        ("second.3",),
    ]


def test_a_class_step_resumes_at_its_failed_call(tmp_path: Path) -> None:
    from wmg_assets.migration.elt.executor import Executor
    from wmg_assets.migration.elt.runner import RestartableError, run_job
    from wmg_assets.migration.elt.steps import JobConfig

    job = JobConfig.model_validate(
        {
            "name": "by_class",
            "params": {"day": "2026-11-30"},
            "steps": [
                {"name": "summarise", "class": "tests.migration.elt.class_steps:SummariseOrders"}
            ],
        }
    )
    handler = LocalJsonHandler(tmp_path / "restart")
    executor = Executor(duckdb_url=f"duckdb:///{tmp_path / 'class.duckdb'}")
    executor.execute_query("CREATE TABLE log (statement TEXT)", db_type="duckdb")
    with pytest.raises(RestartableError) as failed:
        run_job(job, executor, handler)
    assert (failed.value.step, failed.value.index) == ("summarise", 1)
    executor.execute_query("CREATE TABLE orders AS SELECT 1 AS id", db_type="duckdb")
    [outcome] = run_job(job, executor, handler)
    assert (outcome.resumed_at, outcome.statements_run) == (1, 2)
    log = executor.execute_query("SELECT statement FROM log", db_type="duckdb")
    assert log.result == [("summary.1",), ("summary.3",)]  # type: ignore[union-attr]
    summary = executor.execute_query("SELECT day, n FROM summary", db_type="duckdb")
    assert summary.result == [("2026-11-30", 1)]  # type: ignore[union-attr]
    assert handler.load("by_class").restart == []  # cleared once the job finished
    executor.close()


def test_the_sample_job_runs_on_the_embedded_defaults(wmg_env: Path) -> None:
    result = CliRunner().invoke(app, ["elt", "run", "sample_orders"])
    assert result.exit_code == 0, result.output
    daily = duckdb.sql(
        f"SELECT count(*), sum(orders) FROM '{wmg_env / 'elt' / 'orders_daily.parquet'}'"
    )
    assert daily is not None and daily.fetchall() == [(30, 1000)]
    listed = CliRunner().invoke(app, ["elt", "list"])
    assert "sample_orders" in listed.output and "from the start" in listed.output


def test_parameters_follow_the_seeds_precedence() -> None:
    from wmg_assets.migration.elt.params import Params, merge_params

    params = Params(
        runtime={"a": "runtime"},
        job_arguments={"a": "job", "b": "job"},
        resolver=lambda k: {"c": "resolver", "b": "resolver"}.get(k),
        context={"c": "context", "d": "context"},
        defaults={"e": "default"},
    )
    assert [params.get(k) for k in "abcde"] == ["runtime", "job", "resolver", "context", "default"]
    assert params.get("missing", "fallback") == "fallback"
    assert json.loads(merge_params('{"a": 1, "b": 2}', {"b": 3})) == {"a": 1, "b": 3}
    assert json.loads(merge_params(None, None)) == {}


def test_a_passing_error_is_retried_from_the_failed_statement(elt_env: dict) -> None:
    rows_of(elt_env["pg"], "CREATE SEQUENCE flaky")  # its first value fails, the second passes
    job = {
        "name": "retried",
        "retries": 1,
        "connections": {"pg": elt_env["pg"]},
        "steps": [
            {
                "name": "only",
                "statements": [
                    {"sql": "INSERT INTO ran (statement) VALUES ('only.1')", "on": "pg"},
                    {
                        "sql": "SELECT 1 / (nextval('flaky') - 1)",
                        "on": "pg",
                    },
                    {"sql": "INSERT INTO ran (statement) VALUES ('only.3')", "on": "pg"},
                ],
            }
        ],
    }
    (elt_env["config"] / "elt" / "retried.yaml").write_text(yaml.safe_dump(job))
    result = CliRunner().invoke(app, ["elt", "run", "retried"])
    assert result.exit_code == 0, result.output
    assert rows_of(elt_env["pg"], "SELECT statement FROM ran ORDER BY at") == [
        ("only.1",),
        ("only.3",),
    ]  # the retry resumed at statement 2


def test_a_bare_on_key_in_yaml_names_the_connection() -> None:
    from wmg_assets.migration.elt.steps import JobConfig

    text = (
        "name: j\nconnections: {pg: env:X}\nsteps:\n  - name: s\n    statements:\n"
        "      - sql: SELECT 1\n        on: pg\n"
    )
    job = JobConfig.model_validate(yaml.safe_load(text))  # PyYAML reads `on` as true
    assert job.steps[0].statements[0].on == "pg"
