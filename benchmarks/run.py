"""Benchmarks against peers on the same data: `python -m benchmarks.run [--rows N] [--only B1,…]`.

B1 feed load, B2 silver transform, B3 datamart, B4 per-run overhead, B5 scaling, B6 Teradata
SQL conversion (`benchmarks/sql_conversion.py`), B7 table copy and B8 reconciliation on
PostgreSQL (`benchmarks/data_migration.py`).

Prints one table per benchmark and writes `benchmarks/results/latest.json`. Never part of
the test run. Needs the `bench` extra (`uv pip install -e '.[bench]'`) for dlt.
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from benchmarks.data import BenchData, generate
from benchmarks.measure import run_measured

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DATA_DIR = ROOT / "benchmarks" / "data"
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
console = Console(width=180)

FEED = """
name: bench
file_pattern: "*.csv"
target: {schema: public, table: bench}
upsert_keys: [record_id]
order_by: updated_at
"""


@dataclass
class Result:
    benchmark: str
    system: str
    rows: int
    wall_s: float
    rows_per_s: float
    peak_rss_mb: float
    ratio_to_floor: float | None = None
    equal_to_floor: bool | None = None
    note: str = ""


def timed(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, the process's own peak RSS (MB, see `benchmarks.measure`) and stdout;
    a failure raises with its stderr."""
    wall, peak_mb, out, err, code = run_measured(args, env)
    if code != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({code}):\n{err[-3000:]}")
    return wall, peak_mb, out


CANONICAL = (
    "CAST(record_id AS BIGINT), "
    + ", ".join(f"CAST(int_{i} AS BIGINT)" for i in range(5))
    + ", "
    + ", ".join(f"CAST(dec_{i} AS DECIMAL(38,6))" for i in range(5))
    + ", "
    + ", ".join(f"str_{i}" for i in range(5))
    + ", "
    + ", ".join(f"CAST(ts_{i} AS TIMESTAMP)" for i in range(3))
    + ", CAST(updated_at AS TIMESTAMP), coalesce(channel, '')"
)


