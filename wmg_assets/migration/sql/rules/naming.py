"""Names (rules file §5).

- Teradata names are not case specific, quoted or not: every identifier is lower case on
  both targets (§2.1), so `Sales.Daily_Totals` and `"SALES"."DAILY_TOTALS"` are the same
  table there too.
- Spark with a catalog configured (`ConversionOptions.catalog`, e.g. `glue_catalog`): a
  table `db.t` is `catalog.db.t`, and an unqualified one `catalog.<default schema>.t`.
- Redshift reading Iceberg tables (`ConversionOptions.external_schemas`): a table in one of
  those schemas is read through the Spectrum schema `ext_<schema>`.
"""

from sqlglot import exp

from wmg_assets.migration.sql.rules.context import Context, UpperCaseName, needs


@needs(UpperCaseName)
def lower_case_names(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Every identifier in lower case (see the module docstring)."""
    for identifier in ctx.find(tree, exp.Identifier):
        name = identifier.this
        if isinstance(name, str) and name != name.lower():
            identifier.set("this", name.lower())
            ctx.did("lower_case_names")
    return tree


def _table_references(tree: exp.Expr) -> list[exp.Table]:
    """Tables that name a stored table: not a CTE's name, not a function's."""
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    return [t for t in tree.find_all(exp.Table)
            if isinstance(t.this, exp.Identifier) and not (not t.db and t.name.lower() in ctes)]  # fmt: skip


@needs(exp.Table)
def qualified_tables(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Spark catalog and Redshift external-schema qualification (see the module docstring)."""
    options = ctx.options
    if ctx.target == "spark" and options.catalog:
        for table in _table_references(tree):
            if table.args.get("catalog") is None:
                table.set("db", table.args.get("db") or exp.to_identifier(options.default_schema))
                table.set("catalog", exp.to_identifier(options.catalog))
                ctx.did("qualified_tables")
    if ctx.target == "redshift" and options.external_schemas:
        external = {s.lower() for s in options.external_schemas}
        for table in _table_references(tree):
            if table.db and table.db.lower() in external:
                table.set("db", exp.to_identifier(f"ext_{table.db.lower()}"))
                ctx.did("qualified_tables")
    return tree
