"""Type a raw (all-text) table into silver, as Ibis expressions that run on any engine.

Types are inferred from every value (one aggregate pass), not a sample:

| every non-empty value looks like             | silver type        |
|----------------------------------------------|--------------------|
| an integer that fits 64 bits                  | int64              |
| a number, some with a fractional part         | decimal(38,18)     |
| `true` / `false` (any case)                   | boolean            |
| `YYYY-MM-DD`                                  | date               |
| `YYYY-MM-DD hh:mm[:ss[.ffffff]]` (or `T`)     | timestamp          |
| anything else, or no value at all             | string             |

Numbers with leading zeros (`00123`: zip codes, account numbers) stay strings.
Decimals are cast from the text, never through a float, so `545803900.123456789` stays
exact. An upsert key keeps its text when it has fractional numbers, so keys compare exactly
as written. Empty values of typed columns become NULL; empty strings stay empty strings.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import ibis
import ibis.expr.types as ir

from wmg_assets.transforms.raw_csv import LINE_COLUMN
from wmg_resources.errors import InputError

DECIMAL = "decimal(38,18)"

_INT = r"^[+-]?(0|[1-9][0-9]{0,18})$"
_NUMBER = r"^[+-]?((0|[1-9][0-9]{0,19})(\.[0-9]*)?|\.[0-9]+)$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_TIMESTAMP = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?$"


def _counts(value: Any) -> dict[str, Any]:
    v = value.strip()
    present = v.notnull() & (v != "")
    return {
        "n": present.sum(),
        "int": (present & v.re_search(_INT) & v.try_cast("int64").notnull()).sum(),
        "number": (present & v.re_search(_NUMBER)).sum(),
        "bool": (present & v.lower().isin(["true", "false"])).sum(),
        "date": (present & v.re_search(_DATE) & v.try_cast("date").notnull()).sum(),
        "timestamp": (present & v.re_search(_TIMESTAMP) & v.try_cast("timestamp").notnull()).sum(),
    }


def inference_query(raw: ir.Table, columns: Sequence[str]) -> ir.Table:
    """One row of counts per column: how many values look like each type."""
    aggs = {}
    for i, c in enumerate(columns):
        for kind, expr in _counts(raw[c]).items():
            aggs[f"c{i}__{kind}"] = expr
    return raw.aggregate(**aggs)


def choose_types(
    counts: dict[str, int], columns: Sequence[str], keys: Sequence[str]
) -> dict[str, str]:
    """The silver type of each column from the counts of `inference_query`."""
    types = {}
    for i, c in enumerate(columns):
        get = lambda kind, i=i: int(counts[f"c{i}__{kind}"] or 0)  # noqa: E731
        n = get("n")
        if n == 0:
            types[c] = "string"
        elif get("int") == n:
            types[c] = "int64"
        elif get("number") == n:
            types[c] = "string" if c in keys else DECIMAL
        elif get("bool") == n:
            types[c] = "boolean"
        elif get("date") == n:
            types[c] = "date"
        elif get("timestamp") == n:
            types[c] = "timestamp"
        else:
            types[c] = "string"
    return types


def infer_types(
    con: ibis.BaseBackend, raw: ir.Table, columns: Sequence[str], keys: Sequence[str]
) -> dict[str, str]:
    """Run the inference pass on an engine and choose each column's type."""
    row = con.to_pyarrow(inference_query(raw, columns)).to_pylist()[0]
    return choose_types(row, columns, keys)


def _typed(value: Any, dtype: str) -> Any:
    if dtype == "string":
        return value
    v = value.strip().nullif("")
    if dtype == "boolean":
        v = v.lower()
    return v.cast(dtype)


def to_silver(
    raw: ir.Table,
    types: dict[str, str],
    *,
    run_date: datetime,
    file_name: str,
) -> ir.Table:
    """The silver table: typed columns in file order, then `run_date`, `file_name`, line."""
    return raw.select(
        *[_typed(raw[c], t).name(c) for c, t in types.items()],
        run_date=ibis.literal(run_date.replace(tzinfo=None), type="timestamp"),
        file_name=ibis.literal(file_name, type="string"),
        **{LINE_COLUMN: raw[LINE_COLUMN]},
    )


_WIDENS_TO = {
    # silver table type: file types that load into it by a safe cast of the text
    DECIMAL: {"int64", DECIMAL},
    "timestamp": {"date", "timestamp"},
}


def align_types(types: dict[str, str], existing: dict[str, str], file_name: str) -> dict[str, str]:
    """Types for this file once the silver table exists: follow the table's types.

    A column the table holds as text stays text (the file's own characters); integers go
    into a decimal column and dates into a timestamp column. Anything else that disagrees
    (text into a number, a decimal into an integer) is an `InputError` naming the columns.
    """
    aligned, problems = dict(types), []
    for column, file_type in types.items():
        table_type = existing.get(column)
        if table_type is None or table_type == file_type:
            continue
        if table_type == "string" or file_type in _WIDENS_TO.get(table_type, ()):
            aligned[column] = table_type
        else:
            problems.append(f"{column!r} has {file_type} values but silver holds {table_type}")
    if problems:
        raise InputError(file_name, "column types differ from silver: " + "; ".join(problems))
    return aligned
