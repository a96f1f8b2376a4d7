"""Platform record tables in the warehouse (audit, file ledger): one row per event.

A record table is a dataclass: its fields are the columns, in order. Text columns get the
dialect's text type; other types are given per column. The schema and the table are made on
first use, and every value is bound.
"""

from dataclasses import astuple, fields
from typing import Any

from wmg_resources.warehouse.base import Warehouse
from wmg_resources.warehouse.dialect import column_list, qualified, quote, render_type


def record_columns(record_type: type, types: dict[str, str], dialect: str) -> list[tuple[str, str]]:
    """(name, SQL type) of each field of a record dataclass; unlisted fields are text."""
    text = render_type("varchar", dialect)
    return [(f.name, types.get(f.name, text)) for f in fields(record_type)]


def append_record(
    wh: Warehouse, schema: str, table: str, record: Any, types: dict[str, str]
) -> None:
    """Insert one record (a dataclass instance), creating the schema and table on first use."""
    d = wh.dialect
    target = qualified(schema, table, d)
    cols = record_columns(type(record), types, d)
    wh.create_if_missing(f"CREATE SCHEMA IF NOT EXISTS {quote(schema, d)}")
    wh.create_if_missing(
        f"CREATE TABLE IF NOT EXISTS {target} ("
        + ", ".join(f"{quote(n, d)} {t}" for n, t in cols)
        + ")"
    )
    names = [n for n, _ in cols]
    placeholders = ", ".join([wh.param] * len(names))
    wh.execute(
        f"INSERT INTO {target} ({column_list(names, d)}) VALUES ({placeholders})",
        astuple(record),
    )
