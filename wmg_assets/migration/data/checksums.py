"""The SQL each database runs so two tables can be compared without moving their rows: a
canonical text per value (the same text in every dialect for the same value), a row hash
(md5 of the row's texts), and segment checksums (count and two sums of 28-bit slices of the
hash, so no sum overflows a BIGINT below 2^35 rows).

| value | canonical text |
|---|---|
| NULL | `n` |
| anything else | `v` + its text cast (`''` → `v`, so NULL and empty differ) |

Text keys are ordered and compared byte-wise (`COLLATE "C"` on PostgreSQL), so both sides
cut the key space at the same places whatever their collation.
"""

from collections.abc import Sequence

from wmg_assets.migration.schema.ddl_text import quoted

SEPARATOR = "chr(31)"  # the unit separator: never in real data's text


def canonical(column: str, dialect: str) -> str:
    """The canonical text of one column (module table)."""
    name = quoted(column, dialect)
    text = {"spark": "STRING", "duckdb": "VARCHAR"}.get(dialect, "TEXT")
    if dialect == "redshift":
        text = "VARCHAR(65535)"
    return f"COALESCE('v' || CAST({name} AS {text}), 'n')"


def row_text(columns: Sequence[str], dialect: str) -> str:
    parts = [canonical(c, dialect) for c in columns]
    if dialect == "spark":
        return f"concat_ws(chr(31), {', '.join(parts)})"
    return f" || {SEPARATOR} || ".join(parts)


def hash_slices(columns: Sequence[str], dialect: str) -> tuple[str, str]:
    """Two integers of 28 bits each, from the row's md5."""
    digest = f"md5({row_text(columns, dialect)})"
    if dialect == "postgres":
        return tuple(  # type: ignore[return-value]
            f"('x' || lpad(substr({digest}, {start}, 7), 8, '0'))::bit(32)::int" for start in (1, 8)
        )
    if dialect == "redshift":
        return tuple(f"STRTOL(SUBSTRING({digest}, {s}, 7), 16)" for s in (1, 8))  # type: ignore[return-value]
    if dialect == "spark":
        return tuple(f"CAST(conv(substr({digest}, {s}, 7), 16, 10) AS BIGINT)" for s in (1, 8))  # type: ignore[return-value]
    return tuple(f"CAST('0x' || substr({digest}, {s}, 7) AS INTEGER)" for s in (1, 8))  # type: ignore[return-value]


def key_sql(column: str, dialect: str, text_key: bool) -> str:
    name = quoted(column, dialect)
    return f'{name} COLLATE "C"' if text_key and dialect == "postgres" else name


def tuple_bound(keys: Sequence[str], op: str, param: str, count: int) -> str:
    """`(k1, k2) >= (?, ?)` written out as ORs (Redshift has no row comparison): for `>=`
    `k1 > ? OR (k1 = ? AND k2 >= ?)`; the parameters in the order they appear."""
    strict = op[0]  # > or <
    parts = []
    for i in range(len(keys)):
        equal = [f"{keys[j]} = {param}" for j in range(i)]
        last = op if i == len(keys) - 1 else strict
        parts.append("(" + " AND ".join([*equal, f"{keys[i]} {last} {param}"]) + ")")
    assert count == len(keys)
    return "(" + " OR ".join(parts) + ")"


def bound_params(values: Sequence[object]) -> list[object]:
    """The parameters of `tuple_bound` for one key tuple, in order."""
    return [v for i in range(len(values)) for v in values[: i + 1]]
