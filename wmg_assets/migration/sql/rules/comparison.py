"""String comparisons as Teradata (session mode TERA, the default) makes them: not case
specific and blind to trailing blanks — `'abc' = 'ABC  '` is true. Redshift and Spark compare
case-sensitively (and Spark counts trailing blanks), so both sides of a comparison of text are
folded: `UPPER(RTRIM(a)) = UPPER(RTRIM('x'))`; `LIKE` compares `UPPER` of both (its pattern's
blanks are significant in Teradata too). This is what the rules file's §3.6 asks of Spark,
done for Redshift too: its `COLLATE(…, 'case_insensitive')` is not in PostgreSQL-compatible
SQL, and the fold is exact on both.

A side is text when it is a string literal, a cast to a character type, or a column created
as one earlier in the script. A comparison with an unknown side and a string literal is
folded only when the literal has a letter or trailing blanks (else folding could turn a
numeric comparison into a text one); two unknown sides are left as they are.
"""

from sqlglot import exp

from wmg_assets.migration.sql.rules.context import Context
from wmg_assets.migration.sql.types import type_of

_ORDERED = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def _fold(node: exp.Expr, blanks: bool = True) -> exp.Expr:
    inner = exp.Trim(this=node.copy(), position="TRAILING") if blanks else node.copy()
    return exp.Upper(this=inner)


def _case_matters(node: exp.Expr) -> bool:
    """A string literal whose letters or trailing blanks Teradata would ignore."""
    if not (isinstance(node, exp.Literal) and node.is_string):
        return False
    text = node.this
    return any(c.isalpha() for c in text) or text != text.rstrip(" ")


def _text_comparison(left: exp.Expr, right: exp.Expr, ctx: Context) -> bool:
    kinds = (type_of(left, ctx.schema), type_of(right, ctx.schema))
    if "text" in kinds and all(k in ("text", None) for k in kinds):
        if None not in kinds:
            return True
        literal = left if kinds[0] == "text" else right
        return _case_matters(literal) or not isinstance(literal, exp.Literal)
    return False


def case_insensitive_comparisons(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Fold both sides of each comparison of text (see the module docstring)."""
    for node in list(tree.find_all(*_ORDERED, exp.Like, exp.In)):
        if isinstance(node, exp.In):
            values = node.expressions
            if values and all(_text_comparison(node.this, v, ctx) for v in values):
                node.set("this", _fold(node.this))
                node.set("expressions", [_fold(v) for v in values])
                ctx.did("case_insensitive_comparisons")
        elif _text_comparison(node.this, node.expression, ctx):
            blanks = not isinstance(node, exp.Like)
            node.set("this", _fold(node.this, blanks))
            node.set("expression", _fold(node.expression, blanks))
            ctx.did("case_insensitive_comparisons")
    return tree
