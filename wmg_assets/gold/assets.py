"""The gold layer as Dagster assets: one asset `gold/<model>` per dbt model of the gold project,
its dbt tests as asset checks (dagster-dbt).

A dbt source that names a table a feed loads *is* that feed's warehouse asset, so lineage runs
bronze → silver → warehouse → gold, and a model materializes after its sources on its own once
the automation sensor is on. dagster-dbt (and dbt) are imported only when a gold project
exists: about 2 s that `wmg ingest` does not pay.
"""

import json
import os
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg

from wmg_assets.feeds.assets import warehouse_asset_key, warehouse_column_schema
from wmg_assets.feeds.config import FeedConfig
from wmg_assets.gold.project import PASSWORD_ENV, GoldProject, dbt_executable
from wmg_resources.warehouse import WarehouseResource
from wmg_resources.warehouse.dialect import qualified

# Eager, except that a missing upstream partition (a file that failed) does not hold it back.
AFTER_UPSTREAM = dg.AutomationCondition.eager().without(~dg.AutomationCondition.any_deps_missing())
GOLD_GROUP = "gold"
DBT_RESOURCE_KEY = "dbt"


def gold_asset_key(model_name: str) -> dg.AssetKey:
    return dg.AssetKey([GOLD_GROUP, model_name])


def source_keys(feeds: list[FeedConfig]) -> dict[tuple[str, str], dg.AssetKey]:
    """(schema, table) of every feed's target → its warehouse asset."""
    return {(f.target.schema, f.target.table): warehouse_asset_key(f) for f in feeds}


def build_gold_assets(project: GoldProject, feeds: list[FeedConfig]) -> dg.AssetsDefinition:
    """The dbt models of a prepared `project` (its manifest made by `prepare`) as one
    multi-asset; `dbt build` runs the selected models and their tests."""
    from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

    fed = source_keys(feeds)
    manifest = project.manifest_path
    tables = model_tables(json.loads(manifest.read_text()))

    class GoldTranslator(DagsterDbtTranslator):
        def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
            props = dbt_resource_props
            if props["resource_type"] == "source":
                table = props.get("identifier") or props["name"]
                key = fed.get((props["schema"], table))
                if key is not None:
                    return key
                return dg.AssetKey(["warehouse", props["schema"], table])
            return gold_asset_key(props["name"])

        def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
            return GOLD_GROUP

        def get_automation_condition(
            self, dbt_resource_props: Mapping[str, Any]
        ) -> dg.AutomationCondition | None:
            return AFTER_UPSTREAM

    @dbt_assets(
        manifest=manifest,
        dagster_dbt_translator=GoldTranslator(),
        name="gold_dbt_models",
    )
    def gold_dbt_models(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
    ):
        """Builds the selected gold models with `dbt build` and runs their dbt tests."""
        run_dir = project.run_dir(context.run.run_id)
        if project.profile.password and PASSWORD_ENV not in os.environ:
            os.environ[PASSWORD_ENV] = project.profile.password  # dbt inherits it, never logs it
        events, failure = [], None
        try:
            for event in dbt.cli(["build"], context=context, target_path=run_dir).stream():
                events.append(event)
        except Exception as e:  # a model or a test failed: report what was built, then fail
            failure = e
        # Row counts and columns are read once dbt is done (a DuckDB file is free by then).
        yield from with_table_metadata(events, tables, warehouse)
        if failure is not None:
            raise failure

    return gold_dbt_models


def model_tables(manifest: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """dbt unique_id of every model → the (schema, table) it is built as."""
    return {
        unique_id: (node["schema"], node.get("alias") or node["name"])
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
    }


def with_table_metadata(
    events: list[Any], tables: Mapping[str, tuple[str, str]], warehouse: WarehouseResource
) -> Iterator[Any]:
    """dagster-dbt's events, each built model's with its row count and column schema."""
    outputs = [e for e in events if isinstance(e, dg.Output) and e.metadata.get("unique_id")]
    if not outputs:
        yield from events
        return
    described: dict[str, dict[str, Any]] = {}
    with warehouse.connect() as wh:
        for output in outputs:
            unique_id = str(output.metadata["unique_id"].value)
            schema, table = tables[unique_id]
            target = qualified(schema, table, wh.dialect)
            columns = wh.columns(schema, table) or []
            described[unique_id] = {
                "dagster/row_count": int(wh.scalar(f"SELECT count(*) FROM {target}")),
                "dagster/table_name": f"{schema}.{table}",
                "dagster/column_schema": warehouse_column_schema(columns, []),
            }
    built = {id(o) for o in outputs}
    for event in events:
        if id(event) in built:
            extra = described[str(event.metadata["unique_id"].value)]
            event = event.with_metadata({**event.metadata, **extra})  # type: ignore[union-attr]
        yield event


def gold_dbt_resource(project: GoldProject) -> dg.ConfigurableResource:
    from dagster_dbt import DbtCliResource

    return DbtCliResource(
        project_dir=str(project.project_dir),
        profiles_dir=str(project.profiles_dir),
        dbt_executable=dbt_executable(),
    )
