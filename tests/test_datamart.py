"""The CDC datamart against real sources (a DuckDB file, a PostgreSQL server): incremental
runs equal full loads (a hypothesis property test over random rounds of changes), the
watermark filter runs in the source, and the edges — no watermark, an empty increment, a
missing table — behave."""

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import ibis
import psycopg
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CONFIG_DIR
from wmg_assets.datamart import load as load_module
from wmg_assets.datamart.config import DatamartConfig, load_datamarts
from wmg_assets.datamart.load import DatamartSourceError, run_datamart
from wmg_assets.datamart.sample import create_sample_source, table_name
from wmg_assets.datamart.watermark import read_watermark, watermark_key
from wmg_resources.iceberg import IcebergResource
from wmg_resources.iceberg_row_changes import FILE_PATH_FIELD_ID, live_files, referenced_path
from wmg_resources.lake import LakeResource

ACCOUNT, RISK = table_name("account"), table_name("account_risk")


def sample_config(lag_seconds: float) -> DatamartConfig:
    [config] = load_datamarts(CONFIG_DIR / "datamart")
    return config.model_copy(update={"lag_seconds": lag_seconds})


class Target:
    """A lake (a folder, or with `s3` an `(endpoint, bucket)` on the moto server) and an
    Iceberg catalog the datamart loads into."""

    def __init__(self, home: Path, s3: tuple[str, str] | None = None) -> None:
        endpoint = s3[0] if s3 else None
        url = f"s3://{s3[1]}/lake" if s3 else str(home / "lake")
        self.lake = LakeResource(url=url, s3_endpoint_url=endpoint)
        self.iceberg = IcebergResource(kind="sql", uri=f"sqlite:///{home}/catalog.db",
                                       s3_endpoint_url=endpoint)  # fmt: skip
        home.mkdir(parents=True, exist_ok=True)

    def load(self, config: DatamartConfig, source: str, load_type: str = "incremental"):
        return run_datamart(config, load_type, source_url=source, lake=self.lake,
                            iceberg=self.iceberg, run_id="r")  # fmt: skip

    def rows(self, config: DatamartConfig, name: str) -> list[tuple]:
        table = self.iceberg.catalog().load_table(f"{config.database_name}.{name}")
        data = table.scan().to_arrow()
        return sorted(tuple(r.values()) for r in data.to_pylist())

    def snapshot(self, config: DatamartConfig, name: str) -> int | None:
        table = self.iceberg.catalog().load_table(f"{config.database_name}.{name}")
        snapshot = table.current_snapshot()
        return snapshot.snapshot_id if snapshot else None

    def every_output(self, config: DatamartConfig) -> dict[str, list[tuple]]:
        names = [t.name for t in config.tables] + [j.output for j in config.joins]
        return {n: self.rows(config, n) for n in names}


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "source.duckdb"
    create_sample_source(path, accounts=30)
    return path


def execute(path: Path, sql: str, params: list | None = None) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(sql, params or [])


def test_missing_watermark_means_full_then_an_empty_increment_commits_nothing(
    tmp_path: Path, source: Path
) -> None:
    config, target = sample_config(300), Target(tmp_path / "a")
    first = target.load(config, f"duckdb:///{source}")
    assert (first.requested, first.load_type) == ("incremental", "full")
    assert first.outputs == {"account_summary": 30, "account_settlements": 90}
    stored = target.lake.read_bytes(watermark_key("account_metadata")).decode()
    assert stored.splitlines()[0] == "last_load_timestamp"
    with duckdb.connect(str(source)) as con:  # the largest value read, not the wall clock
        newest = max(
            con.execute(f'SELECT max("{t.incremental_field}") FROM "{t.name}"').fetchone()[0]  # type: ignore[index]
            for t in config.tables
        )
    assert read_watermark(target.lake, "account_metadata") == newest.replace(microsecond=0)
    snapshots = {n: target.snapshot(config, n) for n in ("account_summary", ACCOUNT)}

    again = target.load(config, f"duckdb:///{source}")
    assert again.skipped and again.watermark_after is None
    assert {n: target.snapshot(config, n) for n in snapshots} == snapshots  # no new snapshot
    assert target.lake.read_bytes(watermark_key("account_metadata")).decode() == stored


