"""Replace a whole silver Iceberg table with new Parquet files, in one commit.

For silver tables that hold the latest snapshot of a source (an API pull, a job's output)
rather than a history of files. Each replacement is a snapshot; past `SNAPSHOTS_KEPT` of
them the oldest expire, and with them the files of the rows they replaced (without it, the
lake kept every past copy of the table).
"""

import pyarrow as pa
from pyiceberg.expressions import AlwaysTrue

from wmg_assets.feeds.config import SNAPSHOTS_KEPT
from wmg_assets.feeds.pipeline import create_silver_table, load_silver_table
from wmg_resources.iceberg import IcebergResource
from wmg_resources.iceberg_expiry import expire_when_due
from wmg_resources.lake import LakeResource


def replace_silver_table(
    iceberg: IcebergResource, lake: LakeResource, name: str, schema: pa.Schema, keys: list[str]
) -> None:
    """`silver.<name>` holds exactly the rows of the lake's Parquet objects `keys` (its schema
    widened by `schema` where new columns appear)."""
    existing = load_silver_table(iceberg, name)
    table = existing or create_silver_table(iceberg, lake, name, schema, SNAPSHOTS_KEPT)
    with table.transaction() as tx:
        with tx.update_schema() as update:
            update.union_by_name(schema)
        if existing is not None and existing.current_snapshot() is not None:
            tx.delete(AlwaysTrue())
        tx.add_files([lake.uri(k) for k in keys])
    expire_when_due(table, SNAPSHOTS_KEPT)
