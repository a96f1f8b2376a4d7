"""String functions whose positions mean something else on a target.

Regular expressions: `REGEXP_REPLACE(s, re, r[, 1, 0, 'c'])` replaces every match on both
targets (other positions, occurrences or match options are flagged). `REGEXP_SUBSTR(s, re[,
1, n])` is NULL without a match in Teradata and Spark, '' in Redshift: there it is
`NULLIF(REGEXP_SUBSTR(…), '')` (a pattern that matches the empty string is the one case where
the two differ). Spark's `regexp_substr` has two arguments: the nth match is
`TRY_ELEMENT_AT(REGEXP_EXTRACT_ALL(s, re, 0), n)`.

`SUBSTR(s, p, n)` / `SUBSTRING(s FROM p FOR n)`: Teradata (as ANSI SQL, Redshift and
PostgreSQL) counts positions before the first character: `SUBSTR('abc', 0, 2)` is `'a'`
(positions 0 and 1). Spark treats 0 as 1 and a negative position as counted from the end
(`substr('abc', -1, 1)` is `'c'`, Teradata's is `''`). On Spark a start that is not a
literal of at least 1 becomes `GREATEST(p, 1)` and the length `GREATEST(n + LEAST(p, 1) - 1,
0)`: the same characters as Teradata, for every p.
"""

from sqlglot import exp

from wmg_assets.migration.sql.rules.context import Context, needs
from wmg_assets.migration.sql.rules.functions import known_function
from wmg_assets.migration.sql.types import integer_value


@needs(exp.Substring)
def substring_positions(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Spark: SUBSTR with Teradata's positions (see the module docstring)."""
    for node in ctx.find(tree, exp.Substring):
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


def _literal(node: exp.Expr | None) -> object:
    if node is None:
        return None
    if isinstance(node, exp.Literal):
        return node.this.lower() if node.is_string else integer_value(node)
    return node  # not a literal: never one of the accepted values


@needs(exp.RegexpReplace, exp.RegexpSubstr)
def regular_expressions(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """REGEXP_REPLACE and REGEXP_SUBSTR with Teradata's results (see the module docstring)."""
    for node in ctx.find(tree, exp.RegexpReplace):
        extra = [_literal(node.args.get(k)) for k in ("position", "occurrence", "modifiers")]
        if extra[0] not in (None, 1) or extra[1] not in (None, 0) or extra[2] not in (None, "c"):
            ctx.note("TD-UNSUP-001", node, construct="REGEXP_REPLACE with a position, "
                     "occurrence or match option")  # fmt: skip
            continue
        for k in ("position", "occurrence", "modifiers"):
            node.set(k, None)
    for node in ctx.find(tree, exp.RegexpSubstr):
        position, occurrence = _literal(node.args.get("position")), node.args.get("occurrence")
        if position not in (None, 1) or _literal(node.args.get("parameters")) not in (None, "c"):
            ctx.note("TD-UNSUP-001", node, construct="REGEXP_SUBSTR with a position or match "
                     "option")  # fmt: skip
            continue
        nth = occurrence.copy() if occurrence is not None else exp.Literal.number(1)
        if ctx.target == "redshift":
            found = exp.RegexpSubstr(this=node.this.copy(), expression=node.expression.copy(),
                                     position=exp.Literal.number(1), occurrence=nth)  # fmt: skip
            node.replace(exp.Nullif(this=found, expression=exp.Literal.string("")))
        elif integer_value(nth) != 1:
            matches = exp.RegexpExtractAll(this=node.this.copy(),
                                           expression=node.expression.copy(),
                                           group=exp.Literal.number(0))  # fmt: skip
            node.replace(known_function("TRY_ELEMENT_AT", matches, nth))
        else:
            node.set("position", None)
            node.set("occurrence", None)
            node.set("parameters", None)
        ctx.did("regular_expressions")
    return tree