def fingerprint(location: str) -> tuple[int, int]:
    """Row count and an order-independent hash of every row, in canonical types."""
    path, table = location.split("::")
    con = duckdb.connect(path, read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    row = con.execute(f"SELECT count(*), sum(hash({CANONICAL})) FROM {table}").fetchone()
    con.close()
    assert row is not None
    return int(row[0]), int(row[1] or 0)


def wmg_step_seconds(dagster_home: Path) -> dict[str, float]:
    """Seconds per step of WMG's runs (summed over the files), from their run metadata."""
    import dagster as dg

    from wmg_resources.timing import StepTimes

    instance = dg.DagsterInstance.from_config(str(dagster_home))
    totals: dict[str, float] = {}
    for key in (["silver", "bench"], ["warehouse", "public", "bench"]):
        for record in instance.fetch_materializations(dg.AssetKey(key), limit=100).records:
            materialization = record.asset_materialization
            assert materialization is not None
            for step, seconds in StepTimes.from_metadata(materialization.metadata).items():
                totals[step] = totals.get(step, 0.0) + seconds
    return totals


@contextmanager
def warm_worker(env: dict[str, str]) -> Iterator[None]:
    """A `wmg worker` serving the environment's WMG_HOME while the block runs (its start,
    the imports a cold command pays, is not timed: it is paid once per machine or session)."""
    subprocess.run([str(BIN / "wmg"), "worker", "start"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    try:
        yield
    finally:
        subprocess.run([str(BIN / "wmg"), "worker", "stop"], env=env, capture_output=True,
                       check=False)  # fmt: skip


def wmg_env(sysdir: Path, warm: bool) -> dict[str, str]:
    """A WMG_HOME of its own with the benchmark's feed; commands use a worker only where
    `warm` (and one is started for it), whatever the caller's WMG_WORKER."""
    (sysdir / "config" / "feeds").mkdir(parents=True)
    (sysdir / "config" / "feeds" / "bench.yaml").write_text(FEED)
    env = {**os.environ, "WMG_HOME": str(sysdir / "home"),
           "WMG_CONFIG_DIR": str(sysdir / "config"),
           "DAGSTER_HOME": str(sysdir / "home" / "dagster"),
           "WMG_WORKER": "" if warm else "off"}  # fmt: skip
    for name in ("WMG_WAREHOUSE_URL", "WMG_LAKE_URL", "WMG_ENGINE"):
        env.pop(name, None)
    return env


def wmg_b1(data: BenchData, sysdir: Path, warm: bool) -> tuple[float, float, str, str]:
    """`wmg ingest` of the base and delta files, in a new process or handed to a warm
    worker; wall seconds, peak RSS (none for the worker: its child is not this process),
    the table and the steps' seconds."""
    env = wmg_env(sysdir, warm)
    with warm_worker(env) if warm else nullcontext():
        began = time.time()
        wall, rss, out = timed([str(BIN / "wmg"), "ingest", "--json", str(data.base),
                                str(data.delta)], env)  # fmt: skip
    steps = wmg_step_seconds(sysdir / "home" / "dagster")
    run_ids = [o["run_id"] for o in json.loads(out.strip().splitlines()[-1])]
    how = "a warm worker" if warm else "a new process"
    show_phases(f"B1: wmg ingest of base and delta ({data.rows:,} rows) in {how}, phase by "
                "phase", run_phases(sysdir / "home" / "dagster", run_ids, began,
                                    began + wall), wall)  # fmt: skip
    note = "; steps " + ", ".join(f"{k} {v:.1f}" for k, v in steps.items())
    note += f" (sum {sum(steps.values()):.1f} s)"
    location = f"{sysdir / 'home' / 'warehouse.duckdb'}::public.bench"
    return wall, 0.0 if warm else rss, location, note


def run_b1(data: BenchData, work: Path) -> list[Result]:
    results: dict[str, Result] = {}
    prints: dict[str, tuple[int, int]] = {}
    notes: dict[str, str] = {}
    total = data.rows + data.delta_rows
    for system in ("floor", "floor+lake", "wmg", "wmg (warm worker)", "dlt"):
        sysdir = work / re.sub(r"\W+", "_", system).strip("_")
        sysdir.mkdir(parents=True)
        if system.startswith("wmg"):
            wall, rss, location, notes[system] = wmg_b1(data, sysdir, warm="warm" in system)
        else:
            try:
                wall, rss, out = timed([sys.executable, "-m", "benchmarks.systems", system,
                                        str(data.base), str(data.delta), str(sysdir)])  # fmt: skip
            except RuntimeError as e:
                console.print(f"[yellow]{system} failed:[/] {str(e)[-500:]}")
                continue
            location = out.strip().splitlines()[-1]
        prints[system] = fingerprint(location)
        results[system] = Result("B1", system, data.rows, wall, total / wall, rss)
    floor = results["floor"]
    for r in results.values():
        r.ratio_to_floor = r.wall_s / floor.wall_s
        r.equal_to_floor = prints[r.system] == prints["floor"]
        r.note = f"{prints[r.system][0]} rows" + notes.get(r.system, "")
    return list(results.values())


def run_b2(data: BenchData, work: Path) -> list[Result]:
    """The silver transform of the base file on each engine, in this process."""
    import yaml

    from wmg_assets.feeds.config import FeedConfig
    from wmg_assets.feeds.pipeline import prepare_silver
    from wmg_resources.engine import EngineResource
    from wmg_resources.iceberg import IcebergResource

    feed = FeedConfig.model_validate(yaml.safe_load(FEED))
    iceberg = IcebergResource(uri=f"sqlite:///{work / 'b2' / 'catalog.db'}")
    out = []
    for kind in ("duckdb", "spark"):
        engine = EngineResource(kind=kind)
        start = time.perf_counter()
        engine.connect()
        ready = time.perf_counter() - start
        scratch = work / "b2" / kind
        scratch.mkdir(parents=True)
        start = time.perf_counter()
        prepared = prepare_silver(feed, data.base.name, lambda: data.base.open("rb"), scratch,
                                  engine=engine, iceberg=iceberg)  # fmt: skip
        wall = time.perf_counter() - start
        out.append(Result("B2", kind, prepared.raw.rows, wall, prepared.raw.rows / wall, 0,
                          note=f"engine start {ready:.1f} s, not included"))  # fmt: skip
    duck = out[0].wall_s
    for r in out:
        r.ratio_to_floor = r.wall_s / duck
    return out


def run_phases(
    dagster_home: Path, run_ids: list[str], started: float, ended: float
) -> dict[str, float]:
    """Where one `wmg ingest` process spent its time, from its runs' event logs: before the
    first run (process start, imports, definitions), each step of each run (checks are steps
    of their own or run inside their asset's), Dagster between the steps, between the runs
    (the next file's landing), and after the last run."""
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(dagster_home))
    phases: dict[str, float] = {}
    previous_end = started
    for number, run_id in enumerate(run_ids, 1):
        label = f"run {number}: " if len(run_ids) > 1 else ""
        events = [e for e in instance.all_logs(run_id) if e.dagster_event is not None]
        at = {e.dagster_event.event_type_value: e.timestamp for e in events if e.dagster_event}
        before = (
            f"{label}before the run (landing, run start)" if number > 1
            else "before the run (start, imports, definitions, landing)"
        )  # fmt: skip
        phases[before] = at["PIPELINE_START"] - previous_end
        starts: dict[str, float] = {}
        steps = 0.0
        for e in events:
            kind, step = e.dagster_event.event_type_value, e.step_key  # type: ignore[union-attr]
            if kind == "STEP_START" and step:
                starts[step] = e.timestamp
            elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and step in starts:
                phases[f"{label}step {step}"] = e.timestamp - starts[step]
                steps += e.timestamp - starts[step]
        end = at.get("PIPELINE_SUCCESS", at.get("PIPELINE_FAILURE", ended))
        phases[f"{label}Dagster between the steps"] = end - at["PIPELINE_START"] - steps
        previous_end = end
    phases["after the last run (report, exit)"] = ended - previous_end
    return phases


def show_phases(title: str, phases: dict[str, float], whole: float) -> None:
    table = Table(title=title, header_style="bold")
    table.add_column("phase")
    table.add_column("seconds", justify="right")
    for phase, seconds in phases.items():
        table.add_row(phase, f"{seconds:.2f}")
    table.add_row("whole process", f"{whole:.2f}")
    console.print(table)


INGEST_IMPORTS = [
    "dagster", "dagster._core.storage.runs.sqlite", "pyarrow.dataset", "pyiceberg.catalog.sql",
    "pyiceberg.io.pyarrow", "duckdb", "ibis.backends.duckdb",
]  # fmt: skip
"""What any `wmg ingest` must import: Dagster and its SQLite run storage (SQLAlchemy,
Alembic), Arrow datasets (which import pandas), pyiceberg's SQL catalog and Parquet writer,
DuckDB and Ibis's DuckDB backend (the engine API)."""

NOOP_RUN = (
    "import dagster as dg\n"
    "@dg.asset\n"
    "def noop() -> None: ...\n"
    "assert dg.materialize([noop], instance=dg.DagsterInstance.get()).success\n"
)
"""The fixed cost of one Dagster run in a new process, with the persistent instance
`wmg ingest` uses: B4's floor for any Dagster-based platform."""


def small_ingest(env: dict[str, str]) -> tuple[float, float, dict[str, float]]:
    """`wmg ingest` of one sample file: wall seconds, peak RSS and its phases."""
    began = time.time()
    wall, rss, out = timed([str(BIN / "wmg"), "ingest", "--json",
                            str(ROOT / "sample_data" / "orders_2026_11_01.csv")],
                           env)  # fmt: skip
    [outcome] = json.loads(out.strip().splitlines()[-1])
    return wall, rss, run_phases(Path(env["DAGSTER_HOME"]), [outcome["run_id"]], began,
                                 began + wall)  # fmt: skip


def run_b4(work: Path) -> list[Result]:
    """Per-run overhead: process start, definitions load, run — for one small file; and
    where a single ingest's time goes, phase by phase."""
    home = work / "b4"
    env = {**os.environ, "WMG_HOME": str(home), "DAGSTER_HOME": str(home / "dg"),
           "WMG_WORKER": "off"}  # fmt: skip
    for name in ("WMG_WAREHOUSE_URL", "WMG_LAKE_URL", "WMG_ENGINE", "WMG_CONFIG_DIR"):
        env.pop(name, None)
    start, _, _ = timed([sys.executable, "-c", "pass"], env)
    # what `wmg ingest` loads: every definition but the gold dbt project (see B4's notes)
    load, _, _ = timed([sys.executable, "-c", "from wmg_assets.definitions import "
                        "load_definitions_from; from wmg_resources.settings import "
                        "load_settings; load_definitions_from(load_settings(), "
                        "with_gold=False)"], env)  # fmt: skip
    ingest, rss, phases = small_ingest(env)
    warm_env = {**env, "WMG_HOME": str(work / "b4-warm"),
                "DAGSTER_HOME": str(work / "b4-warm" / "dg"), "WMG_WORKER": ""}  # fmt: skip
    with warm_worker(warm_env):
        warm, _, warm_phases = small_ingest(warm_env)
        warm_help, _, _ = timed([str(BIN / "wmg"), "--help"], warm_env)
    help_s, _, _ = timed([str(BIN / "wmg"), "--help"], env)
    demo, demo_rss, _ = timed([str(BIN / "wmg"), "demo"], env)
    show_phases("B4: one wmg ingest, phase by phase", phases, ingest)
    show_phases("B4: one wmg ingest in a warm worker, phase by phase", warm_phases, warm)
    note = f"process {start:.2f} s + definitions {load - start:.2f} s + run {ingest - load:.2f} s"
    floor_env = {**env, "DAGSTER_HOME": str(work / "b4-floor")}
    (work / "b4-floor").mkdir()
    imports, _, _ = timed([sys.executable, "-c", f"import {', '.join(INGEST_IMPORTS)}"], env)
    noop, noop_rss, _ = timed([sys.executable, "-c", NOOP_RUN], floor_env)
    return [
        Result("B4", "wmg ingest (1 small file)", 30, ingest, 30 / ingest, rss, note=note),
        Result("B4", "wmg ingest (1 small file), warm worker", 30, warm, 30 / warm, 0,
               note="`wmg worker start` before (not timed); the worker's child does the run"),
        Result("B4", "wmg --help", 0, help_s, 0, 0),
        Result("B4", "wmg --help, warm worker", 0, warm_help, 0, 0),
        Result("B4", "wmg demo (3 files)", 60, demo, 60 / demo, demo_rss),
        Result("B4", "floor: the imports an ingest needs", 0, imports, 0, 0,
               note=", ".join(INGEST_IMPORTS)),
        Result("B4", "floor: a no-op Dagster run", 0, noop, 0, noop_rss,
               note="one asset returning nothing, materialized into a SQLite DAGSTER_HOME"),
    ]  # fmt: skip


def show(results: list[Result]) -> None:
    by_bench: dict[str, list[Result]] = {}
    for r in results:
        by_bench.setdefault(r.benchmark, []).append(r)
    for bench, rows in by_bench.items():
        table = Table(title=bench, header_style="bold")
        for col in ("system", "rows", "wall s", "rows/s", "peak RSS MB", "x floor", "equal",
                    "note"):  # fmt: skip
            table.add_column(col, justify="left" if col in ("system", "note") else "right")
        for r in rows:
            table.add_row(
                r.system, f"{r.rows:,}", f"{r.wall_s:.2f}", f"{r.rows_per_s:,.0f}",
                f"{r.peak_rss_mb:.0f}" if r.peak_rss_mb else "",
                f"{r.ratio_to_floor:.2f}" if r.ratio_to_floor is not None else "",
                "" if r.equal_to_floor is None else ("yes" if r.equal_to_floor else "NO"),
                r.note,
            )  # fmt: skip
        console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--only", default="B1,B2,B3,B4,B5,B6,B7,B8")
    args = parser.parse_args()
    only = set(args.only.upper().split(","))
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="wmg-bench-") as tmp:
        work = Path(tmp)
        if only & {"B1", "B2", "B5"}:
            with console.status(f"generating {args.rows:,} rows"):
                data = generate(DATA_DIR, args.rows)
        if "B1" in only or "B5" in only:
            with console.status("B1: WMG, dlt and the DuckDB floor"):
                b1 = run_b1(data, work / "b1")
            if "B1" in only:
                results += b1
        if "B2" in only:
            with console.status("B2: the silver transform on DuckDB and Spark"):
                results += run_b2(data, work)
        if "B3" in only:
            from benchmarks.incremental import run_b3

            with console.status(f"B3: datamart full and incremental over {args.rows:,} rows"):
                results += run_b3(args.rows)
        if "B4" in only:
            with console.status("B4: per-run overhead"):
                results += run_b4(work)
        if "B5" in only:
            with console.status(f"B5: WMG at {args.rows * 4:,} rows"):
                big = run_b1(generate(DATA_DIR, args.rows * 4), work / "b5")
            wmg_n = next(r for r in b1 if r.system == "wmg")
            wmg_4n = next(r for r in big if r.system == "wmg")
            for r in (wmg_n, wmg_4n):
                results.append(Result("B5", "wmg", r.rows, r.wall_s, r.rows_per_s, r.peak_rss_mb,
                                      note=f"RSS x {wmg_4n.peak_rss_mb / wmg_n.peak_rss_mb:.2f} "
                                      "for 4x rows"))  # fmt: skip
            results += [r for r in big if "B1" in only]
        if "B6" in only:
            from benchmarks.sql_conversion import STATEMENTS, run_b6

            with console.status(f"B6: converting {STATEMENTS:,} Teradata statements"):
                for system, seconds, note in run_b6(work / "b6"):
                    count = 1 if "process" in system else STATEMENTS
                    results.append(Result("B6", system, count, seconds, count / seconds, 0.0,
                                          note=note))  # fmt: skip
        for name in ("B7", "B8"):
            if name in only:
                from benchmarks import data_migration

                run = data_migration.run_b7 if name == "B7" else data_migration.run_b8
                with console.status(f"{name}: {args.rows:,} rows on PostgreSQL"):
                    found = run(args.rows)
                floor = found[0][1] if name == "B7" else found[1][1]
                for system, seconds, rows, rss, note in found:
                    results.append(Result(name, system, rows, seconds, rows / seconds, rss,
                                          ratio_to_floor=seconds / floor, note=note))  # fmt: skip
    show(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "command": " ".join(["python -m benchmarks.run", *sys.argv[1:]]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "results": [asdict(r) for r in results],
    }, indent=2))  # fmt: skip
    console.print(f"results written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
