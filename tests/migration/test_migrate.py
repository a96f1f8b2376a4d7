"""`wmg migrate run SPEC` between two PostgreSQL databases of the test server, and between
DuckDB and PostgreSQL both ways: five spec rows (incremental, overwrite, a filter with a
column list, an invalid row, a missing target); every copied table reconciles `matched`;
an incremental run copies only the newer rows, the boundary timestamp's rows exactly once."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.migration.conftest import rows_of
from wmg_assets.cli import app
from wmg_assets.migration.data.specs import read_specs
from wmg_resources.databases import connect_database

pytestmark = pytest.mark.postgres

SPEC_HEADER = (
    "source_name#source_table#source_connection#source_columns#source_filter#"
    "target_name#target_table#target_connection#load_type#incremental_load_column"
)


def _spec(source: str, target: str) -> str:
    rows = [
        f"events#app.events#{source}#*##events#copy.events#{target}#incremental#ts",
        f"customers#app.customers#{source}#*##customers#copy.customers#{target}#overwrite#",
        f"active#app.customers#{source}#id,name#active AND id > 100##copy.active_customers#"
        f"{target}#overwrite#",
        f"broken#app.events#{source}#*##broken#copy.broken#{target}#incremental#",
        f"missing#app.nope#{source}#*##missing#copy.nope#{target}#append#",
    ]
    return "\n".join([SPEC_HEADER, *rows]) + "\n"


def _run(spec: Path) -> tuple[int, dict, str]:
    result = CliRunner().invoke(app, ["migrate", "run", str(spec), "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.output.splitlines() if line.startswith("{")]
    return result.exit_code, json.loads(lines[-1]), result.output


@pytest.mark.parametrize(
    ("source", "target"),
    [("pg_source", "pg_target"), ("duck_source", "pg_target"), ("pg_source", "duck_target")],
)
def test_a_spec_copies_reconciles_and_reports(
    urls: dict[str, str], tmp_path: Path, source: str, target: str
) -> None:
    spec = tmp_path / "spec.csv"
    spec.write_text(_spec(urls[source], urls[target]))
    code, outcome, output = _run(spec)
    assert code == 1, output  # the invalid row and the missing table make it fail
    assert outcome["invalid"] == [
        "row 4: incremental_load_column: load_type incremental needs incremental_load_column"
    ]
    assert (outcome["succeeded"], outcome["failed"], outcome["skipped"]) == (3, 1, 1)
    by_target = {t["target"]: t for t in outcome["tables"]}
    assert by_target["copy.events"]["rows"] == 1000
    assert by_target["copy.customers"]["rows"] == 300
    assert by_target["copy.active_customers"]["rows"] == 100
    assert {t["result"] for t in outcome["tables"] if t["rows"] != ""} == {"matched"}
    assert by_target["copy.nope"]["result"].startswith("failed: app.nope: no such table")
    columns = rows_of(urls[target], "SELECT * FROM copy.active_customers ORDER BY id LIMIT 1")
    assert columns == [(102, "c102")]  # the column list and the filter
    empty_vs_null = rows_of(
        urls[target],
        "SELECT count(*) FILTER (WHERE note IS NULL), "
        "count(*) FILTER (WHERE note = '') FROM copy.events",
    )
    assert empty_vs_null == [(200, 114)]

    # New rows at the boundary timestamp and after it: only they are copied, once each.
    add = connect_database(urls[source])
    add.execute(
        "INSERT INTO app.events SELECT i, TIMESTAMP '2026-01-05 04:00:00', 'late', 'b' "
        "FROM generate_series(1001, 1005) AS g(i)"
    )  # the watermark's own hour
    add.execute(
        "INSERT INTO app.events SELECT i, TIMESTAMP '2026-02-01', 'new', 'n' "
        "FROM generate_series(1006, 1010) AS g(i)"
    )
    add.close()
    only_events = tmp_path / "events.csv"
    only_events.write_text("\n".join(_spec(urls[source], urls[target]).splitlines()[:2]) + "\n")
    code, outcome, output = _run(only_events)
    assert code == 0, output
    [events] = outcome["tables"]
    assert events["result"] == "matched"
    assert events["rows"] == 1 + 5 + 5  # the old boundary row again, and the 10 new ones
    assert rows_of(urls[target], "SELECT count(*), count(DISTINCT id) FROM copy.events") == [
        (1010, 1010)
    ]


def test_a_yaml_spec_and_its_invalid_rows(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "tables:\n"
        "  - {source_table: a.t, source_connection: 'postgresql://h/d', target_table: b.t,\n"
        "     target_connection: 'secret:dw', load_type: append, key_columns: 'id, day'}\n"
        "  - {source_table: a.u, source_connection: 'mysql://h/d', target_table: b.u,\n"
        "     target_connection: 'env:DW_URL'}\n"
        "  - {source_table: a.v, source_connection: 'env:SRC', target_table: b.v,\n"
        "     target_connection: 'env:DW_URL', load_type: upsert}\n"
    )
    specs, invalid = read_specs(spec)
    assert [(s.source_table, s.load_type, s.key_columns) for s in specs] == [
        ("a.t", "append", ["id", "day"])
    ]
    assert [(i.row, i.field) for i in invalid] == [(2, "source_connection"), (3, "load_type")]


def test_the_data_asset_and_its_blocking_reconciled_check(urls: dict[str, str],
                                                          tmp_path: Path) -> None:  # fmt: skip
    import dagster as dg

    from wmg_assets.migration.data.specs import load_data_specs
    from wmg_assets.migration.data_assets import build_data_asset
    from wmg_resources.warehouse import WarehouseResource

    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "legacy.yaml").write_text(
        "name: legacy\ntables:\n"
        f"  - {{source_table: app.customers, source_connection: '{urls['pg_source']}',\n"
        f"     target_table: copy.customers, target_connection: '{urls['pg_target']}'}}\n"
    )
    [(name, spec)] = load_data_specs(folder)
    asset = build_data_asset(name, spec)
    resources = {"warehouse": WarehouseResource(url=urls["pg_target"])}
    result = dg.materialize([asset], resources=resources)
    assert result.success
    [check] = result.get_asset_check_evaluations()
    assert check.passed and check.check_name == "reconciled"
    [materialization] = result.get_asset_materialization_events()
    metadata = materialization.materialization.metadata
    assert metadata["rows_copied"].value == 300 and metadata["load_type"].value == "overwrite"

    # A target that alters what it is given (a trigger) fails the check with the keys.
    target = connect_database(urls["pg_target"])
    target.execute("CREATE FUNCTION copy.shout() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   "IF NEW.id % 100 = 0 THEN NEW.name := upper(NEW.name); END IF; RETURN NEW; "
                   "END $$")  # fmt: skip
    target.execute("CREATE TRIGGER shout BEFORE INSERT ON copy.customers FOR EACH ROW "
                   "EXECUTE FUNCTION copy.shout()")  # fmt: skip
    failed = dg.materialize([asset], resources=resources, raise_on_error=False)
    [check] = failed.get_asset_check_evaluations()
    assert not check.passed and check.description == (
        "differ: {'changed': 3, 'missing_in_target': 0, 'missing_in_source': 0}"
    )
    records = check.metadata["differences"].value.records  # type: ignore[union-attr]
    assert [(r.data["key"], r.data["columns"]) for r in records] == [
        ("(100,)", "name"), ("(200,)", "name"), ("(300,)", "name")
    ]  # fmt: skip
    audit = target.query(
        "SELECT status, records_inserted FROM wmg.job_sts "
        "WHERE job_id = 'migration/data/legacy' ORDER BY run_start_ts"
    )[1]
    assert audit == [("SUCCESS", 300), ("SUCCESS", 300)]
    target.close()


def test_a_killed_overwrite_leaves_the_target_as_it_was(urls: dict[str, str],
                                                        tmp_path: Path) -> None:  # fmt: skip
    import os
    import signal
    import subprocess
    import sys
    import time

    source, target = connect_database(urls["pg_source"]), connect_database(urls["pg_target"])
    source.execute("CREATE TABLE app.big (id BIGINT PRIMARY KEY, payload TEXT)")
    source.execute("INSERT INTO app.big SELECT i, repeat(md5(i::text), 4) "
                   "FROM generate_series(1, 200000) AS g(i)")  # fmt: skip
    target.execute("CREATE SCHEMA copy")
    target.execute("CREATE TABLE copy.big (id BIGINT PRIMARY KEY, payload TEXT)")
    target.execute("INSERT INTO copy.big VALUES (1, 'old'), (2, 'old')")
    spec = tmp_path / "big.csv"
    header = "source_table#source_connection#target_table#target_connection#load_type\n"
    spec.write_text(
        header + f"app.big#{urls['pg_source']}#copy.big#{urls['pg_target']}#overwrite\n"
    )
    wmg = str(Path(sys.executable).parent / "wmg")
    proc = subprocess.Popen([wmg, "migrate", "run", str(spec)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:  # the COPY into the target runs
        active = target.query("SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
                              "'COPY \"copy\".\"big\"%' AND state = 'active'")[1][0][0]  # fmt: skip
        if active:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the copy ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(0.5)  # the server notices the dropped connection and rolls back
    assert target.query("SELECT id, payload FROM copy.big ORDER BY id")[1] == [
        (1, "old"), (2, "old")
    ]  # fmt: skip
    code, outcome, output = _run(spec)
    assert code == 0, output
    [table] = outcome["tables"]
    assert (table["rows"], table["result"]) == (200000, "matched")
    source.close()
    target.close()


@pytest.mark.moto
def test_secret_connections_from_secrets_manager(
    urls: dict[str, str], tmp_path: Path, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`secret:<name>` in a spec: host, port, user, password and dbname from a Secrets
    Manager secret (the moto server), never written in the spec."""
    from urllib.parse import urlsplit

    import boto3

    monkeypatch.setenv("WMG_AWS_ENDPOINT_URL", moto_endpoint)
    client = boto3.client("secretsmanager", endpoint_url=moto_endpoint, region_name="us-east-1")
    for name, url in (("legacy-pg", urls["pg_source"]), ("dw-pg", urls["pg_target"])):
        parts = urlsplit(url)
        client.create_secret(Name=name, SecretString=json.dumps({
            "engine": "postgres", "host": parts.hostname, "port": parts.port,
            "username": parts.username, "password": "unused-by-trust-auth",
            "dbname": parts.path.strip("/"),
        }))  # fmt: skip
    spec = tmp_path / "secret.csv"
    spec.write_text(SPEC_HEADER + "\ncustomers#app.customers#secret:legacy-pg#*##customers#"
                    "copy.customers#secret:dw-pg#overwrite#\n")  # fmt: skip
    code, outcome, output = _run(spec)
    assert code == 0, output
    [table] = outcome["tables"]
    assert (table["rows"], table["result"]) == (300, "matched")
    assert "unused-by-trust-auth" not in output
