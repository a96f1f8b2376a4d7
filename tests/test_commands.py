"""The commands people run, as subprocesses on a temporary WMG_HOME: `wmg`, and Dagster's
`definitions validate`, `asset materialize` and `dev` (UI + daemon, queried over GraphQL and
looked at in headless Chromium)."""

import contextlib
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from tests.conftest import ROOT, SAMPLE_DIR, free_port

BIN = Path(sys.executable).parent
T = TypeVar("T")


def run(*args: str, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture
def env(wmg_env: Path) -> dict[str, str]:
    return {**os.environ, "COLUMNS": "200"}


def test_demo_then_query(env: dict[str, str]) -> None:
    demo = run(str(BIN / "wmg"), "demo", env=env)
    assert demo.returncode == 0, demo.stderr
    table_rows = [line for line in demo.stdout.splitlines() if ".csv" in line]
    assert len(table_rows) == 3
    assert "compared with the warehouse: Matched" in demo.stdout  # the DDL step
    assert any(
        "customers_2026_11_02.csv" in r and "│        4 │       5 │" in r for r in table_rows
    ), demo.stdout
    count = run(
        str(BIN / "wmg"), "query", "select count(*) as n from public.customers", "--csv", env=env
    )
    assert count.returncode == 0, count.stderr
    assert count.stdout.splitlines() == ["n", "24"]


def test_plan_prints_the_ddl_and_changes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    assert run(str(BIN / "wmg"), "ingest", str(SAMPLE_DIR / "orders_2026_11_01.csv"),
               env=env).returncode == 0  # fmt: skip
    new = tmp_path / "orders_2026_11_02.csv"
    new.write_text(
        "Order ID,Customer ID,Order Date,Amount,Currency,Status,Updated At,Channel\n"
        "50001,1007,2026-11-01,73.26,USD,paid,2026-11-02 11:31:00,web\n"
    )
    plan = run(str(BIN / "wmg"), "plan", str(new), env=env)
    assert plan.returncode == 0, plan.stderr
    assert 'ALTER TABLE "public"."orders" ADD COLUMN "channel" VARCHAR' in plan.stdout
    columns = run(str(BIN / "wmg"), "query", "select * from public.orders limit 0", "--csv",
                  env=env)  # fmt: skip
    assert "channel" not in columns.stdout.splitlines()[0]


def test_ingest_reports_a_bad_file_in_one_line_and_exits_1(
    env: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "orders_bad.csv"
    bad.write_text("Order ID,Amount,Updated At\n1,2,2026-11-01,3\n")
    good = SAMPLE_DIR / "orders_2026_11_01.csv"
    result = run(str(BIN / "wmg"), "ingest", str(good), str(bad), env=env)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: orders_bad.csv, line 2: expected 3 fields, found 4: '1,2,2026-11-01,3'"
    ]
    count = run(str(BIN / "wmg"), "query", "select count(*) from public.orders", "--csv", env=env)
    assert count.stdout.splitlines()[1] == "30"  # the good file loaded all the same


def test_dagster_definitions_validate(env: dict[str, str]) -> None:
    result = run(
        str(BIN / "dagster"), "definitions", "validate", "-m", "wmg_assets.definitions", env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful" in result.stdout + result.stderr


def test_dagster_asset_materialize_a_file_partition(env: dict[str, str], wmg_env: Path) -> None:
    from wmg_assets.ingest import dagster_instance
    from wmg_resources.lake import landing_key
    from wmg_resources.resources import build_resources
    from wmg_resources.settings import load_settings

    settings = load_settings()
    lake = build_resources(settings, env_vars=False)["lake"]
    name = "orders_2026_11_01.csv"
    lake.put_file(SAMPLE_DIR / name, landing_key(name))  # type: ignore[attr-defined]
    dagster_instance(settings).add_dynamic_partitions("orders_files", [name])
    result = run(
        str(BIN / "dagster"),
        "asset",
        "materialize",
        "-m",
        "wmg_assets.definitions",
        "--select",
        "bronze/orders,silver/orders,warehouse/public/orders",
        "--partition",
        name,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    count = run(str(BIN / "wmg"), "query", "select count(*) from public.orders", "--csv", env=env)
    assert count.stdout.splitlines()[1] == "30"


def test_dagster_asset_materialize_the_datamart_with_a_load_type(
    env: dict[str, str], wmg_env: Path
) -> None:
    from wmg_assets.datamart.sample import create_sample_source

    create_sample_source(wmg_env / "source.duckdb", accounts=20)

    def materialize(load_type: str) -> subprocess.CompletedProcess:
        config = {"ops": {"datamart_account_metadata": {"config": {"load_type": load_type}}}}
        return run(str(BIN / "dagster"), "asset", "materialize", "-m", "wmg_assets.definitions",
                   "--select", "group:datamart_account_metadata", "--config-json",
                   json.dumps(config), env=env)  # fmt: skip

    first = materialize("full")
    assert first.returncode == 0, first.stdout + first.stderr
    watermark = wmg_env / "lake" / "watermarks" / "account_metadata.csv"
    assert watermark.read_text().startswith("last_load_timestamp\n2026-")
    second = run(str(BIN / "wmg"), "datamart", "run", "account_metadata", env=env)
    assert second.returncode == 0, second.stderr
    assert "empty increment: nothing committed" in second.stdout
    bad = materialize("sideways")
    assert bad.returncode != 0 and "sideways" in bad.stdout + bad.stderr


@pytest.mark.postgres
def test_dagster_asset_materialize_the_gold_models_on_postgres(
    env: dict[str, str], postgres_url: str
) -> None:
    """`dagster asset materialize` of the gold group runs `dbt build` (dbt-postgres): the
    models are built in the PostgreSQL warehouse and every dbt test is recorded as a check."""
    import dagster as dg

    env = {**env, "WMG_WAREHOUSE_URL": postgres_url, "WMG_ENV": "test"}
    files = [str(p) for p in sorted(SAMPLE_DIR.glob("*.csv"))]
    assert run(str(BIN / "wmg"), "ingest", *files, env=env).returncode == 0
    result = run(str(BIN / "dagster"), "asset", "materialize", "-m", "wmg_assets.definitions",
                 "--select", "group:gold", env=env)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "dbt build" in result.stdout + result.stderr
    count = run(str(BIN / "wmg"), "query", "select sum(customers) from gold.customers_per_country",
                "--csv", env=env)  # fmt: skip
    assert count.stdout.splitlines()[1] == "24"  # every customer of the warehouse, counted once
    instance = dg.DagsterInstance.from_config(env["DAGSTER_HOME"])
    [run_record] = instance.get_run_records(limit=1)  # the newest: after the ingests
    checks = [
        e.dagster_event.event_specific_data
        for e in instance.all_logs(run_record.dagster_run.run_id)
        if e.dagster_event and e.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    assert len(checks) == 7
    assert all(isinstance(c, dg.AssetCheckEvaluation) and c.passed for c in checks)


ASSET_GRAPH_QUERY = """
{ assetNodes { assetKey { path } dependencyKeys { path }
    assetChecksOrError { ... on AssetChecks { checks { name blocking } } } } }
"""
REPOSITORY_QUERY = """
{ repositoriesOrError { ... on RepositoryConnection { nodes {
    name location { name } sensors { name } schedules { name } } } } }
"""
START_SENSOR = """
mutation($selector: SensorSelector!) { startSensor(sensorSelector: $selector) {
    __typename ... on Sensor { sensorState { status } } ... on PythonError { message } } }
"""
RUNS_FROM_CLI = """
{ runsOrError(filter: {tags: [{key: "wmg/source", value: "cli"}]}) { ... on Runs { results {
    status pipelineName repositoryOrigin { repositoryLocationName } } } } }
"""
RUNS_OF_PARTITION = """
query($partition: String!) { runsOrError(filter: {tags: [{key: "dagster/partition",
    value: $partition}]}) { ... on Runs { results { runId status tags { key value } } } } }
"""
PARTITION_STATUS = """
{ assetNodeOrError(assetKey: {path: ["warehouse", "public", "customers"]}) { ... on AssetNode {
    assetPartitionStatuses { ... on DefaultPartitionStatuses { materializedPartitions } } } } }
"""


def rendered(url: str, screenshot: Path | None = None) -> str:
    """The text of a page of the Dagster UI as headless Chromium renders it (its scripts
    run, its queries answered), or a screenshot of it."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Chromium is installed by scripts/setup --dev"
    how = [f"--screenshot={screenshot}"] if screenshot else ["--dump-dom"]
    done = subprocess.run(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--window-size=1600,1000", "--virtual-time-budget=20000", *how, url],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    text = re.sub(r"<[^>]+>", " ", done.stdout)
    return html.unescape(re.sub(r"\s+", " ", text))


def browse_the_ui(port: int, out: Path) -> None:
    """The warehouse target's asset page shows its row count, its column schema and its
    checks; a screenshot of the asset graph goes to the test's output folder."""
    base = f"http://127.0.0.1:{port}/assets/warehouse/public/customers"
    overview = rendered(base)
    assert "Row count 20" in overview, overview[-3000:]
    assert "Columns" in overview and "customer_id" in overview and "credit_limit" in overview
    assert "decimal(38,18)" in overview and "Latest check results" in overview
    assert "Join the Dagster community" not in overview
    checks = rendered(f"{base}?view=checks")
    assert "upsert_keys_unique" in checks and "reconciliation" in checks
    graph = out / "asset_graph.png"
    rendered(f"http://127.0.0.1:{port}/asset-groups/customers", screenshot=graph)
    assert graph.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and graph.stat().st_size > 10_000


class DagsterDev:
    """`wmg dev` (Dagster's webserver, daemon, code server) on 127.0.0.1, answered over
    GraphQL, started without the venv on PATH and in the background (SIGINT ignored, as a
    shell's `&` does); `stop` sends SIGTERM to `wmg` alone and checks that every process it
    started is gone (they share its process group)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        path = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                               if Path(p) != BIN)  # fmt: skip
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wmg_assets.cli", "dev", "--port", str(self.port)],
            env={**env, "PATH": path}, cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )  # fmt: skip

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["data"]

    def wait_for(self, what: str, seconds: float, probe: Callable[[], T | None]) -> T:
        """The first truthy value of `probe()` within `seconds`, else the test fails."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if value := probe():
                    return value
            except (OSError, KeyError, TypeError):
                pass
            time.sleep(1)
        raise AssertionError(f"dagster dev: {what} not seen within {seconds:.0f} s")

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # children (daemon, code server, run workers)
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.5)
        os.killpg(self.proc.pid, signal.SIGKILL)
        pytest.fail("wmg dev left processes behind after SIGTERM (killed)")


def test_dagster_dev_lake_sensor_loads_a_dropped_file(env: dict[str, str], wmg_env: Path) -> None:
    """The UI shows each feed's assets, sensors and schedules; the lake sensor, turned on
    over GraphQL, picks up a file dropped into the lake and its run succeeds."""
    config = wmg_env.parent / "config"  # a copy: a feed is added while the UI runs
    shutil.copytree(ROOT / "config", config)
    env = {**env, "WMG_SENSOR_INTERVAL_SECONDS": "2", "WMG_CONFIG_DIR": str(config)}
    (wmg_env / "dagster" / "dagster.yaml").write_text(
        "telemetry:\n  enabled: false\nnux:\n  enabled: false\n"  # no welcome dialog
    )
    dev = DagsterDev(env)
    try:
        nodes = dev.wait_for("the asset graph", 120,
                             lambda: dev.graphql(ASSET_GRAPH_QUERY)["assetNodes"])  # fmt: skip
        deps = {
            "/".join(n["assetKey"]["path"]): {"/".join(d["path"]) for d in n["dependencyKeys"]}
            for n in nodes
        }
        for feed, target in (("customers", "public/customers"), ("orders", "public/orders")):
            assert deps[f"bronze/{feed}"] == set()
            assert deps[f"silver/{feed}"] == {f"bronze/{feed}"}
            assert deps[f"warehouse/{target}"] == {f"silver/{feed}"}
        # Gold downstream of the warehouse targets (so of silver); checks on their assets.
        assert deps["gold/customers_per_country"] == {"warehouse/public/customers"}
        assert deps["gold/order_totals_per_day"] == {"warehouse/public/orders"}
        checks = {
            "/".join(n["assetKey"]["path"]): {
                (c["name"], c["blocking"]) for c in n["assetChecksOrError"].get("checks", [])
            }
            for n in nodes
        }
        assert checks["silver/customers"] == {("rules", True)}  # the sample feed has rules
        assert checks["warehouse/public/customers"] == {
            ("upsert_keys_unique", False), ("reconciliation", False)
        }  # fmt: skip
        [repo] = dev.graphql(REPOSITORY_QUERY)["repositoriesOrError"]["nodes"]
        assert repo["location"]["name"] == "wmg"  # the name every file uses
        assert "wmg_lake_sensor" in {s["name"] for s in repo["sensors"]}
        assert {s["name"] for s in repo["schedules"]} == {"customers_landing_sweep"}

        selector = {"repositoryLocationName": repo["location"]["name"],
                    "repositoryName": repo["name"], "sensorName": "wmg_lake_sensor"}  # fmt: skip
        started = dev.graphql(START_SENSOR, {"selector": selector})["startSensor"]
        assert started["sensorState"]["status"] == "RUNNING", started

        name = "customers_2026_11_01.csv"
        landing = wmg_env / "lake" / "data" / "in"
        landing.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SAMPLE_DIR / name, landing / name)

        def finished_run() -> dict | None:
            runs = dev.graphql(RUNS_OF_PARTITION, {"partition": name})["runsOrError"]["results"]
            done = [r for r in runs if r["status"] in ("SUCCESS", "FAILURE", "CANCELED")]
            return done[0] if done else None

        loaded = dev.wait_for("a finished run of the dropped file", 240, finished_run)
        assert loaded["status"] == "SUCCESS", loaded
        assert {"key": "wmg/source", "value": "lake_sensor"} in loaded["tags"]
        status = dev.graphql(PARTITION_STATUS)["assetNodeOrError"]["assetPartitionStatuses"]
        assert status["materializedPartitions"] == [name]  # the file as a partition, loaded
        # While wmg dev is up, `wmg ingest` launches through it: a run of the `wmg` location's
        # job (what the Overview timeline shows), not an in-process run without an origin.
        cli = run(str(BIN / "wmg"), "ingest", str(SAMPLE_DIR / "orders_2026_11_01.csv"), env=env)
        assert cli.returncode == 0, cli.stdout + cli.stderr
        assert f"runs launched through wmg dev at http://127.0.0.1:{dev.port}" in cli.stderr
        [from_cli] = dev.graphql(RUNS_FROM_CLI)["runsOrError"]["results"]
        assert from_cli["status"] == "SUCCESS" and from_cli["pipelineName"] == "orders_file_job"
        assert from_cli["repositoryOrigin"]["repositoryLocationName"] == "wmg"
        # A feed added after the UI loaded its code location: the UI refuses the job, so the
        # file loads in-process, with a warning saying why and what to do.
        sample = ROOT / "sample_data" / "new_feed" / "products_2026_11_01.csv"
        assert run(str(BIN / "wmg"), "feeds", "new", "products", "--from", str(sample),
                   env=env).returncode == 0  # fmt: skip
        new = run(str(BIN / "wmg"), "ingest", str(sample), env=env)
        assert new.returncode == 0, new.stdout + new.stderr
        assert "did not launch products_file_job" in new.stderr
        assert "reload the code location" in new.stderr
        browse_the_ui(dev.port, wmg_env.parent)
    finally:
        dev.stop()
    assert not (wmg_env / "dagster" / "wmg-dev.json").exists()  # later commands run in-process
    count = run(str(BIN / "wmg"), "query", "select count(*) from public.customers", "--csv",
                    env=env)  # fmt: skip
    assert count.stdout.splitlines()[1] == "20"
