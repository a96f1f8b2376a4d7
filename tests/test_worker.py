"""The warm worker (`wmg worker`), as people use it: a real worker process, `wmg` commands run
as subprocesses that hand themselves to it over its Unix socket, compared with the same
commands run without it (`WMG_WORKER=off`)."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CONFIG_DIR, SAMPLE_DIR
from wmg_assets.worker.protocol import ask, socket_path, wmg_home

WMG = str(Path(sys.executable).with_name("wmg"))
WORKER_MODULES = {"wmg_assets", "wmg_assets.worker", "wmg_assets.worker.protocol",
                  "wmg_assets.worker.server", "wmg_assets.worker.spawn"}  # fmt: skip
BAD_ORDERS = (
    "Order ID,Customer ID,Order Date,Amount,Currency,Status,Updated At\n"
    "50001,1007,2026-11-01,73.26,USD,paid,2026-11-02 11:31:00\n"
    "50002,1007,2026-11-01,12.50,USD,paid\n"
)

Completed = subprocess.CompletedProcess[str]
pytestmark = pytest.mark.skipif(not hasattr(socket, "SO_PEERCRED"), reason="Linux only")


def wmg(*args: str, env: dict[str, str], cwd: Path, timeout: float = 300) -> "Completed":
    return subprocess.run([WMG, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)  # fmt: skip


def base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WMG_", "DAGSTER_"))}
    return {**env, "WMG_HOME": str(home), "COLUMNS": "200"}


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A worker serving one home for the module's tests; each test points its commands at
    its own warehouse, lake, catalog and Dagster instance through the environment."""
    home = tmp_path_factory.mktemp("worker") / "home"
    env = base_env(home)
    started = wmg("worker", "start", env=env, cwd=home.parent)
    assert started.returncode == 0, started.stderr
    yield home
    wmg("worker", "stop", env=env, cwd=home.parent)


