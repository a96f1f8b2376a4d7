"""Parse a landed CSV into a raw Parquet file: every value as text, plus its line number.

The line number (`_wmg_line`) is the record's position in the file with the header as
line 1: the physical line unless an earlier quoted value spans several lines.

pyarrow's streaming CSV reader does the parsing (multi-threaded C++), one block at a time;
no whole file is held in memory. Values stay text here: typing is the engine's job
(`silver.py`), so both engines see exactly the same input.
"""

import codecs
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from wmg_assets.transforms.names import clean_column_names
from wmg_resources.errors import InputError

LINE_COLUMN = "_wmg_line"
HEADER_PEEK_BYTES = 1024 * 1024
BLOCK_SIZE = 16 * 1024 * 1024


@dataclass(frozen=True)
class CsvFormat:
    delimiter: str = ","
    quote: str = '"'
    encoding: str = "utf-8"
    header: bool = True


@dataclass(frozen=True)
class RawFile:
    """What parsing produced: cleaned column names (with the raw headers) and row count."""

    path: Path
    columns: list[str]
    headers: list[str]
    rows: int


def read_header(peek: bytes, fmt: CsvFormat, file_name: str) -> list[str]:
    """The first record of the file, decoded; an empty file is an `InputError`."""
    if not peek.strip():
        raise InputError(file_name, "the file is empty")
    try:
        text = codecs.getincrementaldecoder(fmt.encoding)(errors="strict").decode(peek)
    except UnicodeDecodeError as e:
        raise InputError(file_name, f"the header is not valid {fmt.encoding}: {e}", line=1) from e
    text = text.lstrip("\ufeff")
    row = next(csv.reader(io.StringIO(text), delimiter=fmt.delimiter, quotechar=fmt.quote), [])
    if not row or all(not h.strip() for h in row):
        raise InputError(file_name, "the header row is empty", line=1)
    return row


def parse_csv_to_parquet(
    open_stream: Callable[[], Any], fmt: CsvFormat, file_name: str, out: Path
) -> RawFile:
    """Stream the CSV from `open_stream()` into `out` (Parquet, every column a string)."""
    with open_stream() as stream:
        peek = stream.read(HEADER_PEEK_BYTES)
    first = read_header(peek, fmt, file_name)
    headers = first if fmt.header else [f"column_{i}" for i in range(1, len(first) + 1)]
    columns = clean_column_names(headers, file_name)
    positional = [f"c{i}" for i in range(len(headers))]
    first_line = 2 if fmt.header else 1
    bad_rows: list[str] = []

    def on_invalid_row(row: Any) -> str:
        bad_rows.append(
            f"expected {row.expected_columns} fields, found {row.actual_columns}: "
            f"{row.text[:200]!r}"
        )
        return "error"

    read_options = pacsv.ReadOptions(
        column_names=positional,
        skip_rows=1 if fmt.header else 0,
        encoding=fmt.encoding,
        block_size=BLOCK_SIZE,
    )
    parse_options = pacsv.ParseOptions(
        delimiter=fmt.delimiter,
        quote_char=fmt.quote,
        newlines_in_values=True,
        invalid_row_handler=on_invalid_row,
    )
    convert_options = pacsv.ConvertOptions(
        column_types={c: pa.string() for c in positional},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    schema = pa.schema([pa.field(c, pa.string()) for c in columns] + [(LINE_COLUMN, pa.int64())])
    rows = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open_stream() as stream, pq.ParquetWriter(out, schema) as writer:
            reader = pacsv.open_csv(stream, read_options, parse_options, convert_options)
            for batch in reader:
                lines = pa.array(range(first_line + rows, first_line + rows + batch.num_rows))
                writer.write_batch(
                    pa.RecordBatch.from_arrays([*batch.columns, lines], schema=schema)
                )
                rows += batch.num_rows
    except pa.ArrowInvalid as e:
        out.unlink(missing_ok=True)
        reason = bad_rows[0] if bad_rows else str(e).removeprefix("CSV parse error: ")
        line = find_bad_record(open_stream, fmt, len(headers), first_line) if bad_rows else None
        raise InputError(file_name, reason, line=line) from e
    except pa.ArrowException as e:
        out.unlink(missing_ok=True)
        raise InputError(file_name, str(e)) from e
    return RawFile(path=out, columns=columns, headers=headers, rows=rows)


def find_bad_record(
    open_stream: Callable[[], Any], fmt: CsvFormat, expected: int, first_line: int
) -> int | None:
    """Line of the first record whose field count is not `expected` (error path only)."""
    with open_stream() as stream:
        text = io.TextIOWrapper(stream, encoding=fmt.encoding, errors="replace", newline="")
        reader = csv.reader(text, delimiter=fmt.delimiter, quotechar=fmt.quote)
        if fmt.header:
            next(reader, None)
        for offset, record in enumerate(reader):
            if record and len(record) != expected:
                return first_line + offset
    return None
