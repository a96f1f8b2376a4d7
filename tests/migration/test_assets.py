"""`dagster asset materialize` of `migration/sql/<codebase>` assets (from the sample config's
`migration/sql/sales_etl.yaml`, and one more code base whose DDL does not run), with the DDL
check on the test PostgreSQL server."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import CONFIG_DIR, ROOT

BIN = Path(sys.executable).parent
BROKEN = {
    "views.sql": "CREATE TABLE stage.t (a INTEGER);\n"
    "CREATE VIEW stage.v AS SELECT a FROM stage.t;\n"
    "CREATE VIEW stage.w AS SELECT b FROM stage.t;\n",
}


@pytest.fixture
def config(wmg_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    codebases = folder / "migration" / "sql"
    (codebases / "broken").mkdir()
    for name, text in BROKEN.items():
        (codebases / "broken" / name).write_text(text)
    (codebases / "broken.yaml").write_text("name: broken\nsource: broken\ntargets: [redshift]\n")
    monkeypatch.setenv("WMG_CONFIG_DIR", str(folder))
    return folder


def _events(of_type: dg.DagsterEventType) -> list:
    instance = dg.DagsterInstance.get()
    [run] = instance.get_runs(limit=1)
    return [e.dagster_event for e in instance.all_logs(run.run_id, of_type=of_type)]


def test_materialize_writes_the_tree_and_reports_and_checks_the_ddl(
    config: Path, wmg_env: Path, postgres_url: str
) -> None:
    env = {**os.environ, "WMG_WAREHOUSE_URL": postgres_url}
    result = subprocess.run(
        [str(BIN / "dagster"), "asset", "materialize", "-m", "wmg_assets.definitions",
         "--select", "migration/sql/sales_etl,migration/sql/broken"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    lake = wmg_env / "lake" / "migration" / "sql" / "sales_etl"
    for target in ("redshift", "spark"):
        assert (lake / target / "tables.sql").is_file()
        assert (lake / target / "daily" / "load_daily_totals.bteq").is_file()
        assert {"report.md", "report.xlsx", "report.json"} <= {
            p.name for p in (lake / target).iterdir()
        }
    redshift_tables = (lake / "redshift" / "tables.sql").read_text()
    assert "SORTKEY(order_date)" in redshift_tables and "MULTISET" not in redshift_tables
    assert "etl_user" not in (lake / "redshift" / "daily" / "load_daily_totals.bteq").read_text()

    [materialization] = [
        e.event_specific_data.materialization
        for e in _events(dg.DagsterEventType.ASSET_MATERIALIZATION)
        if e.asset_key == dg.AssetKey(["migration", "sql", "sales_etl"])
    ]
    metadata = materialization.metadata
    report = json.loads((lake / "redshift" / "report.json").read_text())
    assert metadata["totals"].value["redshift"] == report["totals"]
    assert metadata["dagster/row_count"].value == report["totals"]["statements"] == 8
    findings = metadata["findings"].value.records
    assert any(r.data["code"] == "TD-UNSUP-002" and "HASHROW" in r.data["message"]
               and r.data["target"] == "spark" for r in findings)  # fmt: skip

    checks = {
        e.event_specific_data.asset_key.path[-1]: e.event_specific_data
        for e in _events(dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    }
    assert checks["sales_etl"].passed, checks["sales_etl"].description
    assert checks["sales_etl"].metadata["statements"].value == 3
    assert checks["sales_etl"].metadata["warehouse"].value == "postgres"
    broken = checks["broken"]
    assert not broken.passed
    assert broken.description.startswith("1 of 3 statements do not run: views.sql line 3: ")
    assert 'column "b" does not exist' in broken.description

    # The scratch schemas are gone.
    import psycopg

    with psycopg.connect(postgres_url) as conn:
        left = conn.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'wmg_scratch%'"
        ).fetchone()
    assert left == (0,)
