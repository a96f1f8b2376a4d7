"""Migration code bases: one YAML file per Teradata code base in
`$WMG_CONFIG_DIR/migration/sql/`.

```yaml
name: sales_etl              # the asset migration/sql/<name>
description: The nightly sales ELT, BTEQ and SQL.
source: sales_etl            # a folder (relative to this YAML's folder) or s3://bucket/prefix
targets: [redshift, spark]   # default: both
catalog: glue_catalog        # optional, Spark: tables as <catalog>.<schema>.<table>
external_schemas: [stage]    # optional, Redshift: schemas of Iceberg tables, read as ext_<schema>
```
"""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from wmg_assets.feeds.config import (
    FeedConfigError,
    Identifier,
    load_named_models,
    load_yaml_models,
)
from wmg_assets.migration.sql.options import ConversionOptions

Target = Literal["redshift", "spark"]


class SqlCodebaseConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Identifier
    source: str = Field(min_length=1)
    description: str | None = None
    targets: list[Target] = Field(default_factory=lambda: ["redshift", "spark"], min_length=1)
    catalog: str | None = None
    external_schemas: list[str] = Field(default_factory=list)

    @property
    def is_s3(self) -> bool:
        return self.source.startswith("s3://")

    def options(self) -> ConversionOptions:
        return ConversionOptions(
            catalog=self.catalog, external_schemas=frozenset(self.external_schemas)
        )


def load_sql_codebases(directory: Path) -> list[SqlCodebaseConfig]:
    """Every code base in `directory/*.yaml`, a relative source folder resolved against
    `directory` (none when the folder does not exist)."""
    found = []
    for config in load_yaml_models(directory, SqlCodebaseConfig):
        if not config.is_s3 and not Path(config.source).is_absolute():
            config = config.model_copy(update={"source": str(directory / config.source)})
        found.append(config)
    names = [c.name for c in found]
    if len(names) != len(set(names)):
        raise FeedConfigError(f"{directory}: two code bases share a name ({names})")
    return found


class DdlSourceConfig(BaseModel):
    """A database whose schemas' DDL is extracted and checked against a target: one YAML
    file per source in `$WMG_CONFIG_DIR/migration/ddl/`.

    ```yaml
    name: legacy_pg            # the assets migration/ddl/<name>/<schema>
    source: env:LEGACY_PG_URL  # env:<VAR> (the URL in a variable), secret://<name>, or
                               # warehouse (the platform's own); never a password in YAML
    schemas: [sales]
    tables: [orders]           # optional: default all
    views: [order_total]       # optional: default all
    with_dependencies: true    # what the objects read, recursively (default true)
    target: warehouse          # where the checks look: same forms as source
    target_schemas: {sales: sales_copy}  # optional: default the same name
    ```
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Identifier
    source: str = Field(min_length=1)
    schemas: list[str] = Field(min_length=1)
    tables: list[str] | None = None
    views: list[str] | None = None
    with_dependencies: bool = True
    target: str = "warehouse"
    target_schemas: dict[str, str] = Field(default_factory=dict)
    description: str | None = None

    def target_schema(self, schema: str) -> str:
        return self.target_schemas.get(schema, schema)


def database_url(reference: str, warehouse_url: str) -> str:
    """The URL a config's `source` / `target` names: `env:VAR`, `warehouse`, or a URL
    (`secret://…` is resolved when connecting)."""
    import os

    if reference == "warehouse":
        return warehouse_url
    if reference.startswith("env:"):
        name = reference[len("env:") :]
        value = os.environ.get(name)
        if not value:
            raise FeedConfigError(f"environment variable {name} (a database URL) is not set")
        return value
    return reference


def load_ddl_sources(directory: Path) -> list[DdlSourceConfig]:
    """Every DDL source in `directory/*.yaml` (none when the folder does not exist)."""
    return load_named_models(directory, DdlSourceConfig, "DDL sources")
