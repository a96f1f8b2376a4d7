"""Wall time of the named steps of one piece of work, for run metadata and logs."""

import time
from collections.abc import Iterator
from contextlib import contextmanager


class StepTimes:
    """`with times("load"): ...` adds the block's wall seconds to step `load`."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            self.seconds[step] = self.seconds.get(step, 0.0) + elapsed

    @staticmethod
    def metadata_of(seconds: dict[str, float]) -> dict[str, float]:
        """`seconds_<step>` for each step, rounded to milliseconds."""
        return {f"seconds_{step}": round(s, 3) for step, s in seconds.items()}
