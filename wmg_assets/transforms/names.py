"""Column-name cleaning, as the WMG Glue job does it (seed 002, `_clean_colname`)."""

import re

from wmg_resources.errors import InputError

RESERVED = ("run_date", "file_name")
"""Metadata columns silver adds to every row; a source column may not take these names."""

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def clean_column_name(name: str) -> str:
    """Lowercase; every run of characters other than a-z and 0-9 becomes one `_`; trimmed.

    `"First Name!"` → `"first_name"`; `'a"; drop table x; --'` → `"a_drop_table_x"`.
    """
    return _NON_ALNUM.sub("_", name.strip().lower()).strip("_")


def clean_column_names(headers: list[str], file_name: str) -> list[str]:
    """Cleaned names for a header row; a header that cleans to nothing becomes `column_<n>`.

    Two headers that clean to the same name, or a header that takes a metadata column's
    name, are an `InputError` naming them.
    """
    cleaned: list[str] = []
    seen: dict[str, str] = {}
    for position, raw in enumerate(headers, start=1):
        name = clean_column_name(raw) or f"column_{position}"
        if name in seen:
            raise InputError(
                file_name,
                f"headers {seen[name]!r} and {raw!r} both clean to the column name {name!r}",
                line=1,
            )
        if name in RESERVED:
            raise InputError(
                file_name, f"header {raw!r} takes the name of the metadata column {name!r}", line=1
            )
        seen[name] = raw
        cleaned.append(name)
    return cleaned
