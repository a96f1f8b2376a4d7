"""Position-delete files written and committed by `wmg_resources.iceberg_row_changes`, read
back by pyiceberg (the reference reader, which applies them) on a real SQLite catalog."""

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.manifest import DataFileContent, ManifestContent
from pyiceberg.table import Table

from wmg_assets.datamart.load import MirrorFiles
from wmg_resources import iceberg_row_changes as changes
from wmg_resources.iceberg_row_changes import (
    applies_to,
    commit_row_changes,
    live_files,
    position_delete_file,
    referenced_path,
    write_position_deletes,
)


@pytest.fixture
def table(tmp_path: Path) -> Table:
    """A v2 table of two data files: ids 0 to 4 and 5 to 9."""
    catalog = SqlCatalog("c", uri=f"sqlite:///{tmp_path}/catalog.db",
                         warehouse=f"file://{tmp_path}/warehouse")  # fmt: skip
    catalog.create_namespace("n")
    created = catalog.create_table("n.t", schema=pa.schema([("id", pa.int64())]))
    for i in range(2):
        pq.write_table(pa.table({"id": list(range(i * 5, i * 5 + 5))}), tmp_path / f"d{i}.parquet")
    created.add_files([str(tmp_path / "d0.parquet"), str(tmp_path / "d1.parquet")])
    return catalog.load_table("n.t")


def delete(table: Table, out: Path, rows: list[tuple[str, int]]) -> None:
    """Commit one position-delete file of `rows` (data file path, position)."""
    batch = pa.record_batch({"file_path": [p for p, _ in rows], "pos": [n for _, n in rows]})
    write_position_deletes([batch], out)
    with table.transaction() as tx:
        commit_row_changes(tx, table, added_deletes=[position_delete_file(out, str(out))])


def ids(table: Table) -> list[int]:
    return sorted(table.scan().to_arrow().column("id").to_pylist())


def test_a_delete_file_of_two_data_files_is_applied_and_counted(
    table: Table, tmp_path: Path
) -> None:
    d0, d1 = sorted(f.file_path for f in live_files(table)[0])
    delete(table, tmp_path / "del.parquet", [(d0, 1), (d1, 0), (d1, 4)])
    assert ids(table) == [0, 2, 3, 4, 6, 7, 8]
    data, [deletes] = live_files(table)
    assert deletes.content == DataFileContent.POSITION_DELETES and deletes.record_count == 3
    assert referenced_path(deletes) is None  # two data files: bounds d0…d1
    assert applies_to(deletes, d0) and applies_to(deletes, d1)
    assert not applies_to(deletes, d1 + "x")
    summary = table.current_snapshot().summary  # type: ignore[union-attr]
    assert summary is not None
    assert summary["total-position-deletes"] == "3" and summary["total-records"] == "10"
    schema = pq.read_schema(tmp_path / "del.parquet")
    assert [f.metadata[b"PARQUET:field_id"] for f in schema] == [b"2147483546", b"2147483545"]
    assert [f.nullable for f in schema] == [False, False]
    files = MirrorFiles(data={f.file_path: f for f in data},
                        deletes={str(tmp_path / "del.parquet"): deletes}, columns=["id"],
                        snapshot_id=None)  # fmt: skip
    with duckdb.connect() as con:
        assert files.deleted_rows(con) == {d0: 1, d1: 2}  # read from the file
        assert sorted(r[0] for r in con.execute(files.rows_sql()).fetchall()) == ids(table)


def test_removing_a_data_file_and_its_delete_file(table: Table, tmp_path: Path) -> None:
    d0, _ = sorted(f.file_path for f in live_files(table)[0])
    delete(table, tmp_path / "del.parquet", [(d0, 0)])
    data, [deletes] = live_files(table)
    assert referenced_path(deletes) == d0
    pq.write_table(pa.table({"id": [1, 2, 3, 4]}), tmp_path / "d0b.parquet")
    with table.transaction() as tx:  # d0 rewritten without its deleted row
        commit_row_changes(tx, table, removed=[f for f in data if f.file_path == d0] + [deletes],
                           added_data=[str(tmp_path / "d0b.parquet")])  # fmt: skip
    assert ids(table) == list(range(1, 10))
    data, deletes_left = live_files(table)
    assert len(data) == 2 and deletes_left == []
    summary = table.current_snapshot().summary  # type: ignore[union-attr]
    assert summary is not None
    assert summary["total-delete-files"] == "0" and summary["total-records"] == "9"


def test_manifests_are_merged_once_there_are_too_many(
    table: Table, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each commit adds a delete manifest; past MERGE_MANIFESTS_OVER unchanged ones of a kind
    they become one, and every delete still applies."""
    monkeypatch.setattr(changes, "MERGE_MANIFESTS_OVER", 3)
    d0, d1 = sorted(f.file_path for f in live_files(table)[0])
    for i in range(6):
        delete(table, tmp_path / f"del{i}.parquet", [(d0 if i % 2 else d1, i // 2)])
        manifests = table.current_snapshot().manifests(table.io)  # type: ignore[union-attr]
        kinds = [m.content for m in manifests]
        assert kinds.count(ManifestContent.DELETES) <= 4
    assert ids(table) == [3, 4, 8, 9]
    assert len(live_files(table)[1]) == 6
