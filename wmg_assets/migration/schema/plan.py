"""The plan: the statements that make the target schema match the source, in the target's
dialect, in an order that runs (as migra and `atlas schema diff` do):

1. drop the views that go away or change, and those that read something that changes
   (PostgreSQL refuses to change a column a view reads), dependents first;
2. drop the foreign keys and keys the source does not have;
3. create the missing tables (foreign keys left for step 5), alter the common ones (add,
   retype, re-default, re-null, drop columns), drop the tables the source does not have;
4. add the missing primary and unique keys, 5. then the foreign keys;
6. create the missing and dropped views, what they read first.

A change the target cannot make in place (Redshift: a type other than a longer VARCHAR,
NOT NULL, a default) is a `manual` step: shown with the reason, never applied.
"""

from dataclasses import dataclass

from wmg_assets.migration.schema.compare import Comparison
from wmg_assets.migration.schema.ddl_text import (
    column_sql,
    create_table_sql,
    create_view_sql,
    default_sql,
    foreign_key_sql,
    key_sql,
    quoted,
    table_name_sql,
    type_sql,
)
from wmg_assets.migration.schema.model import Column, Table, View, qualified


@dataclass(frozen=True)
class PlanStep:
    sql: str  # the statement, or what to do by hand when `manual`
    object: str
    manual: bool = False


def plan_changes(comparison: Comparison, dialect: str, schema: str) -> list[PlanStep]:
    """The statements that make `comparison.target` (schema `schema`, `dialect`) match
    `comparison.source` (module docstring)."""
    source, target = comparison.source, comparison.target
    steps: list[PlanStep] = []
    same_schema = {source.name.lower(): schema}

    def name(obj: str) -> str:
        return table_name_sql(schema, obj, dialect)

    def fk_schema(ref_schema: str) -> str:
        return same_schema.get(ref_schema.lower(), ref_schema)

    changed_tables = {
        key
        for key, table in source.tables.items()
        if key in target.tables and _column_changes(table, target.tables[key])
    }
    rebuild = _views_to_rebuild(comparison, changed_tables)
    for key in _dependency_order(target.views, rebuild, reverse=True):
        steps.append(PlanStep(f"DROP VIEW {name(target.views[key].name)};", target.views[key].name))

    for key, table in target.tables.items():  # 2. keys and foreign keys that go
        mine = source.tables.get(key)
        wanted = set() if mine is None else {k.describe() for k in (*mine.keys, *mine.foreign_keys)}
        for constraint in sorted((*table.foreign_keys, *table.keys), key=lambda c: c.describe()[0]):
            if constraint.describe() in wanted or not constraint.name or mine is None:
                continue
            drop = f"DROP CONSTRAINT {quoted(constraint.name, dialect)}"
            steps.append(PlanStep(f"ALTER TABLE {name(table.name)} {drop};", table.name))

    for key, table in source.tables.items():  # 3. tables
        theirs = target.tables.get(key)
        if theirs is None:
            steps.append(
                PlanStep(create_table_sql(table, dialect, schema, foreign_keys=False), table.name)
            )
            continue
        steps += _alter_columns(table, theirs, dialect, name(theirs.name))
    for key, table in target.tables.items():
        if key not in source.tables:
            steps.append(PlanStep(f"DROP TABLE {name(table.name)};", table.name))

    for key, table in source.tables.items():  # 4 and 5. keys, then foreign keys
        theirs = target.tables.get(key)
        have = set() if theirs is None else {k.describe() for k in theirs.keys}
        for k in table.keys:
            if theirs is not None and k.describe() not in have:
                steps.append(
                    PlanStep(
                        f"ALTER TABLE {name(table.name)} ADD {key_sql(k, dialect)};", table.name
                    )
                )
    for key, table in source.tables.items():
        theirs = target.tables.get(key)
        have = set() if theirs is None else {f.describe() for f in theirs.foreign_keys}
        for fk in table.foreign_keys:
            if fk.describe() not in have:
                sql = foreign_key_sql(fk, dialect, fk_schema(fk.ref_schema))
                steps.append(PlanStep(f"ALTER TABLE {name(table.name)} ADD {sql};", table.name))

    create = rebuild | {k for k in source.views if k not in target.views}
    for key in _dependency_order(source.views, create):
        steps.append(
            PlanStep(create_view_sql(source.views[key], dialect, schema), source.views[key].name)
        )
    return steps


