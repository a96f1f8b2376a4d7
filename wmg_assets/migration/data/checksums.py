"""The SQL each database runs so two tables can be compared without moving their rows: a
canonical text per value (the same text in every dialect for the same value), a row hash
(md5 of the row's texts), and segment checksums (count and the exact sum of each row's
first 60 hash bits).

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


def row_digest(columns: Sequence[str], dialect: str) -> str:
    """The md5 (hex) of the row's canonical texts."""
    return f"md5({row_text(columns, dialect)})"


def row_number_sql(columns: Sequence[str], dialect: str, same_dialect: bool,
                   same_types: bool = False) -> str:  # fmt: skip
    """Each row's hash as an integer. Two PostgreSQL sides hash natively: the row itself
    (`hash_record_extended`, no text made: about 3x faster than md5) when the columns have
    the same types on both, else its canonical text (`hashtextextended`); any other pair
    uses the md5's first 60 bits, which every dialect computes alike."""
    if same_dialect and dialect == "postgres":
        if same_types:
            names = ", ".join(quoted(c, dialect) for c in columns)
            return f"hash_record_extended(ROW({names}), 0)"
        return f"hashtextextended({row_text(columns, dialect)}, 0)"
    return digest_number(row_digest(columns, dialect), dialect)


def digest_number(digest: str, dialect: str) -> str:
    """The first 60 bits of a hex md5 as an integer; its sum is taken as an exact decimal
    (PostgreSQL's and DuckDB's sums of BIGINT already are; Redshift's is cast first)."""
    if dialect == "postgres":
        return f"('x' || substr({digest}, 1, 15))::bit(60)::bigint"
    if dialect == "redshift":
        return f"CAST(STRTOL(SUBSTRING({digest}, 1, 15), 16) AS DECIMAL(38, 0))"
    if dialect == "spark":
        return f"CAST(conv(substr({digest}, 1, 15), 16, 10) AS DECIMAL(38, 0))"
    return f"CAST('0x' || substr({digest}, 1, 15) AS BIGINT)"


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
