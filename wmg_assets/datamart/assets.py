"""The assets of a datamart: `datamart/<database>/<table>` for each source table's mirror and
each join output, made by one step (so the watermark moves only once all are committed).

Run config: `load_type: full | incremental` (default incremental; a missing watermark makes
it full). From the command line:

    dagster asset materialize -m wmg_assets.definitions --select group:datamart_account_metadata \\
      --config-json '{"ops": {"datamart_account_metadata": {"config": {"load_type": "full"}}}}'
"""

from typing import Literal

import dagster as dg

from wmg_assets.datamart.config import DatamartConfig
from wmg_assets.datamart.load import DatamartLoad, run_datamart
from wmg_resources.iceberg import IcebergResource
from wmg_resources.lake import LakeResource


class DatamartRun(dg.Config):
    load_type: Literal["full", "incremental"] = "incremental"


def datamart_key(config: DatamartConfig, table: str) -> dg.AssetKey:
    return dg.AssetKey(["datamart", config.database_name, table])


def _metadata(result: DatamartLoad) -> dict:
    return {
        "load_type": result.load_type,
        "requested": result.requested,
        "skipped": result.skipped,
        "watermark_before": str(result.watermark_before or ""),
        "watermark_after": result.watermark_after or str(result.watermark_before or ""),
    }


def build_datamart_assets(mart: DatamartConfig, source_url: str) -> dg.AssetsDefinition:
    db = mart.database_name
    specs = [
        dg.AssetSpec(
            datamart_key(mart, t.name),
            kinds={"iceberg"},
            group_name=f"datamart_{db}",
            description=f"Mirror of the source table `{t.name}` (by {', '.join(t.keys)}; "
            f"incremental on `{t.incremental_field}`), Iceberg table `{db}.{t.name}`.",
        )
        for t in mart.tables
    ] + [
        dg.AssetSpec(
            datamart_key(mart, j.output),
            kinds={"iceberg", "duckdb"},
            group_name=f"datamart_{db}",
            deps=[datamart_key(mart, n) for n in [j.base, *(w.table for w in j.with_)]],
            description=f"`{j.base}` joined with "
            f"{', '.join(w.table for w in j.with_) or 'nothing'}, Iceberg table `{db}.{j.output}`.",
        )
        for j in mart.joins
    ]

    @dg.multi_asset(name=f"datamart_{db}", specs=specs)
    def datamart(
        context: dg.AssetExecutionContext,
        config: DatamartRun,
        lake: LakeResource,
        iceberg: IcebergResource,
    ):
        result = run_datamart(mart, config.load_type, source_url=mart.source_url or source_url,
                              lake=lake, iceberg=iceberg, run_id=context.run_id)  # fmt: skip
        common = _metadata(result)
        for name, load in result.tables.items():
            yield dg.MaterializeResult(
                asset_key=datamart_key(mart, name),
                metadata={**common, "rows_read": load.rows_read,
                          "rows_changed": load.rows_changed, "table_load": "full" if load.full
                          else "incremental", "snapshot_id": str(load.snapshot_id or "")},
            )  # fmt: skip
        for join in mart.joins:
            yield dg.MaterializeResult(
                asset_key=datamart_key(mart, join.output),
                metadata={
                    **common,
                    **(
                        {"dagster/row_count": result.outputs[join.output]}
                        if join.output in result.outputs
                        else {}
                    ),
                },
            )

    return datamart
