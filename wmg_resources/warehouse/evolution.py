"""Schema evolution as a plan: compare a staged file with the target, list what must change.

`plan_schema_changes` is pure: it takes the staged columns with their statistics and the
target's catalog, and returns a `SchemaPlan` — actions plus the defaults for target columns
the file lacks — or raises `MergeError` when the file cannot go into the target at all.
`SchemaPlan.statements(dialect)` renders it as SQL; the loader applies it.

| change in the file | action |
|---|---|
| a new column | ADD COLUMN, typed and sized from the data |
| a string longer than the VARCHAR | widen to the longest value's UTF-8 bytes + 10 (≤ 65535) |
| an integer beyond SMALLINT / INTEGER | widen to INTEGER / BIGINT |
| a target column missing from the file | filled: '' / 0 / false / NULL (dates, timestamps) |
| text or fractions into a numeric column | the file fails, naming the columns and types |
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from wmg_resources.errors import InputError
from wmg_resources.warehouse.base import Column
from wmg_resources.warehouse.dialect import (
    REDSHIFT_MAX_VARCHAR,
    qualified,
    quote,
    render_type,
    varchar_length_for,
)

LINE_COLUMN = "_wmg_line"

INTEGER_RANGES = {
    "smallint": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}
NUMERIC = {"smallint", "integer", "bigint", "decimal", "double", "real"}


class MergeError(InputError):
    """The file cannot be merged; nothing was written. The message says why and where."""


@dataclass(frozen=True)
class SourceColumn:
    name: str
    logical_type: str  # bigint | decimal(38,18) | varchar | boolean | date | timestamp


@dataclass(frozen=True)
class ColumnStats:
    """What the planner needs to know of a staged column's values."""

    max_bytes: int | None = None  # strings: longest value in UTF-8 bytes
    min_value: int | None = None  # integers
    max_value: int | None = None


@dataclass(frozen=True)
class ViewDefinition:
    name: str
    definition: str  # template with {schema_name}, {view_name}, {source_table}

    def render(self, schema: str, table: str, dialect: str) -> str:
        return self.definition.format(
            schema_name=quote(schema, dialect),
            view_name=quote(self.name, dialect),
            source_table=quote(table, dialect),
        )


@dataclass(frozen=True)
class Action:
    kind: Literal["create_table", "add_column", "widen_varchar", "widen_integer"]
    column: str | None = None
    old_type: str | None = None
    new_type: str | None = None


@dataclass(frozen=True)
class Statement:
    sql: str
    in_transaction: bool = True  # False: must run outside a transaction block (Redshift)
    if_missing: bool = False  # a CREATE … IF NOT EXISTS other sessions may race (create_if_missing)


@dataclass
class SchemaPlan:
    schema: str
    table: str
    keys: list[str]
    create_columns: list[tuple[str, str]] = field(default_factory=list)  # (name, type)
    actions: list[Action] = field(default_factory=list)
    defaults: dict[str, str] = field(default_factory=dict)  # target column → SQL literal
    views: list[ViewDefinition] = field(default_factory=list)

    @property
    def changes_table(self) -> bool:
        return bool(self.actions)

    @property
    def adds_columns(self) -> bool:
        return any(a.kind == "add_column" for a in self.actions)

    def statements(self, dialect: str) -> list[Statement]:
        """The DDL of the plan in order: views dropped, table changed, views recreated."""
        target = qualified(self.schema, self.table, dialect)
        out: list[Statement] = []
        altering = [a for a in self.actions if a.kind != "create_table"]
        if altering:
            out += [
                Statement(f"DROP VIEW IF EXISTS {qualified(self.schema, v.name, dialect)}")
                for v in self.views
            ]
        for action in self.actions:
            out += _render(action, self, target, dialect)
        if self.actions:
            out += [Statement(v.render(self.schema, self.table, dialect)) for v in self.views]
        return out

    def markdown(self, dialect: str) -> str:
        """The plan as a Markdown table, for run metadata and the audit row."""
        rows = ["| # | change | column | from | to |", "|---|---|---|---|---|"]
        for i, a in enumerate(self.actions, start=1):
            rows.append(
                f"| {i} | {a.kind} | {a.column or ''} | {a.old_type or ''} | {a.new_type or ''} |"
            )
        if self.defaults:
            for column, literal in self.defaults.items():
                rows.append(f"| - | fill missing column | {column} | | {literal} |")
        if len(rows) == 2:
            return "No schema change."
        sql = "\n".join(f"{s.sql};" for s in self.statements(dialect))
        return "\n".join(rows) + f"\n\n```sql\n{sql}\n```"


