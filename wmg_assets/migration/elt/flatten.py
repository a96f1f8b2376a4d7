"""The semi-structured flattener (`common.semi_structured_data_flattener`): JSON and XML files
into a stage table of raw key/value pairs and a flattened table with one column per distinct
key, plus a readme query, on DuckDB or Spark.

- A file's rows: a JSON array's elements, a JSON object, or JSON lines; for XML, the root's
  children (or each `row_tag` element), read as xmltodict does (attributes `@name`, text
  `#text` next to children, repeated children a list) — parsed with defusedxml.
- Keys are paths joined with `_` (flatten_json's style): `customer_name`, `items_0_sku`.
- `<job><stage suffix>` (default `_file_stg`): `ROW_ID, FILE_NAME, KEY, VALUE` (text), one
  row per pair. `<job><flatten suffix>` (default `_flatten_data`): `ROW_ID, FILE_NAME` and one
  column per key in first-seen order, built by the readme query — the pivot of the stage —
  which is written to `<output>/<job>_readme.txt` so anyone can rebuild the table from the
  stage. (The seed's stage held pipe-delimited pairs; one row per pair needs no parsing.)
"""

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
from defusedxml import ElementTree as defused

from wmg_resources.warehouse.dialect import quote

log = logging.getLogger(__name__)

STAGE_SCHEMA = pa.schema(
    [
        ("ROW_ID", pa.int64()),
        ("FILE_NAME", pa.string()),
        ("KEY", pa.string()),
        ("VALUE", pa.string()),
    ]
)


def flatten_record(value: Any, prefix: str = "", separator: str = "_") -> dict[str, str | None]:
    """Nested dicts and lists as one level of `path → text` (None for null)."""
    found: dict[str, str | None] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            found.update(
                flatten_record(item, f"{prefix}{separator}{key}" if prefix else str(key), separator)
            )
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.update(
                flatten_record(item, f"{prefix}{separator}{i}" if prefix else str(i), separator)
            )
    else:
        found[prefix or "value"] = (
            None
            if value is None
            else (json.dumps(value) if isinstance(value, bool) else str(value))
        )
    return found


def json_rows(path: Path) -> Iterator[Any]:
    text = path.read_text(encoding="utf-8-sig").strip()
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError:  # JSON lines
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}: line {number}: not JSON ({e.msg})") from e
        return
    yield from loaded if isinstance(loaded, list) else [loaded]


def _element(element: Any) -> Any:
    """An element as xmltodict reads it."""
    children = list(element)
    if not children and not element.attrib:
        return element.text.strip() if element.text and element.text.strip() else None
    found: dict[str, Any] = {f"@{k}": v for k, v in element.attrib.items()}
    for child in children:
        value = _element(child)
        if child.tag in found:
            previous = found[child.tag]
            found[child.tag] = (
                [*previous, value] if isinstance(previous, list) else [previous, value]
            )
        else:
            found[child.tag] = value
    if element.text and element.text.strip():
        found["#text"] = element.text.strip()
    return found


def xml_rows(path: Path, row_tag: str | None = None) -> Iterator[Any]:
    root = defused.parse(str(path)).getroot()
    if root is None:
        return
    elements = root.iter(row_tag) if row_tag else list(root)
    for element in elements:
        yield _element(element)


@dataclass
class FlattenResult:
    stage_table: str
    flatten_table: str
    rows: int
    keys: list[str]
    readme: Path | None


def _files(input_path: Path) -> list[Path]:
    if input_path.is_file():
        return [input_path]
    return sorted(
        p for p in input_path.rglob("*") if p.suffix.lower() in (".json", ".xml", ".jsonl")
    )


def readme_query(stage_table: str, keys: list[str], dialect: str) -> str:
    """The flattened table as a query of the stage: each key's value, one column per key."""
    columns = [
        f"MAX(CASE WHEN KEY = '{k.replace(chr(39), chr(39) * 2)}' THEN VALUE END) AS "
        f"{quote(k, dialect)}"
        for k in keys
    ]
    return (
        f"SELECT ROW_ID, FILE_NAME{''.join(', ' + c for c in columns)} FROM "
        f"{quote(stage_table, dialect)} GROUP BY ROW_ID, FILE_NAME ORDER BY ROW_ID"
    )


def flatten_files(
    executor: Any,
    job_name: str,
    input_path: str | Path,
    output_path: str | Path,
    engine: str = "duckdb",
    row_tag: str | None = None,
    stage_suffix: str = "_file_stg",
    flatten_suffix: str = "_flatten_data",
    save_readme: bool = True,
) -> FlattenResult:
    """Flatten every JSON / XML file under `input_path` (module docstring)."""
    stage, flat = f"{job_name}{stage_suffix}", f"{job_name}{flatten_suffix}"
    keys: dict[str, None] = {}
    pairs: dict[str, list] = {n: [] for n in STAGE_SCHEMA.names}
    row_id = 0
    for path in _files(Path(input_path)):
        rows = xml_rows(path, row_tag) if path.suffix.lower() == ".xml" else json_rows(path)
        for record in rows:
            row_id += 1
            for key, value in flatten_record(record).items():
                keys.setdefault(key)
                for name, item in zip(
                    STAGE_SCHEMA.names, (row_id, path.name, key, value), strict=True
                ):
                    pairs[name].append(item)
        log.info("%s: flattened (%d rows so far)", path, row_id)
    table = pa.table(pairs, schema=STAGE_SCHEMA)
    dialect = "spark" if engine == "spark" else "duckdb"
    if engine == "spark":
        executor.spark.createDataFrame(table).createOrReplaceTempView(stage)
    else:
        con = executor.duckdb.con
        con.register("wmg_flatten_stage", table)
        try:
            con.execute(
                f"CREATE OR REPLACE TABLE {quote(stage, dialect)} AS "
                "SELECT * FROM wmg_flatten_stage"
            ).fetchall()
        finally:
            con.unregister("wmg_flatten_stage")
    query = readme_query(stage, list(keys), dialect)
    if engine == "spark":
        executor.spark.sql(query).createOrReplaceTempView(flat)
    else:
        executor.execute_query(
            f"CREATE OR REPLACE TABLE {quote(flat, dialect)} AS {query}", db_type="duckdb"
        )
    readme = None
    if save_readme:
        readme = Path(output_path) / f"{job_name}_readme.txt"
        readme.parent.mkdir(parents=True, exist_ok=True)
        readme.write_text(query + "\n")
    return FlattenResult(stage, flat, row_id, list(keys), readme)
