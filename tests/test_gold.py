"""Gold as a dbt project (config/gold) run by dagster-dbt: models are assets after the feeds'
warehouse tables, dbt tests are asset checks, `dbt build` runs on DuckDB (dbt-duckdb) and a
real PostgreSQL server (dbt-postgres); the manifest is parsed once, not on every load."""

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest
import yaml

from tests.conftest import SAMPLE_DIR, use_platform
from tests.test_feed_end_to_end import rows
from wmg_assets.definitions import load_definitions
from wmg_assets.gold.project import (
    CACHE_ENV,
    PASSWORD_ENV,
    GoldProjectError,
    prepared_gold_project,
    warehouse_profile,
)
from wmg_assets.ingest import Ingestor
from wmg_resources.settings import load_settings

ORDERS_GOLD = dg.AssetKey(["gold", "order_totals_per_day"])


def test_models_are_assets_after_the_feeds_tables_with_dbt_tests_as_checks(
    wmg_env: Path,
) -> None:
    defs = load_definitions()
    graph = defs.resolve_asset_graph()
    assert graph.get(ORDERS_GOLD).parent_keys == {dg.AssetKey(["warehouse", "public", "orders"])}
    customers = graph.get(dg.AssetKey(["gold", "customers_per_country"]))
    assert customers.parent_keys == {dg.AssetKey(["warehouse", "public", "customers"])}
    checks = {(k.asset_key, k.name) for k in graph.asset_check_keys}
    assert (ORDERS_GOLD, "unique_combination_order_totals_per_day_order_date__currency") in checks
    assert (customers.key, "unique_customers_per_country_country") in checks
    assert customers.group_name == "gold"


@pytest.fixture(params=["local", "postgres"])
def platform(request, wmg_env: Path, monkeypatch, tmp_path: Path) -> str:
    return use_platform(request, monkeypatch, tmp_path, request.param, {})


def test_dbt_builds_the_aggregates_and_runs_its_tests(platform: str) -> None:
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
    assert rows("SELECT sum(orders) FROM gold.order_totals_per_day") == [(len(orders),)]
    # the dbt tests ran as asset checks, and the materialization describes the table
    instance = ingestor.instance
    check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(ORDERS_GOLD, "not_null_order_totals_per_day_currency")]
    )
    [execution] = check.values()
    assert execution.status.value == "SUCCEEDED"
    materialization = instance.get_latest_materialization_event(ORDERS_GOLD)
    assert materialization is not None and materialization.asset_materialization is not None
    metadata = materialization.asset_materialization.metadata
    assert metadata["dagster/row_count"].value == 3
    columns = [c.name for c in metadata["dagster/column_schema"].value.columns]  # type: ignore[union-attr]
    assert columns == ["order_date", "currency", "orders", "amount"]


def gold_copy(tmp_path: Path, monkeypatch) -> Path:
    """A copy of the sample config to change, set as WMG_CONFIG_DIR; its gold folder."""
    config = tmp_path / "config"
    shutil.copytree(Path(__file__).resolve().parents[1] / "config", config)
    monkeypatch.setenv("WMG_CONFIG_DIR", str(config))
    return config / "gold"


def test_a_failing_dbt_test_fails_the_run_and_its_check(
    wmg_env: Path, tmp_path: Path, monkeypatch
) -> None:
    gold = gold_copy(tmp_path, monkeypatch)
    models = gold / "models" / "gold.yml"
    spec = yaml.safe_load(models.read_text())
    orders = next(m for m in spec["models"] if m["name"] == "order_totals_per_day")
    currency = next(c for c in orders["columns"] if c["name"] == "currency")
    currency["data_tests"].append({"accepted_values": {"arguments": {"values": ["EUR"]}}})
    models.write_text(yaml.safe_dump(spec))
    ingestor = Ingestor(load_settings())
    assert all(o.ok for o in ingestor.ingest(sorted(SAMPLE_DIR.glob("*.csv"))))
    with pytest.raises(Exception, match="accepted_values_order_totals_per_day_currency"):
        ingestor.refresh_gold()
    key = dg.AssetCheckKey(ORDERS_GOLD, "accepted_values_order_totals_per_day_currency__EUR")
    [execution] = ingestor.instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [key]
    ).values()
    assert execution.event is not None and execution.event.dagster_event is not None
    evaluation = execution.event.dagster_event.event_specific_data
    assert isinstance(evaluation, dg.AssetCheckEvaluation) and evaluation.passed is False
    # the models were built all the same, and say so
    assert ingestor.instance.get_latest_materialization_event(ORDERS_GOLD) is not None