def _render(action: Action, plan: SchemaPlan, target: str, dialect: str) -> list[Statement]:
    col = quote(action.column or "", dialect)
    if action.kind == "create_table":
        cols = ", ".join(
            f"{quote(n, dialect)} {t}{' NOT NULL' if n in plan.keys else ''}"
            for n, t in plan.create_columns
        )
        return [
            Statement(
                f"CREATE SCHEMA IF NOT EXISTS {quote(plan.schema, dialect)}", if_missing=True
            ),
            Statement(f"CREATE TABLE {target} ({cols})"),
        ]
    if action.kind == "add_column":
        return [Statement(f"ALTER TABLE {target} ADD COLUMN {col} {action.new_type}")]
    if action.kind == "widen_varchar":
        return [
            Statement(
                f"ALTER TABLE {target} ALTER COLUMN {col} TYPE {action.new_type}",
                in_transaction=dialect != "redshift",
            )
        ]
    # widen_integer
    if dialect != "redshift":
        return [Statement(f"ALTER TABLE {target} ALTER COLUMN {col} TYPE {action.new_type}")]
    # Redshift cannot change an integer column's type: add, copy, drop, rename.
    temp = quote(f"{action.column}__wmg_widen", dialect)
    not_null = " DEFAULT 0 NOT NULL" if action.column in plan.keys else ""
    return [
        Statement(f"ALTER TABLE {target} ADD COLUMN {temp} {action.new_type}{not_null}"),
        Statement(f"UPDATE {target} SET {temp} = {col}"),
        Statement(f"ALTER TABLE {target} DROP COLUMN {col}"),
        Statement(f"ALTER TABLE {target} RENAME COLUMN {temp} TO {col}"),
    ]


def smallest_integer(low: int | None, high: int | None, at_least: str = "smallint") -> str:
    """The smallest of SMALLINT, INTEGER, BIGINT holding [low, high], no smaller than `at_least`."""
    names = list(INTEGER_RANGES)
    for name in names[names.index(at_least) :]:
        lo, hi = INTEGER_RANGES[name]
        if (low is None or low >= lo) and (high is None or high <= hi):
            return name
    return "bigint"


def _new_column_type(c: SourceColumn, stats: ColumnStats, dialect: str) -> str:
    if c.logical_type == "bigint":
        return render_type(smallest_integer(stats.min_value, stats.max_value), dialect)
    if c.logical_type == "varchar":
        return render_type("varchar", dialect, varchar_length_for(stats.max_bytes))
    return render_type(c.logical_type, dialect)


def default_literal(target_type: str) -> str:
    """The seed's fill value for a target column a file lacks."""
    family = target_type.split("(")[0]
    if family == "varchar":
        return "''"
    if family in NUMERIC:
        return "0"
    if family == "boolean":
        return "FALSE"
    return "NULL"


def plan_schema_changes(
    file_name: str,
    source: Sequence[SourceColumn],
    stats: Mapping[str, ColumnStats],
    target: Sequence[Column] | None,
    *,
    schema: str,
    table: str,
    keys: Sequence[str],
    dialect: str,
    views: Sequence[ViewDefinition] = (),
) -> SchemaPlan:
    """What must change in `schema.table` before this file can be merged into it."""
    plan = SchemaPlan(schema=schema, table=table, keys=list(keys), views=list(views))
    data = [c for c in source if c.name != LINE_COLUMN]
    if target is None:
        plan.create_columns = [
            (c.name, _new_column_type(c, stats.get(c.name, ColumnStats()), dialect)) for c in data
        ]
        plan.actions.append(Action("create_table", new_type=f"{schema}.{table}"))
        return plan

    by_name = {c.name: c for c in target}
    problems = []
    for c in data:
        s = stats.get(c.name, ColumnStats())
        t = by_name.get(c.name)
        if t is None:
            plan.actions.append(
                Action("add_column", c.name, new_type=_new_column_type(c, s, dialect))
            )
            continue
        family = t.type.split("(")[0]
        if family in NUMERIC and c.logical_type == "varchar":
            problems.append(f"{c.name!r} has non-numeric values for the {t.type} target column")
        elif family in INTEGER_RANGES and c.logical_type.startswith("decimal"):
            problems.append(
                f"{c.name!r} has decimal values (fractions, or integers beyond BIGINT) for "
                f"the {t.type} target column"
            )
        elif family in INTEGER_RANGES and c.logical_type == "bigint":
            wider = smallest_integer(s.min_value, s.max_value, at_least=family)
            if wider != family:
                plan.actions.append(
                    Action("widen_integer", c.name, family, render_type(wider, dialect))
                )
        elif family == "varchar" and c.logical_type != "varchar":
            pass  # any value loads into text
        elif family == "varchar":
            if t.length and s.max_bytes and s.max_bytes > t.length:
                new_length = varchar_length_for(s.max_bytes)
                if new_length > t.length:
                    plan.actions.append(
                        Action(
                            "widen_varchar",
                            c.name,
                            f"VARCHAR({t.length})",
                            render_type("varchar", dialect, new_length),
                        )
                    )
        elif family not in _ACCEPTS.get(c.logical_type.split("(")[0], {family}):
            problems.append(
                f"{c.name!r} has {c.logical_type} values for the {t.type} target column"
            )
    if problems:
        raise MergeError(file_name, "cannot load into the target: " + "; ".join(problems))
    present = {c.name for c in data}
    plan.defaults = {t.name: default_literal(t.type) for t in target if t.name not in present}
    return plan


_ACCEPTS = {
    "bigint": NUMERIC,
    "decimal": {"decimal", "double", "real"},
    "double": {"double", "real", "decimal"},
    "boolean": {"boolean"},
    "date": {"date", "timestamp", "timestamptz"},
    "timestamp": {"timestamp", "timestamptz"},
    "timestamptz": {"timestamptz", "timestamp"},
}

__all__ = [
    "REDSHIFT_MAX_VARCHAR",
    "Action",
    "ColumnStats",
    "MergeError",
    "SchemaPlan",
    "SourceColumn",
    "Statement",
    "ViewDefinition",
    "plan_schema_changes",
]