def test_incremental_reads_only_the_changes_from_the_source(tmp_path: Path, source: Path) -> None:
    config, target = sample_config(0), Target(tmp_path / "a")
    target.load(config, f"duckdb:///{source}")
    later = datetime(2026, 12, 1, 12)
    execute(source, f'UPDATE "{ACCOUNT}" SET status = \'vip\', updated_at = ? WHERE id <= 3',
            [later])  # fmt: skip
    result = target.load(config, f"duckdb:///{source}")
    # The filter ran in the source: the 3 changed accounts, plus the row(s) sitting exactly on
    # the old watermark (`>=`: equal timestamps are re-read, never lost), found unchanged.
    read = {n: t.rows_read for n, t in result.tables.items()}
    assert read[ACCOUNT] == 3 and sum(read.values()) - 3 <= 1
    assert {n: t.rows_changed for n, t in result.tables.items() if t.rows_changed} == {ACCOUNT: 3}
    assert result.watermark_after == "2026-12-01 12:00:00"
    full = Target(tmp_path / "b")
    full.load(config, f"duckdb:///{source}", "full")
    assert target.every_output(config) == full.every_output(config)


def test_a_change_adds_position_deletes_and_rewrites_no_data_file(
    tmp_path: Path, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Merge-on-read: changed keys get one position-delete file per data file holding them
    (Iceberg's format: sorted `file_path`, `pos`, the reserved field ids), no data file is
    rewritten, and pyiceberg (which applies the deletes), our DuckDB reader (the joins) and
    the row counts all agree with a full load."""
    monkeypatch.setattr(load_module, "MIRROR_FILE_ROWS", 7)
    config, target = sample_config(0), Target(tmp_path / "a")
    src = f"duckdb:///{source}"
    target.load(config, src)
    table = target.iceberg.catalog().load_table(f"{config.database_name}.{ACCOUNT}")
    before, _ = live_files(table)
    execute(source, f"UPDATE \"{ACCOUNT}\" SET status = 'vip', updated_at = ? "
            "WHERE id IN (1, 15)", [datetime(2026, 12, 2)])  # fmt: skip
    result = target.load(config, src)
    table = target.iceberg.catalog().load_table(f"{config.database_name}.{ACCOUNT}")
    data, deletes = live_files(table)
    assert {f.file_path for f in before} < {f.file_path for f in data}  # none removed
    assert len(data) == len(before) + 1  # the changed rows' file
    assert sum(d.record_count for d in deletes) == 2 and 1 <= len(deletes) <= 2
    for d in deletes:
        local = target.lake.path(target.lake.key_of(d.file_path))
        written = pq.read_table(local)
        ids = {f.name: f.metadata[b"PARQUET:field_id"] for f in written.schema}
        assert ids == {"file_path": b"2147483546", "pos": b"2147483545"}
        [path] = set(written.column("file_path").to_pylist())  # one data file per delete file
        assert d.lower_bounds[FILE_PATH_FIELD_ID] == d.upper_bounds[FILE_PATH_FIELD_ID]
        assert path in {f.file_path for f in before}
        assert written.column("pos").to_pylist() == sorted(written.column("pos").to_pylist())
    snapshot = table.current_snapshot()
    assert snapshot is not None and snapshot.summary is not None
    assert result.tables[ACCOUNT].snapshot_id == snapshot.snapshot_id  # the one committed
    summary = snapshot.summary
    assert summary.operation.value == "overwrite" and summary["total-position-deletes"] == "2"
    full = Target(tmp_path / "b")
    expected = full.load(config, src, "full")
    assert target.every_output(config) == full.every_output(config)
    assert result.outputs == expected.outputs  # counted as data rows less deleted rows


def test_a_data_file_is_rewritten_once_a_fifth_of_it_is_deleted(
    tmp_path: Path, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second change to the same 7-row data file would delete 2/7 of it (≥ REWRITE_AT): the
    file is rewritten without those rows, and its delete file goes with it. A full load
    afterwards leaves no delete file at all."""
    monkeypatch.setattr(load_module, "MIRROR_FILE_ROWS", 7)
    config, target = sample_config(0), Target(tmp_path / "a")
    src = f"duckdb:///{source}"
    name = f"{config.database_name}.{ACCOUNT}"
    target.load(config, src)
    execute(source, f"UPDATE \"{ACCOUNT}\" SET status = 'vip', updated_at = ? WHERE id = 1",
            [datetime(2026, 12, 2)])  # fmt: skip
    target.load(config, src)
    data, [delete] = live_files(target.iceberg.catalog().load_table(name))
    path = delete.lower_bounds[FILE_PATH_FIELD_ID].decode()
    neighbours = pq.read_table(target.lake.path(target.lake.key_of(path))).column("id")
    other = max(neighbours.to_pylist())  # same file, not changed yet
    assert other != 1
    execute(source, f"UPDATE \"{ACCOUNT}\" SET status = 'gold', updated_at = ? WHERE id = ?",
            [datetime(2026, 12, 3), other])  # fmt: skip
    target.load(config, src)
    after, deletes = live_files(target.iceberg.catalog().load_table(name))
    assert path not in {f.file_path for f in after} and not deletes
    assert len(after) == len(data) + 1  # rewritten one in, changed rows in, file out
    full = Target(tmp_path / "b")
    full.load(config, src, "full")
    assert target.every_output(config) == full.every_output(config)
    untouched = next(f for f in data if f.file_path in {a.file_path for a in after}
                     and f.record_count == 7)  # fmt: skip
    [third] = pq.read_table(target.lake.path(target.lake.key_of(untouched.file_path)),
                            columns=["id"]).column("id").to_pylist()[:1]  # fmt: skip
    execute(source, f"UPDATE \"{ACCOUNT}\" SET status = 'x', updated_at = ? WHERE id = ?",
            [datetime(2026, 12, 4), third])  # fmt: skip
    target.load(config, src)
    assert live_files(target.iceberg.catalog().load_table(name))[1]  # a delete file again
    target.load(config, src, "full")
    table = target.iceberg.catalog().load_table(name)
    assert live_files(table)[1] == []
    assert table.current_snapshot().summary["total-delete-files"] == "0"  # type: ignore[union-attr]


def test_a_data_files_delete_files_are_merged_into_one_past_four(
    tmp_path: Path, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five changes, each to one key of the same 30-row data file (below REWRITE_AT): four
    delete files, then the fifth change merges them and its own rows into one."""
    monkeypatch.setattr(load_module, "REWRITE_AT", 0.9)
    config, target = sample_config(0), Target(tmp_path / "a")
    src, name = f"duckdb:///{source}", f"{config.database_name}.{ACCOUNT}"
    target.load(config, src)
    [original] = live_files(target.iceberg.catalog().load_table(name))[0]
    counts = []
    for key in range(1, 6):
        execute(source, f"UPDATE \"{ACCOUNT}\" SET status = 'vip', updated_at = ? WHERE id = ?",
                [datetime(2026, 12, 1 + key), key])  # fmt: skip
        target.load(config, src)
        _, deletes = live_files(target.iceberg.catalog().load_table(name))
        counts.append(sorted(d.record_count for d in deletes
                             if referenced_path(d) == original.file_path))  # fmt: skip
    assert counts == [[1], [1, 1], [1, 1, 1], [1, 1, 1, 1], [5]]
    full = Target(tmp_path / "b")
    full.load(config, src, "full")
    assert target.every_output(config) == full.every_output(config)


def test_mirrors_keep_their_newest_snapshots_and_no_file_only_expired_ones_used(
    tmp_path: Path, source: Path
) -> None:
    """With `snapshots_kept: 2`, six changes later every table holds at most four snapshots,
    the lake folder of each holds only files a kept snapshot reads (plus the metadata files
    pyiceberg keeps), and the result still equals a full load; the kept snapshots time-travel."""
    config = sample_config(0).model_copy(update={"snapshots_kept": 2})
    target, src = Target(tmp_path / "a"), f"duckdb:///{source}"
    target.load(config, src)
    for key in range(1, 7):
        execute(source, f"UPDATE \"{ACCOUNT}\" SET status = 'vip', updated_at = ? WHERE id = ?",
                [datetime(2026, 12, 1 + key), key])  # fmt: skip
        target.load(config, src)
    catalog = target.iceberg.catalog()
    for name in [t.name for t in config.tables] + [j.output for j in config.joins]:
        table = catalog.load_table(f"{config.database_name}.{name}")
        assert 1 <= len(table.metadata.snapshots) <= 4, name
        io, read = table.io, set()
        for snapshot in table.metadata.snapshots:
            read.add(snapshot.manifest_list)
            for manifest in snapshot.manifests(io):
                read.add(manifest.manifest_path)
                read |= {e.data_file.file_path for e in manifest.fetch_manifest_entry(io)}
        root = Path(table.location().removeprefix("file://"))
        stored = {f"file://{p}" if table.location().startswith("file:") else str(p)
                  for p in root.rglob("*") if p.is_file() and p.suffix != ".json"}  # fmt: skip
        assert stored == read, name
        assert len(list(root.rglob("*.metadata.json"))) <= 3, name  # keep_metadata(2)
        for snapshot in table.metadata.snapshots:
            table.scan(snapshot_id=snapshot.snapshot_id).to_arrow()  # every file is there
    account = catalog.load_table(f"{config.database_name}.{ACCOUNT}")
    assert len(account.metadata.snapshots) < 7  # expired on the way
    full = Target(tmp_path / "b")
    full.load(config, src, "full")
    assert target.every_output(config) == full.every_output(config)


def test_a_column_named_file_row_number_gets_copy_on_write(tmp_path: Path) -> None:
    """DuckDB tells a row's position in a column named `file_row_number`; a mirror with a
    column of that name cannot have it, so its changed files are rewritten instead of given
    position deletes, and the result still equals a full load."""
    source = tmp_path / "odd.duckdb"
    execute(source, "CREATE TABLE odd AS SELECT i AS id, i * 10 AS file_row_number, "
            "TIMESTAMP '2026-11-01' + i * INTERVAL 1 SECOND AS changed_at "
            "FROM range(20) t(i)")  # fmt: skip
    config = DatamartConfig.model_validate({
        "database_name": "odd_mart", "lag_seconds": 0,
        "tables": [{"name": "odd", "incremental_field": "changed_at", "keys": ["id"]}],
    })  # fmt: skip
    target, src = Target(tmp_path / "a"), f"duckdb:///{source}"
    target.load(config, src)
    execute(source, "UPDATE odd SET file_row_number = -1, changed_at = TIMESTAMP '2026-12-01' "
            "WHERE id = 3")  # fmt: skip
    result = target.load(config, src)
    assert result.tables["odd"].rows_changed == 1
    table = target.iceberg.catalog().load_table("odd_mart.odd")
    data, deletes = live_files(table)
    assert deletes == [] and len(data) == 2  # the 20-row file rewritten, the changed row added
    full = Target(tmp_path / "b")
    full.load(config, src, "full")
    assert target.every_output(config) == full.every_output(config)
    assert (3, -1) in [r[:2] for r in target.rows(config, "odd")]


def test_a_full_load_is_split_into_files_and_a_clustered_change_rewrites_one(
    tmp_path: Path, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full load's mirror comes in files of at most MIRROR_FILE_ROWS rows (in source order),
    so changing a few neighbouring keys touches one of them, not the whole mirror (here the
    2-row last file, all of it changed: rewritten, as past REWRITE_AT)."""
    monkeypatch.setattr(load_module, "MIRROR_FILE_ROWS", 7)
    config, target = sample_config(0), Target(tmp_path / "a")
    src = f"duckdb:///{source}"
    target.load(config, src)
    table = target.iceberg.catalog().load_table(f"{config.database_name}.{ACCOUNT}")
    before = {t.file.file_path: t.file.record_count for t in table.scan().plan_files()}
    assert sorted(before.values()) == [2, 7, 7, 7, 7]  # 30 accounts
    execute(source, f"UPDATE \"{ACCOUNT}\" SET status = 'vip', updated_at = ? "
            "WHERE id IN (29, 30)", [datetime(2026, 12, 2)])  # fmt: skip
    target.load(config, src)
    table = target.iceberg.catalog().load_table(f"{config.database_name}.{ACCOUNT}")
    after = {t.file.file_path for t in table.scan().plan_files()}
    assert len(set(before) - after) == 1 and len(after - set(before)) <= 2
    full = Target(tmp_path / "b")
    full.load(config, src, "full")
    assert target.every_output(config) == full.every_output(config)


def test_incremental_runs_on_an_s3_lake_equal_a_full_load(
    tmp_path: Path, source: Path, moto_endpoint: str, s3_bucket: str
) -> None:
    """On S3 (moto over HTTP) the mirror's files are downloaded to be compared and rewritten;
    the incremental result still equals a full load, joins included; expired snapshots' files
    are deleted from the bucket (`snapshots_kept: 1`: expiry on the third commit)."""
    config = sample_config(0).model_copy(update={"snapshots_kept": 1})
    target = Target(tmp_path / "s3", (moto_endpoint, s3_bucket))
    src = f"duckdb:///{source}"
    target.load(config, src)
    execute(source, f"UPDATE \"{ACCOUNT}\" SET status = 'vip', updated_at = ? WHERE id <= 3",
            [datetime(2026, 12, 1)])  # fmt: skip
    execute(source, f"INSERT INTO \"{ACCOUNT}\" VALUES (1001, 1, 'new', ?)",
            [datetime(2026, 12, 1)])  # fmt: skip
    result = target.load(config, src)
    assert result.tables[ACCOUNT].rows_changed == 4
    table = target.iceberg.catalog().load_table(f"{config.database_name}.{ACCOUNT}")
    first_list = table.metadata.snapshots[0].manifest_list
    execute(source, f"UPDATE \"{ACCOUNT}\" SET status = 'gone', updated_at = ? WHERE id = 7",
            [datetime(2026, 12, 2)])  # fmt: skip
    target.load(config, src)
    table = target.iceberg.catalog().load_table(f"{config.database_name}.{ACCOUNT}")
    assert len(table.metadata.snapshots) == 1
    with pytest.raises(FileNotFoundError):
        table.io.new_input(first_list).open()
    full = Target(tmp_path / "local")
    full.load(config, src, "full")
    assert target.every_output(config) == full.every_output(config)


def test_a_missing_table_fails_before_anything_is_written(tmp_path: Path, source: Path) -> None:
    config, target = sample_config(300), Target(tmp_path / "a")
    target.load(config, f"duckdb:///{source}")
    before = {n: target.snapshot(config, n) for n in ("account_summary", ACCOUNT)}
    stored = target.lake.read_bytes(watermark_key("account_metadata"))
    execute(source, f"UPDATE \"{ACCOUNT}\" SET updated_at = TIMESTAMP '2027-01-01'")
    execute(source, f'DROP TABLE "{RISK}"')
    with pytest.raises(DatamartSourceError, match=RISK):
        target.load(config, f"duckdb:///{source}")
    assert {n: target.snapshot(config, n) for n in before} == before
    assert target.lake.read_bytes(watermark_key("account_metadata")) == stored


def test_a_table_without_its_incremental_field_is_named(tmp_path: Path, source: Path) -> None:
    config = sample_config(300)
    execute(source, f'ALTER TABLE "{RISK}" RENAME COLUMN updated_at TO changed_at')
    with pytest.raises(DatamartSourceError, match=f"{RISK} has no column.* updated_at"):
        Target(tmp_path / "a").load(config, f"duckdb:///{source}")


def test_a_postgresql_source_with_aware_timestamps(tmp_path: Path, postgres_url: str) -> None:
    config = DatamartConfig.model_validate({
        "database_name": "pg_mart", "lag_seconds": 0,
        "tables": [{"name": "events", "incremental_field": "changed_at", "keys": ["id"]}],
    })  # fmt: skip
    with psycopg.connect(postgres_url, autocommit=True) as con:
        con.execute("CREATE TABLE events (id int PRIMARY KEY, v text, changed_at timestamptz)")
        con.execute("INSERT INTO events VALUES (1, 'a', '2026-11-01 12:00:00+02'), "
                    "(2, 'b', '2026-11-01 09:00:00+00')")  # fmt: skip
    target = Target(tmp_path / "a")
    assert target.load(config, postgres_url).watermark_after == "2026-11-01 10:00:00"  # in UTC
    with psycopg.connect(postgres_url, autocommit=True) as con:
        con.execute("UPDATE events SET v = 'c', changed_at = '2026-11-01 11:30:00+01' WHERE id = 2")
    result = target.load(config, postgres_url)
    assert result.tables["events"].rows_read == 2  # both have changed_at >= 10:00 UTC
    assert result.tables["events"].rows_changed == 1
    assert [r[:2] for r in target.rows(config, "events")] == [(1, "a"), (2, "c")]


def test_an_incremental_read_of_postgresql_uses_the_watermark_index(postgres_url: str) -> None:
    """Rows are read through a server-side cursor, which PostgreSQL plans for its first 10%
    by default: on a table without statistics (not analyzed yet, or stale after the very
    changes an incremental run reads), that plan is a sequential scan of the whole table
    (measured in B3: 70 ms instead of 1 ms for 10,000 of 1M rows). The source session plans
    for every row."""
    with psycopg.connect(postgres_url, autocommit=True) as con:
        con.execute("CREATE TABLE big (id int PRIMARY KEY, v text, changed_at timestamp) "
                    "WITH (autovacuum_enabled = false)")  # fmt: skip
        con.execute("INSERT INTO big SELECT g, 'a', TIMESTAMP '2026-11-01' + g * INTERVAL "
                    "'1 second' FROM generate_series(1, 200000) AS g")  # fmt: skip
        con.execute("CREATE INDEX ON big (changed_at)")  # no statistics yet: never analyzed
        con.execute("UPDATE big SET v = 'b', changed_at = TIMESTAMP '2027-01-01' "
                    "WHERE id % 100 = 0")  # fmt: skip
    source = load_module.connect_source(postgres_url)
    try:
        table = source.table("big")
        column = table["changed_at"]
        since = load_module._since_literal(column, datetime(2026, 12, 31))
        query = ibis.to_sql(table.filter(column >= since), dialect="postgres")
        explain = f"EXPLAIN DECLARE c CURSOR FOR {query}"
        with psycopg.connect(postgres_url) as plain:  # the default: a sequential scan
            assert "Seq Scan" in str(plain.execute(explain).fetchall())  # type: ignore[call-overload]
        cursor = source.raw_sql(explain)
        plan = str(cursor.fetchall())
        cursor.close()
        assert "Seq Scan" not in plan and "big_changed_at_idx" in plan, plan
    finally:
        source.disconnect()


# -- the property: after every incremental run, every output equals a full load -------------

OPS = st.lists(
    st.tuples(
        st.sampled_from(["insert", "update", "late", "joined_only"]),
        st.integers(min_value=1, max_value=40),  # account id (new ones get inserted)
        st.integers(min_value=0, max_value=59),  # seconds: forward, or behind the watermark
    ),
    min_size=0,
    max_size=6,
)


def apply(source: Path, op: str, account: int, seconds: int, clock: datetime,
          watermark: datetime) -> None:  # fmt: skip
    when = watermark - timedelta(seconds=seconds) if op == "late" else clock
    with duckdb.connect(str(source)) as con:
        exists = con.execute(f'SELECT count(*) FROM "{ACCOUNT}" WHERE id = ?',
                             [account]).fetchone()[0]  # type: ignore[index]  # fmt: skip
        if op == "joined_only":  # only the other side of a join changes
            con.execute(f'INSERT OR REPLACE INTO "{RISK}" VALUES (?, ?, ?, ?)',
                        [account, account, seconds, when])  # fmt: skip
        elif exists:
            con.execute(f'UPDATE "{ACCOUNT}" SET status = ?, updated_at = ? WHERE id = ?',
                        [f"{op}-{seconds}", when, account])  # fmt: skip
        else:
            con.execute(f'INSERT INTO "{ACCOUNT}" VALUES (?, 1, ?, ?)',
                        [account, f"new-{op}", when])  # fmt: skip


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(rounds=st.lists(OPS, min_size=1, max_size=3))
def test_incremental_runs_equal_full_loads(tmp_path_factory, rounds) -> None:
    home = tmp_path_factory.mktemp("prop")
    source = home / "source.duckdb"
    create_sample_source(source, accounts=20)
    config = sample_config(60)
    incremental, full = Target(home / "inc"), Target(home / "full")
    incremental.load(config, f"duckdb:///{source}")
    clock = datetime(2026, 12, 1)
    for ops in rounds:
        watermark = read_watermark(incremental.lake, config.database_name)
        assert watermark is not None
        for op, account, seconds in ops:
            clock += timedelta(seconds=seconds + 1)
            apply(source, op, account, seconds, clock, watermark)
        incremental.load(config, f"duckdb:///{source}")
        full.load(config, f"duckdb:///{source}", "full")
        assert incremental.every_output(config) == full.every_output(config)


def test_a_spark_catalog_source_gives_the_same_datamart(
    tmp_path: Path, source: Path, spark_engine
) -> None:
    """`spark:///<database>`: tables of the Spark session's catalog (Glue's in a Glue job;
    here a database of the local session's catalog holding the same sample rows)."""
    spark = spark_engine.spark_session
    config = sample_config(0)
    spark.sql(f"CREATE DATABASE IF NOT EXISTS dm_source LOCATION '{tmp_path / 'warehouse'}'")

    def publish_views() -> None:
        with duckdb.connect(str(source)) as con:
            for t in config.tables:
                rows = con.sql(f'SELECT * FROM "{t.name}"').to_arrow_table().to_pandas()
                spark.createDataFrame(rows).write.mode("overwrite").saveAsTable(
                    f"dm_source.{t.name}"
                )

    publish_views()
    on_spark, on_duckdb = Target(tmp_path / "spark"), Target(tmp_path / "duckdb")
    assert on_spark.load(config, "spark:///dm_source").load_type == "full"
    on_duckdb.load(config, f"duckdb:///{source}", "full")
    assert on_spark.every_output(config) == on_duckdb.every_output(config)

    execute(source, f'UPDATE "{ACCOUNT}" SET status = \'vip\', updated_at = ? WHERE id = 2',
            [datetime(2026, 12, 2)])  # fmt: skip
    publish_views()
    result = on_spark.load(config, "spark:///dm_source")
    assert result.tables[ACCOUNT].rows_read == 1  # the filter ran in Spark
    on_duckdb.load(config, f"duckdb:///{source}", "full")
    assert on_spark.every_output(config) == on_duckdb.every_output(config)
