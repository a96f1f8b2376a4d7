"""DuckDB stages silver files as a view over them from a local lake, as a loaded table from S3:
the same rows either way, and dropping the staging leaves nothing behind."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wmg_resources.lake import LakeResource
from wmg_resources.warehouse.duckdb import DuckDBWarehouse


@pytest.fixture(params=["folder", "s3"])
def lake(request: pytest.FixtureRequest, tmp_path: Path) -> LakeResource:
    if request.param == "folder":
        return LakeResource(url=str(tmp_path / "it's a lake"))  # a quote in the path
    endpoint = request.getfixturevalue("moto_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    return LakeResource(url=f"s3://{bucket}/stage", s3_endpoint_url=endpoint)


def test_stage_reads_every_file_with_the_staging_types(lake: LakeResource, tmp_path) -> None:
    keys = []
    for i, rows in enumerate([[1, 2], [3]]):
        local = tmp_path / f"part{i}.parquet"
        pq.write_table(pa.table({"id": pa.array(rows, pa.int32()), "name": ["x"] * len(rows)}),
                       local)  # fmt: skip
        keys.append(f"silver/t/data/part{i}.parquet")
        lake.put_file(local, keys[-1])
    wh = DuckDBWarehouse(":memory:")
    staged = wh.stage("_stg", [("id", "BIGINT"), ("name", "VARCHAR")], lake, keys, tmp_path)
    assert staged == 3
    _, rows = wh.query('SELECT id, name, typeof(id) FROM "_stg" ORDER BY id')
    assert rows == [(1, "x", "BIGINT"), (2, "x", "BIGINT"), (3, "x", "BIGINT")]
    wh.drop_staging("_stg")
    assert wh.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = '_stg'") == 0
    assert wh.scalar("SELECT count(*) FROM duckdb_views() WHERE view_name = '_stg'") == 0
    wh.close()
