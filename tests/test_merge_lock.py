"""Two merges into one PostgreSQL target never interleave: the merge takes a table lock
inside its transaction, so it waits for another writer's transaction to end."""

import threading
from pathlib import Path

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq

from wmg_resources.lake import LakeResource
from wmg_resources.warehouse import connect_warehouse
from wmg_resources.warehouse.evolution import SourceColumn
from wmg_resources.warehouse.merge import upsert_parquet

SOURCE = [SourceColumn("id", "bigint"), SourceColumn("v", "varchar"),
          SourceColumn("_wmg_line", "bigint")]  # fmt: skip


def merge(url: str, lake: LakeResource, key: str, tmp_path: Path, token: str) -> None:
    with connect_warehouse(url) as wh:
        upsert_parquet(
            wh, lake, [key], tmp_path, file_name=key, schema="s", table="t", source=SOURCE,
            keys=["id"], order_by=None, token=token,
        )  # fmt: skip


def test_merge_waits_for_another_writer_of_the_same_table(postgres_url: str, tmp_path) -> None:
    lake = LakeResource(url=str(tmp_path / "lake"))
    for name, ids in (("a.parquet", [1, 2]), ("b.parquet", [2, 3])):
        path = tmp_path / name
        pq.write_table(pa.table({"id": ids, "v": [name] * 2, "_wmg_line": [2, 3]}), path)
        lake.put_file(path, name)
    merge(postgres_url, lake, "a.parquet", tmp_path, "first")

    holder = psycopg.connect(postgres_url)
    # Another writer mid-transaction holds ROW EXCLUSIVE (as any DELETE/INSERT does); a
    # plain DELETE would not wait for it on other keys, only the merge's table lock does.
    holder.execute("LOCK TABLE s.t IN ROW EXCLUSIVE MODE")
    second = threading.Thread(
        target=merge, args=(postgres_url, lake, "b.parquet", tmp_path, "second")
    )
    second.start()
    second.join(timeout=2)
    assert second.is_alive(), "the merge did not wait for the table lock"
    with psycopg.connect(postgres_url) as reader:
        assert reader.execute("SELECT id, v FROM s.t ORDER BY id").fetchall() == [
            (1, "a.parquet"),
            (2, "a.parquet"),
        ]
    holder.rollback()
    holder.close()
    second.join(timeout=30)
    assert not second.is_alive()
    with psycopg.connect(postgres_url) as reader:
        assert reader.execute("SELECT id, v FROM s.t ORDER BY id").fetchall() == [
            (1, "a.parquet"),
            (2, "b.parquet"),
            (3, "b.parquet"),
        ]
