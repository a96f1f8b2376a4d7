"""Silver tables expire their old snapshots: a feed's (one commit per loaded file) once it
holds twice `snapshots_kept`, and a replaced-whole table's (API pulls, jobs). What is kept
reads as before; a reloaded file's old rows and a replaced table's old copies leave the lake.
Real SQLite catalog, local lake, the pipeline's own commit functions."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wmg_assets.feeds import silver_snapshot
from wmg_assets.feeds.pipeline import commit_silver_files, load_silver_table
from wmg_resources.iceberg import IcebergResource
from wmg_resources.lake import LakeResource, silver_prefix

SCHEMA = pa.schema([("id", pa.int64()), ("file_name", pa.string())])


@pytest.fixture
def stores(tmp_path: Path) -> tuple[IcebergResource, LakeResource]:
    return (IcebergResource(uri=f"sqlite:///{tmp_path / 'catalog.db'}"),
            LakeResource(url=str(tmp_path / "lake")))  # fmt: skip


def _put(lake: LakeResource, table: str, name: str, version: int, ids: list[int]) -> str:
    key = f"{silver_prefix(table)}/data/{name}-v{version}.parquet"
    local = Path(lake.path(key))
    local.parent.mkdir(parents=True, exist_ok=True)
    rows = {"id": pa.array(ids, pa.int64()), "file_name": pa.array([name] * len(ids))}
    pq.write_table(pa.table(rows, schema=SCHEMA), local)
    return key


def _data_files(lake: LakeResource, table: str) -> set[str]:
    return {p.name for p in Path(lake.path(f"{silver_prefix(table)}/data")).glob("*.parquet")}


def _metadata_files(lake: LakeResource, table: str) -> list[Path]:
    return list(Path(lake.path(f"{silver_prefix(table)}/metadata")).glob("*.metadata.json"))


def test_a_feeds_silver_keeps_a_bounded_history_and_all_its_rows(stores) -> None:
    iceberg, lake = stores
    keep = 2
    expected: dict[str, list[int]] = {}

    def load(name: str, version: int, ids: list[int]) -> None:
        key = _put(lake, "s", name, version, ids)
        table = commit_silver_files(iceberg, lake, "s", SCHEMA, name, [key], snapshots_kept=keep)
        expected[name] = ids
        assert len(table.metadata.snapshots) <= 2 * keep
        ids = sorted(table.scan().to_arrow().column("id").to_pylist())
        assert ids == sorted(i for version in expected.values() for i in version)

    for n in range(5):
        load(f"f{n}.csv", 1, [10 * n, 10 * n + 1])
    assert "f0.csv-v1.parquet" in _data_files(lake, "s")
    load("f0.csv", 2, [7])  # the file loaded again: its rows replaced
    assert "f0.csv-v1.parquet" in _data_files(lake, "s")  # a kept snapshot still reads it
    for n in range(5, 10):
        load(f"f{n}.csv", 1, [10 * n])
    files = _data_files(lake, "s")
    assert "f0.csv-v1.parquet" not in files  # only expired snapshots read it
    assert "f0.csv-v2.parquet" in files and len(files) == 10  # every live file stays
    table = load_silver_table(iceberg, "s")
    assert table is not None and table.properties["write.metadata.previous-versions-max"] == "2"
    assert len(_metadata_files(lake, "s")) <= keep + 1


def test_a_replaced_silver_table_does_not_keep_every_copy(stores, monkeypatch) -> None:
    iceberg, lake = stores
    monkeypatch.setattr(silver_snapshot, "SNAPSHOTS_KEPT", 1)
    for version in range(6):
        key = _put(lake, "pull", "pull", version, [version, version + 100])
        silver_snapshot.replace_silver_table(iceberg, lake, "pull", SCHEMA, [key])
        table = load_silver_table(iceberg, "pull")
        assert table is not None
        ids = sorted(table.scan().to_arrow().column("id").to_pylist())
        assert ids == [version, version + 100]
        assert len(table.metadata.snapshots) <= 2
        assert len(_data_files(lake, "pull")) <= 2  # the current copy and at most one before
    assert "pull-v5.parquet" in _data_files(lake, "pull")


def test_a_feeds_manifests_are_merged_and_an_older_table_gets_the_properties(stores) -> None:
    """One manifest per loaded file until 20, then a commit merges them: finding a file's
    rows never opens a manifest per file ever loaded. A silver table made before these
    properties existed gets them on its next commit."""
    iceberg, lake = stores
    catalog = iceberg.catalog()
    catalog.create_namespace("silver")
    catalog.create_table("silver.s", schema=SCHEMA, location=lake.uri(silver_prefix("s")))
    for n in range(45):
        key = _put(lake, "s", f"f{n}.csv", 1, [n])
        table = commit_silver_files(iceberg, lake, "s", SCHEMA, f"f{n}.csv", [key])
        snapshot = table.current_snapshot()
        assert snapshot is not None and len(snapshot.manifests(table.io)) <= 21
    assert table.properties["commit.manifest-merge.enabled"] == "true"
    assert table.properties["write.metadata.delete-after-commit.enabled"] == "true"
    assert sorted(table.scan().to_arrow().column("id").to_pylist()) == list(range(45))
    key = _put(lake, "s", "f3.csv", 2, [300])  # a reload still replaces exactly its rows
    table = commit_silver_files(iceberg, lake, "s", SCHEMA, "f3.csv", [key])
    ids = sorted(table.scan().to_arrow().column("id").to_pylist())
    assert ids == sorted([n for n in range(45) if n != 3] + [300])
