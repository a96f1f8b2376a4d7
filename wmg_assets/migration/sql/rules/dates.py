"""Date arithmetic whose meaning differs between Teradata and a target.

- Teradata `ADD_MONTHS(d, n)` is the same day n months on, clamped to the month's end:
  `2026-01-31` + 1 → `2026-02-28`, and `2026-02-28` + 1 → `2026-03-28`.
- Redshift's own ADD_MONTHS moves a month's last day to the last day (`2026-03-31`), so it
  becomes `d + INTERVAL 'n MONTH'` (a literal n) or `DATEADD(MONTH, n, d)`, which clamp as
  Teradata does.
- Spark: unchanged; Spark 3's `add_months` clamps the same way.

A DATE argument keeps a DATE result (`CAST(… AS DATE)`); of an argument whose type is
unknown, a warning says the result may be a TIMESTAMP on Redshift.
"""

from sqlglot import exp

from wmg_assets.migration.sql.rules.context import Context
from wmg_assets.migration.sql.types import integer_value, type_of


def add_months_keeps_the_day(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Redshift: ADD_MONTHS with Teradata's month-end rule (see the module docstring)."""
    for node in list(tree.find_all(exp.AddMonths)):
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
            moved = exp.cast(moved, exp.DataType.build("DATE"))
        elif kind != "timestamp":
            ctx.note("TD-TYPE-003", node, construct=node.sql("teradata"))
        node.replace(moved)
        ctx.did("add_months_keeps_the_day")
    return tree
