"""The silver cast of `silver.py`, run by pyarrow on the parser's own Arrow batches.

The embedded engine casts a file while it is still being parsed (`feeds/streaming_cast.py`):
each batch is cast here and appended to a Parquet file, with no hand-off to another engine.
On the 1M-row benchmark file this costs about half the CPU of DuckDB scanning the Arrow
stream and writing Parquet itself (`benchmarks/RESULTS.md`).

It must give exactly what `to_silver` gives on DuckDB for every value inference accepts
(`tests/test_arrow_cast.py` checks both on generated values). Where pyarrow refuses a value
DuckDB takes (a decimal whose trailing zeros take it past 38 digits) it raises
`pa.ArrowInvalid`, and the caller casts the file on the engine instead: never a different
value, at worst the slower path.
"""

from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as _compute
import pyarrow.parquet as pq

from wmg_assets.transforms.inference import BLANKS, DECIMAL, LINE

# pyarrow.compute's functions are generated at import time; type checkers cannot see them.
pc: Any = _compute

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int64": pa.int64(),
    DECIMAL: pa.decimal128(38, 18),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
}
ROW_GROUP_ROWS = 122_880  # DuckDB's row group size, so both casts lay files out alike


def silver_schema(types: dict[str, str]) -> pa.Schema:
    """The Arrow schema of a silver file: typed columns in file order, then `run_date`,
    `file_name` and the line number (as DuckDB writes them)."""
    return pa.schema(
        [pa.field(c, ARROW_TYPES[t]) for c, t in types.items()]
        + [
            pa.field("run_date", pa.timestamp("us"), nullable=False),
            pa.field("file_name", pa.string(), nullable=False),
            pa.field(LINE, pa.int64()),
        ]
    )


def _typed(values: pa.Array, dtype: str, strip: bool) -> pa.Array:
    if dtype == "string":
        return values
    if strip:
        values = pc.utf8_trim(values, BLANKS)  # what silver.py's strip() removes
    values = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
    if dtype == "boolean":
        values = pc.utf8_lower(values)
    elif dtype == "int64" and pc.any(pc.starts_with(values, "+")).as_py():
        values = pc.utf8_ltrim(values, "+")  # pyarrow's integer parser takes no plus sign
    return pc.cast(values, ARROW_TYPES[dtype])


def cast_batch(
    batch: pa.RecordBatch,
    types: dict[str, str],
    *,
    run_date: datetime,
    file_name: str,
    padded: Collection[str] = (),
) -> pa.RecordBatch:
    """A raw batch (text columns and the line number) as silver rows; `pa.ArrowInvalid`
    where a value does not cast (the caller then casts on the engine)."""
    n = batch.num_rows
    stamp = pa.scalar(run_date.replace(tzinfo=None), pa.timestamp("us"))
    return pa.RecordBatch.from_arrays(
        [_typed(batch.column(c), t, c in padded) for c, t in types.items()]
        + [pa.repeat(stamp, n), pa.repeat(pa.scalar(file_name), n), batch.column(LINE)],
        schema=silver_schema(types),
    )


class SilverParquetWriter:
    """Appends silver batches to one Parquet file in row groups of about `ROW_GROUP_ROWS`
    (a batch of the parser is a few thousand rows: one row group each would make slow
    files). Snappy pages, dictionaries for text columns only, as DuckDB writes them."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        text: Any = [f.name for f in schema if pa.types.is_string(f.type)]  # stubs: bool only
        self._writer = pq.ParquetWriter(path, schema, compression="snappy", use_dictionary=text)
        self._pending: list[pa.RecordBatch] = []
        self._rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        self._pending.append(batch)
        self._rows += batch.num_rows
        if self._rows >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            table = pa.Table.from_batches(self._pending)
            self._writer.write_table(table, row_group_size=self._rows)
        self._pending, self._rows = [], 0

    def close(self) -> None:
        self._flush()
        self._writer.close()
