"""Parse a landed CSV into a raw Parquet file: every value as text, plus its line number.

The line number (`_wmg_line`) is the record's position in the file with the header as
line 1: the physical line unless an earlier quoted value spans several lines.

pyarrow's streaming CSV reader does the parsing (multi-threaded C++), one block at a time;
no whole file is held in memory. Values stay text here; each column's type is inferred from
the same batches (`inference.py`), so both engines see exactly the same input and types. The
cast is the engine's (`silver.py`), or pyarrow's while parsing for DuckDB (`arrow_cast.py`).
"""

import codecs
import csv
import io
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as _compute
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from wmg_assets.transforms.inference import LINE, TypeInference
from wmg_assets.transforms.names import clean_column_names
from wmg_assets.transforms.progress import Progress
from wmg_resources.errors import InputError

# pyarrow.compute's functions are generated at import time; type checkers cannot see them.
pc: Any = _compute

LINE_COLUMN = LINE  # `_wmg_line`
HEADER_PEEK_BYTES = 1024 * 1024
# Blocks of 4 MB: on the 4M-row benchmark file the parse step took 9.7-10.0 s with 2 MB
# blocks and 7.6-8.5 s with 4 MB (per-batch overhead of the inference, cast and writer), for
# about 100 MB more peak memory; 8 MB gained 0.5 s more for another 200 MB (RESULTS.md).
BLOCK_SIZE = 4 * 1024 * 1024
# The raw file is scratch, read once by the engine on this machine: plain pages write fastest.
SCRATCH_PARQUET: dict[str, Any] = {"compression": "none", "use_dictionary": False}
# Tasks (a write and an inference per batch) queued behind the parser before it waits: a
# slow batch in one thread no longer stalls the others (a few 4 MB blocks held).
IN_FLIGHT = 8


@dataclass(frozen=True)
class CsvFormat:
    delimiter: str = ","
    quote: str = '"'
    encoding: str = "utf-8"
    header: bool = True


REJECT_REASON = "reason"
MAX_VALUE_BYTES = 65535
"""Longest value a warehouse column can take (Redshift's VARCHAR limit, in bytes)."""


@dataclass(frozen=True)
class RawFile:
    """What parsing produced: cleaned column names (with the raw headers) and row counts.

    `rows` went to `path`; `rejected` rows went to `rejects_path` with a `reason` each.
    `types` is the silver type of each column, inferred from every loaded value; `padded`
    the columns whose values must be stripped of blanks before they are cast to it.
    """

    path: Path
    columns: list[str]
    headers: list[str]
    rows: int
    types: dict[str, str]
    padded: frozenset[str] = frozenset()
    rejected: int = 0
    rejects_path: Path | None = None
    raw_written: bool = True  # False when a speculation took the rows instead


def _longest(values: pa.Array) -> int:
    """Bytes of the longest value, or when all of the column's text in this batch fits in
    `MAX_VALUE_BYTES` (most columns of a 4 MB block), that size: no value is looked at."""
    data = values.buffers()[2]
    if data is None or data.size <= MAX_VALUE_BYTES:
        return 0 if data is None else data.size
    return pc.max(pc.binary_length(values)).as_py() or 0


def _has_nul(values: pa.Array) -> bool:
    """Whether any value holds a NUL byte: one vectorised look at the column's text bytes."""
    data = values.buffers()[2]
    if data is None or len(values) == 0:
        return False
    width = np.int64 if pa.types.is_large_string(values.type) else np.int32
    offsets = np.frombuffer(values.buffers()[1], dtype=width)  # type: ignore[arg-type]
    start, end = offsets[values.offset], offsets[values.offset + len(values)]
    return not bool(np.frombuffer(data, dtype=np.uint8)[start:end].all())


