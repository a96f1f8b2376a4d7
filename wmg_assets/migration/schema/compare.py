"""Compare two schema models, object by object, in the words of the WMG DDL comparator:
`Missing in Redshift` / `Missing in GIT`, `Mismatch in data_type: GIT(INT) != RS(BIGINT)`
(likewise `character_maximum_length`, `datetime_precision`, `numeric_precision`,
`numeric_scale`, `is_nullable`,
`column_default`, `collation_name`), `Constraint missing in Redshift`, and for views
`Mismatch in view_definition`. Column order is not compared (no tool the seed names does).

Each side is named twice (`Side`): in full where something is missing from it
("Missing in Redshift") and short in a mismatch ("RS(BIGINT)").
"""

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from wmg_assets.migration.schema.ddl_text import read_dialect
from wmg_assets.migration.schema.model import Column, Schema, Table, View

MATCHED, NOT_MATCHED = "Matched", "Not Matched"


@dataclass(frozen=True)
class Side:
    label: str  # "Redshift", "GIT", "PostgreSQL"
    short: str  # "RS", "GIT", "PG"


SIDES = {
    "files": Side("GIT", "GIT"),
    "redshift": Side("Redshift", "RS"),
    "postgres": Side("PostgreSQL", "PG"),
    "duckdb": Side("DuckDB", "DUCKDB"),
    "teradata": Side("Teradata", "TD"),
}


def sides_for(source_kind: str, target_kind: str) -> tuple[Side, Side]:
    """The two sides' names; two of a kind are told apart as source and target."""
    source, target = (
        SIDES.get(source_kind, Side(source_kind, source_kind.upper())),
        SIDES.get(target_kind, Side(target_kind, target_kind.upper())),
    )
    if source == target:
        return (
            Side(f"source {source.label}", f"SOURCE {source.short}"),
            Side(f"target {target.label}", f"TARGET {target.short}"),
        )
    return source, target


@dataclass(frozen=True)
class Difference:
    object: str  # the object's name (as the source names it)
    object_type: str  # Table | View
    item: str  # a column or a constraint; "" for the object itself
    attribute: str  # object | column | constraint | data_type | … | view_definition
    description: str


@dataclass
class Comparison:
    source: Schema
    target: Schema
    sides: tuple[Side, Side]
    differences: list[Difference] = field(default_factory=list)
    status: dict[str, str] = field(default_factory=dict)  # object → Matched | Not Matched | …

    @property
    def matched(self) -> bool:
        return not self.differences

    def of(self, name: str) -> list[Difference]:
        return [d for d in self.differences if d.object.lower() == name.lower()]


def _mismatch(attribute: str, sides: tuple[Side, Side], a: object, b: object) -> str:
    return f"Mismatch in {attribute}: {sides[0].short}({a}) != {sides[1].short}({b})"


def _column_attributes(column: Column) -> dict[str, object]:
    t = column.type
    temporal = t.name.startswith("TIME")
    return {
        "data_type": t.name,
        "character_maximum_length": None if temporal else t.length,
        "datetime_precision": t.length if temporal else None,
        "numeric_precision": t.precision,
        "numeric_scale": t.scale,
        "is_nullable": "YES" if column.nullable else "NO",
        "column_default": column.default,
        "collation_name": column.collation,
    }


def compare_tables(a: Table, b: Table, sides: tuple[Side, Side]) -> list[Difference]:
    found: list[Difference] = []

    def add(item: str, attribute: str, description: str) -> None:
        found.append(Difference(a.name, "Table", item, attribute, description))

    for column in a.columns:
        other = b.column(column.name)
        if other is None:
            add(column.name, "column", f"Missing in {sides[1].label}")
            continue
        mine, theirs = _column_attributes(column), _column_attributes(other)
        for attribute, value in mine.items():
            if value != theirs[attribute]:
                add(column.name, attribute, _mismatch(attribute, sides, value, theirs[attribute]))
    for column in b.columns:
        if a.column(column.name) is None:
            add(column.name, "column", f"Missing in {sides[0].label}")
    a_keys = {k.describe() for k in a.keys} | {f.describe() for f in a.foreign_keys}
    b_keys = {k.describe() for k in b.keys} | {f.describe() for f in b.foreign_keys}
    for key in sorted(a_keys - b_keys):
        add(key, "constraint", f"Constraint missing in {sides[1].label}")
    for key in sorted(b_keys - a_keys):
        add(key, "constraint", f"Constraint missing in {sides[0].label}")
    for attribute, mine, theirs in (
        ("dist_key", a.dist_key, b.dist_key),
        ("sort_key", ",".join(a.sort_keys), ",".join(b.sort_keys)),
    ):
        if (mine or theirs) and (mine or "").lower() != (theirs or "").lower():
            add("", attribute, _mismatch(attribute, sides, mine or "-", theirs or "-"))
    return found


def normalized_query(view: View, dialect: str, schema: str) -> str:
    """A view's SELECT in one spelling: names qualified with (and its own schema read as)
    `schema`, lower case, rendered by sqlglot; the text itself where it does not parse."""
    try:
        tree = sqlglot.parse_one(view.definition, read=read_dialect(dialect))
    except ParseError:
        return " ".join(view.definition.lower().split())
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if not table.name or (not table.db and table.name.lower() in ctes):
            continue
        if not table.db or table.db.lower() == view.schema.lower():
            table.set("db", exp.to_identifier(schema))
    return tree.sql("postgres", normalize=True, comments=False)


def compare_views(
    a: View, b: View, source: Schema, target: Schema, sides: tuple[Side, Side]
) -> list[Difference]:
    if source.dialect != target.dialect:  # text in two dialects: only presence is compared
        return []
    if normalized_query(a, source.dialect, "_") == normalized_query(b, target.dialect, "_"):
        return []
    return [
        Difference(
            a.name,
            "View",
            "",
            "view_definition",
            f"Mismatch in view_definition: {sides[0].short} != {sides[1].short}",
        )
    ]


def compare_schemas(source: Schema, target: Schema, sides: tuple[Side, Side]) -> Comparison:
    """Every difference between the two schemas, with each object's overall status."""
    result = Comparison(source, target, sides)
    for kind, mine, theirs in (
        ("Table", source.tables, target.tables),
        ("View", source.views, target.views),
    ):
        for key in sorted(mine.keys() | theirs.keys()):
            a, b = mine.get(key), theirs.get(key)
            if a is None or b is None:
                where = sides[1] if b is None else sides[0]
                name = (a or b).name  # type: ignore[union-attr]
                result.differences.append(
                    Difference(name, kind, "", "object", f"Missing in {where.label}")
                )
                result.status[name] = f"Not Available in {where.label}"
                continue
            if isinstance(a, Table) and isinstance(b, Table):
                found = compare_tables(a, b, sides)
            else:
                found = compare_views(a, b, source, target, sides)  # type: ignore[arg-type]
            result.differences += found
            result.status[a.name] = NOT_MATCHED if found else MATCHED
    for name, reason in {**source.failures, **target.failures}.items():
        result.differences.append(Difference(name, "", "", "failed", f"Not read: {reason}"))
        result.status[name] = "Failed"
    return result
