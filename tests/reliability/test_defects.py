"""One test per defect found by trying to break the feeds (issue 12), each on the embedded
defaults and on PostgreSQL where it applies. Each reproduces the defect as it was found."""

import gzip
import os
import signal
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest

from tests.reliability.harness import BIN, FEED_T, Platform, read_only
from tests.sensor_daemon import Daemon
from wmg_assets.definitions import load_definitions_from
from wmg_assets.feeds.assets import PROCESS_TAG
from wmg_assets.feeds.config import FeedConfigError, load_feed, load_feeds
from wmg_assets.ingest import dagster_instance
from wmg_assets.transforms.names import clean_column_names, shorten_name
from wmg_assets.transforms.raw_csv import BLOCK_SIZE
from wmg_resources.settings import load_settings

ORDERED_FEED = FEED_T + "order_by: updated_at\n"


# 1. A new file equal to an older one is new data.
def test_a_new_name_with_an_older_files_bytes_loads(platform: Platform) -> None:
    day1 = "id,v\n1,A\n"
    assert platform.ingest_one("t_day1.csv", day1).ok
    assert platform.ingest_one("t_day2.csv", "id,v\n1,B\n").ok
    day3 = platform.ingest_one("t_day3.csv", day1)
    assert day3.ok and day3.already_loaded_in is None, day3
    assert platform.table() == [(1, "A")]
    # The same object again (same name, same bytes) is the no-op.
    again = platform.ingest_one("t_day3.csv", day1)
    assert again.already_loaded_in == day3.run_id
    assert platform.ledger("t_day3.csv") == ["SUCCESS", "DUPLICATE"]


def test_skip_repeated_content_compares_with_the_latest_load_only(platform: Platform) -> None:
    platform.feed(FEED_T + "skip_repeated_content: true\n")
    day1 = "id,v\n1,A\n"
    platform.ingest_one("t_day1.csv", day1)
    platform.ingest_one("t_day2.csv", "id,v\n1,B\n")
    day3 = platform.ingest_one("t_day3.csv", day1)  # an older load's bytes: loads
    assert day3.already_loaded_in is None and platform.table() == [(1, "A")]
    day4 = platform.ingest_one("t_day4.csv", day1)  # the latest load's bytes: skipped
    assert day4.already_loaded_in == day3.run_id
    assert platform.table() == [(1, "A")]


# 2. Columns a file lacks keep their values in updated rows.
def test_a_file_missing_a_column_keeps_the_stored_values(platform: Platform) -> None:
    assert platform.ingest_one("t1.csv", "id,name,v,flag\n1,a,10,true\n").ok
    second = platform.ingest_one("t2.csv", "id,name\n1,z\n2,y\n")
    assert second.ok, second.error
    assert platform.table() == [(1, "z", 10, True), (2, "y", 0, False)]
    assert (second.counts["rows_updated"], second.counts["rows_inserted"]) == (1, 1)


# 3. With order_by, an older version arriving later is stale.
def test_an_older_version_arriving_later_does_not_overwrite(platform: Platform) -> None:
    platform.feed(ORDERED_FEED)
    platform.ingest_one("t1.csv", "id,v,updated_at\n1,new,2026-11-02 10:00:00\n2,x,\n")
    late = platform.ingest_one(
        "t2.csv", "id,v,updated_at\n1,old,2026-11-01 10:00:00\n2,y,2026-11-01 00:00:00\n"
    )
    assert late.ok, late.error
    assert late.counts["rows_stale"] == 1 and late.counts["rows_updated"] == 1
    assert [r[:2] for r in platform.table()] == [(1, "new"), (2, "y")]  # NULL never wins
    tie = platform.ingest_one("t3.csv", "id,v,updated_at\n1,tie,2026-11-02 10:00:00\n")
    assert tie.counts["rows_stale"] == 0 and platform.table()[0][1] == "tie"  # later file


