"""The one place that reads `WMG_*` variables and picks the local, test or prod setup.

Everything else asks this module: resources are built from a `WmgSettings`, never from
`os.environ` directly, so the three environments differ only in these values.
"""

import os
from enum import StrEnum
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    local = "local"
    test = "test"
    prod = "prod"


DUCKDB_MEMORY_LIMIT = "512MB"
"""Memory each embedded DuckDB (engine, warehouse) may use before it spills to disk: keeps a
big file's peak memory flat instead of growing with the file."""


class WmgSettings(BaseSettings):
    """Platform settings, read from `WMG_*` environment variables.

    Only `WMG_ENV` and `WMG_HOME` are needed locally; every URL defaults to an embedded
    component under `WMG_HOME` (a lake folder, a DuckDB file, a SQLite Iceberg catalog).
    """

    model_config = SettingsConfigDict(env_prefix="WMG_", extra="ignore")

    env: Environment = Environment.local
    home: Path = Path(".wmg")
    config_dir: Path = Path("config")
    lake_url: str | None = None
    warehouse_url: str | None = None
    engine: Literal["duckdb", "spark"] = "duckdb"
    spark_remote: str | None = None
    s3_endpoint_url: str | None = None
    aws_region: str = Field(
        default_factory=lambda: os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    )
    iceberg_catalog_url: str | None = None
    iceberg_catalog: Literal["sql", "glue"] | None = None
    audit_schema: str = "wmg"
    retry_attempts: int = 3
    retry_delay_seconds: float = 300.0
    duckdb_memory_limit: str = DUCKDB_MEMORY_LIMIT
    sns_topic_arn: str | None = None
    aws_endpoint_url: str | None = None  # SNS/SQS endpoint; defaults to WMG_S3_ENDPOINT_URL
    source_url: str | None = None  # the datamart's default source database
    sqs_queue_url: str | None = None  # S3 event notifications of the landing area
    sensor_interval_seconds: int = Field(default=30, ge=1)
    sensor_max_files: int = Field(default=100, ge=1)  # keys listed / messages read per tick
    sensor_lookback_seconds: float = Field(default=60.0, ge=0)

    @model_validator(mode="after")
    def _absolute_home(self) -> "WmgSettings":
        self.home = self.home.expanduser().resolve()
        self.config_dir = self.config_dir.expanduser().resolve()
        return self

    @property
    def lake(self) -> str:
        """Lake root: a folder path or `s3://bucket/prefix`."""
        return self.lake_url or str(self.home / "lake")

    @property
    def warehouse(self) -> str:
        return self.warehouse_url or f"duckdb:///{self.home / 'warehouse.duckdb'}"

    @property
    def datamart_source(self) -> str:
        """The datamart source a config without `source_url` reads."""
        return self.source_url or f"duckdb:///{self.home / 'source.duckdb'}"

    @property
    def catalog_kind(self) -> Literal["sql", "glue"]:
        if self.iceberg_catalog:
            return self.iceberg_catalog
        return "glue" if self.env is Environment.prod else "sql"

    @property
    def catalog_url(self) -> str:
        return self.iceberg_catalog_url or f"sqlite:///{self.home / 'iceberg' / 'catalog.db'}"

    @property
    def aws_endpoint(self) -> str | None:
        """Endpoint of AWS APIs other than S3 (moto or LocalStack); None means AWS itself."""
        return self.aws_endpoint_url or self.s3_endpoint_url

    @property
    def dagster_home(self) -> Path:
        return Path(os.environ.get("DAGSTER_HOME") or self.home / "dagster").resolve()

    @property
    def staging_dir(self) -> Path:
        """Local scratch space for one run's intermediate files (removed after each run)."""
        return self.home / "tmp"


def load_settings() -> WmgSettings:
    return WmgSettings()


def redact_url(url: str) -> str:
    """The URL with any password replaced by `***`, safe to log or show in the UI."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username}:***@{host}" if parts.username else f"***@{host}"
    return urlunsplit(parts._replace(netloc=netloc))
