"""File feeds end to end through Dagster, on two platforms with the same test:

- `local`: lake folder + DuckDB warehouse (the embedded defaults);
- `aws`: S3 on a moto server + PostgreSQL server (the SQL proven on a real server).
"""

from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_DIR, use_platform
from wmg_assets.ingest import Ingestor, IngestOutcome
from wmg_resources.settings import load_settings
from wmg_resources.warehouse import connect_warehouse

EVENTS_FEED = """
name: events
file_pattern: "events*.csv"
target: {schema: analytics, table: events}
upsert_keys: [event_id, source]
order_by: seen_at
"""

HOSTILE_FEED = """
name: hostile
file_pattern: "hostile*.csv"
target: {schema: public, table: hostile}
upsert_keys: [id]
"""


@pytest.fixture(params=["local", "aws"])
def platform(request: pytest.FixtureRequest, wmg_env: Path, monkeypatch, tmp_path: Path) -> str:
    extra = {"events.yaml": EVENTS_FEED, "hostile.yaml": HOSTILE_FEED}
    return use_platform(request, monkeypatch, tmp_path, request.param, extra)


def ingest(*paths: Path, feed: str | None = None) -> list[IngestOutcome]:
    return Ingestor(load_settings()).ingest(list(paths), feed)


def rows(sql: str) -> list[tuple]:
    with connect_warehouse(load_settings().warehouse) as wh:
        return wh.query(sql)[1]


