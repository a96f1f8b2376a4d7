"""Cast a raw (all-text) table into silver, as Ibis expressions that run on any engine.

The types come from `inference.py` (every value looked at while parsing). Decimals are cast
from the text, never through a float, so `545803900.123456789` stays exact. Empty values of
typed columns become NULL; empty strings stay empty strings.
"""

from collections.abc import Collection
from datetime import datetime
from typing import Any

import ibis
import ibis.expr.types as ir

from wmg_assets.transforms.inference import DECIMAL
from wmg_assets.transforms.raw_csv import LINE_COLUMN
from wmg_resources.errors import InputError


def _typed(value: Any, dtype: str, strip: bool) -> Any:
    if dtype == "string":
        return value
    v = (value.strip() if strip else value).nullif("")
    if dtype == "boolean":
        v = v.lower()
    return v.cast(dtype)


def to_silver(
    raw: ir.Table,
    types: dict[str, str],
    *,
    run_date: datetime,
    file_name: str,
    padded: Collection[str] = (),
) -> ir.Table:
    """The silver table: typed columns in file order, then `run_date`, `file_name`, line.

    Values of `padded` columns are stripped of blanks before the cast (the others have none:
    skipping the strip halves the cost of the cast)."""
    return raw.select(
        *[_typed(raw[c], t, c in padded).name(c) for c, t in types.items()],
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
            problems.append((column, file_type, table_type))
    if problems:
        raise TypeConflict(file_name, problems)
    return aligned


class TypeConflict(InputError):
    """A file's column types disagree with the silver table's: `problems` holds
    (column, file type, silver type) of each."""

    def __init__(
        self,
        file_name: str,
        problems: list[tuple[str, str, str]],
        *,
        line: int | None = None,
        value: str | None = None,
    ) -> None:
        self.problems = problems
        reason = "column types differ from silver: " + "; ".join(
            f"{c!r} has {f} values but silver holds {t}" for c, f, t in problems
        )
        if value is not None:
            reason += f" (the value {value!r} is not {problems[0][2]})"
        column = problems[0][0] if line is not None else None
        super().__init__(file_name, reason, line=line, column=column)

    def located(self, line: int, value: str) -> "TypeConflict":
        """The same conflict, naming the line and value of its first column's first misfit."""
        return TypeConflict(self.file_name, self.problems, line=line, value=value)
