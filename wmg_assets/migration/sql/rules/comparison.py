"""String comparisons as Teradata (session mode TERA, the default) makes them: not case
specific and blind to trailing blanks — `'abc' = 'ABC  '` is true. Redshift and Spark compare
case-sensitively (and Spark counts trailing blanks), so both sides of a comparison of text are
folded: `UPPER(RTRIM(a)) = UPPER(RTRIM('x'))`; `LIKE` compares `UPPER` of both (its pattern's
blanks are significant in Teradata too). This is what the rules file's §3.6 asks of Spark,
done for Redshift too: its `COLLATE(…, 'case_insensitive')` is not in PostgreSQL-compatible
SQL, and the fold is exact on both.

A column declared CASESPECIFIC keeps its case: only its trailing blanks are ignored. The
assignments of an UPDATE or MERGE (`SET c = 'x'`) are not comparisons and are left alone.
The search of INDEX / POSITION / INSTR is a comparison too: its two texts are upper-cased;
so are the bounds of a BETWEEN of text.

A side is text when it is a string literal, a cast to a character type, or a column created
as one earlier in the script. A comparison with an unknown side and a string literal is
folded only when the literal has a letter or trailing blanks (else folding could turn a
numeric comparison into a text one); two unknown sides are left as they are.
"""

from sqlglot import exp

from wmg_assets.migration.sql.dialect import DIALECT, CaseSpecificity
from wmg_assets.migration.sql.rules.context import Context, needs
from wmg_assets.migration.sql.types import column_type, type_of

_ORDERED = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def _fold(node: exp.Expr, blanks: bool = True, case: bool = True) -> exp.Expr:
    """`UPPER(RTRIM(node))` (or one of the two), built around the node itself: the caller
    puts the fold where the node was."""
    inner = exp.Trim(this=node, position="TRAILING") if blanks else node
    return exp.Upper(this=inner) if case else inner


def _case_specific(nodes: list[exp.Expr], ctx: Context) -> bool:
    """A side is a column declared CASESPECIFIC, or written `x (CASESPECIFIC)`: the
    comparison keeps case (`x (NOT CASESPECIFIC)` folds it whatever x's declaration)."""
    phrases = [n for n in nodes if isinstance(n, CaseSpecificity)]
    if phrases:
        return any(p.args.get("specific") for p in phrases)
    for node in nodes:
        if isinstance(node, exp.Column):
            found = column_type(node, ctx.schema)
            if found is not None and found.case_specific:
                return True
    return False


def _is_assignment(node: exp.Expr) -> bool:
    return isinstance(node, exp.EQ) and isinstance(node.parent, exp.Update)


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


def _fold_in_subquery(node: exp.In, ctx: Context) -> None:
    """`x IN (SELECT y …)` of text: x and y folded alike (y inside the subquery)."""
    query = node.args["query"]
    select = query.this if isinstance(query, exp.Subquery) else query
    if not isinstance(select, exp.Select) or len(select.expressions) != 1:
        return
    projection = select.expressions[0]
    value = projection.unalias() if isinstance(projection, exp.Alias) else projection
    if not _text_comparison(node.this, value, ctx):
        return
    case = not _case_specific([node.this, value], ctx)
    node.set("this", _fold(node.this, case=case))
    folded = _fold(value, case=case)
    if isinstance(projection, exp.Alias):
        projection.set("this", folded)
    else:
        select.set("expressions", [folded])
    ctx.did("case_insensitive_comparisons")


def _fold_position(node: exp.StrPosition, ctx: Context) -> None:
    """`INDEX(s, 'x')` / `POSITION('x' IN s)` / `INSTR(s, 'x')` find 'x' without regard to
    case unless a side is CASESPECIFIC: both upper-cased (a search text without letters is
    left alone: its case cannot matter)."""
    text, sub = node.this, node.args.get("substr")
    if sub is None or not _text_comparison(text, sub, ctx):
        return
    if isinstance(sub, exp.Literal) and not any(c.isalpha() for c in sub.this):
        return
    if _case_specific([text, sub], ctx):
        return
    node.set("this", _fold(text, blanks=False))
    node.set("substr", _fold(sub, blanks=False))
    ctx.did("case_insensitive_comparisons")


def _fold_between(node: exp.Between, ctx: Context) -> None:
    """`x BETWEEN 'a' AND 'm'` of text: the two comparisons it stands for, folded alike."""
    low, high = node.args.get("low"), node.args.get("high")
    if low is None or high is None:
        return
    if not (_text_comparison(node.this, low, ctx) and _text_comparison(node.this, high, ctx)):
        return
    case = not _case_specific([node.this, low, high], ctx)
    node.set("this", _fold(node.this, case=case))
    node.set("low", _fold(low, case=case))
    node.set("high", _fold(high, case=case))
    ctx.did("case_insensitive_comparisons")


