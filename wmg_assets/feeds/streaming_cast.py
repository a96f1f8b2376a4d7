"""Cast a file's rows on DuckDB while the file is still being parsed (one pass, no raw copy).

The types are a guess from the file's first batch. They are kept only if, once every value
has been seen, inference chose exactly the same types (and the same columns to strip): then
the cast is the one the two-pass path would have run. Otherwise (a later value ruled a type
out, or the cast failed on it) the result is thrown away and the caller runs the two passes.
"""

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from wmg_assets.transforms.silver import to_silver
from wmg_resources.engine import EngineResource

log = logging.getLogger(__name__)

STREAM_NAME = "wmg_raw_stream"
_DONE = None


class StreamingCast:
    """Feeds parsed batches to a DuckDB `COPY … TO parquet` running in its own thread."""

    def __init__(
        self,
        engine: EngineResource,
        directory: Path,
        *,
        run_date: datetime,
        file_name: str,
        align: Callable[[dict[str, str]], dict[str, str] | None],
    ) -> None:
        self.engine = engine
        self.directory = directory
        self.run_date = run_date
        self.file_name = file_name
        self.align = align
        self.types: dict[str, str] | None = None
        self.padded: frozenset[str] = frozenset()
        self.files: list[Path] = []
        self.error: BaseException | None = None
        self._queue: queue.Queue[pa.RecordBatch | None] = queue.Queue(maxsize=2)
        self._thread: threading.Thread | None = None
        self._ended = False  # the stream's end was read

    def start(
        self, schema: pa.Schema, types: dict[str, str], padded: frozenset[str]
    ) -> Callable[[pa.RecordBatch], None] | None:
        """The `speculate` hook of the parser: start casting with the first batch's types."""
        aligned = self.align(types)
        if aligned is None:
            return None
        self.types, self.padded = aligned, padded
        self._thread = threading.Thread(
            target=self._run, args=(schema,), name="wmg-streaming-cast", daemon=True
        )
        self._thread.start()
        return self._put

    def _batches(self):
        while (batch := self._queue.get()) is not _DONE:
            yield batch
        self._end()

    def _end(self) -> None:
        """The end was read: pass it on, so another reader waiting on the queue (DuckDB's
        scan and the drain after an error can both be) is never left blocked."""
        self._ended = True
        with contextlib.suppress(queue.Full):  # a full queue has an end in it already
            self._queue.put_nowait(_DONE)

    def _run(self, schema: pa.Schema) -> None:
        assert self.types is not None
        try:
            with self.engine.session() as con:
                reader = pa.RecordBatchReader.from_batches(schema, self._batches())
                con.con.register(STREAM_NAME, reader)  # type: ignore[attr-defined]
                expr = to_silver(
                    con.table(STREAM_NAME), self.types, run_date=self.run_date,
                    file_name=self.file_name, padded=self.padded,
                )  # fmt: skip
                self.files = self.engine.write_parquet(con, expr, self.directory)
        except BaseException as e:  # reported by finish(), never lost
            self.error = e.with_traceback(None)  # keep no frames (and DuckDB objects) alive
            while not self._ended:  # let the parser finish its puts
                if self._queue.get() is _DONE:
                    self._end()

    def _put(self, batch: Any) -> None:
        self._queue.put(batch)

    def finish(self, final_types: dict[str, str], final_padded: frozenset[str]) -> list[Path]:
        """End the stream; the silver files if the guess held, else [] (files removed)."""
        if self._thread is None:
            return []
        self._queue.put(_DONE)
        self._thread.join()
        if (
            self.error is None
            and self.align(final_types) == self.types
            and (final_padded == self.padded)
        ):
            return self.files
        reason = self.error or "a later value changed the inferred types"
        log.info("%s: typing in one pass gave way to two passes (%s)", self.file_name, reason)
        for f in self.files:
            f.unlink(missing_ok=True)
        return []

    def abort(self) -> None:
        """Stop after a parse error (nothing is kept)."""
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(_DONE)
            self._thread.join()
        for f in self.files:
            f.unlink(missing_ok=True)
