"""QUALIFY (rules file §3.5): the query becomes a derived table with the window expression
as a column, filtered outside — the form both targets run (Spark has no QUALIFY; Redshift's
is kept out so one form is tested on both).

sqlglot's `eliminate_qualify` does the rewrite, but moves the query's ORDER BY (and TOP /
LIMIT) into the derived table, where neither target promises to keep its order; here they
stay on the outer query. An ORDER BY on something the query does not select cannot follow
it out, and is flagged.

Every selected value the outer query reads back gets a name of its own first: sqlglot takes
the "name" of an unnamed expression from inside it (`CURRENT_TIMESTAMP(0)` would be read back
as the literal `0`), and two columns of one name (`a.id, b.id`) would be ambiguous outside.
A query selecting `*` is read back as `* EXCLUDE (_w)` (Redshift) / `* EXCEPT (_w)` (Spark):
a bare `*` outside would return the window's column too.
"""

from sqlglot import exp, transforms

from wmg_assets.migration.sql.rules.context import Context, needs


def name_every_projection(select: exp.Select) -> None:
    """Give each projection that is not a plainly named column (or `*`) an alias `_cN`."""
    taken: set[str] = set()
    for i, projection in enumerate(list(select.expressions)):
        if isinstance(projection, exp.Star) or (
            isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
        ):
            continue
        named = isinstance(projection, exp.Alias | exp.Column)
        name = projection.alias_or_name.lower() if named else ""
        if not name or name in taken:
            name = f"_c{i}"
            projection.replace(exp.alias_(projection.unalias() if not named or isinstance(
                projection, exp.Column) else projection.this, name))  # fmt: skip
        taken.add(name)


def _reads_back(key: exp.Expr, names: set[str], star: bool) -> bool:
    """An ORDER BY key the outer query can still sort by: a selected column (any column
    under a `*`) or a position (the outer query selects in the same order)."""
    if isinstance(key, exp.Literal) and key.is_int:
        return True
    return isinstance(key, exp.Column) and (star or key.name.lower() in names)


@needs(exp.Qualify)
def qualify_as_derived_table(tree: exp.Expr, ctx: Context) -> exp.Expr:
    for select in ctx.find(tree, exp.Select):
        if not select.args.get("qualify"):
            continue
        order, limit = select.args.get("order"), select.args.get("limit")
        select.set("order", None)
        select.set("limit", None)
        inner = select.copy()
        name_every_projection(inner)
        selected = len(inner.expressions)
        outer = transforms.eliminate_qualify(inner)
        helpers = [exp.column(e.alias_or_name) for e in inner.expressions[selected:]]
        for star in outer.expressions:
            if isinstance(star, exp.Star) and helpers:
                star.set("except_", helpers)
        if order is not None:
            names = {e.alias_or_name.lower() for e in outer.expressions}
            star = any(isinstance(e, exp.Star) for e in outer.expressions)
            keys = [o.this for o in order.expressions]
            if not all(_reads_back(k, names, star) for k in keys):
                ctx.note("TD-UNSUP-001", order, construct="ORDER BY of unselected columns "
                         "with QUALIFY")  # fmt: skip
            for column in order.find_all(exp.Column):
                column.set("table", None)
            outer.set("order", order)
        if limit is not None:
            outer.set("limit", limit)
        if select is tree:
            tree = outer
        else:
            select.replace(outer)
        ctx.did("qualify_as_derived_table")
    return tree
