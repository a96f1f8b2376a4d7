"""Wall time of the named steps of one piece of work, for run metadata and logs."""

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

PREFIX = "seconds_"


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
        return {f"{PREFIX}{step}": round(s, 3) for step, s in seconds.items()}

    @staticmethod
    def from_metadata(metadata: Mapping[str, Any]) -> dict[str, float]:
        """The step seconds in a materialization's metadata (inverse of `metadata_of`)."""
        return {
            k.removeprefix(PREFIX): float(getattr(v, "value", v))
            for k, v in metadata.items()
            if k.startswith(PREFIX)
        }
