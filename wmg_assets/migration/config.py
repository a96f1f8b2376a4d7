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

from wmg_assets.feeds.config import FeedConfigError, Identifier, load_yaml_models
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
