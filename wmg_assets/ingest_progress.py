"""What `wmg ingest` shows while a file loads: the step that runs (bronze, silver,
warehouse, as the run logs them) and, while a large file is parsed, a bar of its rows with
the rate and the time left (from `transforms.progress`, updated with each parsed block).

Dagster captures a step's standard output and error (its compute logs) by redirecting file
descriptors 1 and 2 while the step runs, so the display writes to its own copy of the
terminal's descriptor, taken before the run starts."""

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from wmg_assets.transforms.progress import ProgressUpdate, watch_progress

STEP_LOGGER = "wmg_assets.feeds.lifecycle"  # logs "<step> of <file> started"


class _StepHandler(logging.Handler):
    def __init__(self, display: "IngestDisplay") -> None:
        super().__init__(logging.INFO)
        self.display = display

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.endswith(" started"):
            self.display.step(message.removesuffix(" started"))


class _BarOfCountedWork(BarColumn):
    """A bar for a task with a count (the parse); none for the status line."""

    def render(self, task: Task):
        if task.fields.get("counted"):
            return super().render(task)
        return Text("")


class IngestDisplay:
    """A status line per file and a bar while it is parsed (rows, rate, time left)."""

    def __init__(self, console: Console) -> None:
        self.bars = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), _BarOfCountedWork(),
            TextColumn("{task.fields[counts]}"), TimeRemainingColumn(),
            console=console, transient=True,
            disable=not console.is_terminal,  # piped: nothing (not even the closing newline)
        )  # fmt: skip
        self.status = self.bars.add_task("starting", total=None, counts="", start=False)
        self.parse: TaskID | None = None

    def file(self, text: str) -> None:
        self.bars.update(self.status, description=escape(text))
        if self.parse is not None:
            self.bars.remove_task(self.parse)
            self.parse = None

    def step(self, text: str) -> None:
        self.bars.update(self.status, description=escape(text))

    def progress(self, update: ProgressUpdate) -> None:
        of = f"/{update.total:,}" if update.total else ""
        counts = f"{update.done:,}{of} {update.unit}, {update.rate:,.0f}/s"
        if self.parse is None:
            self.parse = self.bars.add_task(escape(update.task), total=update.total,
                                            counted=True, counts=counts)  # fmt: skip
        self.bars.update(self.parse, completed=update.done, total=update.total, counts=counts)


def _own_terminal(console: Console) -> Console:
    """A console on a copy of standard error's descriptor when it is a terminal (the steps'
    capture cannot redirect the copy); else the console given."""
    if not sys.stderr.isatty():
        return console
    terminal = os.fdopen(os.dup(sys.stderr.fileno()), "w", buffering=1, encoding="utf-8")
    return Console(file=terminal, emoji=False, highlight=False)


@contextmanager
def ingest_display(console: Console) -> Iterator[IngestDisplay]:
    own = _own_terminal(console)
    display = IngestDisplay(own)
    handler = _StepHandler(display)
    logger = logging.getLogger(STEP_LOGGER)
    logger.addHandler(handler)
    try:
        with display.bars, watch_progress(display.progress):
            yield display
    finally:
        logger.removeHandler(handler)
        if own is not console:
            own.file.close()
