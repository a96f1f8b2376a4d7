"""Column-name cleaning, as the WMG Glue job does it (seed 002, `_clean_colname`).

A name always comes from its header, never from its position (so two files whose columns
are in another order load each value into its own column): letters and digits of any script
are kept (PostgreSQL and Redshift accept them in quoted identifiers), lowercased after
Unicode normalisation (NFKC), and each run of other characters becomes one `_`. A header of
symbols only is named after its code points (`€` → `x20ac`); only an empty header cell is
named by its position (`column_3`). A name longer than the warehouse's identifier limit
(PostgreSQL 63 bytes, Redshift 127) is shortened deterministically: its first bytes, `_`,
and 8 hex digits of its SHA-1 — the same header always gives the same column.
"""

import hashlib
import re
import unicodedata

from wmg_resources.errors import InputError

RESERVED = ("run_date", "file_name")
"""Metadata columns silver adds to every row; a source column may not take these names."""

_NOT_WORD = re.compile(r"[\W_]+")
_HASH_DIGITS = 8


def clean_column_name(name: str) -> str:
    """Lowercase; every run of characters other than letters and digits becomes one `_`.

    `"First Name!"` → `"first_name"`; `'a"; drop table x; --'` → `"a_drop_table_x"`;
    `"Größe"` → `"größe"`; `"日本"` → `"日本"`.
    """
    normal = unicodedata.normalize("NFKC", name).strip().lower()
    return _NOT_WORD.sub("_", normal).strip("_")


def symbol_name(header: str) -> str:
    """The name of a header with no letter or digit: its code points, e.g. `x25` for `%`."""
    return "x" + "_".join(f"{ord(c):x}" for c in header.strip() if not c.isspace())


def shorten_name(name: str, max_bytes: int | None) -> str:
    """`name` if it fits in `max_bytes` UTF-8 bytes, else its longest prefix that leaves room
    for `_` and 8 hex digits of the SHA-1 of the whole name (cut at a character boundary)."""
    encoded = name.encode()
    if max_bytes is None or len(encoded) <= max_bytes:
        return name
    digest = hashlib.sha1(encoded).hexdigest()[:_HASH_DIGITS]  # noqa: S324 (a name, not a secret)
    prefix = encoded[: max_bytes - _HASH_DIGITS - 1].decode(errors="ignore").rstrip("_")
    return f"{prefix}_{digest}"


def clean_column_names(
    headers: list[str], file_name: str, max_bytes: int | None = None
) -> list[str]:
    """Cleaned names for a header row (see the module docstring), each at most `max_bytes`.

    Two headers that clean to the same name, or a header that takes a metadata column's
    name, are an `InputError` naming them.
    """
    cleaned: list[str] = []
    seen: dict[str, str] = {}
    for position, raw in enumerate(headers, start=1):
        name = clean_column_name(raw)
        if not name:
            name = symbol_name(raw) if raw.strip() else f"column_{position}"
        name = shorten_name(name, max_bytes)
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