def reject_reasons(batch: pa.RecordBatch, keys: Sequence[str]) -> pa.Array | None:
    """Why each row of a batch cannot load (NULL where it can): an empty upsert key, a
    value longer than `MAX_VALUE_BYTES` bytes (never truncated: the row goes to the DLQ), or
    a NUL byte. None when every row can load."""
    checks = [
        (pc.equal(pc.utf8_trim_whitespace(batch.column(k)), ""), f"upsert key {k!r} is empty")
        for k in keys
    ]
    checks += [
        (
            pc.greater(pc.binary_length(batch.column(c)), MAX_VALUE_BYTES),
            f"value of column {c!r} is longer than {MAX_VALUE_BYTES} bytes",
        )
        for c in batch.schema.names
        if c != LINE_COLUMN and _longest(batch.column(c)) > MAX_VALUE_BYTES
    ]
    checks += [
        (
            pc.match_substring(batch.column(c), "\x00"),
            f"value of column {c!r} holds a NUL byte (0x00), which PostgreSQL and Redshift "
            "text cannot store",
        )
        for c in batch.schema.names
        if c != LINE_COLUMN and _has_nul(batch.column(c))
    ]
    checks = [(failed, why) for failed, why in checks if pc.any(failed).as_py()]
    if not checks:
        return None
    reason = pa.nulls(batch.num_rows, pa.string())
    for failed, why in checks:
        reason = pc.if_else(pc.and_(failed, pc.is_null(reason)), why, reason)
    return reason


@dataclass(frozen=True)
class Header:
    """The first record of a file: its fields, and how many physical lines it spans (more
    than one when a quoted header holds a line break)."""

    fields: list[str]
    lines: int
    alone: bool = False  # nothing but blank lines follows it (the whole file was read)


def read_header(peek: bytes, fmt: CsvFormat, file_name: str) -> Header:
    """The first record of the file, decoded (any line ends: LF, CRLF or CR alone); an empty
    file is an `InputError`."""
    if not peek.strip():
        raise InputError(file_name, "the file is empty")
    text = codecs.getincrementaldecoder(fmt.encoding)(errors="replace").decode(peek)
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=fmt.delimiter,
                        quotechar=fmt.quote)  # fmt: skip
    try:
        row = next(reader, [])
    except csv.Error as e:
        raise InputError(file_name, f"the header row cannot be read: {e}", line=1) from e
    if not row or all(not h.strip() for h in row):
        raise InputError(file_name, "the header row is empty", line=1)
    if any("\ufffd" in h for h in row):
        raise InputError(file_name, f"the header is not valid {fmt.encoding}", line=1)
    lines = max(reader.line_num, 1)
    whole = len(peek) < HEADER_PEEK_BYTES
    alone = whole and not any(any(f.strip() for f in record) for record in reader)
    return Header(row, lines, alone)


def check_required_columns(
    required: Sequence[str], columns: list[str], headers: list[str], fmt: CsvFormat, file_name: str
) -> None:
    """Columns the feed config names (upsert keys, order_by) must be in the file; the error
    lists the file's columns and, for a file of one column, the delimiter it probably uses."""
    missing = [c for c in dict.fromkeys(required) if c not in columns]
    if not missing:
        return
    hint = ""
    if len(headers) == 1:
        other = next((d for d in ";|\t,:" if d != fmt.delimiter and d in headers[0]), None)
        if other is not None:
            hint = (
                f"; the file has a single column: is its delimiter {other!r} rather than "
                f"{fmt.delimiter!r}? (set csv.delimiter in the feed config)"
            )
    raise InputError(
        file_name,
        f"column(s) {', '.join(map(repr, missing))} named in the feed config are not in the "
        f"file — the feed needs: {', '.join(dict.fromkeys(required))}; the file has: "
        f"{', '.join(columns)}{hint or '. Is it the right feed? (wmg feeds list)'}",
        line=1,
    )


Speculation = Callable[
    [pa.Schema, dict[str, str], frozenset[str]], Callable[[pa.RecordBatch], None] | None
]
"""Called with the raw schema and the types (and padded columns) of the first batch; returns
where every loaded batch should go instead of the raw file, or None to write the raw file."""


