"""The latest-timestamp extractor on PostgreSQL (the Teradata extractor's SQL shape: the
temporal columns from the catalog, then one MAX per column), in parallel and sequentially,
a failing table reported while the others go on."""

import datetime as dt
import json
from pathlib import Path

import pytest

from wmg_assets.migration.elt.latest_ts import extract_latest, latest_sql, read_mapping, save_report
from wmg_resources.databases import connect_database

pytestmark = pytest.mark.postgres

SETUP = [
    "CREATE SCHEMA sales",
    "CREATE TABLE sales.orders (id INT, placed TIMESTAMP, shipped DATE, note TEXT)",
    "INSERT INTO sales.orders VALUES (1, '2026-11-30 10:00', '2026-12-01', 'a'), "
    "(2, '2026-11-29 09:00', NULL, 'b')",
    "CREATE TABLE sales.customers (id INT, name TEXT)",
    "CREATE TABLE sales.events (at TIMESTAMP)",
]


def test_latest_values_per_table_in_parallel_and_in_turn(postgres_url: str, tmp_path: Path) -> None:
    db = connect_database(postgres_url)
    for sql in SETUP:
        db.execute(sql)
    db.close()
    mapping_file = tmp_path / "mapping.csv"
    mapping_file.write_text(
        "view,table\nv_orders,sales.orders\nv_customers,sales.customers\n"
        "v_events,sales.events\nv_gone,sales.gone\n"
    )
    mapping = read_mapping(mapping_file)
    results = [
        extract_latest(lambda: connect_database(postgres_url), mapping, threads=n) for n in (4, 0)
    ]
    for result in results:
        assert [(r["table"], r["column"], r["latest"]) for r in result.output] == [
            ("sales.events", "at", None),
            ("sales.orders", "placed", dt.datetime(2026, 11, 30, 10, 0)),
            ("sales.orders", "shipped", dt.date(2026, 12, 1)),
        ]
        assert [(r["table"], r["columns"]) for r in result.summary] == [
            ("sales.customers", 0),
            ("sales.events", 1),
            ("sales.orders", 2),
        ]
        assert [(f["table"], "gone" in f["error"]) for f in result.failed] == [("sales.gone", True)]
    paths = save_report(results[0], tmp_path / "report")
    payload = json.loads(paths["json"].read_text())
    assert payload["totals"] == {"tables": 3, "failed": 1}
    assert paths["xlsx"].exists()
    assert latest_sql("db.t", ["ts", 'we"ird'], "teradata") == (
        'SELECT MAX("ts"), MAX("we""ird") FROM "db"."t"'
    )
