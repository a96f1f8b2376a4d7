"""What the converter knows of an expression's type: from literals, casts and the columns of
tables created earlier in the same script. `None` means unknown — a rule that needs the type
then says so in a finding rather than guess.

Types are families: `int` (BYTEINT, SMALLINT, INTEGER, BIGINT), `decimal`, `float`, `text`,
`date`, `timestamp`.
"""

from dataclasses import dataclass
from functools import lru_cache

from sqlglot import exp

from wmg_assets.migration.sql.dialect import CaseSpecificity

_FAMILIES = {
    exp.DataType.Type.TINYINT: "int", exp.DataType.Type.SMALLINT: "int",
    exp.DataType.Type.INT: "int", exp.DataType.Type.BIGINT: "int",
    exp.DataType.Type.DECIMAL: "decimal", exp.DataType.Type.FLOAT: "float",
    exp.DataType.Type.DOUBLE: "float", exp.DataType.Type.VARCHAR: "text",
    exp.DataType.Type.CHAR: "text", exp.DataType.Type.TEXT: "text",
    exp.DataType.Type.DATE: "date", exp.DataType.Type.TIMESTAMP: "timestamp",
    exp.DataType.Type.BIGDECIMAL: "decimal", exp.DataType.Type.TIMESTAMPTZ: "timestamp",
}  # fmt: skip


@dataclass(frozen=True)
class ColumnType:
    family: str | None  # None: a type no rule reasons about
    case_specific: bool = False  # declared CASESPECIFIC: compared with its case
    scale: int | None = None  # a DECIMAL's scale
    declared: exp.DataType | None = None  # the column's Teradata type, as written (a node
    # of the CREATE TABLE's tree; the rules replace it there, never change it: copy to use)


Schema = dict[str, dict[str, ColumnType]]
"""Table name (lowercase, without its database) → column name → its type, in table order."""


def family(data_type: exp.DataType) -> str | None:
    return _FAMILIES.get(data_type.this)  # type: ignore[arg-type]


def remember_table(tree: exp.Expr, schema: Schema) -> None:
    """Add the columns of a `CREATE TABLE` to `schema`."""
    if not isinstance(tree, exp.Create) or str(tree.args.get("kind", "")).upper() != "TABLE":
        return
    target = tree.this
    table = target.this if isinstance(target, exp.Schema) else target
    if not isinstance(table, exp.Table) or not isinstance(target, exp.Schema):
        return
    columns = {}
    for column in target.expressions:
        if isinstance(column, exp.ColumnDef):
            kind = column.args.get("kind")
            columns[column.name.lower()] = ColumnType(
                family(kind) if isinstance(kind, exp.DataType) else None,
                any(_is_case_specific(c) for c in column.args.get("constraints") or []),
                decimal_scale(kind) if isinstance(kind, exp.DataType) else None,
                kind if isinstance(kind, exp.DataType) else None,
            )
    schema[table.name.lower()] = columns


def _is_case_specific(constraint: exp.Expr) -> bool:
    kind = constraint.args.get("kind")
    return isinstance(kind, exp.CaseSpecificColumnConstraint) and not kind.args.get("not_")


def type_of(node: exp.Expr, schema: Schema) -> str | None:
    """The type family of `node` inside its statement, or None when unknown."""
    if isinstance(node, exp.Paren):
        return type_of(node.this, schema)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return "text"
        return "int" if node.is_int else "decimal"
    if isinstance(node, exp.Neg):
        return type_of(node.this, schema)
    if isinstance(node, exp.Count | exp.Length):
        return "int"
    if isinstance(node, exp.CurrentDate):
        return "date"
    if isinstance(node, exp.CurrentTimestamp):
        return "timestamp"
    if isinstance(node, CaseSpecificity):  # `x (CASESPECIFIC)`: x's type
        return type_of(node.this, schema)
    if isinstance(node, exp.Cast) and isinstance(node.to, exp.DataType):
        return family(node.to)
    if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Div | exp.Mod):
        left, right = type_of(node.this, schema), type_of(node.expression, schema)
        if isinstance(node, exp.Sub) and left == right == "date":
            return "int"  # days between two dates
        return left if left == right and left in ("int", "decimal", "float") else None
    if isinstance(node, exp.Column):
        return _column_type(node, schema)
    return None


def _column_type(column: exp.Column, schema: Schema) -> str | None:
    found = column_type(column, schema)
    return found.family if found is not None else None


def column_type(column: exp.Column, schema: Schema) -> ColumnType | None:
    """The declared type of a column of a table created earlier in the script, or None."""
    if not schema:
        return None
    scope = column.find_ancestor(exp.Select, exp.Update, exp.Delete, exp.Merge)
    if scope is None:
        return None
    tables = scope.meta.get("wmg_tables")
    if tables is None:  # the scope's own tables that the script created, by alias
        tables = {}
        for table in scope.find_all(exp.Table):
            owner = table.find_ancestor(exp.Select, exp.Update, exp.Delete, exp.Merge)
            if owner is scope and table.name.lower() in schema:
                tables[(table.alias_or_name or table.name).lower()] = schema[table.name.lower()]
        scope.meta["wmg_tables"] = tables
    name = column.name.lower()
    if column.table:
        return tables.get(column.table.lower(), {}).get(name)
    found = {cols[name] for cols in tables.values() if name in cols}
    return found.pop() if len(found) == 1 else None


def decimal_scale(data_type: exp.DataType) -> int | None:
    """The scale of a DECIMAL(p, s) / NUMBER(p, s) type (0 for DECIMAL(p)), else None."""
    if data_type.this not in (exp.DataType.Type.DECIMAL, exp.DataType.Type.BIGDECIMAL):
        return None
    params = [p.this if isinstance(p, exp.DataTypeParam) else p for p in data_type.expressions]
    if len(params) == 1:
        return 0
    if len(params) == 2 and isinstance(params[1], exp.Literal) and params[1].is_int:
        return int(params[1].this)
    return 0 if not params and data_type.this == exp.DataType.Type.DECIMAL else None


def scale_of(node: exp.Expr, schema: Schema) -> int | None:
    """The scale of an exact number: 0 for an integer, the digits after the point of a
    decimal literal, the declared scale of a cast or column; None when unknown."""
    kind = type_of(node, schema)
    if kind == "int":
        return 0
    if kind != "decimal":
        return None
    if isinstance(node, exp.Paren | exp.Neg):
        return scale_of(node.this, schema)
    if isinstance(node, exp.Literal):
        return len(node.this.split(".", 1)[1]) if "." in node.this else 0
    if isinstance(node, exp.Cast) and isinstance(node.to, exp.DataType):
        return decimal_scale(node.to)
    if isinstance(node, exp.Column):
        found = column_type(node, schema)
        return found.scale if found is not None else None
    return None


def integer_value(node: exp.Expr) -> int | None:
    """The value of an integer literal (`1`, `-1`), else None."""
    if isinstance(node, exp.Neg):
        inner = integer_value(node.this)
        return None if inner is None else -inner
    if isinstance(node, exp.Literal) and node.is_int:
        return int(node.this)
    return None


@lru_cache(maxsize=512)
def _parsed_type(sql: str, dialect: str | None) -> exp.DataType:
    return exp.DataType.build(sql, dialect=dialect)


def data_type(sql: str, dialect: str | None = None) -> exp.DataType:
    """`exp.DataType.build(sql)`, parsed once per text (the rules build the same few types
    for every statement): a fresh copy each time, as it goes into a tree."""
    return _parsed_type(sql, dialect).copy()
