"""String functions whose positions mean something else on a target.

`SUBSTR(s, p, n)` / `SUBSTRING(s FROM p FOR n)`: Teradata (as ANSI SQL, Redshift and
PostgreSQL) counts positions before the first character: `SUBSTR('abc', 0, 2)` is `'a'`
(positions 0 and 1). Spark treats 0 as 1 and a negative position as counted from the end
(`substr('abc', -1, 1)` is `'c'`, Teradata's is `''`). On Spark a start that is not a
literal of at least 1 becomes `GREATEST(p, 1)` and the length `GREATEST(n + LEAST(p, 1) - 1,
0)`: the same characters as Teradata, for every p.
"""

from sqlglot import exp

from wmg_assets.migration.sql.rules.context import Context
from wmg_assets.migration.sql.types import integer_value


def substring_positions(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Spark: SUBSTR with Teradata's positions (see the module docstring)."""
    for node in list(tree.find_all(exp.Substring)):
        start, length = node.args.get("start"), node.args.get("length")
        if start is None or (integer_value(start) or 0) >= 1:
            continue
        one = exp.Literal.number(1)
        node.set("start", exp.Greatest(this=start.copy(), expressions=[one.copy()]))
        if length is not None:
            before = exp.Least(this=start.copy(), expressions=[one.copy()])
            remaining = exp.Sub(this=exp.Add(this=length.copy(), expression=before),
                                expression=one.copy())  # fmt: skip
            node.set("length", exp.Greatest(this=remaining, expressions=[exp.Literal.number(0)]))
        ctx.did("substring_positions")
    return tree