def write_csv(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def ingest_again(path: Path) -> IngestOutcome:
    """Load a file even though its content was loaded before (`wmg ingest --reload`)."""
    [outcome] = Ingestor(load_settings(), reload=True).ingest([path])
    return outcome


def test_second_file_updates_and_inserts_and_reload_changes_nothing(platform: str) -> None:
    first, second = SAMPLE_DIR / "customers_2026_11_01.csv", SAMPLE_DIR / "customers_2026_11_02.csv"
    [a] = ingest(first)
    assert a.ok, a.error
    assert (a.counts["rows_read"], a.counts["rows_inserted"], a.counts["rows_updated"]) == (
        20,
        20,
        0,
    )
    # Each step's wall time is in the run metadata.
    # (the sample customers feed has rules: they take a step of their own)
    assert set(a.seconds) == {"parse", "cast", "rules", "publish", "commit", "load", "plan",
                              "dedupe", "merge"}  # fmt: skip
    assert all(s >= 0 for s in a.seconds.values()) and a.seconds["parse"] > 0
    before = dict(rows("SELECT customer_id, country FROM public.customers"))

    [b] = ingest(second)
    assert b.ok, b.error
    # 10 lines: key 1011 twice (one dropped), 5 existing keys changed, 4 new keys.
    assert b.counts == {
        "rows_read": 10,
        "rows_deduplicated": 1,
        "rows_unchanged": 0,
        "rows_stale": 0,
        "rows_updated": 5,
        "rows_inserted": 4,
        "dagster/row_count": 24,
    }
    after = dict(rows("SELECT customer_id, country FROM public.customers"))
    assert len(after) == 24
    assert {k for k in after if k not in before} == {1021, 1022, 1023, 1024}
    assert {k for k in before if before[k] != after[k]} <= {1002, 1005, 1009, 1014, 1011}
    assert after[1002] == "NL" and after[1014] == "NL"
    assert {k: after[k] for k in before if k not in (1002, 1005, 1009, 1014, 1011)} == {
        k: before[k] for k in before if k not in (1002, 1005, 1009, 1014, 1011)
    }

    snapshot = rows("SELECT * FROM public.customers ORDER BY customer_id")
    c = ingest_again(second)
    assert c.ok, c.error
    assert (c.counts["rows_updated"], c.counts["rows_inserted"], c.counts["rows_unchanged"]) == (
        0,
        0,
        9,
    )
    assert rows("SELECT * FROM public.customers ORDER BY customer_id") == snapshot


def test_duplicate_keys_keep_one_row_chosen_by_order_by_then_later_line(
    platform: str, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path,
        "events_1.csv",
        (
            "Event ID,Source,Seen At,Payload\n"
            "1,web,2026-01-01 10:00:00,newest\n"  # greatest seen_at wins over later lines
            "1,web,2026-01-01 09:00:00,older\n"
            "2,web,2026-01-01 10:00:00,first\n"
            "2,web,2026-01-01 10:00:00,second\n"  # tie on seen_at: the later line wins
            "3,web,,no time\n"
            "3,web,2026-01-01 08:00:00,timed\n"  # a NULL seen_at loses to any value
            "1,app,2026-01-01 07:00:00,other source\n"  # composite key: a different row
        ),
    )
    [o] = ingest(path)
    assert o.ok, o.error
    assert o.counts["rows_read"] == 7 and o.counts["rows_deduplicated"] == 3
    assert sorted(rows("SELECT event_id, source, payload FROM analytics.events")) == [
        (1, "app", "other source"),
        (1, "web", "newest"),
        (2, "web", "second"),
        (3, "web", "timed"),
    ]


def test_decimal_reads_back_exactly(platform: str) -> None:
    [o] = ingest(SAMPLE_DIR / "customers_2026_11_01.csv")
    assert o.ok, o.error
    [(value,)] = rows("SELECT credit_limit FROM public.customers WHERE customer_id = 1007")
    assert isinstance(value, Decimal)
    assert value == Decimal("545803900.123456789")


def test_hostile_header_is_loaded_as_a_cleaned_column_and_drops_nothing(
    platform: str, tmp_path: Path
) -> None:
    with connect_warehouse(load_settings().warehouse) as wh:
        wh.execute("CREATE TABLE x (keep INTEGER)")
        wh.execute("INSERT INTO x VALUES (1)")
    path = write_csv(
        tmp_path,
        "hostile_1.csv",
        ('id,"a""; drop table x; --",select,"from"\n1,\'); drop table x; --,2,3\n'),
    )
    [o] = ingest(path)
    assert o.ok, o.error
    assert rows('SELECT id, a_drop_table_x, "select", "from" FROM public.hostile') == [
        (1, "'); drop table x; --", 2, 3)
    ]
    assert rows("SELECT keep FROM x") == [(1,)]


def test_bad_file_fails_naming_it_and_leaves_the_target_unchanged(
    platform: str, tmp_path: Path
) -> None:
    [ok] = ingest(SAMPLE_DIR / "customers_2026_11_01.csv")
    assert ok.ok, ok.error
    before = rows("SELECT * FROM public.customers ORDER BY customer_id")
    bad = write_csv(
        tmp_path,
        "customers_bad.csv",
        (
            (SAMPLE_DIR / "customers_2026_11_02.csv").read_text().splitlines()[0] + "\n"
            "1001,Anna,Nowak,a@example.com,DE,1.00,2024-02-27,2026-11-03 08:16:00,false\n"
            "1002,Ben,Silva,b@example.com,IT,2.00,2024-01-03,2026-11-03 06:36:00,true,EXTRA\n"
        ),
    )
    [o] = ingest(bad)
    assert not o.ok
    assert o.error is not None and "customers_bad.csv" in o.error
    assert o.error.startswith("customers_bad.csv, line 3: expected 9 fields, found 10")
    assert rows("SELECT * FROM public.customers ORDER BY customer_id") == before


def test_file_matching_no_feed_is_an_error(platform: str, tmp_path: Path) -> None:
    [o] = ingest(write_csv(tmp_path, "stray.csv", "a\n1\n"))
    assert not o.ok and o.error is not None
    assert o.error.startswith("stray.csv: no feed's file_pattern matches it")


def _load_customers(home: Path, engine: str, monkeypatch) -> list[tuple]:
    monkeypatch.setenv("WMG_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.setenv("WMG_ENGINE", engine)
    outcomes = ingest(
        SAMPLE_DIR / "customers_2026_11_01.csv", SAMPLE_DIR / "customers_2026_11_02.csv"
    )
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    columns = (
        "customer_id, first_name, e_mail, country, credit_limit, signup_date, updated_at, "
        "is_active, file_name"
    )
    return rows(f"SELECT {columns} FROM public.customers ORDER BY customer_id")


def test_spark_engine_loads_the_same_table_as_duckdb(
    wmg_env: Path, tmp_path: Path, monkeypatch, spark_engine
) -> None:
    spark_engine.connect()  # the shared local session, which the feed's resource reuses
    on_duckdb = _load_customers(tmp_path / "duckdb", "duckdb", monkeypatch)
    on_spark = _load_customers(tmp_path / "spark", "spark", monkeypatch)
    assert len(on_duckdb) == 24
    assert on_spark == on_duckdb
