"""The checksum-bisection reconciliation against a plain full comparison, on PostgreSQL and
from DuckDB to PostgreSQL: exactly the injected differences — missing, extra, changed, NULL
vs empty string, a decimal's last digit, a timestamp by 1 µs — and `matched` on equal
tables; integer, text and composite keys."""

from collections.abc import Iterator

import psycopg
import pytest

from wmg_assets.migration.data.reconcile import Side, reconcile_tables
from wmg_resources.databases import connect_database

pytestmark = pytest.mark.postgres
ROWS = 5000

DDL = ("CREATE TABLE {t} (id BIGINT, code VARCHAR(20), part INT, name VARCHAR(50), "
       "amount DECIMAL(12,4), \"at\" TIMESTAMP, flag BOOLEAN)")  # fmt: skip


SOURCE_ROWS = (
    "INSERT INTO {t} SELECT i, 'c' || lpad(CAST(i AS VARCHAR), 6, '0'), i % 7, "
    "CASE WHEN i % 11 = 0 THEN NULL ELSE 'name ' || CAST(i AS VARCHAR) END, "
    "CAST(i AS DECIMAL(12,4)) / 8, TIMESTAMP '2026-01-01' + i * INTERVAL '1 second', "
    f"i % 2 = 0 FROM generate_series(1, {ROWS}) AS g(i)"
)
CHANGES = [  # 3 missing, 3 extra, and one change of each kind
    "DELETE FROM r.target WHERE id IN (5, 2500, 4999)",
    f"INSERT INTO r.target SELECT {ROWS} + k, 'x' || CAST(k AS VARCHAR), 0, 'extra', 1, "
    "TIMESTAMP '2026-06-01', true FROM generate_series(1, 3) AS g(k)",
    "UPDATE r.target SET name = 'changed name' WHERE id = 100",
    "UPDATE r.target SET name = '' WHERE id = 1100",  # was NULL: NULL vs empty string
    "UPDATE r.target SET amount = amount + 0.0001 WHERE id = 2000",  # its last digit
    'UPDATE r.target SET "at" = "at" + INTERVAL \'1 microsecond\' WHERE id = 3000',
]


@pytest.fixture(scope="module")
def dbs(postgres_server: str) -> Iterator[dict]:
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(b"DROP DATABASE IF EXISTS recon WITH (FORCE)")
        conn.execute(b"CREATE DATABASE recon")
    pg = connect_database(postgres_server.rsplit("/", 1)[0] + "/recon")
    duck = connect_database("duckdb:///:memory:")
    for db in (pg, duck):
        db.execute("CREATE SCHEMA IF NOT EXISTS r")
        for table in ("r.source", "r.target", "r.same"):
            db.execute(DDL.format(t=table))
            db.execute(SOURCE_ROWS.format(t=table))
        for change in CHANGES:
            db.execute(change)
    yield {"postgres": pg, "duckdb": duck}
    pg.close()


def _full_comparison(a, b, keys: list[str]) -> dict:
    """The plain comparison the reconciliation must agree with: both tables pulled."""

    def pull(db, table):
        names, rows = db.query(f"SELECT * FROM {table}")
        at = [names.index(k) for k in keys]
        return {tuple(r[i] for i in at): dict(zip(names, r, strict=True)) for r in rows}

    x, y = pull(*a), pull(*b)
    changed = {k: sorted(c for c in x[k] if x[k][c] != y[k][c]) for k in x.keys() & y.keys()
               if x[k] != y[k]}  # fmt: skip
    return {"gone": set(x) - set(y), "extra": set(y) - set(x), "changed": changed}


@pytest.mark.parametrize(("source", "target"), [("postgres", "postgres"), ("duckdb", "postgres")])
@pytest.mark.parametrize("keys", [["id"], ["code"], ["part", "id"]])
def test_exactly_the_injected_differences(dbs: dict, source: str, target: str,
                                          keys: list[str]) -> None:  # fmt: skip
    a, b = (dbs[source], "r.source"), (dbs[target], "r.target")
    result = reconcile_tables(Side(*a), Side(*b), keys, leaf_rows=200, shown=1000)
    truth = _full_comparison(a, b, keys)
    assert {k for k in result.missing_in_target} == truth["gone"]
    assert {k for k in result.missing_in_source} == truth["extra"]
    assert {k: sorted(c) for k, c in result.changed} == truth["changed"]
    assert len(truth["gone"]) == len(truth["extra"]) == 3 and len(truth["changed"]) == 4
    assert result.counts == {"missing_in_target": 3, "missing_in_source": 3, "changed": 4}
    assert (result.source_rows, result.target_rows) == (ROWS, ROWS)
    assert not result.matched
    assert result.rows_read < ROWS  # only the differing segments were read


@pytest.mark.parametrize("keys", [["id"], ["code"], ["part", "id"]])
def test_equal_tables_are_matched(dbs: dict, keys: list[str]) -> None:
    result = reconcile_tables(Side(dbs["postgres"], "r.source"), Side(dbs["duckdb"], "r.same"),
                              keys)  # fmt: skip
    assert result.matched and result.rows_read == 0
    assert result.counts == {"missing_in_target": 0, "missing_in_source": 0, "changed": 0}


def test_wmg_data_reconcile_prints_each_differing_key(dbs: dict, postgres_server: str) -> None:
    import json

    from typer.testing import CliRunner

    from wmg_assets.cli import app

    url = postgres_server.rsplit("/", 1)[0] + "/recon"
    runner = CliRunner()
    differs = runner.invoke(app, ["data", "reconcile", url, "r.source", url, "r.target",
                                  "--key", "id"], env={"COLUMNS": "200"})  # fmt: skip
    assert differs.exit_code == 1, differs.output
    assert "missing in target: 2500" in differs.output
    assert "missing in source: 5003" in differs.output
    assert "changed: 3000 (at)" in differs.output
    as_json = runner.invoke(app, ["data", "reconcile", url, "r.source", url, "r.target",
                                  "--key", "part", "--key", "id", "--json"])  # fmt: skip
    payload = json.loads(as_json.output)
    assert payload["counts"] == {"missing_in_target": 3, "missing_in_source": 3, "changed": 4}
    same = runner.invoke(
        app, ["data", "reconcile", url, "r.source", url, "r.same", "--key", "code"]
    )
    assert same.exit_code == 0 and "matched" in same.output
    bad = runner.invoke(app, ["data", "reconcile", url, "r.source", url, "r.nope", "--key", "id"])
    assert bad.exit_code == 2 and "cannot reconcile r.source with r.nope" in bad.output


def test_columns_of_other_types_compare_by_their_text(dbs: dict) -> None:
    """PostgreSQL on both sides but `name` a TEXT in the target: rows are hashed as text
    (not as records, whose hashes would differ for equal values)."""
    pg = dbs["postgres"]
    pg.execute("DROP TABLE IF EXISTS r.retyped")
    pg.execute("CREATE TABLE r.retyped AS SELECT * FROM r.source")
    pg.execute("ALTER TABLE r.retyped ALTER COLUMN name TYPE TEXT")
    pg.execute("UPDATE r.retyped SET name = 'other' WHERE id = 42")
    result = reconcile_tables(Side(pg, "r.source"), Side(pg, "r.retyped"), ["id"], leaf_rows=200)
    assert result.counts == {"missing_in_target": 0, "missing_in_source": 0, "changed": 1}
    assert result.changed == [((42,), ["name"])]
    assert result.rows_read < 1000  # one segment read, not the table
