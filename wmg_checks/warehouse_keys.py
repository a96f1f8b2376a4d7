"""Checks on warehouse targets."""

import dagster as dg

from wmg_assets.feeds.assets import warehouse_asset_key
from wmg_assets.feeds.config import FeedConfig
from wmg_resources.warehouse import WarehouseResource
from wmg_resources.warehouse.dialect import column_list, qualified


def upsert_keys_unique_check(feed: FeedConfig) -> dg.AssetChecksDefinition:
    """Fails when any upsert key occurs more than once in the feed's warehouse target."""

    @dg.asset_check(
        asset=warehouse_asset_key(feed),
        name="upsert_keys_unique",
        description=(
            f"Each ({', '.join(feed.upsert_keys)}) occurs at most once in "
            f"{feed.target.schema}.{feed.target.table}."
        ),
    )
    def upsert_keys_unique(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect() as wh:
            keys = column_list(feed.upsert_keys, wh.dialect)
            table = qualified(feed.target.schema, feed.target.table, wh.dialect)
            duplicated = int(
                wh.scalar(
                    f"SELECT count(*) FROM (SELECT {keys} FROM {table} GROUP BY {keys} "
                    "HAVING count(*) > 1) AS d"
                )
            )
        return dg.AssetCheckResult(passed=duplicated == 0, metadata={"duplicated_keys": duplicated})

    return upsert_keys_unique