# 4. A run whose process was killed is marked failed and its file requested again.
def test_a_killed_ingest_is_detected_and_its_file_requested_again(platform: Platform) -> None:
    platform.feed(FEED_T + 'schedule: "*/15 * * * *"\n')
    rows = "".join(f"{i},{'x' * 50}\n" for i in range(50_000))
    path = platform.write("t_big.csv", "id,v\n" + rows)
    instance = dagster_instance(load_settings())
    proc = subprocess.Popen([str(BIN / "wmg"), "ingest", str(path)], env=os.environ.copy(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        run = _wait_for_run_with(instance, PROCESS_TAG, proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED  # type: ignore[union-attr]
    daemon = Daemon(load_definitions_from(load_settings()), instance)
    [request] = daemon.sweep("t_landing_sweep")
    assert request.partition_key == "t_big.csv"
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE  # type: ignore[union-attr]
    daemon.launch([request])
    assert daemon.runs[0].success and len(platform.table()) == 50_000


def _wait_for_run_with(
    instance: dg.DagsterInstance, tag: str, proc: subprocess.Popen
) -> dg.DagsterRun:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        runs = [r for r in instance.get_runs() if tag in r.tags]
        if runs:
            return runs[0]
        time.sleep(0.05)
    raise AssertionError(f"no run tagged {tag} appeared (wmg ingest exited {proc.poll()})")


# 5. The audit and ledger rows commit in the merge's transaction.
def test_the_merge_the_audit_and_the_ledger_commit_together(platform: Platform) -> None:
    import tempfile

    from wmg_resources.resources import build_resources
    from wmg_resources.warehouse.merge import SourceColumn, upsert_parquet

    assert platform.ingest_one("t1.csv", "id,v\n1,a\n").ok
    [(status, _)] = platform.audit("t1.csv")
    assert status == "SUCCESS" and platform.ledger("t1.csv") == ["SUCCESS"]
    resources = build_resources(load_settings(), env_vars=False)
    lake, warehouse = resources["lake"], resources["warehouse"]
    keys = [o.key for o in lake.list("silver/t/data")]  # type: ignore[attr-defined]

    def fails_to_record(wh, counts, plan) -> None:
        wh.execute("CREATE TABLE public.written_by_recorder (x INT)")
        raise RuntimeError("the process died before the audit row")

    source = [SourceColumn("id", "bigint"), SourceColumn("v", "varchar"),
              SourceColumn("run_date", "timestamp"), SourceColumn("file_name", "varchar"),
              SourceColumn("_wmg_line", "bigint")]  # fmt: skip
    with warehouse.connect() as wh, tempfile.TemporaryDirectory() as scratch:  # type: ignore[attr-defined]
        wh.execute("DELETE FROM public.t")  # so the merge would insert the row again
        with pytest.raises(RuntimeError, match="audit row"):
            upsert_parquet(wh, lake, keys, Path(scratch), file_name="t1.csv", schema="public",  # type: ignore[arg-type]
                           table="t", source=source, keys=["id"], order_by=None, token="x1",
                           record=fails_to_record)  # fmt: skip
        assert wh.columns("public", "written_by_recorder") is None  # rolled back with it
        assert wh.query("SELECT count(*) FROM public.t")[1] == [(0,)]  # target unchanged


# 6. Two ingests of the same file at once: one loads, the other is a visible no-op.
def test_the_same_file_ingested_twice_at_once_loads_once(platform: Platform) -> None:
    path = platform.write("t_same.csv", "id,v\n" + "".join(f"{i},v{i}\n" for i in range(20_000)))
    procs = [subprocess.Popen([str(BIN / "wmg"), "ingest", str(path)], env=os.environ.copy(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]  # fmt: skip
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert platform.ledger("t_same.csv").count("SUCCESS") == 1
    assert platform.ledger("t_same.csv").count("DUPLICATE") == 1
    assert sum("already loaded in run" in out for out, _ in outputs) == 1
    assert len(platform.table()) == 20_000
    assert [s for s, _ in platform.audit("t_same.csv")] == ["SUCCESS"]


# 7. Names come from the header, never its position.
def test_headers_without_ascii_letters_keep_their_own_names(platform: Platform) -> None:
    assert platform.ingest_one("t1.csv", "id,日本,中国\n1,a,b\n").ok
    swapped = platform.ingest_one("t2.csv", "id,中国,日本\n2,c,d\n")
    assert swapped.ok, swapped.error
    assert platform.columns()[:3] == ["id", "日本", "中国"]
    assert platform.table() == [(1, "a", "b"), (2, "d", "c")]


def test_symbol_headers_are_named_after_their_characters() -> None:
    assert clean_column_names(["id", "%", "€", "", "Größe"], "f.csv") == [
        "id", "x25", "x20ac", "column_4", "größe"
    ]  # fmt: skip


# 8. Long headers fit the warehouse's identifier limit, deterministically.
def test_long_headers_are_shortened_deterministically_on_postgres(platform: Platform) -> None:
    long_a, long_b = "h" * 70 + "_a", "h" * 70 + "_b"  # the same first 63 bytes
    assert platform.ingest_one("t1.csv", f"id,{long_a},{long_b}\n1,x,y\n").ok
    second = platform.ingest_one("t2.csv", f"id,{long_b},{long_a}\n1,p,q\n2,r,s\n")
    assert second.ok, second.error
    columns = platform.columns()
    if platform.kind == "postgres":
        assert all(len(c.encode()) <= 63 for c in columns)
        assert columns[1:3] == [shorten_name(long_a, 63), shorten_name(long_b, 63)]
    else:
        assert columns[1:3] == [long_a, long_b]  # DuckDB has no such limit
    assert platform.table() == [(1, "q", "p"), (2, "s", "r")]


def test_shortened_names_fit_each_limit_at_a_character_boundary() -> None:
    name = "é" * 100  # 200 bytes
    for limit in (63, 127):
        short = shorten_name(name, limit)
        assert len(short.encode()) <= limit and short == shorten_name(name, limit)
        assert short.startswith("é") and short != shorten_name("é" * 99 + "e", limit)
    assert shorten_name("short", 63) == "short"


# 9. A view definition is exactly one CREATE VIEW.
@pytest.mark.parametrize(
    "definition",
    [
        "CREATE OR REPLACE VIEW {schema_name}.{view_name} AS SELECT * FROM "
        "{schema_name}.{source_table}; DROP TABLE public.canary; "
        "CREATE TABLE public.injected AS SELECT 42",
        "CREATE VIEW {schema_name}.{view_name} AS WITH d AS (DELETE FROM public.canary "
        "RETURNING *) SELECT * FROM d",
        "DROP TABLE public.canary",
        "CREATE TABLE {schema_name}.{view_name} AS SELECT 1",
    ],
)
def test_a_view_template_with_other_statements_fails_config_loading(
    tmp_path: Path, definition: str
) -> None:
    path = tmp_path / "t.yaml"
    quoted = definition.replace('"', '\\"')
    path.write_text(FEED_T + f'views:\n  - name: v_t\n    definition: "{quoted}"\n')
    with pytest.raises(FeedConfigError, match=r"t\.yaml:\d+: field views\.0\.definition"):
        load_feed(path)


# 10. The platform's own tables are reserved.
@pytest.mark.parametrize(
    ("target", "field"),
    [("{schema: wmg, table: file_ledger}", "target.schema"),
     ("{schema: public, table: _wmg_stg_abc}", "target.table"),
     ("{schema: pg_catalog, table: t}", "target.schema")],
)  # fmt: skip
def test_a_feed_may_not_target_the_platforms_tables(
    tmp_path: Path, target: str, field: str
) -> None:
    (tmp_path / "t.yaml").write_text(FEED_T.replace("{schema: public, table: t}", target))
    with pytest.raises(FeedConfigError, match=f"field {field}"):
        load_feeds(tmp_path, reserved_schemas=["wmg"])


# 11. No silent rounding.
def test_more_fraction_digits_than_the_decimal_holds_stay_text(platform: Platform) -> None:
    out = platform.ingest_one(
        "t1.csv", "id,x,y\n1,0.1234567890123456789012,1.500000000000000000000000\n2,2,-0.25\n"
    )
    assert out.ok, out.error
    assert platform.table() == [
        (1, "0.1234567890123456789012", Decimal("1.5")),
        (2, "2", Decimal("-0.25")),
    ]


# 12. User data in error lines is printed literally.
def test_markup_in_file_content_is_printed_literally(local: Platform) -> None:
    text = "[bold red]X[/bold red] :x: [link=https://example.com]l[/link]"
    path = local.write("t_markup.csv", f"id,v\n1,{text},extra\n")
    result = local.wmg("ingest", str(path))
    assert result.returncode == 1
    [line] = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert text in line and "\u274c" not in result.stderr


# 13. Valid CSVs that were refused.
def test_cr_only_line_ends_and_a_quoted_line_break_in_the_header(platform: Platform) -> None:
    cr = platform.ingest_one("t1.csv", b'id,v\r1,a\r2,"b\rc"\r3,d')
    assert cr.ok, cr.error
    assert cr.checks["reconciliation"]  # the record count agrees with the parser
    assert platform.table() == [(1, "a"), (2, "b\rc"), (3, "d")]
    quoted = platform.ingest_one("t2.csv", 'id,"first\nname"\n4,e\n')
    assert quoted.ok, quoted.error
    assert platform.columns()[:3] == ["id", "v", "first_name"]
    assert platform.table()[-1] == (4, "", "e")


# 14. Clear messages.
def test_a_missing_key_column_names_the_files_columns(platform: Platform) -> None:
    out = platform.ingest_one("t1.csv", "name,v\na,1\n")
    assert out.error == (
        "t1.csv, line 1: column(s) 'id' named in the feed config are not in the file — the "
        "feed needs: id; the file has: name, v. Is it the right feed? (wmg feeds list)"
    )


def test_a_wrong_delimiter_is_suggested(platform: Platform) -> None:
    out = platform.ingest_one("t1.csv", "id;name\n1;a\n")
    assert out.error is not None and "the file has: id_name" in out.error
    assert "is its delimiter ';' rather than ','?" in out.error
    assert platform.table() == [] and platform.where("t1.csv") == "unprocessed"
    [(status, message)] = platform.audit("t1.csv")
    assert status == "FAILED" and message is not None and message.startswith("t1.csv")


def test_a_nul_byte_sends_its_row_to_the_dlq_and_the_rest_loads(platform: Platform) -> None:
    import pyarrow.parquet as pq

    out = platform.ingest_one("t1.csv", b"id,v\n1,a\n2,b\x00c\n3,d\n")
    assert out.ok, out.error
    assert platform.table() == [(1, "a"), (3, "d")]
    [dlq] = list((platform.lake / "dlq" / "t").rglob("*.parquet"))
    [row] = pq.read_table(dlq).to_pylist()
    assert (row["id"], row["_wmg_line"]) == ("2", 3) and "NUL byte" in row["reason"]


def test_a_decimal_beyond_the_column_names_its_line(platform: Platform) -> None:
    assert platform.ingest_one("t1.csv", "id,x\n1,1.5\n").ok
    wide = "123456789012345678901.5"  # 21 integer digits: more than DECIMAL(38,18) holds
    last = BLOCK_SIZE // 10 + 2  # lines of 10 bytes or more: the wide value is past a block
    block = "".join(f"{i},{i}.25\n" for i in range(2, last))
    out = platform.ingest_one("t2.csv", f"id,x\n{block}{last},{wide}\n")
    assert out.error is not None
    assert out.error.startswith(f"t2.csv, line {last}, column 'x': ")
    assert f"the value {wide!r} is not decimal(38,18)" in out.error
    assert platform.table() == [(1, Decimal("1.5"))]
    assert platform.where("t2.csv") == "unprocessed"
    assert [s for s, _ in platform.audit("t2.csv")] == ["FAILED"]


def test_an_unwritable_home_is_one_error_line_naming_the_path(local: Platform) -> None:
    path = local.write("t1.csv", "id,v\n1,a\n")
    landing = local.lake / "data" / "in"
    with read_only(landing):
        result = local.wmg("ingest", str(path))
    assert result.returncode == 1
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: cannot write"), result.stderr
    assert str(landing) in lines[0]


def test_a_non_text_encoding_fails_config_loading(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(FEED_T + "csv: {encoding: rot13}\n")
    with pytest.raises(FeedConfigError, match=r"field csv\.encoding: .*'rot13' is not a text"):
        load_feed(path)


# 15. A lost Iceberg catalog is an error, and the table can be registered again.
def test_a_lost_catalog_fails_clearly_and_silver_register_recovers(local: Platform) -> None:
    assert local.ingest_one("t1.csv", "id,v\n1,a\n").ok
    (local.home / "iceberg" / "catalog.db").unlink()
    lost = local.ingest_one("t2.csv", "id,v\n2,b\n")
    assert lost.error is not None and "wmg silver register t" in lost.error
    assert "not in the Iceberg catalog" in lost.error
    [(status, message)] = local.audit("t2.csv")
    assert status == "FAILED" and message is not None and message.startswith("t2.csv")
    assert local.table() == [(1, "a")]
    registered = local.wmg("silver", "register", "t")
    assert registered.returncode == 0, registered.stderr
    again = local.ingest_one("t2.csv", "id,v\n2,b\n")
    assert again.ok, again.error
    from wmg_resources.resources import build_resources

    iceberg = build_resources(load_settings(), env_vars=False)["iceberg"]
    silver = iceberg.catalog().load_table("silver.t").scan().to_arrow()  # type: ignore[attr-defined]
    assert sorted(silver.column("file_name").to_pylist()) == ["t1.csv", "t2.csv"]


def test_a_table_being_created_by_another_run_is_not_a_lost_catalog(local: Platform) -> None:
    """pyiceberg writes a new table's first metadata before the catalog knows the table: a
    second run looking in that moment sees metadata without a snapshot (no data), which is
    no table yet; once a snapshot is committed, metadata the catalog lost is an error."""
    from pyiceberg.schema import Schema
    from pyiceberg.types import LongType, NestedField

    from wmg_assets.feeds.pipeline import SilverNotRegistered, load_silver_table
    from wmg_resources.lake import silver_prefix
    from wmg_resources.resources import build_resources

    resources = build_resources(load_settings(), env_vars=False)
    iceberg, lake = resources["iceberg"], resources["lake"]
    catalog = iceberg.catalog()  # type: ignore[attr-defined]
    catalog.create_namespace_if_not_exists("silver")
    location = lake.uri(silver_prefix("t"))  # type: ignore[attr-defined]
    schema = Schema(NestedField(1, "id", LongType(), required=False))
    created = catalog.create_table("silver.t", schema=schema, location=location)
    catalog.drop_table("silver.t")  # the catalog forgets it; the metadata stays in the lake
    assert load_silver_table(iceberg, "t", lake) is None  # type: ignore[arg-type]
    assert local.ingest_one("t1.csv", "id,v\n1,a\n").ok
    assert local.table() == [(1, "a")]
    catalog.drop_table("silver.t")
    with pytest.raises(SilverNotRegistered, match="wmg silver register t"):
        load_silver_table(iceberg, "t", lake)  # type: ignore[arg-type]
    assert created.metadata.current_snapshot_id is None


@pytest.mark.parametrize("codec", ["none", "gzip"])
def test_metadata_the_catalog_does_not_know_is_lost_only_with_data(
    local: Platform, codec: str
) -> None:
    """A table's real metadata, as the latest file, plain or gzip-compressed (named
    `.gz.metadata.json`, as Java writers with `write.metadata.compression-codec=gzip` write
    it; pyiceberg reads it): lost only once it names a snapshot; a latest file cut short (as
    while its writer writes) is an error, not a new table over old data."""
    import pyarrow as pa

    from wmg_assets.feeds.pipeline import SilverNotRegistered, load_silver_table
    from wmg_resources.lake import silver_prefix
    from wmg_resources.resources import build_resources

    resources = build_resources(load_settings(), env_vars=False)
    iceberg, lake = resources["iceberg"], resources["lake"]

    def publish_latest(metadata_location: str, sequence: int, cut: bool = False) -> str:
        data = lake.read_bytes(lake.key_of(metadata_location))  # type: ignore[attr-defined]
        data = gzip.compress(data) if codec == "gzip" else data
        name = f"{sequence}-{'0' * 8}.{'gz.' if codec == 'gzip' else ''}metadata.json"
        lake.put_bytes(data[: len(data) // 2] if cut else data,  # type: ignore[attr-defined]
                       f"{silver_prefix('t')}/metadata/{name}")  # fmt: skip
        return name

    catalog = iceberg.catalog()  # type: ignore[attr-defined]
    catalog.create_namespace_if_not_exists("silver")
    table = catalog.create_table(
        "silver.t", schema=pa.schema([("id", pa.int64())]), location=lake.uri(silver_prefix("t"))
    )  # type: ignore[attr-defined]
    catalog.drop_table("silver.t")
    publish_latest(table.metadata_location, 90000)
    assert load_silver_table(iceberg, "t", lake) is None  # type: ignore[arg-type]
    table = catalog.register_table("silver.t", table.metadata_location)
    table.append(pa.table({"id": [1]}))
    catalog.drop_table("silver.t")
    with pytest.raises(SilverNotRegistered, match=publish_latest(table.metadata_location, 90001)):
        load_silver_table(iceberg, "t", lake)  # type: ignore[arg-type]
    first = table.metadata.metadata_log[0].metadata_file  # no snapshot, but cut short
    with pytest.raises(SilverNotRegistered, match=publish_latest(first, 90002, cut=True)):
        load_silver_table(iceberg, "t", lake)  # type: ignore[arg-type]
