"""Run a system as its own process and measure it: wall time and its own peak memory.

The peak is the process's: its `VmHWM` (the high-water mark of its memory since its exec)
and the summed RSS of it and its children, sampled every 20 ms while it runs. The
`ru_maxrss` that wait4 reports is not its own: Linux carries a forked child's peak over from
its parent, so every system read as large as the benchmark process that started it.
"""

import os
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_SECONDS = 0.02


def _status_kb(pid: int, field: str) -> int:
    """A `VmHWM:` / `VmRSS:` line of /proc/<pid>/status in kB (0 once the process is gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            with open(f"/proc/{parent}/task/{parent}/children") as children:
                kids = [int(k) for k in children.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            kids = []
        found += kids
        todo += kids
    return found


def run_measured(
    args: list[str] | str, env: dict[str, str] | None = None, shell: bool = False
) -> tuple[float, float, str, str, int]:
    """Wall seconds, peak RSS (MB), stdout, stderr and exit code of one process."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=err, text=True,
                                shell=shell)  # fmt: skip
        peak_kb, status = 0, 0
        while True:
            tree = [proc.pid, *_descendants(proc.pid)]
            peak_kb = max(peak_kb, _status_kb(proc.pid, "VmHWM:"),
                          sum(_status_kb(p, "VmRSS:") for p in tree))  # fmt: skip
            pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(SAMPLE_SECONDS)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return wall, peak_kb / 1024, out.read(), err.read(), proc.returncode
