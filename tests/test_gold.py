"""Gold tables from config: the query is planned without a connection (tables read, dialect),
runs in the warehouse (DuckDB and a real PostgreSQL server), and is due after its upstream."""

import csv
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import SAMPLE_DIR, use_platform
from tests.test_feed_end_to_end import rows
from wmg_assets.definitions import load_definitions
from wmg_assets.gold.config import load_gold
from wmg_assets.gold.sql import GoldSqlError, referenced_tables, replace_table_statements
from wmg_assets.ingest import Ingestor
from wmg_resources.settings import load_settings

GOLD = Path(__file__).resolve().parents[1] / "config" / "gold"


def test_tables_read_by_a_query() -> None:
    sql = """
    WITH recent AS (SELECT * FROM public.orders WHERE order_date > DATE '2026-01-01')
    SELECT c.country, count(*) FROM recent r JOIN public.customers c USING (customer_id)
    JOIN gold.fx f ON f.currency = r.currency GROUP BY 1
    """
    assert sorted(referenced_tables(sql)) == [("gold", "fx"), ("public", "customers"),
                                              ("public", "orders")]  # fmt: skip


def test_the_query_is_transpiled_and_swapped_in() -> None:
    sql = "SELECT id::text AS id, name ILIKE 'a%' AS a FROM public.t"
    [schema, drop_new, create, drop, rename] = replace_table_statements("gold", "x", sql, "duckdb")
    assert schema == 'CREATE SCHEMA IF NOT EXISTS "gold"'
    assert create.startswith('CREATE TABLE "gold"."x__new" AS SELECT CAST(id AS TEXT) AS id')
    assert (drop_new, drop) == ('DROP TABLE IF EXISTS "gold"."x__new"',
                                'DROP TABLE IF EXISTS "gold"."x"')  # fmt: skip
    assert rename == 'ALTER TABLE "gold"."x__new" RENAME TO "x"'


@pytest.mark.parametrize("sql", ["DELETE FROM public.t", "SELECT 1; SELECT 2", "SELEC 1"])
def test_only_one_select_is_a_gold_query(sql: str) -> None:
    with pytest.raises(GoldSqlError):
        referenced_tables(sql)


def test_sample_gold_depends_on_the_warehouse_targets(wmg_env: Path) -> None:
    assert {g.name for g in load_gold(GOLD)} == {"customers_per_country", "order_totals_per_day"}
    graph = load_definitions().resolve_asset_graph()
    parents = graph.get(dg.AssetKey(["gold", "order_totals_per_day"])).parent_keys
    assert parents == {dg.AssetKey(["warehouse", "public", "orders"])}


@pytest.fixture(params=["local", "postgres"])
def platform(request, wmg_env: Path, monkeypatch, tmp_path: Path) -> str:
    return use_platform(request, monkeypatch, tmp_path, request.param, {})


def test_gold_tables_hold_the_aggregates(platform: str) -> None:
    ingestor = Ingestor(load_settings())
    files = sorted(SAMPLE_DIR.glob("*.csv"))
    assert all(o.ok for o in ingestor.ingest(files))
    assert ingestor.refresh_gold() == {"customers_per_country": 10, "order_totals_per_day": 3}
    # Expected: the target's rows aggregated here, in Python.
    target = rows("SELECT country, credit_limit, is_active FROM public.customers")
    expected = {
        c: (sum(1 for r in target if r[0] == c), sum(1 for r in target if r[0] == c and r[2]),
            sum((r[1] for r in target if r[0] == c), Decimal(0)))
        for c in {r[0] for r in target}
    }  # fmt: skip
    got = rows("SELECT country, customers, active_customers, credit_limit "
               "FROM gold.customers_per_country")  # fmt: skip
    assert {c: (int(n), int(a), Decimal(v)) for c, n, a, v in got} == expected
    with (SAMPLE_DIR / "orders_2026_11_01.csv").open(newline="") as f:
        orders = [r for r in csv.DictReader(f) if r["Status"] != "cancelled"]
    got_orders = rows("SELECT sum(orders) FROM gold.order_totals_per_day")
    assert got_orders == [(len(orders),)]


def test_gold_is_due_after_its_upstream_loads(wmg_env: Path) -> None:
    ingestor = Ingestor(load_settings())
    defs = load_definitions()
    first = dg.evaluate_automation_conditions(defs=defs, instance=ingestor.instance)
    assert ingestor.ingest([SAMPLE_DIR / "orders_2026_11_01.csv"])[0].ok
    after = dg.evaluate_automation_conditions(
        defs=defs, instance=ingestor.instance, cursor=first.cursor
    )
    assert after.get_num_requested(dg.AssetKey(["gold", "order_totals_per_day"])) == 1
    assert after.total_requested == 1  # not customers_per_country: its upstream did not load
