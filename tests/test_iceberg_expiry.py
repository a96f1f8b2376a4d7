"""Snapshot expiry (`wmg_resources.iceberg_expiry`) and the cached transaction on a real SQLite
catalog and local files: what is kept reads as before, exactly the files no kept snapshot uses
are deleted, and a cached transaction commits what a plain one would."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.table import Table

from wmg_resources.iceberg_expiry import (
    Expired,
    expire_snapshots,
    expire_when_due,
    keep_metadata,
)
from wmg_resources.iceberg_row_changes import (
    commit_row_changes,
    live_files,
    position_delete_file,
    write_position_deletes,
)
from wmg_resources.iceberg_transaction import transaction


def _files(root: Path) -> set[str]:
    return {str(p) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def catalog(tmp_path: Path) -> SqlCatalog:
    catalog = SqlCatalog("c", uri=f"sqlite:///{tmp_path}/catalog.db",
                         warehouse=f"file://{tmp_path}/warehouse")  # fmt: skip
    catalog.create_namespace("n")
    return catalog


def _ids(table: Table, snapshot_id: int | None = None) -> list[int]:
    rows = table.scan(snapshot_id=snapshot_id).to_arrow()
    return sorted(rows.column("id").to_pylist())


def _history(catalog: SqlCatalog, tmp_path: Path) -> Table:
    """Six snapshots: three appends of two rows, an overwrite of all, a position delete, an
    append. Data files live under tmp_path/data, one per commit."""
    table = catalog.create_table("n.t", schema=pa.schema([("id", pa.int64())]),
                                 properties=keep_metadata(2))  # fmt: skip
    (tmp_path / "data").mkdir()

    def data(n: int, values: list[int]) -> str:
        path = tmp_path / "data" / f"d{n}.parquet"
        pq.write_table(pa.table({"id": pa.array(values, pa.int64())}), path)
        return str(path)

    for n in range(3):
        with table.transaction() as tx:
            commit_row_changes(tx, table, added_data=[data(n, [2 * n, 2 * n + 1])])
    with table.transaction() as tx:  # everything replaced by one file
        commit_row_changes(tx, table, removed=live_files(table)[0],
                           added_data=[data(3, [10, 11, 12])])  # fmt: skip
    [d3] = live_files(table)[0]
    deletes = tmp_path / "data" / "del.parquet"
    write_position_deletes([pa.record_batch({"file_path": [d3.file_path], "pos": [1]})], deletes)
    with table.transaction() as tx:
        commit_row_changes(tx, table, added_deletes=[position_delete_file(deletes, str(deletes))])
    with table.transaction() as tx:
        commit_row_changes(tx, table, added_data=[data(4, [13])])
    return table


def test_expiry_keeps_the_newest_snapshots_and_deletes_only_what_they_do_not_use(
    catalog: SqlCatalog, tmp_path: Path
) -> None:
    table = _history(catalog, tmp_path)
    snapshots = [s.snapshot_id for s in table.metadata.snapshots]
    assert len(snapshots) == 6 and _ids(table) == [10, 12, 13]
    before = _files(tmp_path / "data")
    expired = expire_snapshots(table, keep=2)
    assert [s.snapshot_id for s in table.metadata.snapshots] == snapshots[-2:]
    assert catalog.load_table("n.t").metadata.snapshots == table.metadata.snapshots
    # the kept snapshots still read (the delete file is used by both)
    assert _ids(table) == [10, 12, 13] and _ids(table, snapshots[-2]) == [10, 12]
    # d0…d2 only served the expired appends; d3 and the delete file are still read
    gone = {str(tmp_path / "data" / f"d{n}.parquet") for n in range(3)}
    assert before - _files(tmp_path / "data") == gone
    manifest_lists = {s.manifest_list.removeprefix("file://") for s in table.metadata.snapshots}
    assert manifest_lists <= _files(tmp_path / "warehouse")
    assert expired.snapshots == 4 and expired.files >= len(gone) + 4  # + their manifest lists
    # nothing left to expire
    assert expire_snapshots(table, keep=2).snapshots == 0


def test_expired_manifest_lists_and_manifests_are_deleted_and_metadata_files_capped(
    catalog: SqlCatalog, tmp_path: Path
) -> None:
    table = _history(catalog, tmp_path)
    old_lists = [s.manifest_list.removeprefix("file://") for s in table.metadata.snapshots[:-1]]
    expire_snapshots(table, keep=1)
    left = _files(tmp_path / "warehouse")
    assert not set(old_lists) & left
    current = table.current_snapshot()
    assert current is not None
    manifests = {m.manifest_path.removeprefix("file://") for m in current.manifests(table.io)}
    avro = {f for f in left if f.endswith(".avro")}
    assert avro == manifests | {current.manifest_list.removeprefix("file://")}
    # keep_metadata(2): the current metadata file and two before it
    assert len({f for f in left if f.endswith(".metadata.json")}) == 3
    assert _ids(table) == [10, 12, 13]


def test_expiry_when_due_waits_for_twice_keep_and_spares_another_writers_commit(
    catalog: SqlCatalog, tmp_path: Path
) -> None:
    """Nothing happens until a table holds more than twice `keep` snapshots. An expiry from a
    handle read before another writer's commit (two files of a feed at once) removes only the
    snapshots it listed: the catalog applies it to the current metadata, so the other
    writer's snapshot and its files stay."""
    table = _history(catalog, tmp_path)  # six snapshots
    assert expire_when_due(table, keep=3) == Expired() and len(table.metadata.snapshots) == 6
    stale = catalog.load_table("n.t")
    with table.transaction() as tx:  # another writer commits after `stale` was read
        path = tmp_path / "data" / "d5.parquet"
        pq.write_table(pa.table({"id": pa.array([14], pa.int64())}), path)
        commit_row_changes(tx, table, added_data=[str(path)])
    assert expire_when_due(stale, keep=2).snapshots == 4
    fresh = catalog.load_table("n.t")
    assert len(fresh.metadata.snapshots) == 3 and path.exists()
    assert _ids(fresh) == [10, 12, 13, 14]
    assert expire_when_due(fresh, keep=2) == Expired()  # 3 is not more than twice 2


def test_a_tagged_snapshot_is_kept_with_its_files(catalog: SqlCatalog, tmp_path: Path) -> None:
    table = _history(catalog, tmp_path)
    first = table.metadata.snapshots[0].snapshot_id
    table.manage_snapshots().create_tag(first, "audit").commit()
    expire_snapshots(table, keep=1)
    kept = {s.snapshot_id for s in table.metadata.snapshots}
    assert first in kept and len(kept) == 2
    assert _ids(table, first) == [0, 1]  # its data file was not deleted


def test_a_cached_transaction_works_out_its_metadata_once_per_change(
    catalog: SqlCatalog, tmp_path: Path
) -> None:
    table = _history(catalog, tmp_path)
    tx = transaction(table)
    first = tx.table_metadata
    assert tx.table_metadata is first  # no update staged: the same metadata, not a copy
    assert first == table.metadata
    tx.set_properties({"owner": "wmg"})
    staged = tx.table_metadata
    assert staged is not first and staged.properties["owner"] == "wmg"
    assert tx.table_metadata is staged
    path = tmp_path / "data" / "d5.parquet"
    pq.write_table(pa.table({"id": pa.array([99], pa.int64())}), path)
    with tx:
        commit_row_changes(tx, table, added_data=[str(path)])
    reloaded = catalog.load_table("n.t")
    assert reloaded.metadata.properties["owner"] == "wmg" and _ids(reloaded) == [10, 12, 13, 99]
