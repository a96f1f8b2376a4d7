"""A new feed's YAML written from a sample file (`wmg feeds new NAME --from SAMPLE.csv`).

What is read from the sample, with the same code a load uses:

- the delimiter (`,` `;` `|` or tab: the one that splits the header into the most fields
  and the next lines into as many);
- the headers, cleaned into column names as a load cleans them;
- each column's type, inferred from the sample's values as a load infers it (written as
  comments: a load infers the types of each file itself);
- key candidates: columns whose values in the sample are all present and all different,
  an `…id` column first. The first one becomes `upsert_keys`; the file says which others
  would do.

Pure: text in, YAML text out (the CLI reads the file and writes the YAML).
"""

import csv
import io
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as _compute
import pyarrow.csv as pacsv

from wmg_assets.transforms.inference import TypeInference
from wmg_assets.transforms.names import clean_column_names

# pyarrow.compute's functions are generated at import time; type checkers cannot see them.
pc: Any = _compute

SAMPLE_ROWS = 100_000
_DELIMITERS = ",;|\t"


@dataclass(frozen=True)
class SampleProfile:
    file_name: str
    delimiter: str
    headers: list[str]
    columns: list[str]
    types: dict[str, str]
    rows: int  # rows looked at (at most SAMPLE_ROWS)
    key_candidates: list[str] = field(default_factory=list)


def sniff_delimiter(head: str) -> str:
    """The delimiter of the sample's first lines (`,` when none stands out)."""
    lines = [line for line in head.splitlines()[:20] if line.strip()]
    if not lines:
        return ","
    best, best_fields = ",", 1
    for delimiter in _DELIMITERS:
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
        fields = len(rows[0])
        if fields > best_fields and all(len(r) == fields for r in rows[1:] if r):
            best, best_fields = delimiter, fields
    return best


def _key_candidates(table: pa.Table, columns: list[str]) -> list[str]:
    """Columns present and unique in every row, `id` / `…_id` first."""
    found: list[str] = []
    for name in columns:
        values = pc.utf8_trim_whitespace(table.column(name))
        if table.num_rows == 0 or pc.any(pc.equal(values, "")).as_py():
            continue
        if values.null_count or pc.count_distinct(values).as_py() != table.num_rows:
            continue
        found.append(name)
    found.sort(key=lambda c: (not (c == "id" or c.endswith("_id")), columns.index(c)))
    return found


def profile_sample(data: bytes, file_name: str, encoding: str = "utf-8") -> SampleProfile:
    """Read up to SAMPLE_ROWS rows of a CSV sample as text and profile them."""
    head = data[:65536].decode(encoding, errors="replace").lstrip("\ufeff")
    delimiter = sniff_delimiter(head)
    read = pacsv.ReadOptions(encoding=encoding, block_size=1 << 20)
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    names = pacsv.open_csv(io.BytesIO(data), read_options=read, parse_options=parse).schema.names
    reader = pacsv.open_csv(  # every value as the text it is (007 stays 007)
        io.BytesIO(data), read_options=read, parse_options=parse,
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
            quoted_strings_can_be_null=False),
    )  # fmt: skip
    headers = [h.lstrip("\ufeff") for h in names]
    columns = clean_column_names(headers, file_name)
    string_schema = pa.schema([(c, pa.string()) for c in columns])
    inference = TypeInference(columns)
    batches, rows = [], 0
    for raw in reader:
        batch = pa.RecordBatch.from_arrays(raw.columns, schema=string_schema)
        batch = batch.slice(0, SAMPLE_ROWS - rows)
        inference.update(batch)
        batches.append(batch)
        rows += batch.num_rows
        if rows >= SAMPLE_ROWS:
            break
    table = pa.Table.from_batches(batches, schema=string_schema)
    plain = inference.types()
    keyable = [c for c in columns if plain[c] in ("int64", "string")]  # not amounts or times
    candidates = _key_candidates(table, keyable)
    types = inference.types(keys=candidates[:1])
    return SampleProfile(file_name, delimiter, headers, columns, types, rows, candidates)


def _pattern(file_name: str) -> str:
    """`orders_2024-01-31.csv` → `orders*.csv`: the name up to its first digit or `_`."""
    stem, dot, extension = file_name.rpartition(".")
    if not dot:
        stem, extension = file_name, ""
    prefix = stem
    for i, char in enumerate(stem):
        if char.isdigit() or (char in "_-." and i > 0):
            prefix = stem[:i]
            break
    return f"{prefix}*{'.' + extension if extension else ''}"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def feed_yaml(name: str, profile: SampleProfile, schema: str = "public") -> str:
    """The feed's YAML: what a load needs, the sample's columns and key candidates as
    comments."""
    key = profile.key_candidates[0] if profile.key_candidates else profile.columns[0]
    width = max(len(c) for c in profile.columns)
    lines = [
        "# yaml-language-server: $schema=../../schemas/feed.schema.json",
        f"name: {name}",
        f"description: Written by `wmg feeds new` from {_quoted(profile.file_name)[1:-1]}.",
        f"file_pattern: {_quoted(_pattern(profile.file_name))}",
        f"target: {{schema: {schema}, table: {name}}}",
        f"upsert_keys: [{key}]",
        f"csv: {{delimiter: {_quoted(profile.delimiter)}, quote: '\"', encoding: utf-8, "
        "header: true}",
        "",
        f"# The sample's columns ({profile.rows:,} rows read) and the type each would load as:",
    ]
    for column, header in zip(profile.columns, profile.headers, strict=True):
        note = f"  (header {_quoted(header)})" if header.strip() != column else ""
        lines.append(f"#   {column.ljust(width)}  {profile.types[column]}{note}")
    if profile.key_candidates:
        others = ", ".join(profile.key_candidates[1:]) or "none"
        lines.append(f"# Key candidates (present and unique in the sample): {key}; also: {others}")
    else:
        lines.append(
            f"# No column is present and unique in every row of the sample: upsert_keys is "
            f"{key} as a placeholder; name the columns that identify a row."
        )
    lines.append("# Optional: order_by, rules, views, schedule — see config/feeds/customers.yaml")
    return "\n".join(lines) + "\n"
