"""`dagster asset materialize` of a `migration/ddl/<source>/<schema>` asset with its two
checks, on the test PostgreSQL server: both pass when the target has the same schema, and
`ddl_matches_target` fails with the differences (and the plan) when it does not."""

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from tests.conftest import CONFIG_DIR, ROOT
from tests.migration.ddl.sample_schema import sample_schema_sql

pytestmark = pytest.mark.postgres
BIN = Path(sys.executable).parent


@pytest.fixture
def two_databases(postgres_server: str):
    names = [f"ddl_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"'.encode())
    urls = [postgres_server.rsplit("/", 1)[0] + f"/{n}" for n in names]
    for url in urls:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sample_schema_sql().encode())
    yield urls
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


def _materialize(env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(BIN / "dagster"), "asset", "materialize", "-m", "wmg_assets.definitions",
         "--select", "migration/ddl/legacy/sales"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def _latest_checks() -> dict[str, dg.AssetCheckEvaluation]:
    instance = dg.DagsterInstance.get()
    [run] = instance.get_runs(limit=1)
    events = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    found = [e.dagster_event.event_specific_data for e in events if e.dagster_event]
    return {c.check_name: c for c in found if isinstance(c, dg.AssetCheckEvaluation)}


def test_the_ddl_asset_and_its_checks(
    wmg_env: Path, two_databases: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    (config / "migration" / "ddl").mkdir(parents=True, exist_ok=True)
    (config / "migration" / "ddl" / "legacy.yaml").write_text(
        "name: legacy\nsource: env:LEGACY_URL\nschemas: [sales]\ntarget: env:COPY_URL\n"
    )
    monkeypatch.setenv("WMG_CONFIG_DIR", str(config))
    source, copy = two_databases
    env = {**os.environ, "LEGACY_URL": source, "COPY_URL": copy}
    _materialize(env)

    lake = wmg_env / "lake" / "migration" / "ddl" / "legacy" / "sales"
    assert (lake / "sales" / "tables.sql").read_text().count("-- DDL for sales.") == 21
    assert (lake / "ref" / "tables.sql").is_file() and (lake / "extracted_ddl.zip").is_file()
    instance = dg.DagsterInstance.get()
    key = dg.AssetKey(["migration", "ddl", "legacy", "sales"])
    materialization = instance.get_latest_materialization_event(key)
    assert materialization is not None and materialization.asset_materialization is not None
    metadata = materialization.asset_materialization.metadata
    assert (metadata["tables"].value, metadata["views"].value) == (22, 11)
    checks = _latest_checks()
    assert checks["ddl_valid_on_target"].passed, checks["ddl_valid_on_target"].description
    assert checks["ddl_matches_target"].passed, checks["ddl_matches_target"].description

    with psycopg.connect(copy, autocommit=True) as conn:
        conn.execute(b"ALTER TABLE sales.orders DROP COLUMN note")
    _materialize(env)
    failed = _latest_checks()["ddl_matches_target"]
    assert not failed.passed and failed.description == "1 difference(s) with sales"
    [row] = failed.metadata["differences"].value.records  # type: ignore[union-attr]
    assert row.data == {"object": "orders", "item": "note", "description": "Missing in PostgreSQL"}
    assert 'ADD COLUMN "note" VARCHAR(500)' in str(failed.metadata["plan"].value)
    assert _latest_checks()["ddl_valid_on_target"].passed  # valid DDL, but not what is there
