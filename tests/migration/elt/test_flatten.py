"""The semi-structured flattener turns nested JSON and XML samples into the stage and the
flattened tables, on DuckDB and on Spark, and its readme query rebuilds the flattened table
from the stage."""

from pathlib import Path

import pytest

from wmg_assets.migration.elt.executor import Executor
from wmg_assets.migration.elt.flatten import flatten_files, flatten_record

ORDERS_JSON = """[
  {"id": 1, "customer": {"name": "Ann", "vip": true}, "items": [{"sku": "A1", "qty": 2},
   {"sku": "B2", "qty": 1}]},
  {"id": 2, "customer": {"name": "Bob", "vip": false}, "items": [], "note": null}
]"""
ORDERS_XML = """<?xml version="1.0"?>
<orders>
  <order id="3"><customer><name>Cy</name></customer><item>C3</item><item>D4</item></order>
  <order id="4"><customer><name>Di</name></customer><item>E5</item></order>
</orders>"""


def test_records_flatten_as_flatten_json_does() -> None:
    assert flatten_record({"a": {"b": 1, "c": [10, {"d": None}]}, "e": True}) == {
        "a_b": "1",
        "a_c_0": "10",
        "a_c_1_d": None,
        "e": "true",
    }


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_json_and_xml_into_stage_and_flattened_tables(
    engine: str, executor: Executor, tmp_path: Path
) -> None:
    landed = tmp_path / "in"
    landed.mkdir()
    (landed / "a_orders.json").write_text(ORDERS_JSON)
    (landed / "b_orders.xml").write_text(ORDERS_XML)
    result = flatten_files(executor, f"orders_{engine}", landed, tmp_path / "out", engine=engine)
    assert result.rows == 4
    assert result.keys == [
        "id",
        "customer_name",
        "customer_vip",
        "items_0_sku",
        "items_0_qty",
        "items_1_sku",
        "items_1_qty",
        "note",
        "@id",
        "item_0",
        "item_1",
        "item",
    ]
    stage = executor.execute_query(
        f"SELECT ROW_ID, FILE_NAME, KEY, VALUE FROM {result.stage_table} "
        "WHERE ROW_ID = 3 ORDER BY KEY",
        db_type=engine,
    ).result  # type: ignore[union-attr]
    assert [tuple(r) for r in stage] == [
        (3, "b_orders.xml", "@id", "3"),
        (3, "b_orders.xml", "customer_name", "Cy"),
        (3, "b_orders.xml", "item_0", "C3"),
        (3, "b_orders.xml", "item_1", "D4"),
    ]
    q = "`" if engine == "spark" else '"'
    flat = executor.execute_query(
        f"SELECT ROW_ID, FILE_NAME, customer_name, items_1_sku, {q}@id{q}, item, note "
        f"FROM {result.flatten_table} ORDER BY ROW_ID",
        db_type=engine,
    ).result  # type: ignore[union-attr]
    assert [tuple(r) for r in flat] == [
        (1, "a_orders.json", "Ann", "B2", None, None, None),
        (2, "a_orders.json", "Bob", None, None, None, None),
        (3, "b_orders.xml", "Cy", None, "3", None, None),
        (4, "b_orders.xml", "Di", None, "4", "E5", None),
    ]
    assert result.readme is not None
    again = executor.execute_query(result.readme.read_text(), db_type=engine).result  # type: ignore[union-attr]
    whole = executor.execute_query(
        f"SELECT * FROM {result.flatten_table} ORDER BY ROW_ID", db_type=engine
    ).result  # type: ignore[union-attr]
    assert [tuple(r) for r in again] == [tuple(r) for r in whole]
