from pathlib import Path

import dagster as dg

from wmg_resources.engine import EngineResource
from wmg_resources.resources import build_resources
from wmg_resources.settings import WmgSettings, load_settings
from wmg_resources.warehouse import WarehouseResource


def test_local_defaults_live_under_wmg_home(monkeypatch, tmp_path: Path) -> None:
    for name in ("WMG_LAKE_URL", "WMG_WAREHOUSE_URL", "WMG_ENGINE", "WMG_ENV", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WMG_HOME", str(tmp_path / "h"))
    s = WmgSettings()
    assert s.env.value == "local" and s.engine == "duckdb" and s.catalog_kind == "sql"
    assert s.lake == str(tmp_path / "h" / "lake")
    assert s.warehouse == f"duckdb:///{tmp_path / 'h' / 'warehouse.duckdb'}"
    assert s.catalog_url == f"sqlite:///{tmp_path / 'h' / 'iceberg' / 'catalog.db'}"
    assert s.dagster_home == tmp_path / "h" / "dagster"


def test_prod_uses_glue_catalog_and_urls_from_env(monkeypatch) -> None:
    monkeypatch.setenv("WMG_ENV", "prod")
    monkeypatch.setenv("WMG_LAKE_URL", "s3://bucket/lake")
    monkeypatch.setenv("WMG_WAREHOUSE_URL", "redshift://u:pw@host:5439/db")
    monkeypatch.setenv("WMG_ENGINE", "spark")
    s = WmgSettings()
    assert s.catalog_kind == "glue" and s.lake == "s3://bucket/lake"
    resources = build_resources(s)
    # In Definitions the URL is an EnvVar: the UI shows its name, never the password.
    assert isinstance(resources["warehouse"].url, dg.EnvVar)  # type: ignore[attr-defined]
    assert resources["engine"].kind == "spark"  # type: ignore[attr-defined]
    plain = build_resources(s, env_vars=False)
    assert plain["warehouse"].url == "redshift://u:pw@host:5439/db"  # type: ignore[attr-defined]


def test_duckdb_memory_cap_reaches_engine_and_warehouse(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WMG_HOME", str(tmp_path))
    monkeypatch.setenv("WMG_DUCKDB_MEMORY_LIMIT", "300MB")
    resources = build_resources(load_settings(), env_vars=False)
    engine, warehouse = resources["engine"], resources["warehouse"]
    assert isinstance(engine, EngineResource) and isinstance(warehouse, WarehouseResource)
    with engine.session() as con:
        [(engine_cap,)] = con.raw_sql(  # type: ignore[attr-defined]
            "SELECT current_setting('memory_limit')"
        ).fetchall()
    with warehouse.connect() as wh:
        warehouse_cap = wh.scalar("SELECT current_setting('memory_limit')")
    assert engine_cap == warehouse_cap == "286.1 MiB"  # 300 MB
