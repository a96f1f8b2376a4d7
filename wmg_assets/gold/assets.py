"""One asset per gold definition: `gold/<name>`, the table `<schema>.<name>` in the warehouse.

Its query runs in the warehouse (pushed down, transpiled to the warehouse's dialect) and
replaces the table in one transaction. It depends on the assets of the tables it reads — the
feeds' warehouse targets and other gold tables — and materializes after them on its own once
the automation sensor is on: whenever an upstream file lands, even if another file failed.
"""

import dagster as dg

from wmg_assets.feeds.assets import warehouse_asset_key, warehouse_column_schema
from wmg_assets.feeds.config import FeedConfig
from wmg_assets.gold.config import GoldConfig
from wmg_assets.gold.sql import referenced_tables, replace_table_statements
from wmg_resources.warehouse import WarehouseResource
from wmg_resources.warehouse.dialect import qualified

# Eager, except that a missing upstream partition (a file that failed) does not hold it back.
AFTER_UPSTREAM = dg.AutomationCondition.eager().without(~dg.AutomationCondition.any_deps_missing())


def gold_asset_key(gold: GoldConfig) -> dg.AssetKey:
    return dg.AssetKey(["gold", gold.name])


def upstream_keys(
    gold: GoldConfig, feeds: list[FeedConfig], golds: list[GoldConfig]
) -> list[dg.AssetKey]:
    """The assets whose tables the gold query reads (tables the platform does not make are
    left out: they are sources it cannot order against)."""
    known = {(f.target.schema, f.target.table): warehouse_asset_key(f) for f in feeds}
    known |= {(g.schema, g.name): gold_asset_key(g) for g in golds if g.name != gold.name}
    return [known[t] for t in referenced_tables(gold.sql) if t in known]


def build_gold_asset(
    gold: GoldConfig, feeds: list[FeedConfig], golds: list[GoldConfig], warehouse_kind: str
) -> dg.AssetsDefinition:
    table_name = f"{gold.schema}.{gold.name}"

    @dg.asset(
        key=gold_asset_key(gold),
        deps=upstream_keys(gold, feeds, golds),
        kinds={warehouse_kind, "sql"},
        group_name="gold",
        automation_condition=AFTER_UPSTREAM,
        description=(gold.description or f"The gold table `{table_name}`.")
        + f"\n\n```sql\n{gold.sql.strip()}\n```",
    )
    def gold_table(warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.connect() as wh:
            statements = replace_table_statements(gold.schema, gold.name, gold.sql, wh.dialect)
            with wh.transaction():
                for statement in statements:
                    wh.execute(statement)
            target = qualified(gold.schema, gold.name, wh.dialect)
            rows = int(wh.scalar(f"SELECT count(*) FROM {target}"))
            columns = wh.columns(gold.schema, gold.name) or []
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "dagster/table_name": table_name,
                "dagster/column_schema": warehouse_column_schema(columns, []),
            }
        )

    return gold_table
