"""QUALIFY (rules file §3.5): the query becomes a derived table with the window expression
as a column, filtered outside — the form both targets run (Spark has no QUALIFY; Redshift's
is kept out so one form is tested on both).

sqlglot's `eliminate_qualify` does the rewrite, but moves the query's ORDER BY (and TOP /
LIMIT) into the derived table, where neither target promises to keep its order; here they
stay on the outer query. An ORDER BY on something the query does not select cannot follow
it out, and is flagged.
"""

from sqlglot import exp, transforms

from wmg_assets.migration.sql.rules.context import Context, needs


@needs(exp.Qualify)
def qualify_as_derived_table(tree: exp.Expr, ctx: Context) -> exp.Expr:
    for select in ctx.find(tree, exp.Select):
        if not select.args.get("qualify"):
            continue
        order, limit = select.args.get("order"), select.args.get("limit")
        select.set("order", None)
        select.set("limit", None)
        outer = transforms.eliminate_qualify(select.copy())
        if order is not None:
            selected = {e.alias_or_name.lower() for e in outer.expressions}
            keys = [o.this for o in order.expressions]
            if not all(isinstance(k, exp.Column) and k.name.lower() in selected for k in keys):
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