@needs(*_ORDERED, exp.Like, exp.In, exp.StrPosition, exp.Between)
def case_insensitive_comparisons(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Fold both sides of each comparison of text (see the module docstring)."""
    for position in ctx.find(tree, exp.StrPosition):
        _fold_position(position, ctx)
    for between in ctx.find(tree, exp.Between):
        _fold_between(between, ctx)
    for node in ctx.find(tree, *_ORDERED, exp.Like, exp.In):
        if _is_assignment(node):
            continue
        if isinstance(node, exp.In) and node.args.get("query") is not None:
            _fold_in_subquery(node, ctx)
        elif isinstance(node, exp.In):
            values = node.expressions
            if values and all(_text_comparison(node.this, v, ctx) for v in values):
                case = not _case_specific([node.this, *values], ctx)
                node.set("this", _fold(node.this, case=case))
                node.set("expressions", [_fold(v, case=case) for v in values])
                ctx.did("case_insensitive_comparisons")
        elif _text_comparison(node.this, node.expression, ctx):
            blanks = not isinstance(node, exp.Like)
            case = not _case_specific([node.this, node.expression], ctx)
            if not case and not blanks:
                continue  # a case-specific LIKE: as written
            node.set("this", _fold(node.this, blanks, case))
            node.set("expression", _fold(node.expression, blanks, case))
            ctx.did("case_insensitive_comparisons")
    return tree


def _known_text_column(node: exp.Expr, ctx: Context) -> bool:
    """A column declared as text (and not CASESPECIFIC) earlier in the script."""
    if not isinstance(node, exp.Column):
        return False
    found = column_type(node, ctx.schema)
    return found is not None and found.family == "text" and not found.case_specific


@needs(exp.Order, exp.Count, exp.Group, exp.Distinct, exp.Max, exp.Min)
def case_insensitive_grouping(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """The rest of TERA mode's text semantics, for columns known to be text:
    `ORDER BY c` sorts as Teradata does (by `UPPER(RTRIM(c))`); `COUNT(DISTINCT c)` counts
    'a' and 'A ' once. GROUP BY and DISTINCT of such a column keep the target's grouping
    with a warning: which of 'a' and 'A' Teradata returns for the group is not defined, so
    no rewrite can give its rows. MIN / MAX of such a column compare as Teradata does: on
    Spark the value with the least / greatest fold (`MIN_BY` / `MAX_BY`); Redshift has no
    such function, so there it is a warning."""
    for order in ctx.find(tree, exp.Order):
        select = order.parent
        if not isinstance(select, exp.Select) or select.args.get("distinct"):
            continue  # a set operation's or a DISTINCT's ORDER BY names output columns
        for ordered in order.expressions:
            if _known_text_column(ordered.this, ctx):
                ordered.set("this", _fold(ordered.this))
                ctx.did("case_insensitive_grouping")
    for count in ctx.find(tree, exp.Count):
        distinct = count.this
        if isinstance(distinct, exp.Distinct) and all(
            _known_text_column(e, ctx) for e in distinct.expressions
        ):
            distinct.set("expressions", [_fold(e) for e in distinct.expressions])
            ctx.did("case_insensitive_grouping")
    for extreme in ctx.find(tree, exp.Max, exp.Min):
        if not _known_text_column(extreme.this, ctx) or extreme.expressions:
            continue
        if ctx.target == "spark":  # the value whose fold is the greatest / least
            by = exp.ArgMax if isinstance(extreme, exp.Max) else exp.ArgMin
            extreme.replace(by(this=extreme.this.copy(), expression=_fold(extreme.this)))
            ctx.did("case_insensitive_grouping")
        else:
            ctx.note("TD-TYPE-006", extreme, construct=extreme.sql(DIALECT))
    for select in ctx.find(tree, exp.Select):
        group = select.args.get("group")
        keys = list(group.expressions) if group is not None else []
        if select.args.get("distinct"):
            keys += list(select.expressions)
        for key in keys:
            if _known_text_column(key.unalias() if isinstance(key, exp.Alias) else key, ctx):
                ctx.note("TD-TYPE-005", key, construct=f"GROUP BY / DISTINCT {key.sql()}")
                break
    return tree


@needs(CaseSpecificity)
def case_specificity_phrases(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """`x (CASESPECIFIC)` phrases, once the comparisons have read them: x itself (the phrase
    changes no value)."""
    for phrase in ctx.find(tree, CaseSpecificity):
        phrase.replace(phrase.this)
        ctx.did("case_specificity_phrases")
    return tree
