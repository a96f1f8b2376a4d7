"""The commands people run, as subprocesses on a temporary WMG_HOME: `wmg`, and Dagster's
`definitions validate`, `asset materialize` and `dev` (UI + daemon, queried over GraphQL)."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE_DIR, free_port

BIN = Path(sys.executable).parent


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
    bad.write_text("Order ID,Amount\n1,2,3\n")
    good = SAMPLE_DIR / "orders_2026_11_01.csv"
    result = run(str(BIN / "wmg"), "ingest", str(good), str(bad), env=env)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: orders_bad.csv, line 2: expected 2 fields, found 3: '1,2,3'"]
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
    from wmg_resources import build_resources
    from wmg_resources.lake import landing_key
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


ASSET_GRAPH_QUERY = """
{ assetNodes { assetKey { path } dependencyKeys { path } } }
"""


def test_dagster_dev_shows_bronze_silver_warehouse_for_each_feed(env: dict[str, str]) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [
            str(BIN / "dagster"),
            "dev",
            "-m",
            "wmg_assets.definitions",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        # `dagster dev` ignores SIGINT/SIGTERM when started in the background; restore them.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        nodes = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and nodes is None:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/graphql",
                    data=json.dumps({"query": ASSET_GRAPH_QUERY}).encode(),
                    headers={"Content-Type": "application/json"},
                )
                with urllib.request.urlopen(request, timeout=5) as response:
                    nodes = json.load(response)["data"]["assetNodes"]
            except (OSError, KeyError, TypeError):
                time.sleep(1)
        assert nodes is not None, "dagster dev did not answer GraphQL within 120 s"
        deps = {
            "/".join(n["assetKey"]["path"]): {"/".join(d["path"]) for d in n["dependencyKeys"]}
            for n in nodes
        }
        for feed, target in (("customers", "public/customers"), ("orders", "public/orders")):
            assert deps[f"bronze/{feed}"] == set()
            assert deps[f"silver/{feed}"] == {f"bronze/{feed}"}
            assert deps[f"warehouse/{target}"] == {f"silver/{feed}"}
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
