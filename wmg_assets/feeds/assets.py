"""One factory turns a feed config into its three assets: bronze → silver → warehouse.

Each landed file is one dynamic partition (`<feed>_files`, key = the file's name), so the UI
shows every file with its own status, and a file is re-run by re-materializing its partition.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import dagster as dg
import pyarrow as pa

from wmg_assets.feeds.config import FeedConfig
from wmg_assets.feeds.landed import (
    ALREADY_LOADED,
    bronze_asset_key,
    landed_file,
    log_landed,
    record_duplicate,
    skip_if_already_loaded,
)
from wmg_assets.feeds.lifecycle import correlated_logs, file_step
from wmg_assets.feeds.pipeline import SilverNotRegistered, merge_into_warehouse, write_silver
from wmg_assets.feeds.quality import RulesBroken, rules_check_result, rules_check_spec
from wmg_resources.engine import EngineResource
from wmg_resources.errors import InputError
from wmg_resources.iceberg import IcebergResource
from wmg_resources.lake import LakeResource
from wmg_resources.processes import current_process
from wmg_resources.timing import StepTimes
from wmg_resources.warehouse import Column, WarehouseResource
from wmg_resources.warehouse.ledger import AlreadyLoaded

PROCESS_TAG = "wmg/process"
"""Run tag: the process (`host:pid:start`) that runs the file's steps."""


def arrow_column_schema(schema: pa.Schema) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(f.name, str(f.type)) for f in schema])


def warehouse_column_schema(columns: list[Column], keys: list[str]) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                c.name,
                f"{c.type}({c.length})" if c.length else c.type,
                constraints=dg.TableColumnConstraints(nullable=c.nullable, unique=False),
                description="upsert key" if c.name in keys else None,
            )
            for c in columns
        ]
    )


def warehouse_asset_key(feed: FeedConfig) -> dg.AssetKey:
    return dg.AssetKey(["warehouse", feed.target.schema, feed.target.table])


def feed_asset_keys(feed: FeedConfig) -> list[dg.AssetKey]:
    """bronze, silver and warehouse: what one file's run materializes, in order."""
    return [bronze_asset_key(feed), dg.AssetKey(["silver", feed.name]), warehouse_asset_key(feed)]


def feed_job_name(feed: FeedConfig) -> str:
    return f"{feed.name}_file_job"


def feed_file_job(feed: FeedConfig):  # -> what dg.define_asset_job returns (not exported)
    """The job that loads one landed file (a partition) through the feed's three assets;
    sensors, schedules and `wmg ingest` all launch it."""
    return dg.define_asset_job(
        feed_job_name(feed),
        selection=dg.AssetSelection.assets(*feed_asset_keys(feed)),
        description=f"Loads one landed **{feed.name}** file: bronze → silver → warehouse.",
    )


@dataclass(frozen=True)
class PlatformKinds:
    """Where each layer runs, shown as asset kinds in the UI."""

    lake: str = "file"  # file | s3
    engine: str = "duckdb"  # duckdb | spark
    warehouse: str = "duckdb"  # duckdb | postgres | redshift


@contextmanager
def data_errors() -> Iterator[None]:
    """Bad data fails the step for good: retrying cannot fix a file."""
    try:
        yield
    except (InputError, SilverNotRegistered) as e:
        raise dg.Failure(description=str(e), allow_retries=False) from e


