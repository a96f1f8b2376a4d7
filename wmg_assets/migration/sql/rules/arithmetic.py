"""Arithmetic whose result type differs between Teradata and a target.

| Teradata | Spark | Redshift |
|---|---|---|
| `int / int` truncates (`7 / 2` = 3) | `7 DIV 2` (`/` gives 3.5) | unchanged (truncates) |
| `x / y`, types unknown | `CASE WHEN typeof(x) IN (integers) AND … THEN x DIV y ELSE x / y END` | unchanged |
| `decimal / decimal` has the larger scale (`1.00 / 3` = 0.33) | `CAST(… AS DECIMAL(38, s))` | same |
| `AVG(int)` is a FLOAT (1.5) | unchanged (a DOUBLE) | `AVG(CAST(x AS DOUBLE PRECISION))` |
| `CAST(20000.99 AS INTEGER)` truncates (20000) | unchanged (truncates) | `CAST(TRUNC(x) AS INTEGER)`: Redshift rounds (20001) |

A cast to an integer of a value of unknown type on Redshift reads it as a DECIMAL first
(`CAST(TRUNC(CAST(x AS DECIMAL(38, 10))) AS INTEGER)`), which truncates a number and reads
digits in text alike. Of AVG with an argument of unknown type, a warning says what would differ if it were an
integer (Redshift has no typeof to decide when the query runs).
"""

from sqlglot import exp

from wmg_assets.migration.sql.dialect import DIALECT
from wmg_assets.migration.sql.rules.context import Context, needs
from wmg_assets.migration.sql.rules.functions import known_function
from wmg_assets.migration.sql.types import data_type, scale_of, type_of

_INTEGER_TYPES = ("tinyint", "smallint", "int", "bigint")


def _is_integer(node: exp.Expr) -> exp.Expr:
    """Spark: `typeof(x) IN ('tinyint', …)`, decided when the query runs."""
    typeof = known_function("TYPEOF", node.copy())
    return exp.In(this=typeof, expressions=[exp.Literal.string(t) for t in _INTEGER_TYPES])


@needs(exp.Div)
def integer_division(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Spark: a division of two integers truncates, as in Teradata."""
    for div in ctx.find(tree, exp.Div):
        left, right = type_of(div.this, ctx.schema), type_of(div.expression, ctx.schema)
        if left == right == "int":
            div.replace(exp.IntDiv(this=div.this, expression=div.expression))
            ctx.did("integer_division")
        elif {left, right} <= {"int", None}:
            # Maybe both integers: Spark decides when the query runs, from the operands'
            # actual types, so the result is Teradata's either way.
            unknown = [side for side, kind in ((div.this, left), (div.expression, right))
                       if kind is None]  # fmt: skip
            both = exp.and_(*(_is_integer(side) for side in unknown))
            truncated = exp.IntDiv(this=div.this.copy(), expression=div.expression.copy())
            divided = exp.Div(this=div.this.copy(), expression=div.expression.copy())
            div.replace(exp.Case(ifs=[exp.If(this=both, true=truncated)], default=divided))
            ctx.did("integer_division")
    return tree


@needs(exp.Div)
def decimal_division_scale(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """A division with a DECIMAL operand has Teradata's scale, the larger of the operands'
    (`1.00 / 3` is 0.33; Redshift and Spark keep more digits): the quotient is cast to
    DECIMAL(38, that scale), rounding as Teradata does."""
    for div in ctx.find(tree, exp.Div):
        kinds = {type_of(div.this, ctx.schema), type_of(div.expression, ctx.schema)}
        if "decimal" not in kinds or not kinds <= {"int", "decimal"}:
            continue
        scales = (scale_of(div.this, ctx.schema), scale_of(div.expression, ctx.schema))
        if None in scales:
            continue
        scale = max(s for s in scales if s is not None)
        div.replace(exp.cast(exp.Paren(this=div.copy()),
                             data_type(f"DECIMAL(38, {scale})")))  # fmt: skip
        ctx.did("decimal_division_scale")
    return tree


@needs(exp.Avg)
def average_of_integers(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Redshift: AVG of integers as a float, as in Teradata (Redshift's AVG truncates)."""
    for avg in ctx.find(tree, exp.Avg):
        kind = type_of(avg.this, ctx.schema)
        if kind == "int":
            avg.this.replace(exp.cast(avg.this.copy(), data_type("DOUBLE")))
            ctx.did("average_of_integers")
        elif kind is None:
            ctx.note("TD-TYPE-002", avg, construct=avg.sql(DIALECT))
    return tree


_INTEGER_CASTS = (exp.DataType.Type.SMALLINT, exp.DataType.Type.INT, exp.DataType.Type.BIGINT,
                  exp.DataType.Type.TINYINT)  # fmt: skip
_NUMERIC_LOOKING = (exp.Column, exp.Binary, exp.Neg, exp.Paren, exp.AggFunc, exp.Window,
                    exp.Round, exp.Abs, exp.Coalesce, exp.Case, exp.If)  # fmt: skip


@needs(exp.Cast)
def integer_casts_truncate(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Redshift: a cast to an integer type truncates as Teradata's does (see the table)."""
    for cast in ctx.find(tree, exp.Cast):
        if isinstance(cast, exp.TryCast) or cast.to.this not in _INTEGER_CASTS:
            continue
        value = cast.this
        kind = type_of(value, ctx.schema)
        if kind in ("decimal", "float"):
            cast.set("this", exp.func("TRUNC", value))
        elif kind is None and isinstance(value, _NUMERIC_LOOKING):
            exact = exp.cast(value, data_type("DECIMAL(38, 10)"))
            cast.set("this", exp.func("TRUNC", exact))
        else:
            continue
        ctx.did("integer_casts_truncate")
    return tree
