"""Infer each column's silver type from every value, while the CSV is being parsed.

| every non-blank value looks like              | silver type        |
|-----------------------------------------------|--------------------|
| an integer that fits 64 bits                  | int64              |
| a number, some with a fractional part         | decimal(38,18)     |
| `true` / `false` (any case)                   | boolean            |
| `YYYY-MM-DD` (a real calendar day)            | date               |
| `YYYY-MM-DD hh:mm[:ss[.ffffff]]` (or `T`)     | timestamp          |
| anything else, or no value at all             | string             |

A number needs at most 20 integer digits and 18 fraction digits (beyond them, zeros only)
to be a decimal: anything DECIMAL(38,18) would round stays text, never rounded.
Numbers with leading zeros (`00123`: zip codes, account numbers) stay strings; an upsert
key with fractional numbers stays a string, so keys compare exactly as written.

Every value is looked at (no sampling), once, on the Arrow batches the parser produces, so
typing costs no extra pass over the data and is the same whichever engine casts it later.
A column stops being checked for a type as soon as one value rules the type out, so a text
column costs one look at its first batch and a typed column one vectorised match per batch:
numpy over the batch's bytes for the usual forms (`plain_values.py`), the patterns otherwise.
The checks are strict: anything they accept casts exactly on DuckDB and on Spark.
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as _compute

from wmg_assets.transforms import plain_values

# pyarrow.compute's functions are generated at import time; type checkers cannot see them.
pc: Any = _compute

DECIMAL = "decimal(38,18)"
LINE = "_wmg_line"
INT64_MAX = "9223372036854775807"

# What the cast to a silver type strips (Ibis `strip()`); values are checked as they are cast.
BLANKS = " \t\n"
_BLANK = f"[{BLANKS}]*"
_INT = r"[+-]?(0|[1-9][0-9]{0,18})"
# At most 18 significant fraction digits (DECIMAL(38,18) holds them exactly); trailing zeros
# beyond are exact too. A value with more is text: never rounded.
_NUMBER = r"[+-]?((0|[1-9][0-9]{0,19})(\.[0-9]{0,18}0*)?|\.[0-9]{1,18}0*)"
_MONTH_DAY = r"(0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)"
_DAY = f"[0-9]{{4}}-({_MONTH_DAY}|02-(0[1-9]|1[0-9]|2[0-9]))"  # 29 Feb: year checked apart
_DAY_NOT_29_FEB = f"[0-9]{{4}}-({_MONTH_DAY}|02-(0[1-9]|1[0-9]|2[0-8]))"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
_BOOL = r"(?i:true|false)"

# (silver type, pattern a value may match, blanks allowed around it or instead of it)
_CANDIDATES: list[tuple[str, str]] = [
    ("int64", _INT),
    (DECIMAL, _NUMBER),
    ("boolean", _BOOL),
    ("date", _DAY),
    ("timestamp", _DAY + r"[ T]" + _TIME),
]
_EXACT = {t: f"^({p})?$" for t, p in _CANDIDATES}
# Most batches of days need no leap-year look: no 29 February, no blanks around.
_EXACT_NOT_29_FEB = {
    "date": f"^({_DAY_NOT_29_FEB})?$",
    "timestamp": f"^({_DAY_NOT_29_FEB}[ T]{_TIME})?$",
}
_PADDED = {t: f"^{_BLANK}({p})?{_BLANK}$" for t, p in _CANDIDATES}
_ORDER = [t for t, _ in _CANDIDATES]
# Once a batch is all integers, numbers remain possible too; every other match is exclusive.
_STILL_POSSIBLE = {"int64": {"int64", DECIMAL}}
_PROBE_ROWS = 1024
# Checks without a regex for the usual forms of a type (True: every value is one).
_PLAIN: dict[str, Callable[[pa.Array], bool]] = {
    "int64": plain_values.int64s,
    DECIMAL: plain_values.decimals,
    "date": plain_values.days,
    "timestamp": plain_values.timestamps,
}


def _matches(values: pa.Array, kind: str) -> tuple[bool, bool]:
    """Whether every value of `values` is empty or a valid `kind`, blanks around allowed;
    and whether any value needed those blanks stripped."""
    plain = _PLAIN.get(kind)
    if plain is not None and plain(values):
        return True, False
    return matches_pattern(values, kind)


def matches_pattern(values: pa.Array, kind: str) -> tuple[bool, bool]:
    """`_matches` by the patterns alone: the rule the faster checks follow."""
    if (
        kind in _EXACT_NOT_29_FEB
        and pc.all(pc.match_substring_regex(values, _EXACT_NOT_29_FEB[kind])).as_py()
    ):
        return True, False
    padded = not pc.all(pc.match_substring_regex(values, _EXACT[kind])).as_py()
    if padded and not pc.all(pc.match_substring_regex(values, _PADDED[kind])).as_py():
        return False, padded
    if kind == "int64":
        return _fits_int64(values), padded
    if kind in ("date", "timestamp"):
        return _real_days(values), padded
    return True, padded


def _fits_int64(values: pa.Array) -> bool:
    if pc.max(pc.binary_length(values)).as_py() < len(INT64_MAX):
        return True
    digits = pc.utf8_ltrim(pc.utf8_trim(values, BLANKS), "+-")
    longest = pc.equal(pc.utf8_length(digits), len(INT64_MAX))
    if not pc.any(longest).as_py():
        return True
    return not pc.any(pc.greater(pc.filter(digits, longest), INT64_MAX)).as_py()


def _real_days(values: pa.Array) -> bool:
    """No 29 February of a common year (the pattern already rules out 31 April and such)."""
    leap_days = pc.match_substring(values, "-02-29")
    if not pc.any(leap_days).as_py():
        return True
    text = pc.utf8_trim(pc.filter(values, leap_days), BLANKS)
    year = pc.cast(pc.utf8_slice_codeunits(text, 0, 4), pa.int64())
    leap = pc.and_(
        pc.equal(pc.bit_wise_and(year, 3), 0),
        pc.or_(pc.not_equal(pc.remainder(year, 100), 0), pc.equal(pc.remainder(year, 400), 0)),
    )
    return bool(pc.all(leap).as_py())


def _any_value(values: pa.Array) -> bool:
    if not pc.any(pc.not_equal(values, "")).as_py():
        return False
    return bool(pc.any(pc.match_substring_regex(values, f"[^{BLANKS}]")).as_py())


class TypeInference:
    """Feed it every batch of raw text columns; `types()` says each column's silver type and
    `padded()` which typed columns have values to strip of blanks before the cast."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self._possible: dict[str, set[str]] = {c: set(_ORDER) for c in self.columns}
        self._has_value: dict[str, bool] = dict.fromkeys(self.columns, False)
        self._padded: set[str] = set()

    def update(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return  # a block whose rows were all rejected
        for column in self.columns:
            possible = self._possible[column]
            if not possible and self._has_value[column]:
                continue
            values = batch.column(column)
            narrowed = self._narrow(column, values, possible) if possible else possible
            if narrowed == possible and self._has_value[column]:
                continue  # nothing new: no need to look for blanks
            if _any_value(values):  # a blank batch matches every type: it rules nothing out
                self._has_value[column] = True
                self._possible[column] = narrowed

    def _narrow(self, column: str, values: pa.Array, possible: set[str]) -> set[str]:
        probe = values.slice(0, _PROBE_ROWS)  # most columns give themselves away early
        for kind in [k for k in _ORDER if k in possible]:
            if not _matches(probe, kind)[0]:
                continue
            matched, padded = _matches(values, kind)
            if matched:
                if padded:
                    self._padded.add(column)
                return possible & _STILL_POSSIBLE.get(kind, {kind})
        return set()

    def types(self, keys: Sequence[str] = ()) -> dict[str, str]:
        """The silver type of every column, in file order."""
        types = {}
        for column in self.columns:
            possible = self._possible[column]
            chosen = next((k for k in _ORDER if k in possible), "string")
            if not self._has_value[column] or (chosen == DECIMAL and column in keys):
                chosen = "string"
            types[column] = chosen
        return types

    def padded(self) -> frozenset[str]:
        """Columns with a value that has blanks around it (or is only blanks)."""
        return frozenset(self._padded)


def first_value_not_of(batches: Iterable[pa.RecordBatch], column: str, kind: str) -> Any:
    """The first row `(line, value)` of raw batches whose `column` is not a valid `kind`
    (blanks allowed around it), or None: where a file breaks a type it must follow."""
    pattern = _PADDED.get(kind)
    if pattern is None:
        return None
    for batch in batches:
        values = batch.column(column)
        bad = pc.invert(pc.match_substring_regex(values, pattern))
        if pc.any(bad).as_py():
            index = pc.index(bad, True).as_py()
            return batch.column(LINE)[index].as_py(), values[index].as_py()
    return None
