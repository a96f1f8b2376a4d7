"""Flatten nested JSON records into columns: `address.city` becomes `address_city`.

Pure: from an Arrow schema to a SQL select list (DuckDB's struct field access), so the
records never pass through Python. Lists stay lists; names are cleaned like CSV headers.
"""

import pyarrow as pa
from sqlglot import exp

from wmg_assets.transforms.names import clean_column_name


def _path_sql(path: list[str]) -> str:
    return ".".join(exp.to_identifier(p, quoted=True).sql("duckdb") for p in path)


def flatten_select(schema: pa.Schema, root: str) -> list[str]:
    """`expr AS name` for every leaf of the struct column `root` of `schema`."""
    items: list[str] = []
    used: dict[str, int] = {}

    def walk(field_type: pa.DataType, path: list[str]) -> None:
        if pa.types.is_struct(field_type):
            for child in field_type:  # type: ignore[attr-defined]
                walk(child.type, [*path, child.name])
            return
        name = clean_column_name("_".join(path[1:])) or "value"
        used[name] = used.get(name, 0) + 1
        if used[name] > 1:  # `a_b` and `a.b` both clean to `a_b`
            name = f"{name}_{used[name]}"
        items.append(f"{_path_sql(path)} AS {exp.to_identifier(name, quoted=True).sql('duckdb')}")

    walk(schema.field(root).type, [root])
    return items
