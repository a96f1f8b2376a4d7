"""Resources: the outside world (lake, warehouse, engine, Iceberg). No asset lives here."""

import os

import dagster as dg

from wmg_resources.engine import EngineResource
from wmg_resources.iceberg import IcebergResource
from wmg_resources.lake import LakeResource
from wmg_resources.settings import WmgSettings, load_settings
from wmg_resources.spark import pyspark_resource
from wmg_resources.warehouse import WarehouseResource


def _from_env(name: str, value: str) -> str:
    """`EnvVar(name)` when the variable is set, so the UI shows its name, never its value."""
    return dg.EnvVar(name) if os.environ.get(name) else value  # type: ignore[return-value]


def build_resources(settings: WmgSettings | None = None) -> dict[str, dg.ConfigurableResource]:
    """The resources of every asset, for the environment that `settings` describes."""
    s = settings or load_settings()
    engine = EngineResource(
        kind=s.engine, spark=pyspark_resource(s.spark_remote) if s.engine == "spark" else None
    )
    return {
        "lake": LakeResource(
            url=_from_env("WMG_LAKE_URL", s.lake),
            s3_endpoint_url=s.s3_endpoint_url,
            region=s.aws_region,
        ),
        "warehouse": WarehouseResource(url=_from_env("WMG_WAREHOUSE_URL", s.warehouse)),
        "engine": engine,
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
    "WarehouseResource",
    "WmgSettings",
    "build_resources",
    "load_settings",
]
