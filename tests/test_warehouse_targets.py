"""Warehouse targets through the real asset path, on DuckDB and on PostgreSQL: schema
evolution, defaults, bad input (error or DLQ, never half-written), failure atomicity,
`wmg plan`, the audit table and the file lifecycle."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import use_platform
from wmg_assets.feeds.config import feed_for_file, load_feeds
from wmg_assets.feeds.pipeline import plan_file
from wmg_assets.ingest import Ingestor, IngestOutcome
from wmg_resources.lake import LakeResource
from wmg_resources.resources import build_resources
from wmg_resources.settings import load_settings
from wmg_resources.warehouse import connect_warehouse

ACCOUNTS_FEED = """
name: accounts
file_pattern: "accounts*.csv"
target: {schema: sales, table: accounts}
upsert_keys: [id]
order_by: updated_at
views:
  - name: v_accounts
    definition: >-
      CREATE VIEW {schema_name}.{view_name} AS SELECT * FROM {schema_name}.{source_table}
"""
HEADER = "Id,Name,Qty,Amount,Note,Flag,Day,Updated At\n"
FIRST = HEADER + (
    "1,Anna,10,1.50,first,true,2026-01-01,2026-11-01 10:00:00\n"
    "2,Ben,20,2.25,second,false,2026-01-02,2026-11-01 10:00:00\n"
    "3,Chloé,30,3.00,third,true,2026-01-03,2026-11-01 10:00:00\n"
)
LONG_NAME = "Zoë " + "ü" * 150 + " 🎉"  # 307 UTF-8 bytes, 156 characters


@pytest.fixture(params=["local", "postgres"])
def platform(request: pytest.FixtureRequest, wmg_env: Path, monkeypatch, tmp_path: Path) -> str:
    return use_platform(request, monkeypatch, tmp_path, request.param,
                        {"accounts.yaml": ACCOUNTS_FEED})  # fmt: skip


def land(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def ingest(path: Path) -> IngestOutcome:
    [outcome] = Ingestor(load_settings()).ingest([path])
    return outcome


def query(sql: str) -> list[tuple]:
    with connect_warehouse(load_settings().warehouse) as wh:
        return wh.query(sql)[1]


def accounts() -> list[tuple]:
    return query("SELECT * FROM sales.accounts ORDER BY id")


def audit() -> list[tuple]:
    return query(
        "SELECT source_filename, status, records_read, records_updated, records_inserted, "
        "error_message, schema_changes FROM wmg.job_sts ORDER BY run_end_ts"
    )


def lake() -> LakeResource:
    return build_resources(load_settings(), env_vars=False)["lake"]  # type: ignore[return-value]


def read_logs(run_id: str | None) -> list[dict]:
    raw = lake().read_bytes(f"logs/{run_id}.jsonl")
    return [json.loads(line) for line in raw.split(b"\n") if line]


def column_types() -> dict[str, tuple[str, int | None]]:
    with connect_warehouse(load_settings().warehouse) as wh:
        return {c.name: (c.type, c.length) for c in wh.columns("sales", "accounts") or []}


def test_new_column_longer_multibyte_string_and_wider_integer(platform: str, tmp_path) -> None:
    assert ingest(land(tmp_path, "accounts_1.csv", FIRST)).ok
    assert column_types()["qty"][0] == "smallint"
    before = {r[0]: r for r in accounts()}
    second = (
        "Id,Name,Qty,Amount,Note,Flag,Day,Updated At,Tier\n"
        f"2,{LONG_NAME},40000,2.25,second,false,2026-01-02,2026-11-02 10:00:00,gold\n"
        "4,Dan,5,4.00,fourth,false,2026-01-04,2026-11-02 10:00:00,silver\n"
    )
    o = ingest(land(tmp_path, "accounts_2.csv", second))
    assert o.ok, o.error
    assert (o.counts["rows_updated"], o.counts["rows_inserted"]) == (1, 1)

    types = column_types()
    assert "tier" in types
    assert types["qty"][0] == "integer"
    name_length = types["name"][1]
    if platform == "postgres":  # DuckDB keeps no VARCHAR length
        assert name_length is not None and name_length >= len(LONG_NAME.encode())
    rows = {r[0]: r for r in accounts()}
    assert rows[2][1] == LONG_NAME and rows[2][2] == 40000
    assert rows[1][:8] == before[1][:8] and rows[3][:8] == before[3][:8]  # old rows kept
    assert rows[1][-1] is None and rows[4][-1] == "silver"
    assert query("SELECT count(*), max(tier) FROM sales.v_accounts") == [(4, "silver")]
    assert [a[1] for a in audit()] == ["SUCCESS", "SUCCESS"]
    assert "add_column | tier" in audit()[1][6] and "widen_integer | qty" in audit()[1][6]


def test_file_lacking_target_columns_keeps_values_and_fills_new_rows(
    platform: str, tmp_path
) -> None:
    assert ingest(land(tmp_path, "accounts_1.csv", FIRST)).ok
    o = ingest(land(tmp_path, "accounts_2.csv", (
        "Id,Name,Updated At\n"
        "1,Anna B,2026-11-02 10:00:00\n"
        "9,Ivy,2026-11-02 10:00:00\n"
    )))  # fmt: skip
    assert o.ok, o.error
    rows = {r[0]: r for r in query(
        "SELECT id, name, qty, amount, note, flag, day FROM sales.accounts"
    )}  # fmt: skip
    assert rows[9] == (9, "Ivy", 0, Decimal(0), "", False, None)  # new: the seed's fills
    # updated: what the file does not say is kept
    assert rows[1] == (1, "Anna B", 10, Decimal("1.5"), "first", True, date(2026, 1, 1))
    assert rows[2][2] == 20  # rows not in the file are untouched


def assert_failed_cleanly(outcome: IngestOutcome, expected: str, before: list[tuple]) -> None:
    assert not outcome.ok and outcome.error is not None
    assert expected in outcome.error, outcome.error
    assert accounts() == before  # the target is unchanged
    last = audit()[-1]
    assert (last[0], last[1]) == (outcome.file, "FAILED") and expected in last[5]
    now = datetime.now(UTC)
    the_lake = lake()
    assert the_lake.exists(f"data/unprocessed/{now:%Y/%m}/{outcome.file}")
    assert not the_lake.exists(f"data/in/{outcome.file}")
    assert the_lake.list("staging") == []
    log_lines = [
        json.loads(x) for x in the_lake.read_bytes(f"logs/{outcome.run_id}.jsonl").split(b"\n") if x
    ]
    assert any(e["level"] == "ERROR" and e["run_id"] == outcome.run_id
               and e["file"] == outcome.file for e in log_lines)  # fmt: skip


def test_text_in_a_numeric_column_fails_the_file_before_any_write(platform: str, tmp_path) -> None:
    assert ingest(land(tmp_path, "accounts_1.csv", FIRST)).ok
    before = accounts()
    bad = HEADER + "1,Anna,lots,1.50,x,true,2026-01-01,2026-11-02 10:00:00\n"
    o = ingest(land(tmp_path, "accounts_2.csv", bad))
    assert_failed_cleanly(o, "'qty' has string values but silver holds int64", before)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("accounts_fields.csv", HEADER + "5,Eve,1,1,n,true,2026-01-01,2026-11-02 10:00:00,X\n",
         "accounts_fields.csv, line 2: expected 8 fields, found 9"),
        ("accounts_latin1.csv",
         HEADER.encode()
         + "5,Ren\xe9e,1,1,n,true,2026-01-01,2026-11-02 10:00:00\n".encode("latin-1"),
         "accounts_latin1.csv, line 2, column 'name': not valid utf-8"),
        ("accounts_empty.csv", "", "accounts_empty.csv: the file is empty"),
        ("accounts_header.csv", HEADER, "accounts_header.csv: the file has a header but no data"),
        ("accounts_clash.csv", "Id,Name,NAME!,Updated At\n1,a,b,2026-11-02 10:00:00\n",
         "headers 'Name' and 'NAME!' both clean to the column name 'name'"),
        ("accounts_huge.csv", HEADER + "5,Eve,99999999999999999999,1,n,true,2026-01-01,"
         "2026-11-02 10:00:00\n", "'qty' has decimal(38,18) values but silver holds int64"),
    ],
)  # fmt: skip
def test_bad_input_fails_with_a_clear_error_and_writes_nothing(
    platform: str, tmp_path, name: str, content: str | bytes, expected: str
) -> None:
    assert ingest(land(tmp_path, "accounts_1.csv", FIRST)).ok
    before = accounts()
    assert_failed_cleanly(ingest(land(tmp_path, name, content)), expected, before)


def test_rows_with_an_empty_key_or_a_value_over_65535_bytes_go_to_the_dlq(
    platform: str, tmp_path
) -> None:
    huge = "x" * 65536
    content = HEADER + (
        "5,Eve,1,1,n,true,2026-01-01,2026-11-02 10:00:00\n"
        f"6,{huge},1,1,n,true,2026-01-01,2026-11-02 10:00:00\n"
        ",NoKey,1,1,n,true,2026-01-01,2026-11-02 10:00:00\n"
        "7,Gus,1,1,n,true,2026-01-01,2026-11-02 10:00:00\n"
    )
    o = ingest(land(tmp_path, "accounts_1.csv", content))
    assert o.ok, o.error
    assert [r[0] for r in accounts()] == [5, 7]
    [dlq] = lake().list("dlq/accounts")
    assert dlq.key.startswith(f"dlq/accounts/{o.run_id}/")
    with lake().fs.open_input_file(lake().path(dlq.key)) as f:
        rejected = pq.read_table(f).to_pylist()
    assert [(r["_wmg_line"], r["reason"]) for r in rejected] == [
        (3, "value of column 'name' is longer than 65535 bytes"),
        (4, "upsert key 'id' is empty"),
    ]
    assert rejected[0]["name"] == huge  # kept whole, never truncated
    assert audit()[-1][1:5] == ("SUCCESS", 2, 0, 2)


def test_failure_between_delete_and_insert_leaves_the_target_as_before(
    platform: str, tmp_path
) -> None:
    assert ingest(land(tmp_path, "accounts_1.csv", FIRST)).ok
    # Rebuild the target with a CHECK that the INSERT of id 4 violates, after the DELETE of
    # id 1 has run inside the same transaction.
    with connect_warehouse(load_settings().warehouse) as wh:
        columns = ", ".join(f'"{c.name}"' for c in wh.columns("sales", "accounts") or [])
        wh.execute("CREATE TABLE sales.keep AS SELECT * FROM sales.accounts")
        wh.execute("DROP VIEW sales.v_accounts")
        wh.execute("DROP TABLE sales.accounts")
        wh.execute(
            "CREATE TABLE sales.accounts (id SMALLINT NOT NULL CHECK (id <> 4), name VARCHAR(256), "
            "qty SMALLINT, amount DECIMAL(38,18), note VARCHAR(256), flag BOOLEAN, day DATE, "
            "updated_at TIMESTAMP, run_date TIMESTAMP, file_name VARCHAR(256))"
        )
        wh.execute(f"INSERT INTO sales.accounts ({columns}) SELECT {columns} FROM sales.keep")
    before = accounts()
    second = HEADER + (
        "1,Anna changed,11,1.50,first,true,2026-01-01,2026-11-02 10:00:00\n"
        "4,Dan,5,4.00,fourth,false,2026-01-04,2026-11-02 10:00:00\n"
    )
    path = land(tmp_path, "accounts_2.csv", second)
    failed = ingest(path)
    assert not failed.ok and (failed.error or "").startswith("accounts_2.csv: ")
    assert "check constraint" in (failed.error or "").lower()
    assert accounts() == before
    # Dagster's RetryPolicy ran the step twice (one FAILED audit row per attempt); within
    # each, tenacity tried the merge 3 times.
    assert [a[1] for a in audit() if a[0] == "accounts_2.csv"] == ["FAILED", "FAILED"]
    log_lines = read_logs(failed.run_id)
    retries = [e["msg"] for e in log_lines if "retrying" in e["msg"]]
    assert len(retries) == 4 and "attempt 2 of 3" in retries[1]

    with connect_warehouse(load_settings().warehouse) as wh:  # lift the injected fault
        wh.execute("DROP TABLE sales.accounts")
        wh.execute("CREATE TABLE sales.accounts AS SELECT * FROM sales.keep")
    retried = ingest(path)
    assert retried.ok, retried.error
    assert {r[0]: r[1] for r in accounts()}[1] == "Anna changed"
    assert lake().exists(f"data/archive/{datetime.now(UTC):%Y/%m}/accounts_2.csv")


def test_plan_shows_the_ddl_the_next_ingest_applies_and_applies_nothing(
    platform: str, tmp_path
) -> None:
    assert ingest(land(tmp_path, "accounts_1.csv", FIRST)).ok
    before_types, before_rows = column_types(), accounts()
    second = land(tmp_path, "accounts_2.csv", (
        "Id,Name,Qty,Updated At,Tier\n"
        f"2,{LONG_NAME},40000,2026-11-02 10:00:00,gold\n"
    ))  # fmt: skip
    settings = load_settings()
    feed = feed_for_file(load_feeds(settings.config_dir / "feeds"), second.name)
    resources = build_resources(settings, env_vars=False)
    used = {k: resources[k] for k in ("lake", "engine", "iceberg", "warehouse")}
    planned = plan_file(feed, second, **used)  # type: ignore[arg-type]
    ddl = [s.sql for s in planned.plan.statements(planned.dialect)]
    assert any('ADD COLUMN "tier"' in s for s in ddl)
    assert column_types() == before_types and accounts() == before_rows
    assert lake().list("staging") == []

    o = ingest(second)
    assert o.ok, o.error
    assert audit()[-1][6] == planned.plan_markdown


def test_audit_counts_equal_the_rows_really_changed(platform: str, tmp_path) -> None:
    assert ingest(land(tmp_path, "accounts_1.csv", FIRST)).ok
    before = {r[0]: r[:8] for r in accounts()}
    second = HEADER + (
        "1,Anna,10,1.50,first,true,2026-01-01,2026-11-01 10:00:00\n"  # unchanged
        "2,Ben,21,2.25,second,false,2026-01-02,2026-11-02 10:00:00\n"  # updated
        "5,Eve,50,5.00,fifth,true,2026-01-05,2026-11-02 10:00:00\n"  # inserted
        "6,Fay,60,6.00,sixth,true,2026-01-06,2026-11-02 10:00:00\n"  # inserted
    )
    assert ingest(land(tmp_path, "accounts_2.csv", second)).ok
    after = {r[0]: r[:8] for r in accounts()}
    really_updated = sum(1 for k in before if after[k] != before[k])
    really_inserted = len(set(after) - set(before))
    assert audit()[-1][1:5] == ("SUCCESS", 4, really_updated, really_inserted)
    assert (really_updated, really_inserted) == (1, 2)
    run_id = query("SELECT run_id FROM wmg.job_sts ORDER BY run_end_ts DESC")[0][0]
    lines = read_logs(run_id)
    steps = {(e["step"], e["level"]) for e in lines}
    assert {("bronze", "INFO"), ("silver", "INFO"), ("warehouse", "INFO")} <= steps
    # Correlation: every line of every step names the run, the feed and the file.
    assert {(e["run_id"], e["feed"], e["file"]) for e in lines} == {
        (run_id, "accounts", "accounts_2.csv")
    }
