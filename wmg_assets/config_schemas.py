"""JSON Schemas of every config kind, generated from the pydantic models, so editors with the
YAML language server complete and check the files (`# yaml-language-server: $schema=…` at
the top of each sample). Regenerate with `python -m wmg_assets.config_schemas` (a test fails
when `schemas/` is out of date)."""

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"


def _kinds() -> dict[str, type[BaseModel]]:
    from wmg_assets.api.config import ApiSourceConfig
    from wmg_assets.datamart.config import DatamartConfig
    from wmg_assets.feeds.config import FeedConfig
    from wmg_assets.migration.config import DdlSourceConfig, SqlCodebaseConfig
    from wmg_assets.migration.data.specs import TableSpec
    from wmg_assets.migration.elt.steps import JobConfig

    class DataMigrationSpec(BaseModel):
        """A data migration spec: its name and the tables to copy."""

        model_config = ConfigDict(extra="forbid")
        name: str | None = None
        tables: list[TableSpec]

    return {
        "feed": FeedConfig,
        "datamart": DatamartConfig,
        "api": ApiSourceConfig,
        "migration-sql": SqlCodebaseConfig,
        "migration-ddl": DdlSourceConfig,
        "migration-data": DataMigrationSpec,
        "elt": JobConfig,
    }


def schemas() -> dict[str, str]:
    """`<kind>.schema.json` → its text."""
    found = {}
    for kind, model in _kinds().items():
        schema = model.model_json_schema(by_alias=True)
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = f"WMG Platform {kind} config"
        found[f"{kind}.schema.json"] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return found


def main() -> None:
    SCHEMA_DIR.mkdir(exist_ok=True)
    for name, text in schemas().items():
        (SCHEMA_DIR / name).write_text(text)


if __name__ == "__main__":
    main()
