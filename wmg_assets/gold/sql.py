"""The SQL of a gold table, planned without a connection (pure: sqlglot only).

A gold definition is one SELECT written in PostgreSQL/Redshift SQL; it is transpiled to the
warehouse's dialect (DuckDB locally, PostgreSQL in tests, Redshift in prod), and the tables it
reads tell which assets it depends on.
"""

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from wmg_resources.warehouse.dialect import qualified, quote

SOURCE_DIALECT = "postgres"


class GoldSqlError(ValueError):
    """A gold query that is not one SELECT statement."""


def parse_select(sql: str) -> exp.Query:
    try:
        statements = [s for s in sqlglot.parse(sql, read=SOURCE_DIALECT) if s is not None]
    except ParseError as e:
        raise GoldSqlError(f"not valid SQL: {e}") from e
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise GoldSqlError("give exactly one SELECT statement")
    return statements[0]


def referenced_tables(sql: str) -> list[tuple[str, str]]:
    """(schema, table) of every table the query reads, CTE names excluded, in order."""
    query = parse_select(sql)
    ctes = {c.alias_or_name for c in query.find_all(exp.CTE)}
    found = [
        (t.db or "", t.name) for t in query.find_all(exp.Table)
        if t.name and not (not t.db and t.name in ctes)
    ]  # fmt: skip
    return list(dict.fromkeys(found))


def replace_table_statements(schema: str, table: str, sql: str, dialect: str) -> list[str]:
    """Statements that replace `schema.table` with the query's rows, to run in one
    transaction: build a new table beside the old one, then swap it in."""
    select = parse_select(sql).sql(dialect=dialect)
    target, new = qualified(schema, table, dialect), qualified(schema, f"{table}__new", dialect)
    return [
        f"CREATE SCHEMA IF NOT EXISTS {quote(schema, dialect)}",
        f"DROP TABLE IF EXISTS {new}",
        f"CREATE TABLE {new} AS {select}",
        f"DROP TABLE IF EXISTS {target}",
        f"ALTER TABLE {new} RENAME TO {quote(table, dialect)}",
    ]