@pytest.fixture
def client_env(worker: Path, tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    (tmp_path / "dagster").mkdir()
    return {**base_env(worker), "WMG_CONFIG_DIR": str(config),
            "WMG_WAREHOUSE_URL": f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
            "WMG_LAKE_URL": str(tmp_path / "lake"),
            "WMG_ICEBERG_CATALOG_URL": f"sqlite:///{tmp_path / 'catalog.db'}",
            "DAGSTER_HOME": str(tmp_path / "dagster"), "WMG_RETRY_DELAY_SECONDS": "0"}  # fmt: skip


def served(home: Path) -> int:
    status = ask(home, {"op": "status"})
    assert status is not None, "the worker does not answer"
    return status["served"]


def test_an_ingest_through_the_worker_is_the_ingest_without_it(
    worker: Path, client_env: dict[str, str], tmp_path: Path
) -> None:
    shutil.copy(SAMPLE_DIR / "orders_2026_11_01.csv", tmp_path)
    before = served(worker)
    warm = wmg("ingest", "--json", "orders_2026_11_01.csv", env=client_env, cwd=tmp_path)
    assert warm.returncode == 0, warm.stderr
    assert served(worker) == before + 1
    count = wmg("query", "select count(*) as n from public.orders", "--csv", env=client_env,
                cwd=tmp_path)  # fmt: skip
    assert count.stdout.splitlines() == ["n", "30"]
    assert served(worker) == before + 2
    # the client's environment chose where the rows and the run went, not the worker's
    assert (tmp_path / "warehouse.duckdb").exists()
    assert not (worker / "warehouse.duckdb").exists()
    [outcome] = json.loads(warm.stdout.strip().splitlines()[-1])
    import dagster as dg

    with dg.DagsterInstance.from_config(client_env["DAGSTER_HOME"]) as instance:
        run = instance.get_run_by_id(outcome["run_id"])
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS

    cold_dir = tmp_path / "cold"
    cold_dir.mkdir()
    cold_env = {**client_env, "WMG_WORKER": "off",
                "WMG_WAREHOUSE_URL": f"duckdb:///{cold_dir / 'warehouse.duckdb'}",
                "WMG_LAKE_URL": str(cold_dir / "lake"),
                "WMG_ICEBERG_CATALOG_URL": f"sqlite:///{cold_dir / 'catalog.db'}"}  # fmt: skip
    cold = wmg("ingest", "--json", str(tmp_path / "orders_2026_11_01.csv"), env=cold_env,
               cwd=cold_dir)  # fmt: skip
    assert cold.returncode == 0, cold.stderr
    assert served(worker) == before + 2
    [cold_outcome] = json.loads(cold.stdout.strip().splitlines()[-1])
    assert cold_outcome["counts"] == outcome["counts"]


def test_a_bad_file_fails_the_same_way_through_the_worker(
    worker: Path, client_env: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "orders_2026_11_07.csv"
    bad.write_text(BAD_ORDERS)
    before = served(worker)
    warm = wmg("ingest", str(bad), env=client_env, cwd=tmp_path)
    assert served(worker) == before + 1
    cold = wmg("ingest", "--reload", str(bad), env={**client_env, "WMG_WORKER": "off"},
               cwd=tmp_path)  # fmt: skip
    assert warm.returncode == cold.returncode == 1
    message = "error: orders_2026_11_07.csv, line 3: expected 7 fields, found 6"
    assert message in warm.stderr and message in cold.stderr
    unprocessed = [p.name for p in (tmp_path / "lake" / "data" / "unprocessed").rglob("*.csv")]
    assert unprocessed == [bad.name]


def test_a_feed_added_after_the_worker_started_is_seen(
    worker: Path, client_env: dict[str, str], tmp_path: Path
) -> None:
    """A child loads the definitions and WMG's code itself: nothing of them lives in the
    worker, so new configuration (or code) is used by the next command."""
    status = ask(worker, {"op": "status"})
    assert status is not None
    assert set(status["wmg_modules"]) <= WORKER_MODULES
    feeds = Path(client_env["WMG_CONFIG_DIR"]) / "feeds"
    (feeds / "parts.yaml").write_text(
        "name: parts\nfile_pattern: 'parts_*.csv'\ntarget: {schema: public, table: parts}\n"
        "upsert_keys: [part_id]\n"
    )
    (tmp_path / "parts_1.csv").write_text("Part ID,Name\n1,bolt\n2,nut\n")
    before = served(worker)
    result = wmg("ingest", "parts_1.csv", env=client_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert served(worker) == before + 1
    rows = wmg("query", "select name from public.parts order by part_id", "--csv",
               env=client_env, cwd=tmp_path)  # fmt: skip
    assert rows.stdout.splitlines() == ["name", "bolt", "nut"]


def test_two_commands_at_once_each_get_their_own_child(
    worker: Path, client_env: dict[str, str], tmp_path: Path
) -> None:
    before = served(worker)
    files = [SAMPLE_DIR / "orders_2026_11_01.csv", SAMPLE_DIR / "customers_2026_11_01.csv"]
    clients = [
        subprocess.Popen([WMG, "ingest", "--json", str(f)], env=client_env, cwd=tmp_path,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for f in files
    ]  # fmt: skip
    outputs = [c.communicate(timeout=300) for c in clients]
    assert [c.returncode for c in clients] == [0, 0], outputs
    assert served(worker) == before + 2
    loaded = [json.loads(out.strip().splitlines()[-1])[0]["file"] for out, _ in outputs]
    assert loaded == [f.name for f in files]  # each answer went to the client that asked
    count = wmg("query", "select (select count(*) from public.orders) as o, "
                "(select count(*) from public.customers) as c", "--csv", env=client_env,
                cwd=tmp_path)  # fmt: skip
    assert count.stdout.splitlines() == ["o,c", "30,20"], count


def test_a_caller_that_sends_nothing_does_not_hold_up_the_others(
    worker: Path, client_env: dict[str, str], tmp_path: Path
) -> None:
    before = served(worker)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as stuck:
        stuck.connect(str(socket_path(worker)))  # connected, silent, still open below
        result = wmg("--version", env=client_env, cwd=tmp_path, timeout=60)
        assert result.returncode == 0 and result.stdout.startswith("wmg-platform")
        assert served(worker) == before + 1


def test_ctrl_c_reaches_the_command_in_the_worker(
    worker: Path, client_env: dict[str, str], tmp_path: Path
) -> None:
    client = subprocess.Popen(
        [WMG, "query", "select count(*) from range(100000000000) a, range(10) b"],
        env=client_env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while (ask(worker, {"op": "status"}) or {}).get("running", 0) == 0:
        assert time.monotonic() < deadline, "the query never started in the worker"
        assert client.poll() is None, client.communicate()
        time.sleep(0.05)
    # Ctrl-C, again each second as a user would: one that lands while the child still imports
    # can be swallowed by Python's import machinery, here as without the worker
    stderr = ""
    for _ in range(60):
        client.send_signal(signal.SIGINT)
        try:
            _, stderr = client.communicate(timeout=1.0)
            break
        except subprocess.TimeoutExpired:
            continue
    assert client.returncode in (1, 130), stderr  # the query's "interrupted" error, or 130
    deadline = time.monotonic() + 10
    while (ask(worker, {"op": "status"}) or {}).get("running", 1):
        assert time.monotonic() < deadline, "the worker's child did not end"
        time.sleep(0.05)


def test_a_client_with_another_pythonpath_or_worker_off_runs_itself(
    worker: Path, client_env: dict[str, str], tmp_path: Path
) -> None:
    before = served(worker)
    for extra in ({"PYTHONPATH": str(tmp_path)}, {"WMG_WORKER": "off"}):
        result = wmg("--version", env={**client_env, **extra}, cwd=tmp_path)
        assert result.returncode == 0 and result.stdout.startswith("wmg-platform"), result
    assert served(worker) == before
    assert wmg("--version", env=client_env, cwd=tmp_path).returncode == 0
    assert served(worker) == before + 1


def test_start_status_stop_with_a_long_home_and_a_stale_socket(tmp_path: Path) -> None:
    """A home whose socket path would be too long gets a socket in a private temp folder; a
    socket left by a killed worker is not answered (commands run locally) and is replaced by
    the next start; the socket is for this user only; stop removes it."""
    home = tmp_path / ("h" * 60) / ("o" * 60)
    env = base_env(home)
    path = socket_path(wmg_home(env))
    assert path.parent != home and len(os.fsencode(path)) < 100
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()  # the socket file stays, nobody listens: a killed worker's
    assert wmg("--version", env=env, cwd=tmp_path).returncode == 0
    assert wmg("worker", "status", env=env, cwd=tmp_path).returncode == 1
    try:
        started = wmg("worker", "start", "--idle-minutes", "5", env=env, cwd=tmp_path)
        assert started.returncode == 0, started.stderr
        assert path.stat().st_mode & 0o077 == 0
        status = wmg("worker", "status", env=env, cwd=tmp_path)
        assert status.returncode == 0 and "0 commands" in status.stdout, status.stdout
        again = wmg("worker", "start", env=env, cwd=tmp_path)
        assert again.returncode == 0 and "already serves" in again.stdout
    finally:
        stopped = wmg("worker", "stop", env=env, cwd=tmp_path)
    assert stopped.returncode == 0 and "worker stopped" in stopped.stdout
    assert not path.exists()
    assert wmg("worker", "status", env=env, cwd=tmp_path).returncode == 1


def test_a_library_change_stops_the_worker_and_the_command_runs_locally(tmp_path: Path) -> None:
    """What the worker imported must be what a new process would import: once a folder of
    the import path changes (a library installed, upgraded or removed), the next command is
    refused, runs in its own process with a note, and the worker ends."""
    libraries = tmp_path / "libraries"
    libraries.mkdir()
    env = {**base_env(tmp_path / "home"), "PYTHONPATH": str(libraries)}
    started = wmg("worker", "start", env=env, cwd=tmp_path)
    assert started.returncode == 0, started.stderr
    home = wmg_home(env)
    try:
        assert wmg("--version", env=env, cwd=tmp_path).returncode == 0
        assert served(home) == 1
        (libraries / "newly_installed.py").write_text("")
        result = wmg("--version", env=env, cwd=tmp_path)
        assert result.returncode == 0 and result.stdout.startswith("wmg-platform")
        assert "the wmg worker stopped: its libraries changed" in result.stderr
        deadline = time.monotonic() + 10
        while ask(home, {"op": "status"}) is not None:
            assert time.monotonic() < deadline, "the worker did not stop"
            time.sleep(0.05)
        assert not socket_path(home).exists()
    finally:
        wmg("worker", "stop", env=env, cwd=tmp_path)


def server_processes(home: Path) -> list[int]:
    """Worker processes for `home` (by their command line; a forked child has the same)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"wmg_assets.worker.server" in command and os.fsencode(home) in command:
                found.append(int(entry.name))
    return found


def test_worker_auto_starts_one_worker_for_the_next_commands(tmp_path: Path) -> None:
    """With WMG_WORKER=auto, commands run in their own process until the worker they started
    in the background answers; commands that start meanwhile do not start another."""
    env = {**base_env(tmp_path / "home"), "WMG_WORKER": "auto"}
    home = wmg_home(env)
    try:
        for _ in range(3):  # all before the worker's imports are done
            result = wmg("--version", env=env, cwd=tmp_path)
            assert result.returncode == 0 and result.stdout.startswith("wmg-platform")
        deadline = time.monotonic() + 120
        while ask(home, {"op": "status"}) is None:
            assert time.monotonic() < deadline, (home / "worker.log").read_text()
            time.sleep(0.1)
        assert served(home) == 0
        assert wmg("--version", env=env, cwd=tmp_path).returncode == 0
        assert served(home) == 1
        assert len(server_processes(home)) == 1
    finally:
        wmg("worker", "stop", env=env, cwd=tmp_path)
    assert server_processes(home) == []
