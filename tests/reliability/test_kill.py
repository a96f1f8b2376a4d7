"""SIGKILL `wmg ingest` of a large delta at 8 points spread over its run.

After each kill: the target is exactly as before the delta or exactly as after it (never
half-written); the audit and the ledger agree with it; the feed's landing sweep requests the
file again exactly when it is not loaded (a run whose process died is marked failed, not
taken for one still loading); and loading what the sweep asks for gives the reference table.
Each attempt starts from a copy of the same home (the base file loaded).
"""

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg

from tests.reliability.harness import BIN, FEED_T, Platform
from tests.sensor_daemon import Daemon
from wmg_assets.definitions import load_definitions_from
from wmg_assets.feeds.assets import PROCESS_TAG
from wmg_assets.ingest import dagster_instance
from wmg_resources.settings import load_settings

BASE_ROWS, UPDATED, INSERTED = 200_000, 60_000, 40_000
KILLS = 8


def _line(i: int, version: int) -> str:
    return f"{i},name {i} v{version},{(i * 7 + version) % 1000}.{version:02d},{'ab'[i % 2]}\n"


def _files(platform: Platform) -> tuple[Path, Path]:
    header = "id,name,amount,kind\n"
    base = header + "".join(_line(i, 0) for i in range(BASE_ROWS))
    changed = range(0, UPDATED * 3, 3)  # every third key updated, then new keys
    delta = header + "".join(
        [_line(i, 1) for i in changed]
        + [_line(i, 1) for i in range(BASE_ROWS, BASE_ROWS + INSERTED)]
    )
    return platform.write("t_base.csv", base), platform.write("t_delta.csv", delta)


def _fingerprint(platform: Platform) -> tuple:
    """Count and order-free hashes of the target's data columns (not run_date)."""
    [row] = platform.query(
        "SELECT count(*), bit_xor(hash(id, name, amount, kind)), "
        "sum(hash(id, name, amount, kind) % 1000003) FROM public.t"
    )
    return row


def _kill_after(
    args: list[str],
    delay: Callable[[], float],
    ready: Callable[[], bool],
    watch: Callable[[], bool] = lambda: False,
) -> tuple[float, float | None]:
    """Start `args`, wait until `ready()`, then `delay()` seconds more, and SIGKILL it.
    Returns the seconds from ready to the kill (or to its exit, if it ended first), and from
    ready to the first time `watch()` held (None if it never did)."""
    proc = subprocess.Popen(args, env=os.environ.copy(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        while not ready():
            if proc.poll() is not None:
                raise AssertionError(f"{args} ended ({proc.returncode}) before its run started")
            time.sleep(0.02)
        started = time.monotonic()
        deadline, seen = started + delay(), None
        while proc.poll() is None and time.monotonic() < deadline:
            if seen is None and watch():
                seen = time.monotonic() - started
            time.sleep(0.02)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        return time.monotonic() - started, seen
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()


def _run_started(instance_of: Callable[[], dg.DagsterInstance]) -> Callable[[], bool]:
    """Whether the delta's run has begun its first step (bronze tags it with its process)."""

    def ready() -> bool:
        runs = instance_of().get_runs(
            filters=dg.RunsFilter(tags={"dagster/partition": "t_delta.csv"}), limit=1
        )
        return bool(runs) and PROCESS_TAG in runs[0].tags

    return ready


def test_sigkill_at_8_points_leaves_before_or_after_and_recovers(
    local: Platform, record_property
) -> None:
    local.feed(FEED_T + 'schedule: "*/15 * * * *"\n')
    base, delta = _files(local)
    assert local.ingest(base)[0].ok
    before = _fingerprint(local)
    snapshot = local.home.parent / "snapshot"
    shutil.copytree(local.home, snapshot)
    ingest = [str(BIN / "wmg"), "ingest", str(delta)]

    instances: list[dg.DagsterInstance] = []

    def instance() -> dg.DagsterInstance:
        if not instances:
            instances.append(dagster_instance(load_settings()))
        return instances[0]

    def restore() -> None:
        for i in instances:
            i.dispose()
        instances.clear()
        shutil.rmtree(local.home)
        shutil.copytree(snapshot, local.home)

    # The reference: the delta loaded without interruption. Its run sets the kill points:
    # 6 spread from its first step to its commit (seen as the file's move to the archive,
    # right after it), 2 spread from there to the end of the process.
    run_seconds, committed = _kill_after(
        ingest, lambda: 600, _run_started(instance), lambda: local.where("t_delta.csv") == "archive"
    )
    assert committed is not None
    points = [committed * (i + 0.5) / 6 for i in range(6)]
    points += [committed + (run_seconds - committed) * (i + 0.5) / 2 for i in range(2)]
    assert len(points) == KILLS
    after = _fingerprint(local)
    assert after != before and after[0] == BASE_ROWS + INSERTED
    defs = load_definitions_from(load_settings())

    outcomes = []
    for point, at in enumerate(points):
        restore()
        _kill_after(ingest, lambda at=at: at, _run_started(instance))
        state = _fingerprint(local)
        assert state in (before, after), f"kill {point} at {at:.2f}s left a half-written target"
        loaded = state == after
        ledger, audit = local.ledger("t_delta.csv"), [s for s, _ in local.audit("t_delta.csv")]
        assert ledger.count("SUCCESS") == audit.count("SUCCESS") == int(loaded), (ledger, audit)
        daemon = Daemon(defs, instance())
        requests = daemon.sweep("t_landing_sweep")
        assert [r.partition_key for r in requests] == ([] if loaded else ["t_delta.csv"])
        daemon.launch(requests)
        assert all(r.success for r in daemon.runs)
        assert _fingerprint(local) == after, f"kill {point}: the rerun differs"
        assert local.ledger("t_delta.csv").count("SUCCESS") == 1
        assert local.where("t_delta.csv") == "archive"
        dead = [r for r in instance().get_runs() if r.status == dg.DagsterRunStatus.STARTED]
        assert dead == [], "a killed run was left STARTED"
        outcomes.append({"at_seconds": round(at, 2), "target": "after" if loaded else "before"})
    record_property("kill_outcomes", json.dumps(outcomes))
    record_property("run_seconds", round(run_seconds, 2))
    record_property("commit_seconds", round(committed, 2))
