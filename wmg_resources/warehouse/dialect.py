"""The SQL dialect layer: identifier quoting and column types, rendered by sqlglot.

Every identifier that reaches SQL goes through `quote` (CSV headers are user input);
every value is bound as a parameter by the caller, never formatted into the text.
"""

import pyarrow as pa
import sqlglot
from sqlglot import exp

# Longest VARCHAR Redshift accepts, in bytes.
REDSHIFT_MAX_VARCHAR = 65535
# VARCHAR length a new column gets at least (the seed's VARCHAR(256)).
DEFAULT_VARCHAR = 256


def quote(name: str, dialect: str) -> str:
    """A quoted identifier; embedded quotes are doubled, so any text is safe."""
    return exp.to_identifier(name, quoted=True).sql(dialect=dialect)


def qualified(schema: str, table: str, dialect: str) -> str:
    return f"{quote(schema, dialect)}.{quote(table, dialect)}"


def column_list(names: list[str], dialect: str, prefix: str = "") -> str:
    return ", ".join(f"{prefix}{quote(n, dialect)}" for n in names)


def logical_type(arrow_type: pa.DataType) -> str:
    """The warehouse-neutral type of a silver column, e.g. `bigint`, `decimal(38,18)`."""
    if pa.types.is_integer(arrow_type):
        return "bigint"
    if pa.types.is_decimal(arrow_type):
        return f"decimal({arrow_type.precision},{arrow_type.scale})"  # type: ignore[attr-defined]
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "varchar"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_timestamp(arrow_type):
        return "timestamptz" if arrow_type.tz else "timestamp"  # type: ignore[attr-defined]
    if pa.types.is_floating(arrow_type):
        return "double"
    raise TypeError(f"no warehouse type for Arrow type {arrow_type}")


def render_type(logical: str, dialect: str, varchar_length: int | None = None) -> str:
    """SQL text of a logical type in a dialect; `varchar_length` sizes VARCHAR columns."""
    if logical == "varchar":
        if dialect == "duckdb":
            return "VARCHAR"
        if varchar_length is None:
            return "TEXT" if dialect == "postgres" else f"VARCHAR({REDSHIFT_MAX_VARCHAR})"
        return f"VARCHAR({varchar_length})"
    return exp.DataType.build(logical).sql(dialect=dialect)


def varchar_length_for(max_bytes: int | None) -> int:
    """VARCHAR length for values of at most `max_bytes` UTF-8 bytes: +10, floor 256."""
    return min(REDSHIFT_MAX_VARCHAR, max(DEFAULT_VARCHAR, (max_bytes or 0) + 10))


def transpile(sql: str, dialect: str) -> str:
    """Rewrite portable SQL (DuckDB flavour) for a dialect."""
    return ";\n".join(sqlglot.transpile(sql, read="duckdb", write=dialect))
