"""The benchmark harness measures each system's own peak memory: a child that allocates
50 MB, started by a parent holding 500 MB, reads about 50 MB (Linux's ru_maxrss would carry
the parent's 500 MB over into the child)."""

import json
import os
import sys
import time
from pathlib import Path

from benchmarks.run import BIN, ROOT, run_phases, timed


def test_a_childs_peak_is_its_own_not_its_parents() -> None:
    held = bytearray(500 * 2**20)  # the parent's memory, touched so it is resident
    for i in range(0, len(held), 4096):
        held[i] = 1
    script = (
        "import time\n"
        "data = bytearray(50 * 2**20)\n"
        "for i in range(0, len(data), 4096): data[i] = 1\n"
        "time.sleep(0.5)\n"
    )
    _, peak_mb, _ = timed([sys.executable, "-c", script])
    assert 50 <= peak_mb < 120, peak_mb  # 50 MB and the interpreter, not 500 MB
    del held


def test_the_phases_of_a_wmg_ingest_of_two_files(wmg_env: Path) -> None:
    """B1's phase table (a real `wmg ingest` of two files): both runs' steps are there, in
    the order the runs ran, and no phase is negative (each run's events fall between the
    previous run's end and the process's end)."""
    files = [ROOT / "sample_data" / f"customers_2026_11_0{day}.csv" for day in (1, 2)]
    began = time.time()
    wall, _, out = timed([str(BIN / "wmg"), "ingest", "--json", *map(str, files)], dict(os.environ))
    run_ids = [outcome["run_id"] for outcome in json.loads(out.strip().splitlines()[-1])]
    phases = run_phases(wmg_env / "dagster", run_ids, began, began + wall)
    for run in ("run 1", "run 2"):
        steps = [p for p in phases if p.startswith(f"{run}: step ")]
        assert any("bronze" in p for p in steps) and any("warehouse" in p for p in steps), phases
    assert "run 2: before the run (landing, run start)" in phases
    assert min(phases.values()) >= 0, phases
