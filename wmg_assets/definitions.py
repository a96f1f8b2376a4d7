"""The single `Definitions` of the platform: every feed's assets, checks and resources.

Loaded by `dagster dev`, `dagster asset materialize -m wmg_assets.definitions`, Dagster+
(the `defs` function) and the `wmg` command (`load_definitions_from`) alike. What it holds
depends only on `WMG_*` settings and the YAML files in `$WMG_CONFIG_DIR`.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import dagster as dg

from wmg_assets.feeds.assets import PlatformKinds, build_feed_assets, feed_file_job
from wmg_assets.feeds.config import FeedConfig, FeedConfigError, feeds_of
from wmg_assets.feeds.sensors import SensorSettings, landing_triggers
from wmg_assets.gold.project import GoldProject, prepared_gold_project
from wmg_checks.reconciliation import reconciliation_check
from wmg_checks.warehouse_keys import upsert_keys_unique_check
from wmg_resources.console_logger import console_logger
from wmg_resources.resources import build_resources
from wmg_resources.settings import WmgSettings, load_settings

if TYPE_CHECKING:  # imported where used: `wmg ingest` loads the feeds alone
    from wmg_assets.api.config import ApiSourceConfig
    from wmg_assets.datamart.config import DatamartConfig
    from wmg_assets.migration.config import DdlSourceConfig, SqlCodebaseConfig
    from wmg_assets.migration.data.specs import TableSpec
    from wmg_assets.migration.elt.steps import JobConfig


def platform_kinds(settings: WmgSettings) -> PlatformKinds:
    scheme = urlsplit(settings.warehouse).scheme
    return PlatformKinds(
        lake="s3" if settings.lake.startswith("s3://") else "file",
        engine=settings.engine,
        warehouse={"postgresql": "postgres"}.get(scheme, scheme),
    )


def sensor_settings(settings: WmgSettings) -> SensorSettings:
    return SensorSettings(
        interval_seconds=settings.sensor_interval_seconds,
        max_files=settings.sensor_max_files,
        lookback_seconds=settings.sensor_lookback_seconds,
    )


@dataclass
class OtherKinds:
    """What the config folder defines besides feeds and gold: APIs, datamarts, the Teradata
    code bases to convert, the DDL sources to extract and check, the tables to migrate and
    the ELT jobs (each kind's modules imported only here)."""

    apis: "list[ApiSourceConfig]" = field(default_factory=list)
    datamarts: "list[DatamartConfig]" = field(default_factory=list)
    codebases: "list[SqlCodebaseConfig]" = field(default_factory=list)
    ddl_sources: "list[DdlSourceConfig]" = field(default_factory=list)
    data_specs: "list[tuple[str, TableSpec]]" = field(default_factory=list)
    elt_jobs: "list[JobConfig]" = field(default_factory=list)

    def definitions(self, settings: WmgSettings, kinds: PlatformKinds) -> dg.Definitions:
        from wmg_assets.api.assets import build_api_assets
        from wmg_assets.datamart.assets import build_datamart_assets
        from wmg_assets.events.notifications import notification_sensors
        from wmg_assets.jobs import JOBS
        from wmg_assets.jobs.base import job_asset
        from wmg_assets.migration.assets import (
            build_ddl_asset,
            build_ddl_check,
            build_ddl_source_checks,
            build_sql_codebase_asset,
        )
        from wmg_assets.migration.data_assets import build_data_asset
        from wmg_assets.migration.elt_assets import build_elt_assets, build_elt_job

        return dg.Definitions(
            assets=[a for api in self.apis for a in build_api_assets(api, kinds.lake)]
            + [job_asset(job, settings.env.value) for job in JOBS]
            + [build_datamart_assets(mart, settings.datamart_source) for mart in self.datamarts]
            + [build_sql_codebase_asset(codebase) for codebase in self.codebases]
            + [build_ddl_asset(source, schema) for source in self.ddl_sources
               for schema in source.schemas]
            + [build_data_asset(name, spec) for name, spec in self.data_specs]
            + [a for job in self.elt_jobs for a in build_elt_assets(job)],
            asset_checks=[build_ddl_check(codebase) for codebase in self.codebases]
            + [check for source in self.ddl_sources for schema in source.schemas
               for check in build_ddl_source_checks(source, schema)],
            jobs=[build_elt_job(job) for job in self.elt_jobs],
            resources={a.resource_key: a.resource() for a in self.apis},
            sensors=notification_sensors(bool(settings.sns_topic_arn)),
        )  # fmt: skip


def build_definitions(
    settings: WmgSettings,
    feeds: list[FeedConfig],
    gold: GoldProject | None = None,
    others: OtherKinds | None = None,
) -> dg.Definitions:
    """The feeds' assets, checks, jobs and sensors, the gold project's (if any) and, unless
    `others` is None (what `wmg ingest` loads), every other kind's."""
    kinds = platform_kinds(settings)
    jobs = [feed_file_job(feed) for feed in feeds]
    sensors, schedules = landing_triggers(
        feeds, jobs, sensor_settings(settings), sqs_configured=bool(settings.sqs_queue_url)
    )
    feed_defs = dg.Definitions(
        assets=[
            a
            for feed in feeds
            for a in build_feed_assets(feed, kinds, settings.retry_delay_seconds)
        ]
        + gold_assets(gold, feeds),
        asset_checks=[
            check
            for feed in feeds
            for check in (upsert_keys_unique_check(feed), reconciliation_check(feed))
        ],
        jobs=jobs,
        resources={**build_resources(settings), **gold_resources(gold)},
        sensors=sensors,
        schedules=schedules,
        executor=dg.in_process_executor,
        loggers={"console": console_logger},
    )
    if others is None:
        return feed_defs
    return dg.Definitions.merge(feed_defs, others.definitions(settings, kinds))


def gold_assets(gold: GoldProject | None, feeds: list[FeedConfig]) -> list[dg.AssetsDefinition]:
    if gold is None:
        return []
    from wmg_assets.gold.assets import build_gold_assets

    return [build_gold_assets(gold, feeds)]


def gold_resources(gold: GoldProject | None) -> dict[str, Any]:
    if gold is None:
        return {}
    from wmg_assets.gold.assets import DBT_RESOURCE_KEY, gold_dbt_resource

    return {DBT_RESOURCE_KEY: gold_dbt_resource(gold)}


def load_definitions() -> dg.Definitions:
    return load_definitions_from(load_settings())


def warn_config_error(error: FeedConfigError) -> None:
    logging.getLogger("wmg").warning(
        "%s — its assets are left out until it is fixed (wmg check lists every error)", error
    )


def load_definitions_from(
    settings: WmgSettings,
    on_config_error: Callable[[FeedConfigError], None] = warn_config_error,
    with_gold: bool = True,
    feeds_only: bool = False,
) -> dg.Definitions:
    """Everything the config folder defines: feeds, the gold dbt project, APIs, datamarts, the
    Teradata code bases to convert, the DDL sources to extract and check, the tables to migrate
    and the ELT jobs. `with_gold=False` leaves the gold models out (and dbt unimported);
    `feeds_only` leaves out the assets of every kind but feeds (their configs are still
    read, and their errors reported; their asset modules stay unimported): what `wmg ingest`
    loads, as its runs select nothing else.

    A broken feed config stops the load (files would go to the wrong place). A broken file of
    any other kind leaves that kind's assets out and is reported through `on_config_error`
    (a warning by default): a typo in a gold or datamart YAML must not stop the sensors and
    the loads of every feed."""

    def load(loader: Callable[[Path], Any], *parts: str) -> Any:
        try:
            return loader(settings.config_dir.joinpath(*parts))
        except FeedConfigError as e:
            on_config_error(e)
            return []

    feeds = feeds_of(settings)
    gold = (load(lambda _: prepared_gold_project(settings), "gold") or None) if with_gold else None
    from wmg_assets.api.config import load_api_sources
    from wmg_assets.datamart.config import load_datamarts
    from wmg_assets.migration.config import load_ddl_sources, load_sql_codebases
    from wmg_assets.migration.data.specs import load_data_specs
    from wmg_assets.migration.elt.steps import load_elt_jobs

    others = OtherKinds(
        load(load_api_sources, "apis"),
        load(load_datamarts, "datamart"),
        load(load_sql_codebases, "migration", "sql"),
        load(load_ddl_sources, "migration", "ddl"),
        load(load_data_specs, "migration", "data"),
        load(load_elt_jobs, "elt"),
    )
    return build_definitions(settings, feeds, gold, None if feeds_only else others)


@dg.definitions
def defs() -> dg.Definitions:
    """What Dagster loads (`dagster dev`, `dagster asset materialize -m
    wmg_assets.definitions`, Dagster+): built when Dagster asks for it, not when the module is
    imported — the `wmg` command builds its own, so it was built twice per `wmg ingest`."""
    return load_definitions()
