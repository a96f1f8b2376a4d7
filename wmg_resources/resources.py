"""The resources of every asset, for one environment (`build_resources`)."""

import os

import dagster as dg

from wmg_resources.aws import QueueResource
from wmg_resources.engine import EngineResource
from wmg_resources.iceberg import IcebergResource
from wmg_resources.lake import LakeResource
from wmg_resources.notifier import NotifierResource
from wmg_resources.settings import WmgSettings, load_settings
from wmg_resources.warehouse import WarehouseResource


def build_resources(
    settings: WmgSettings | None = None, *, env_vars: bool = True
) -> dict[str, dg.ConfigurableResource]:
    """The resources of every asset, for the environment that `settings` describes.

    With `env_vars`, values that came from a set variable are passed as `dg.EnvVar`, so
    the Dagster UI shows the variable's name and never its value (URLs carry passwords).
    Without, plain values: for direct use outside a Dagster run.
    """
    s = settings or load_settings()

    def _from_env(name: str, value: str) -> str:
        if env_vars and os.environ.get(name):
            return dg.EnvVar(name)  # type: ignore[return-value]
        return value

    engine = EngineResource(
        kind=s.engine,
        spark_remote=s.spark_remote,
        duckdb_memory_limit=s.duckdb_memory_limit,
    )
    return {
        "lake": LakeResource(
            url=_from_env("WMG_LAKE_URL", s.lake),
            s3_endpoint_url=s.s3_endpoint_url,
            region=s.aws_region,
        ),
        "warehouse": WarehouseResource(
            url=_from_env("WMG_WAREHOUSE_URL", s.warehouse),
            audit_schema=s.audit_schema,
            retry_attempts=s.retry_attempts,
            retry_delay_seconds=s.retry_delay_seconds,
            duckdb_memory_limit=s.duckdb_memory_limit,
        ),
        "engine": engine,
        "landing_queue": QueueResource(
            queue_url=_from_env("WMG_SQS_QUEUE_URL", s.sqs_queue_url or "") or None,
            endpoint_url=s.aws_endpoint,
            region=s.aws_region,
        ),
        "notifier": NotifierResource(
            topic_arn=s.sns_topic_arn, endpoint_url=s.aws_endpoint, region=s.aws_region
        ),
        "iceberg": IcebergResource(
            kind=s.catalog_kind,
            uri=_from_env("WMG_ICEBERG_CATALOG_URL", s.catalog_url),
            s3_endpoint_url=s.s3_endpoint_url,
            region=s.aws_region,
        ),
    }


__all__ = [
    "EngineResource",
    "IcebergResource",
    "LakeResource",
    "NotifierResource",
    "QueueResource",
    "WarehouseResource",
    "WmgSettings",
    "build_resources",
    "load_settings",
]
