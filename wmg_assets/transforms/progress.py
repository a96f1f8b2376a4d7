"""Progress of long work (parsing a large file): rows done of the expected total, the rate
and the time left.

Two audiences, two rates:

- the run's log (and so Dagster's UI, through the platform's log handler): a line every
  10% or every 30 seconds, whichever comes first — a 4M-row file writes about ten lines;
- a terminal showing a progress bar in the same process (`wmg ingest`): told of every
  update by `watch_progress`, so the bar moves with each parsed block.

Pure: no Dagster, no terminal. The listeners are per process and thread-safe to add/remove.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

log = logging.getLogger(__name__)

LOG_EVERY_FRACTION = 0.1
LOG_EVERY_SECONDS = 30.0


@dataclass(frozen=True)
class ProgressUpdate:
    task: str  # e.g. "parse orders_2026_11_01.csv"
    done: int
    total: int | None  # None: unknown (no bar, a count)
    unit: str  # rows
    seconds: float  # since the task started

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        if not self.total or not self.rate or self.done >= self.total:
            return None
        return (self.total - self.done) / self.rate

    def text(self) -> str:
        share = f" of {self.total:,} ({self.done / self.total:.0%})" if self.total else ""
        left = self.seconds_left
        eta = f", about {left:.0f} s left" if left is not None else ""
        return f"{self.task}: {self.done:,}{share} {self.unit}, {self.rate:,.0f} {self.unit}/s{eta}"


Listener = Callable[[ProgressUpdate], None]
_listeners: list[Listener] = []
_lock = threading.Lock()


@contextmanager
def watch_progress(listener: Listener) -> Iterator[None]:
    """Tell `listener` of every progress update in this process while the block runs."""
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)


class Progress:
    """Report `done` as it grows (`update`), and `finish` once."""

    def __init__(self, task: str, total: int | None, unit: str = "rows") -> None:
        self.task, self.total, self.unit = task, total, unit
        self._start = self._logged_at = time.monotonic()
        self._logged_done = 0

    def update(self, done: int) -> None:
        now = time.monotonic()
        update = ProgressUpdate(self.task, done, self.total, self.unit, now - self._start)
        for listener in list(_listeners):
            listener(update)
        step = (self.total or 0) * LOG_EVERY_FRACTION
        if (step and done - self._logged_done >= step) or now - self._logged_at >= (
            LOG_EVERY_SECONDS
        ):  # fmt: skip
            self._logged_at, self._logged_done = now, done
            log.info(update.text(), extra={"wmg": {"progress_done": done}})

    def finish(self, done: int) -> None:
        """The last update (the bar reaches its end; the log says the total once)."""
        self.total = done  # an estimated total (records counted by bronze) is now exact
        self.update(done)