def parse_csv_to_parquet(
    open_stream: Callable[[], Any],
    fmt: CsvFormat,
    file_name: str,
    out: Path,
    keys: Sequence[str] = (),
    speculate: Speculation | None = None,
    required: Sequence[str] = (),
    max_name_bytes: int | None = None,
    progress: Progress | None = None,
) -> RawFile:
    """Stream the CSV from `open_stream()` into `out` (Parquet, every column a string).

    Rows that cannot load (see `reject_reasons`) go to `out` with `.rejects` appended,
    with their `reason` and line. The upsert `keys` and the `required` columns must be in
    the file; column names are at most `max_name_bytes` long (the warehouse's limit). With
    `speculate`, the loaded batches may go to the sink it returns instead of `out` (then
    `RawFile.raw_written` is False).
    """
    with open_stream() as stream:
        peek = stream.read(HEADER_PEEK_BYTES)
    first = read_header(peek, fmt, file_name)
    headers = (
        first.fields if fmt.header else [f"column_{i}" for i in range(1, len(first.fields) + 1)]
    )
    columns = clean_column_names(headers, file_name, max_name_bytes)
    check_required_columns([*keys, *required], columns, headers, fmt, file_name)
    if fmt.header and first.alone:
        raise InputError(file_name, "the file has a header but no data rows")
    positional = [f"c{i}" for i in range(len(headers))]
    header_lines = first.lines if fmt.header else 0
    first_line = header_lines + 1
    bad_rows: list[str] = []

    def on_invalid_row(row: Any) -> str:
        bad_rows.append(
            f"expected {row.expected_columns} fields, found {row.actual_columns}: "
            f"{row.text[:200]!r}"
        )
        return "error"

    read_options = pacsv.ReadOptions(
        column_names=positional,
        skip_rows=header_lines,  # physical lines, as pyarrow counts them
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
    rows = rejected = 0
    inference = TypeInference(columns)
    out.parent.mkdir(parents=True, exist_ok=True)
    rejects_path = out.with_name(out.name + ".rejects")
    rejects_writer: pq.ParquetWriter | None = None
    sink: Callable[[pa.RecordBatch], None] | None = None
    last: pa.RecordBatch | None = None  # the last batch the parser gave, for its last value
    try:
        # Writing (or casting) and type inference each run in their own thread (pyarrow
        # releases the GIL), up to IN_FLIGHT tasks behind the parser: a few batches in memory.
        with (
            open_stream() as stream,
            pq.ParquetWriter(out, schema, **SCRATCH_PARQUET) as writer,
            ThreadPoolExecutor(1) as write_pool,  # shut down (waited for) before the writer
            ThreadPoolExecutor(1) as infer_pool,
        ):
            pending: deque[Future[None]] = deque()
            reader = pacsv.open_csv(stream, read_options, parse_options, convert_options)
            for number, batch in enumerate(reader):
                start = first_line + rows + rejected
                lines = pa.array(np.arange(start, start + batch.num_rows, dtype=np.int64))
                named = pa.RecordBatch.from_arrays([*batch.columns, lines], schema=schema)
                last = named if named.num_rows else last
                reasons = reject_reasons(named, keys)
                n_bad = 0 if reasons is None else len(reasons) - reasons.null_count
                if reasons is not None and n_bad:
                    bad = pc.is_valid(reasons)
                    if rejects_writer is None:
                        rejects_writer = pq.ParquetWriter(
                            rejects_path, schema.append(pa.field(REJECT_REASON, pa.string()))
                        )
                    rejects_writer.write_batch(
                        named.append_column(REJECT_REASON, reasons).filter(bad)
                    )
                    named = named.filter(pc.invert(bad))
                while len(pending) > IN_FLIGHT:
                    pending.popleft().result()
                if number == 0 and speculate is not None:
                    inference.update(named)  # the first batch's types, before going on
                    sink = speculate(schema, inference.types(keys), inference.padded())
                    pending.append(write_pool.submit(sink or writer.write_batch, named))
                else:
                    pending.append(write_pool.submit(sink or writer.write_batch, named))
                    pending.append(infer_pool.submit(inference.update, named))
                rows += named.num_rows
                rejected += n_bad
                if progress is not None:
                    progress.update(rows + rejected)
            while pending:
                pending.popleft().result()
            if progress is not None:
                progress.finish(rows + rejected)
            if rejects_writer is not None:
                rejects_writer.close()
            check_last_value_closed(last, open_stream, fmt, file_name)
    except (pa.ArrowInvalid, UnicodeDecodeError) as e:
        if rejects_writer is not None:
            rejects_writer.close()
        out.unlink(missing_ok=True)
        rejects_path.unlink(missing_ok=True)
        if bad_rows:
            line = find_bad_record(open_stream, fmt, len(headers), fmt.header)
            raise InputError(file_name, bad_rows[0], line=line) from e
        undecodable = find_undecodable(open_stream, fmt, columns)
        if undecodable:
            line, column, detail = undecodable
            raise InputError(
                file_name, f"not valid {fmt.encoding} ({detail})", line=line, column=column
            ) from e
        raise InputError(file_name, str(e).removeprefix("CSV parse error: ")) from e
    return RawFile(
        path=out,
        columns=columns,
        headers=headers,
        rows=rows,
        types=inference.types(keys),
        padded=inference.padded(),
        rejected=rejected,
        rejects_path=rejects_path if rejected else None,
        raw_written=sink is None,
    )


def check_last_value_closed(
    last: pa.RecordBatch | None, open_stream: Callable[[], Any], fmt: CsvFormat, file_name: str
) -> None:
    """A quote opened in the last column and never closed makes the parser take the rest of
    the file as one value (rows silently merged): such a value spans lines, so only then is
    the file read again, strictly, to tell it from a value quoted properly."""
    if last is None:
        return
    value = last.column(last.num_columns - 2)[last.num_rows - 1].as_py() or ""
    if "\n" not in value and "\r" not in value:
        return
    with open_stream() as stream:
        text = io.TextIOWrapper(stream, encoding=fmt.encoding, errors="replace", newline="")
        reader = csv.reader(text, delimiter=fmt.delimiter, quotechar=fmt.quote, strict=True)
        start = 1
        try:
            for _ in reader:
                start = reader.line_num + 1
        except csv.Error as e:
            if "unexpected end of data" not in str(e):
                return  # the parser's reading stands
            raise InputError(
                file_name,
                "a quoted value is never closed: it runs to the end of the file",
                line=start,
                column=last.schema.names[-2],
            ) from None


def find_bad_record(
    open_stream: Callable[[], Any], fmt: CsvFormat, expected: int, header: bool
) -> int | None:
    """Physical line of the first record whose field count is not `expected` (error path)."""
    with open_stream() as stream:
        text = io.TextIOWrapper(stream, encoding=fmt.encoding, errors="replace", newline="")
        reader = csv.reader(text, delimiter=fmt.delimiter, quotechar=fmt.quote)
        if header:
            next(reader, None)
        start = reader.line_num + 1
        for record in reader:
            if record and len(record) != expected:
                return start
            start = reader.line_num + 1
    return None


def find_undecodable(
    open_stream: Callable[[], Any], fmt: CsvFormat, columns: list[str]
) -> tuple[int, str | None, str] | None:
    """Line, column and detail of the first bytes that do not decode (error path only)."""
    with open_stream() as stream:
        for number, raw in enumerate(io.BufferedReader(stream), start=1):  # type: ignore[arg-type]
            try:
                raw.decode(fmt.encoding)
            except UnicodeDecodeError as e:
                text = raw.decode(fmt.encoding, errors="replace")
                fields = next(csv.reader([text], delimiter=fmt.delimiter, quotechar=fmt.quote), [])
                at = next((i for i, f in enumerate(fields) if "\ufffd" in f), None)
                column = columns[at] if at is not None and at < len(columns) else None
                return number, column, f"byte 0x{raw[e.start]:02x} at position {e.start + 1}"
    return None
