"""Teradata's ordered-analytic functions of the old form (before window syntax) as window
functions, which both targets run:

| Teradata | window function |
|---|---|
| `CSUM(x, s…)` | `SUM(x) OVER (ORDER BY s… ROWS UNBOUNDED PRECEDING)` |
| `MSUM(x, w, s…)` | `SUM(x) OVER (ORDER BY s… ROWS w-1 PRECEDING)` |
| `MAVG(x, w, s…)` | `AVG(x) OVER (ORDER BY s… ROWS w-1 PRECEDING)` |
| `MDIFF(x, w, s…)` | `x - LAG(x, w) OVER (ORDER BY s…)` |

In a query with GROUP BY these functions compute per group of the GROUP BY, not per
aggregate: that form is flagged.
"""

from sqlglot import exp

from wmg_assets.migration.sql.rules.context import Context, needs
from wmg_assets.migration.sql.types import integer_value

_MOVING = {"MSUM": exp.Sum, "MAVG": exp.Avg}


def _order(keys: list[exp.Expr]) -> exp.Order:
    return exp.Order(expressions=[exp.Ordered(this=k.copy(), nulls_first=True) for k in keys])


def _rows(preceding: exp.Expr | str) -> exp.WindowSpec:
    return exp.WindowSpec(kind="ROWS", start=preceding, start_side="PRECEDING",
                          end="CURRENT ROW")  # fmt: skip


def _window(node: exp.Anonymous, ctx: Context) -> exp.Expr | None:
    name, args = str(node.this).upper(), node.expressions
    if name == "CSUM" and len(args) >= 2:
        return exp.Window(this=exp.Sum(this=args[0].copy()), order=_order(args[1:]),
                          spec=_rows("UNBOUNDED"))  # fmt: skip
    if name not in (*_MOVING, "MDIFF") or len(args) < 3:
        return None
    width = integer_value(args[1])
    if width is None or width < 1:
        return None
    if name == "MDIFF":
        lag = exp.Window(this=exp.Lag(this=args[0].copy(), offset=exp.Literal.number(width)),
                         order=_order(args[2:]))  # fmt: skip
        return exp.Paren(this=exp.Sub(this=args[0].copy(), expression=lag))
    spec = _rows(exp.Literal.number(width - 1))
    return exp.Window(this=_MOVING[name](this=args[0].copy()), order=_order(args[2:]), spec=spec)


@needs(exp.Anonymous)
def ordered_analytics(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """CSUM, MSUM, MAVG and MDIFF as window functions (see the module docstring)."""
    for node in ctx.find(tree, exp.Anonymous):
        window = _window(node, ctx)
        if window is None:
            continue
        select = node.find_ancestor(exp.Select)
        if select is not None and select.args.get("group"):
            ctx.note("TD-UNSUP-001", node, construct=f"{node.this} with GROUP BY (groups as "
                     "partitions)")  # fmt: skip
            continue
        node.replace(window)
        ctx.did("ordered_analytics")
    return tree
