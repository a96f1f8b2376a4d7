"""The JSON Schemas in `schemas/` are those the pydantic models give (regenerated with
`python -m wmg_assets.config_schemas`), every sample config names its schema on its first
line, and validates against it."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import CONFIG_DIR
from wmg_assets.config_schemas import SCHEMA_DIR, schemas

SAMPLES = sorted(p for p in CONFIG_DIR.rglob("*.yaml"))


def test_the_schemas_on_disk_are_up_to_date() -> None:
    generated = schemas()
    on_disk = {p.name: p.read_text() for p in SCHEMA_DIR.glob("*.schema.json")}
    assert on_disk == generated, "run: python -m wmg_assets.config_schemas"


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: str(p.relative_to(CONFIG_DIR)))
def test_each_sample_names_its_schema_and_validates(sample: Path) -> None:
    first = sample.read_text().splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    schema_path = (sample.parent / first.split("=", 1)[1]).resolve()
    schema = json.loads(schema_path.read_text())
    jsonschema.validate(_yaml_12(yaml.safe_load(sample.read_text())), schema)


def _yaml_12(value: object) -> object:
    """PyYAML reads a bare `on:` key as true (YAML 1.1); editors read it as `on` (1.2)."""
    if isinstance(value, dict):
        return {("on" if k is True else k): _yaml_12(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_yaml_12(v) for v in value]
    return value
