"""Teradata's ordered-analytic functions of the old form (before window syntax) as window
functions, which both targets run:

| Teradata | window function |
|---|---|
| `CSUM(x, s…)` | `SUM(x) OVER (ORDER BY s… ROWS UNBOUNDED PRECEDING)` |
| `MSUM(x, w, s…)` | `SUM(x) OVER (ORDER BY s… ROWS w-1 PRECEDING)` |
| `MAVG(x, w, s…)` | `AVG(x) OVER (ORDER BY s… ROWS w-1 PRECEDING)` |
| `MDIFF(x, w, s…)` | `x - LAG(x, w) OVER (ORDER BY s…)` |
| `RANK(x)` | `RANK() OVER (ORDER BY x DESC)` (the old form ranks the highest first) |

And window functions whose default frame differs: in Teradata a window with ORDER BY and no
ROWS clause is the whole partition, for FIRST_VALUE and LAST_VALUE too (sqlglot writes the
frame out for the aggregates only); on both targets it would end at the current row, so
`LAST_VALUE(x) OVER (ORDER BY d)` would return the current row's x.

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


def _old_rank(node: exp.Rank) -> exp.Expr | None:
    if not node.expressions or isinstance(node.parent, exp.Window):
        return None
    keys = [exp.Ordered(this=k.copy(), desc=True, nulls_first=False) for k in node.expressions]
    return exp.Window(this=exp.Rank(), order=exp.Order(expressions=keys))


@needs(exp.Anonymous, exp.Rank)
def ordered_analytics(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """CSUM, MSUM, MAVG, MDIFF and RANK(x) as window functions (see the module docstring)."""
    olds = [(n, _window(n, ctx)) for n in ctx.find(tree, exp.Anonymous)]
    olds += [(n, _old_rank(n)) for n in ctx.find(tree, exp.Rank)]
    for node, window in olds:
        if window is None:
            continue
        select = node.find_ancestor(exp.Select)
        if select is not None and select.args.get("group"):
            name = node.this if isinstance(node, exp.Anonymous) else "RANK"
            ctx.note("TD-UNSUP-001", node, construct=f"{name} with GROUP BY (groups as "
                     "partitions)")  # fmt: skip
            continue
        node.replace(window)
        ctx.did("ordered_analytics")
    return tree


@needs(exp.FirstValue, exp.LastValue, exp.NthValue)
def value_window_frames(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """FIRST_VALUE / LAST_VALUE / NTH_VALUE over an ORDER BY without a frame: the whole
    partition, as Teradata's default frame is (see the module docstring)."""
    for window in ctx.find(tree, exp.Window):
        function = window.this
        if isinstance(function, exp.IgnoreNulls | exp.RespectNulls):
            function = function.this
        if not isinstance(function, exp.FirstValue | exp.LastValue | exp.NthValue):
            continue
        if window.args.get("order") is None or window.args.get("spec") is not None:
            continue
        window.set("spec", exp.WindowSpec(kind="ROWS", start="UNBOUNDED",
                   start_side="PRECEDING", end="UNBOUNDED", end_side="FOLLOWING"))  # fmt: skip
        ctx.did("value_window_frames")
    return tree