def _column_changes(a: Table, b: Table) -> bool:
    """Whether a table's columns change (which a view reading it must be rebuilt for)."""
    theirs = {c.name.lower(): c for c in b.columns}
    mine = {c.name.lower(): c for c in a.columns}
    return theirs.keys() != mine.keys() or any(
        (c.type, c.collation) != (theirs[k].type, theirs[k].collation) for k, c in mine.items()
    )


def _views_to_rebuild(comparison: Comparison, changed_tables: set[str]) -> set[str]:
    """Target views dropped for good or for re-creation: those differing or gone from the
    source, and every view reading (at any depth) a changed table or a rebuilt view."""
    source, target = comparison.source, comparison.target
    differing = {d.object.lower() for d in comparison.differences if d.object_type == "View"}
    rebuild = {k for k in target.views if k in differing}
    changed = {qualified(target.name, t) for t in changed_tables}
    grew = True
    while grew:
        touched = changed | {qualified(target.name, v) for v in rebuild}
        more = {k for k, v in target.views.items() if k not in rebuild and set(v.reads) & touched}
        rebuild |= more
        grew = bool(more)
    return {k for k in rebuild if k in target.views or k in source.views}


def _dependency_order(views: dict[str, View], keys: set[str], reverse: bool = False) -> list[str]:
    """`keys` ordered so a view comes after the views it reads (before, if `reverse`)."""
    ordered: list[str] = []

    def visit(key: str, path: tuple[str, ...]) -> None:
        if key in ordered or key in path or key not in keys or key not in views:
            return
        for read in views[key].reads:
            visit(read.rsplit(".", 1)[-1], (*path, key))
        ordered.append(key)

    for key in sorted(keys):
        if key in views:
            visit(key, ())
    return ordered[::-1] if reverse else ordered


def _alter_columns(mine: Table, theirs: Table, dialect: str, table: str) -> list[PlanStep]:
    steps: list[PlanStep] = []
    alter = f"ALTER TABLE {table}"

    def step(sql: str, manual: str | None = None) -> None:
        if manual and dialect == "redshift":
            steps.append(PlanStep(f"{manual} ({sql})", mine.name, manual=True))
        else:
            steps.append(PlanStep(sql, mine.name))

    for column in mine.columns:
        other = theirs.column(column.name)
        if other is None:
            step(f"{alter} ADD COLUMN {column_sql(column, dialect)};")
            continue
        col = f"{alter} ALTER COLUMN {quoted(other.name, dialect)}"
        if (column.type, column.collation) != (other.type, other.collation):
            step(*_retype(column, other, col, dialect))
        if column.default != other.default:
            sql = (
                f"{col} DROP DEFAULT;"
                if column.default is None
                else f"{col} SET DEFAULT {default_sql(column.default, dialect)};"
            )
            step(sql, "Redshift cannot change a column default: rebuild the table")
        if column.nullable != other.nullable:
            sql = f"{col} {'DROP' if column.nullable else 'SET'} NOT NULL;"
            step(sql, "Redshift cannot change NOT NULL in place: rebuild the table")
    for other in theirs.columns:
        if mine.column(other.name) is None:
            step(f"{alter} DROP COLUMN {quoted(other.name, dialect)};")
    return steps


def _retype(column: Column, other: Column, col: str, dialect: str) -> tuple[str, str | None]:
    new_type = type_sql(column, dialect)
    if dialect == "redshift":
        longer = (
            column.type.name == other.type.name == "VARCHAR"
            and column.collation == other.collation
            and (column.type.length or 0) > (other.type.length or 0)
        )
        return (
            f"{col} TYPE {new_type};",
            None if longer else "Redshift changes only a VARCHAR's length in place: rebuild",
        )
    collate = f" COLLATE {quoted(column.collation, dialect)}" if column.collation else ""
    using = f" USING {quoted(column.name, dialect)}::{new_type}" if dialect == "postgres" else ""
    return f"{col} TYPE {new_type}{collate}{using};", None