def build_feed_assets(
    feed: FeedConfig, kinds: PlatformKinds = PlatformKinds(), retry_delay_seconds: float = 300
) -> list[dg.AssetsDefinition]:
    """The bronze, silver and warehouse assets of one feed."""
    partitions = dg.DynamicPartitionsDefinition(name=feed.partitions_name)
    target = f"{feed.target.schema}.{feed.target.table}"

    @dg.asset(
        key=bronze_asset_key(feed),
        kinds={"csv", kinds.lake},
        description=(
            f"Files of the **{feed.name}** feed as landed in the lake at `data/in/` "
            f"(pattern `{feed.file_pattern}`), one partition per file, with size, sha256 "
            "and line count. A file whose content was already loaded is not loaded again: "
            "it is archived and its partition shows an observation `already_loaded_in_run` "
            "(run with tag `wmg/reload=true` to force a load)."
        ),
        partitions_def=partitions,
        group_name=feed.name,
        output_required=False,
    )
    def bronze(
        context: dg.AssetExecutionContext, lake: LakeResource, warehouse: WarehouseResource
    ) -> Iterator[dg.MaterializeResult | dg.AssetObservation]:
        file_name = context.partition_key
        # Which process loads the file: a run whose process died is then told from one
        # still loading (the sensors and sweeps mark it failed and request the file again).
        context.instance.add_run_tags(context.run_id, {PROCESS_TAG: current_process()})
        with correlated_logs(context, lake, feed=feed.name, file=file_name, step="bronze"):
            landed = landed_file(lake, context.partition_key, feed)
            previous = skip_if_already_loaded(context, feed, lake=lake, warehouse=warehouse,
                                              landed=landed)  # fmt: skip
            if previous is None:
                log_landed(landed)
        metadata = {**landed.metadata(), "uri": dg.MetadataValue.path(lake.uri(landed.key))}
        if previous is not None:
            yield dg.AssetObservation(
                asset_key=context.asset_key,
                partition=context.partition_key,
                metadata={**metadata, ALREADY_LOADED: previous.run_id},
            )
            return
        yield dg.MaterializeResult(metadata=metadata)

    silver_key = dg.AssetKey(["silver", feed.name])

    @dg.asset(
        key=silver_key,
        deps=[bronze],
        kinds={"iceberg", kinds.engine},
        description=(
            f"Cleaned, typed rows of each **{feed.name}** file, appended to the Iceberg table "
            f"`silver.{feed.name}` with `run_date` and `file_name`. Column names are "
            "lowercased with runs of other characters replaced by `_`; numbers with a "
            "fraction are exact DECIMAL(38,18)."
        ),
        partitions_def=partitions,
        group_name=feed.name,
        check_specs=[rules_check_spec(silver_key, feed.rules)] if feed.rules else None,
    )
    def silver(
        context: dg.AssetExecutionContext,
        lake: LakeResource,
        engine: EngineResource,
        iceberg: IcebergResource,
        warehouse: WarehouseResource,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        with file_step(context, feed, "silver", lake=lake, warehouse=warehouse) as step, \
                data_errors():  # fmt: skip
            landed = step.landed()
            try:
                result = write_silver(
                    feed, context.partition_key, context.run_id, lake=lake, engine=engine,
                    iceberg=iceberg, identifier_limit=warehouse.identifier_limit,
                    expected_rows=landed.records if landed is not None else None,
                )  # fmt: skip
            except RulesBroken as broken:  # the check is red in the run, then the step fails
                yield rules_check_result(broken.outcome, [])
                raise
        if result.rules is not None:
            yield rules_check_result(result.rules, [lake.uri(k) for k in result.rules_dlq_keys])
        yield dg.MaterializeResult(
            metadata={
                "dagster/row_count": result.rows,
                "dagster/table_name": result.table_name,
                "dagster/column_schema": arrow_column_schema(result.schema),
                "engine": engine.kind,
                "rows_rejected": result.rejected,
                "dlq": dg.MetadataValue.path(lake.uri(result.dlq_key)) if result.dlq_key else "",
                "snapshot_id": str(result.snapshot_id),
                "data_files": dg.MetadataValue.json(result.data_keys),
                **StepTimes.metadata_of(result.seconds),
            }
        )

    @dg.asset(
        key=warehouse_asset_key(feed),
        deps=[silver],
        kinds={kinds.warehouse},
        # One merge at a time per target table (the merge also locks the table).
        pool=f"wmg_{feed.target.schema}_{feed.target.table}",
        retry_policy=dg.RetryPolicy(max_retries=1, delay=retry_delay_seconds),
        description=(
            f"Current state of `{target}`: each **{feed.name}** file's silver rows upserted "
            f"by key ({', '.join(feed.upsert_keys)})"
            + (
                f", latest `{feed.order_by}` winning among duplicates and over older versions "
                "already in the table"
                if feed.order_by
                else ""
            )
            + ", in one transaction (DELETE … USING + INSERT) that also writes the audit and "
            "ledger rows. Columns a file lacks keep their values in updated rows."
        ),
        partitions_def=partitions,
        group_name=feed.name,
        output_required=False,
    )
    def warehouse_target(
        context: dg.AssetExecutionContext,
        lake: LakeResource,
        iceberg: IcebergResource,
        warehouse: WarehouseResource,
    ) -> Iterator[dg.MaterializeResult | dg.AssetObservation]:
        try:
            with (
                file_step(
                    context, feed, "warehouse", lake=lake, warehouse=warehouse, final=True
                ) as step,
                data_errors(),
            ):
                result = merge_into_warehouse(
                    feed, context.partition_key, context.run_id, lake=lake, iceberg=iceberg,
                    warehouse=warehouse, record=step.record,
                )  # fmt: skip
                step.counts = result.counts
                step.schema_changes = result.plan_markdown
        except AlreadyLoaded as done:  # another run loaded this object while this one ran
            landed = step.landed()
            if landed is not None:
                record_duplicate(context.run_id, feed, lake=lake, warehouse=warehouse,
                                 landed=landed, previous=done.previous)  # fmt: skip
            yield dg.AssetObservation(
                asset_key=context.asset_key,
                partition=context.partition_key,
                metadata={ALREADY_LOADED: done.previous.run_id},
            )
            return
        yield dg.MaterializeResult(
            metadata={
                "dagster/row_count": result.target_rows,
                "dagster/table_name": target,
                "dagster/column_schema": warehouse_column_schema(
                    result.target_columns, feed.upsert_keys
                ),
                **result.counts,
                "table_created": result.table_created,
                "schema_changes": dg.MetadataValue.md(result.plan_markdown),
                **StepTimes.metadata_of(result.seconds),
            }
        )

    return [bronze, silver, warehouse_target]
