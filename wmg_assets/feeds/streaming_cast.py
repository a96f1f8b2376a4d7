"""Cast a file's rows while the file is still being parsed (one pass, no raw copy).

The types are a guess from the file's first batch. They are kept only if, once every value
has been seen, inference chose exactly the same types (and the same columns to strip): then
the cast is the one the two-pass path would have run. Otherwise (a later value ruled a type
out, or the cast refused a value) the result is thrown away and the caller runs the two
passes on the engine.

Each batch is cast by pyarrow (`transforms/arrow_cast.py`) in a cast thread of its own and
appended, in order, to the silver Parquet file by the parser's writing thread (the next
batch is cast while the last is written): the same values as the engine's cast, for about
half the CPU of handing the batches to DuckDB.
"""

import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from wmg_assets.transforms.arrow_cast import SilverParquetWriter, cast_batch, silver_schema

log = logging.getLogger(__name__)
# Batches cast ahead of the one being written (a few MB each).
CASTS_AHEAD = 2


class StreamingCast:
    """The `speculate` hook of the parser: casts every loaded batch into `directory`."""

    def __init__(
        self,
        directory: Path,
        *,
        run_date: datetime,
        file_name: str,
        align: Callable[[dict[str, str]], dict[str, str] | None],
    ) -> None:
        self.directory = directory
        self.run_date = run_date
        self.file_name = file_name
        self.align = align
        self.types: dict[str, str] | None = None
        self.padded: frozenset[str] = frozenset()
        self.error: BaseException | None = None
        self._writer: SilverParquetWriter | None = None
        self._cast_pool: ThreadPoolExecutor | None = None
        self._casts: deque[Future[pa.RecordBatch]] = deque()

    def start(
        self, schema: pa.Schema, types: dict[str, str], padded: frozenset[str]
    ) -> Callable[[pa.RecordBatch], None] | None:
        """Start casting with the first batch's types; None where they conflict with the
        silver table's (the two passes will say where)."""
        del schema  # the raw batches say it; the silver schema follows from the types
        aligned = self.align(types)
        if aligned is None:
            return None
        self.types, self.padded = aligned, padded
        self.directory.mkdir(parents=True, exist_ok=True)
        self._writer = SilverParquetWriter(self.directory / "part-0.parquet",
                                           silver_schema(aligned))  # fmt: skip
        self._cast_pool = ThreadPoolExecutor(1, thread_name_prefix="wmg-cast")
        return self._put

    def _put(self, batch: Any) -> None:
        """Called in order by the parser's writing thread: the batch is cast in the cast
        thread while the one before it is written here (a two-stage pipeline, in order)."""
        if self.error is not None or self._cast_pool is None or self.types is None:
            return  # the guess already failed: the two passes will do it
        self._casts.append(self._cast_pool.submit(
            cast_batch, batch, self.types, run_date=self.run_date, file_name=self.file_name,
            padded=self.padded,
        ))  # fmt: skip
        while len(self._casts) > CASTS_AHEAD:
            self._write_next()

    def _write_next(self) -> None:
        cast = self._casts.popleft()
        if self.error is not None or self._writer is None:
            cast.cancel()
            return
        try:
            self._writer.write(cast.result())
        except Exception as e:  # reported by finish(), never lost
            self.error = e.with_traceback(None)

    def _drain(self) -> None:
        while self._casts:
            self._write_next()
        if self._cast_pool is not None:
            self._cast_pool.shutdown()

    def finish(self, final_types: dict[str, str], final_padded: frozenset[str]) -> list[Path]:
        """The silver files if the guess held, else [] (files removed)."""
        if self._writer is None:
            return []
        try:
            self._drain()
            self._writer.close()
        except Exception as e:
            self.error = self.error or e
        if (
            self.error is None
            and self.align(final_types) == self.types
            and (final_padded == self.padded)
        ):
            return [self._writer.path]
        reason = self.error or "a later value changed the inferred types"
        log.info("%s: typing in one pass gave way to two passes (%s)", self.file_name, reason)
        self._writer.path.unlink(missing_ok=True)
        return []

    def abort(self) -> None:
        """Stop after a parse error (nothing is kept)."""
        if self._writer is not None:
            self.error = self.error or RuntimeError("aborted")
            try:
                self._drain()
                self._writer.close()
            finally:
                self._writer.path.unlink(missing_ok=True)