def test_the_manifest_is_parsed_once_and_again_when_a_model_changes(
    wmg_env: Path, tmp_path: Path, monkeypatch
) -> None:
    gold = gold_copy(tmp_path, monkeypatch)
    project = prepared_gold_project(load_settings())
    assert project is not None
    first = project.manifest_path.stat().st_mtime_ns
    prepared_gold_project(load_settings())
    assert project.manifest_path.stat().st_mtime_ns == first  # not parsed again
    model = gold / "models" / "order_totals_per_day.sql"
    model.write_text(model.read_text().replace("sum(amount) as amount", "sum(amount) as total"))
    prepared_gold_project(load_settings())
    assert project.manifest_path.stat().st_mtime_ns != first
    assert "sum(amount) as total" in project.manifest_path.read_text()


def test_one_parse_serves_every_home_of_the_same_project(
    wmg_env: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "parses"))
    first = prepared_gold_project(load_settings())
    monkeypatch.setenv("WMG_HOME", str(tmp_path / "another-home"))
    second = prepared_gold_project(load_settings())
    assert first is not None and second is not None and first.work_dir != second.work_dir
    assert len(list((tmp_path / "parses").iterdir())) == 1
    # byte for byte: a parse of its own would carry another invocation id and time
    assert second.manifest_path.read_bytes() == first.manifest_path.read_bytes()


def test_a_broken_model_names_its_file_and_leaves_the_feeds_alone(
    wmg_env: Path, tmp_path: Path, monkeypatch
) -> None:
    gold = gold_copy(tmp_path, monkeypatch)
    (gold / "models" / "broken.sql").write_text("select {{ ref('no_such_model') }}\n")
    with pytest.raises(GoldProjectError, match="broken"):
        prepared_gold_project(load_settings())
    ingestor = Ingestor(load_settings())
    assert ingestor.ingest([SAMPLE_DIR / "orders_2026_11_01.csv"])[0].ok
    with pytest.raises(GoldProjectError, match="no_such_model"):
        ingestor.refresh_gold()


def test_the_profile_follows_the_warehouse_url_without_its_password() -> None:
    pg = warehouse_profile("postgresql://etl:s3cr%40t@db.example:6543/analytics?sslmode=require")
    assert pg.output["type"] == "postgres" and pg.password == "s3cr@t"
    assert (pg.output["host"], pg.output["port"], pg.output["dbname"]) == (
        "db.example", 6543, "analytics")  # fmt: skip
    assert pg.output["sslmode"] == "require" and PASSWORD_ENV in pg.output["password"]
    assert "s3cr" not in yaml.safe_dump(pg.output)
    rs = warehouse_profile("redshift://etl:pw@cluster.example/dev")
    assert (rs.output["type"], rs.output["port"]) == ("redshift", 5439)
    local = warehouse_profile("duckdb:////tmp/home/warehouse.duckdb")
    assert local.output == {"type": "duckdb", "path": "/tmp/home/warehouse.duckdb",
                            "schema": "main", "threads": 1}  # fmt: skip
    with pytest.raises(GoldProjectError, match="in-memory"):
        warehouse_profile("duckdb:///:memory:")


def test_gold_is_due_after_its_upstream_loads(wmg_env: Path) -> None:
    ingestor = Ingestor(load_settings())
    defs = load_definitions()
    first = dg.evaluate_automation_conditions(defs=defs, instance=ingestor.instance)
    assert ingestor.ingest([SAMPLE_DIR / "orders_2026_11_01.csv"])[0].ok
    after = dg.evaluate_automation_conditions(
        defs=defs, instance=ingestor.instance, cursor=first.cursor
    )
    assert after.get_num_requested(ORDERS_GOLD) == 1
    assert after.total_requested == 1  # not customers_per_country: its upstream did not load
