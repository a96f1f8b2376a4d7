"""Run Python code in a fresh interpreter, where imports start from nothing: what tests of
lazy imports (which modules a command loads) need."""

import subprocess
import sys


def run_fresh(code: str, timeout: int = 300) -> list[str]:
    """The stdout lines of `code` run by a new `python -c`; a non-zero exit fails with its
    stderr."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=timeout, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()
