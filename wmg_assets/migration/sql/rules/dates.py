"""Date arithmetic whose meaning differs between Teradata and a target.

- Teradata `ADD_MONTHS(d, n)` is the same day n months on, clamped to the month's end:
  `2026-01-31` + 1 → `2026-02-28`, and `2026-02-28` + 1 → `2026-03-28`.
- Redshift's own ADD_MONTHS moves a month's last day to the last day (`2026-03-31`), so it
  becomes `d + INTERVAL 'n MONTH'` (a literal n) or `DATEADD(MONTH, n, d)`, which clamp as
  Teradata does.
- Spark: unchanged; Spark 3's `add_months` clamps the same way.

`date - date` is an INTEGER of days in Teradata (and Redshift); Spark's is an INTERVAL, so
there it becomes `DATEDIFF(a, b)`.

`CAST(ts AS TIMESTAMP(0))` cuts the fractional seconds off in Teradata; a cast to
TIMESTAMP(0) rounds them in PostgreSQL-like engines and Spark keeps them, so it becomes
`DATE_TRUNC('SECOND', CAST(ts AS TIMESTAMP))` (precisions 1 to 5 are flagged).

A DATE argument keeps a DATE result (`CAST(… AS DATE)`); of an argument whose type is
unknown, a warning says the result may be a TIMESTAMP on Redshift.
"""

from sqlglot import exp

from wmg_assets.migration.sql.dialect import DIALECT
from wmg_assets.migration.sql.rules.context import Context, needs
from wmg_assets.migration.sql.types import data_type, integer_value, type_of


@needs(exp.AddMonths)
def add_months_keeps_the_day(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Redshift: ADD_MONTHS with Teradata's month-end rule (see the module docstring)."""
    for node in ctx.find(tree, exp.AddMonths):
        date, months = node.this, node.expression
        count = integer_value(months)
        if count is not None:
            interval = exp.Interval(this=exp.Literal.string(f"{count} MONTH"), unit=None)
            moved: exp.Expr = exp.Add(this=date.copy(), expression=interval)
        else:
            unit = exp.var("MONTH")
            moved = exp.DateAdd(this=date.copy(), expression=months.copy(), unit=unit)
        kind = type_of(date, ctx.schema)
        if kind == "date":
            moved = exp.cast(moved, data_type("DATE"))
        elif kind != "timestamp":
            ctx.note("TD-TYPE-003", node, construct=node.sql(DIALECT))
        node.replace(moved)
        ctx.did("add_months_keeps_the_day")
    return tree


@needs(exp.Sub)
def date_difference_in_days(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Spark: `date - date` is Teradata's INTEGER of days (`DATEDIFF`), not Spark's INTERVAL."""
    for node in ctx.find(tree, exp.Sub):
        left, right = type_of(node.this, ctx.schema), type_of(node.expression, ctx.schema)
        if right == "date" and left in ("date", None):
            node.replace(exp.DateDiff(this=node.this.copy(), expression=node.expression.copy()))
            ctx.did("date_difference_in_days")
    return tree


@needs(exp.Interval)
def date_interval_keeps_a_date(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Redshift: `DATE ± INTERVAL` is a DATE in Teradata, a TIMESTAMP in Redshift: cast back
    (an operand of unknown type gets the TD-TYPE-003 warning). Spark keeps the DATE."""
    for node in ctx.find(tree, exp.Add, exp.Sub):
        if isinstance(node, exp.Add) and isinstance(node.this, exp.Interval):
            interval, other = node.this, node.expression  # INTERVAL '1' DAY + d: d first
            node.set("this", other)
            node.set("expression", interval)
        if not isinstance(node.expression, exp.Interval):
            continue
        kind = type_of(node.this, ctx.schema)
        parent = node.parent.parent if isinstance(node.parent, exp.Paren) else node.parent
        if isinstance(parent, exp.Cast) and parent.to.this == exp.DataType.Type.DATE:
            continue  # already cast back (ADD_MONTHS of a DATE)
        if kind == "date":
            node.replace(exp.cast(exp.Paren(this=node.copy()), data_type("DATE")))
            ctx.did("date_interval_keeps_a_date")
        elif kind is None:
            ctx.note("TD-TYPE-003", node, construct=node.sql(DIALECT))
    return tree


@needs(exp.Cast)
def timestamp_precision_truncates(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """`CAST(x AS TIMESTAMP(0))` as the second it falls in (see the module docstring)."""
    for node in ctx.find(tree, exp.Cast):
        if isinstance(node, exp.TryCast) or node.to.this != exp.DataType.Type.TIMESTAMP:
            continue
        params = node.to.expressions
        if not params:
            continue
        value = params[0].this if isinstance(params[0], exp.DataTypeParam) else params[0]
        precision = integer_value(value)
        if precision is None or precision >= 6:
            continue
        if precision > 0:
            ctx.note("TD-UNSUP-001", node, construct=f"CAST … AS TIMESTAMP({precision}) "
                     "(fractional seconds cut to fewer than 6 digits)")  # fmt: skip
            continue
        whole = exp.cast(node.this.copy(), data_type("TIMESTAMP"))
        node.replace(exp.TimestampTrunc(this=whole, unit=exp.var("SECOND")))
        ctx.did("timestamp_precision_truncates")
    return tree
