"""Arithmetic whose result type differs between Teradata and a target.

| Teradata | Spark | Redshift |
|---|---|---|
| `int / int` truncates (`7 / 2` = 3) | `7 DIV 2` (`/` gives 3.5) | unchanged (truncates) |
| `AVG(int)` is a FLOAT (1.5) | unchanged (a DOUBLE) | `AVG(CAST(x AS DOUBLE PRECISION))` |

Where an operand's type is unknown, the expression is left as it is and a warning says
what would differ if it were an integer.
"""

from sqlglot import exp

from wmg_assets.migration.sql.rules.context import Context
from wmg_assets.migration.sql.types import type_of


def integer_division(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Spark: a division of two integers truncates, as in Teradata."""
    for div in list(tree.find_all(exp.Div)):
        left, right = type_of(div.this, ctx.schema), type_of(div.expression, ctx.schema)
        if left == right == "int":
            div.replace(exp.IntDiv(this=div.this, expression=div.expression))
            ctx.did("integer_division")
        elif {left, right} <= {"int", None}:  # maybe both integers: say what would differ
            ctx.note("TD-TYPE-001", div, construct=div.sql("teradata"))
    return tree


def average_of_integers(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Redshift: AVG of integers as a float, as in Teradata (Redshift's AVG truncates)."""
    for avg in list(tree.find_all(exp.Avg)):
        kind = type_of(avg.this, ctx.schema)
        if kind == "int":
            avg.this.replace(exp.cast(avg.this.copy(), exp.DataType.build("DOUBLE")))
            ctx.did("average_of_integers")
        elif kind is None:
            ctx.note("TD-TYPE-002", avg, construct=avg.sql("teradata"))
    return tree
