"""Migration specs: one row per table to copy, from the seed's config CSV (`#` separated)

    source_name#source_table#source_connection#source_columns#source_filter#target_name#
    target_table#target_connection#load_type#incremental_load_column

or the same fields in YAML (`config/migration/data/*.yaml`: a `tables:` list). A connection
is a database URL (`postgresql://`, `redshift://`, `duckdb:///`, `teradata://`), `secret:<name>`
(Secrets Manager) or `env:<VAR>`. `source_columns` is a comma list or `*`; `load_type` is
`append`, `overwrite` or `incremental` (which needs `incremental_load_column`); `key_columns`
(optional, YAML or an extra CSV column) names the reconciliation key, else the source's
primary key is used; `staging_location` (optional, `s3://bucket/prefix`) is the temporary
S3 prefix the rows pass through, needed when either side is Redshift. Every row is
validated first: an invalid one is reported with its row and field and skipped; the others
run.
"""

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

M = TypeVar("M", bound=BaseModel)
FIELDS = ["source_name", "source_table", "source_connection", "source_columns",
          "source_filter", "target_name", "target_table", "target_connection", "load_type",
          "incremental_load_column"]  # fmt: skip
CONNECTION_PREFIXES = ("postgresql://", "postgres://", "redshift://", "duckdb://",
                       "teradata://", "secret:", "env:")  # fmt: skip


class TableSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    source_name: str = ""
    source_table: str = Field(min_length=1)
    source_connection: str = Field(min_length=1)
    source_columns: str = "*"
    source_filter: str | None = None
    target_name: str = ""
    target_table: str = Field(min_length=1)
    target_connection: str = Field(min_length=1)
    load_type: Literal["append", "overwrite", "incremental"] = "overwrite"
    incremental_load_column: str | None = Field(default=None, validate_default=True)
    key_columns: list[str] = Field(default_factory=list)
    staging_location: str | None = Field(default=None, pattern=r"^s3://")

    @field_validator("source_connection", "target_connection")
    @classmethod
    def _connection(cls, value: str) -> str:
        if not value.startswith(CONNECTION_PREFIXES):
            raise ValueError(
                "a database URL (postgresql://, redshift://, duckdb:///, teradata://), "
                "secret:<name> or env:<VAR>"
            )
        return value

    @field_validator("source_filter", "incremental_load_column", "staging_location",
                     mode="before")  # fmt: skip
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("incremental_load_column")
    @classmethod
    def _needed_when_incremental(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("load_type") == "incremental" and not value:
            raise ValueError("load_type incremental needs incremental_load_column")
        return value

    @field_validator("key_columns", mode="before")
    @classmethod
    def _key_list(cls, value: object) -> object:
        return (
            [k.strip() for k in value.split(",") if k.strip()] if isinstance(value, str) else value
        )

    @property
    def columns(self) -> list[str] | None:
        listed = [c.strip() for c in self.source_columns.split(",") if c.strip()]
        return None if listed in ([], ["*"]) else listed

    @property
    def name(self) -> str:
        return self.target_name or self.target_table


@dataclass(frozen=True)
class InvalidRow:
    row: int  # 1-based data row (the CSV's line minus its header)
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}: {self.message}"


def _validated(rows: list[dict], model: type[M]) -> tuple[list[M], list[InvalidRow]]:
    specs: list[M] = []
    invalid: list[InvalidRow] = []
    for number, row in enumerate(rows, 1):
        cleaned = {k.strip(): (v if v is None else str(v)) for k, v in row.items() if k}
        if isinstance(row.get("key_columns"), list):
            cleaned["key_columns"] = row["key_columns"]
        try:
            specs.append(model.model_validate(cleaned))
        except ValidationError as e:
            first = e.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "row"
            invalid.append(InvalidRow(number, field, first["msg"].removeprefix("Value error, ")))
    return specs, invalid


def read_specs(path: Path, model: type[M] = TableSpec, separator: str = "#",
               ) -> tuple[list[M], list[InvalidRow]]:  # fmt: skip
    """The valid rows of a CSV (`separator`) or YAML spec as `model`s, and the invalid ones
    with the reason."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".yaml", ".yml"):
        loaded = yaml.safe_load(text) or {}
        rows = loaded.get("tables", []) if isinstance(loaded, dict) else []
        return _validated([r if isinstance(r, dict) else {} for r in rows], model)
    reader = csv.DictReader(io.StringIO(text), delimiter=separator)
    missing = [f for f in ("source_table", "target_table") if f not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{path}: the header has no {', '.join(missing)} (fields: "
                         f"{'#'.join(FIELDS)})")  # fmt: skip
    return _validated(list(reader), model)


def load_data_specs(directory: Path) -> list[tuple[str, TableSpec]]:
    """(spec name, row) of every valid row of `directory/*.yaml`; an invalid row is an
    error naming the file, row and field (a definition must not silently lose a table)."""
    from wmg_assets.feeds.config import FeedConfigError  # the definitions' config error

    found = []
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        specs, invalid = read_specs(path)
        if invalid:
            raise FeedConfigError(f"{path}: {'; '.join(str(i) for i in invalid)}")
        name = (yaml.safe_load(path.read_text()) or {}).get("name") or path.stem
        found += [(str(name), spec) for spec in specs]
    return found
