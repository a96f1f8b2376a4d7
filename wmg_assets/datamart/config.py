"""Datamart configuration: one YAML file per datamart in `$WMG_CONFIG_DIR/datamart/`.

```yaml
database_name: account_metadata
source_url: duckdb:///path/to/source.duckdb   # or postgresql://…; default $WMG_SOURCE_URL
lag_seconds: 300                              # re-read window behind the watermark
snapshots_kept: 10                            # Iceberg snapshots kept per mirror (time travel)
tables:
  - {name: account, incremental_field: updated_at, keys: [id]}
  - {name: adjustment, incremental_field: updated_at, keys: [id], standalone: true}
joins:
  - output: account_summary
    base: account
    with:
      - {table: account_risk, on: {account_id: id}, how: left, as: risk}
    columns: [id, status, {name: risk.score, as: risk_score}]   # optional projection
```

In `on`, keys are columns of the joined table and values columns of the base (or of a table
joined before it, written `alias.column`). Without `columns`, an output has the base's columns
and each joined table's columns prefixed with its alias (`risk_score`).
"""

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from wmg_assets.feeds.config import SNAPSHOTS_KEPT, Identifier, load_yaml_models


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SourceTable(_Model):
    name: Identifier
    incremental_field: Identifier
    keys: list[Identifier] = Field(min_length=1)
    standalone: bool = False


class JoinedTable(_Model):
    table: Identifier
    on: dict[Identifier, str] = Field(min_length=1)
    how: Literal["left", "inner"] = "left"
    alias: Identifier | None = Field(default=None, alias="as")

    @model_validator(mode="before")
    @classmethod
    def _yaml_on(cls, data: Any) -> Any:
        """A bare `on:` key: the join condition."""
        from wmg_assets.feeds.config import bare_on_key

        return bare_on_key(data)

    @property
    def name(self) -> str:
        return self.alias or self.table


class OutputColumn(_Model):
    name: str  # `column` of the base, or `alias.column`
    as_: Identifier | None = Field(default=None, alias="as")


class JoinOutput(_Model):
    output: Identifier
    base: Identifier
    with_: list[JoinedTable] = Field(default=[], alias="with")
    columns: list[str | OutputColumn] = []


class DatamartConfig(_Model):
    database_name: Identifier
    source_url: str | None = None
    lag_seconds: float = Field(default=300, ge=0)
    snapshots_kept: int = Field(default=SNAPSHOTS_KEPT, ge=1)
    """Snapshots each mirror and output keeps for time travel. Once a table holds twice as
    many, the oldest are expired and the files only they used deleted (a table committed to
    on every run would otherwise grow its metadata, and slow its commits, without end)."""
    tables: list[SourceTable] = Field(min_length=1)
    joins: list[JoinOutput] = []

    @model_validator(mode="after")
    def _joins_name_configured_tables(self) -> "DatamartConfig":
        tables = {t.name: t for t in self.tables}
        outputs = [j.output for j in self.joins]
        clash = (set(outputs) & set(tables)) | {o for o in outputs if outputs.count(o) > 1}
        if clash:
            raise ValueError(f"output name(s) {sorted(clash)} clash with a table or output")
        for join in self.joins:
            for name in [join.base, *(w.table for w in join.with_)]:
                if name not in tables:
                    raise ValueError(f"join {join.output!r} names {name!r}, not in tables")
                if tables[name].standalone:
                    raise ValueError(f"join {join.output!r} names standalone table {name!r}")
        return self

    def table(self, name: str) -> SourceTable:
        return next(t for t in self.tables if t.name == name)


def load_datamarts(directory: Path) -> list[DatamartConfig]:
    """Every datamart in `directory/*.yaml` (none when the folder does not exist)."""
    return load_yaml_models(directory, DatamartConfig)
