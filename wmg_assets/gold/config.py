"""Gold definitions: one YAML file per table in `$WMG_CONFIG_DIR/gold/`.

```yaml
name: customers_per_country        # the table gold.<name> and the asset gold/<name>
description: Customers and their credit limit per country.
sql: |                             # one SELECT in PostgreSQL/Redshift SQL, over the warehouse
  SELECT country, count(*) AS customers FROM public.customers GROUP BY country
```
"""

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from wmg_assets.feeds.config import Identifier, load_named_models
from wmg_assets.gold.sql import GoldSqlError, parse_select


class GoldConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Identifier
    sql: str = Field(min_length=1)
    description: str | None = None
    schema_: Identifier = Field(default="gold", alias="schema")

    @field_validator("sql")
    @classmethod
    def _one_select(cls, value: str) -> str:
        try:
            parse_select(value)
        except GoldSqlError as e:
            raise ValueError(str(e)) from e
        return value

    @property
    def schema(self) -> str:  # type: ignore[override]
        return self.schema_


def load_gold(directory: Path) -> list[GoldConfig]:
    """Every gold definition in `directory/*.yaml` (none when the folder does not exist)."""
    return load_named_models(directory, GoldConfig, "gold definitions")
