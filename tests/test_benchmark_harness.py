"""The benchmark harness measures each system's own peak memory: a child that allocates
50 MB, started by a parent holding 500 MB, reads about 50 MB (Linux's ru_maxrss would carry
the parent's 500 MB over into the child)."""

import sys

from benchmarks.run import timed


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
