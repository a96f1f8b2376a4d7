"""Teradata statements and modifiers with no counterpart of the same name (rules file §3.7,
§3.8), and views (§2.1).

| Teradata | Redshift | Spark |
|---|---|---|
| `LOCKING … FOR ACCESS` before a statement or in a view | removed (info): no dirty reads to ask for | same |
| `COLLECT STATISTICS … ON t …` | `ANALYZE t` | removed (info) |
| `DATABASE d` | `SET search_path = d` | `USE d` |
| `SET QUERY_BAND = '…' FOR SESSION` | removed (info): a workload label | same |
| `RENAME TABLE s.a TO s.b` | `ALTER TABLE s.a RENAME TO b` (a view, or another schema: error) | `ALTER TABLE s.a RENAME TO s.b` (`ALTER VIEW` for a view) |
| `x (TITLE 'h')` in a query | `x` (info: a BTEQ column heading) | same |
| `x (NAMED n)` as a selected column | `x AS n` (elsewhere: error) | same |
| `GRANT` / `REVOKE` | as written | error: Spark SQL has no privileges (the catalog grants them) |
| `BT` / `ET` | `BEGIN` / `COMMIT` | removed, warning: no multi-statement transaction |
| `SAMPLE n` | `ORDER BY RANDOM() LIMIT n` (a query without ORDER BY) | `TABLESAMPLE (n ROWS)` |
| `SAMPLE 0.1` (a fraction) | `WHERE RANDOM() < 0.1`, warning | `TABLESAMPLE (10 PERCENT)`, warning |
| `CREATE VIEW v AS SELECT * FROM t` (t created earlier) | the `*` as t's column list | same |
"""

import re

from sqlglot import exp

from wmg_assets.migration.sql.dialect import DIALECT, NamedPhrase, TitlePhrase
from wmg_assets.migration.sql.rules.context import Context, needs

_RENAME = re.compile(r"^(TABLE|VIEW)\s+([\w$#.\"]+)\s+(?:TO|AS)\s+([\w$#.\"]+)\s*$", re.IGNORECASE)
_COLLECT_ON = re.compile(r"\bON\s+(?:TEMPORARY\s+)?([\w$#]+(?:\.[\w$#]+)?)", re.IGNORECASE)


@needs(exp.LockingStatement, exp.LockingProperty)
def locking_modifiers(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """`LOCKING ROW FOR ACCESS` (and the other LOCKING requests): removed."""
    if isinstance(tree, exp.LockingStatement):
        ctx.note("TD-STMT-001", tree, construct=tree.this.sql(DIALECT),
                 detail="the targets read without Teradata's locks")  # fmt: skip
        tree = tree.expression
        ctx.did("locking_modifiers")
    for prop in ctx.find(tree, exp.LockingProperty):
        ctx.note("TD-STMT-001", prop, construct=prop.sql(DIALECT),
                 detail="the targets read without Teradata's locks")  # fmt: skip
        prop.pop()
        ctx.did("locking_modifiers")
    for statement in ctx.find(tree, exp.LockingStatement):
        statement.replace(statement.expression)
    return tree


def session_statements(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """COLLECT STATISTICS, DATABASE, BT and ET (see the module's table)."""
    if isinstance(tree, exp.Command) and str(tree.this).upper() == "COLLECT":
        found = _COLLECT_ON.search(str(tree.expression or ""))
        if found is None:
            return tree
        ctx.did("session_statements")
        if ctx.target == "redshift":
            return exp.Analyze(tables=[exp.to_table(found.group(1))])
        ctx.drop_statement("TD-STMT-001", tree, construct="COLLECT STATISTICS",
                           detail="Spark keeps no optimizer statistics of this kind")  # fmt: skip
        return tree
    if isinstance(tree, exp.Set) and any(
        isinstance(item, exp.QueryBand) for item in tree.expressions
    ):  # fmt: skip
        ctx.did("session_statements")
        ctx.drop_statement("TD-STMT-001", tree, construct="SET QUERY_BAND",
                           detail="a Teradata workload label, nothing to run")  # fmt: skip
        return tree
    if isinstance(tree, exp.Use) and ctx.target == "redshift":
        ctx.did("session_statements")
        item = exp.EQ(this=exp.column("search_path"), expression=exp.var(tree.this.sql()))
        return exp.Set(expressions=[exp.SetItem(this=item)])
    if isinstance(tree, exp.Column) and tree.name.upper() in ("BT", "ET") and not tree.table:
        ctx.did("session_statements")
        if ctx.target == "spark":
            ctx.drop_statement("TD-STMT-002", tree, construct=tree.name.upper())
            return tree
        return exp.Transaction() if tree.name.upper() == "BT" else exp.Commit()
    return tree


@needs(exp.Command)
def rename_statements(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """`RENAME TABLE|VIEW old TO|AS new` as the target's ALTER … RENAME (see the module's
    table). A new name without a schema is in Teradata's default database, which need not be
    the old one's, so a qualified old name needs a qualified new one."""
    if not isinstance(tree, exp.Command) or str(tree.this).upper() != "RENAME":
        return tree
    found = _RENAME.match(str(tree.expression.this if tree.expression else ""))
    if found is None:
        return tree
    kind = found.group(1).upper()
    old, new = exp.to_table(found.group(2)), exp.to_table(found.group(3))
    same_schema = old.db.lower() == new.db.lower()
    if not same_schema or (kind == "VIEW" and ctx.target == "redshift"):
        what = "RENAME VIEW" if same_schema else "RENAME into another database"
        ctx.note("TD-UNSUP-001", tree, construct=what)
        return tree
    if ctx.target == "redshift":
        new.set("db", None)  # Redshift renames within the table's schema
    ctx.did("rename_statements")
    return exp.Alter(this=old, kind=kind, actions=[exp.AlterRename(this=new)])


@needs(exp.Grant, exp.Revoke)
def access_statements(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """GRANT and REVOKE: Redshift has them; Spark SQL has no privileges (access to Iceberg
    tables is granted in the catalog, e.g. Lake Formation), so there they are flagged."""
    if isinstance(tree, exp.Grant | exp.Revoke) and ctx.target == "spark":
        ctx.note("TD-UNSUP-001", tree, construct=f"{tree.key.upper()} (privileges belong to "
                 "the catalog)")  # fmt: skip
    return tree


@needs(exp.TableSample)
def sample_clauses(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """SAMPLE n / SAMPLE fraction (see the module's table)."""
    for sample in ctx.find(tree, exp.TableSample):
        select = sample.find_ancestor(exp.Select)
        size = sample.args.get("size") or sample.args.get("percent")
        fraction = sample.args.get("percent") is not None
        if select is None or size is None:
            continue
        ctx.did("sample_clauses")
        if fraction:
            ctx.note("TD-SAMPLE-001", sample, construct=f"SAMPLE {size.sql()}")
        if ctx.target == "spark":
            continue
        sample.pop()
        if fraction:
            share = exp.Div(this=size.copy(), expression=exp.Literal.number(100))
            select.where(exp.LT(this=exp.Rand(), expression=share), copy=False)
        elif select.args.get("order") is None and select.args.get("limit") is None:
            select.order_by(exp.Rand(), copy=False).limit(size.copy(), copy=False)
        else:
            ctx.note("TD-UNSUP-001", sample, construct="SAMPLE in an ordered or limited query")
    return tree


@needs(exp.Create)
def view_columns(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """A view's `SELECT *` from one table created earlier: the table's columns, listed (so
    the view does not change when the table does); a bare projection is reported as a glass
    view."""
    if not isinstance(tree, exp.Create) or str(tree.args.get("kind", "")).upper() != "VIEW":
        return tree
    query = tree.args.get("expression")
    if not isinstance(query, exp.Select) or query.args.get("joins"):
        return tree
    tables = list(query.find_all(exp.Table))
    if len(tables) != 1:
        return tree
    bare = not any(query.args.get(k) for k in ("where", "group", "having", "qualify", "order"))
    if bare and all(isinstance(e, exp.Column | exp.Star) for e in query.expressions):
        ctx.note("TD-DDL-006", tree, construct=tables[0].sql(DIALECT),
                 detail="it adds nothing to its table")  # fmt: skip
    columns = ctx.columns_of(tables[0])
    if columns and any(isinstance(e, exp.Star) for e in query.expressions):
        listed: list[exp.Expr] = []
        for e in query.expressions:
            if isinstance(e, exp.Star):
                listed.extend(exp.column(c) for c in columns)
            else:
                listed.append(e)
        query.set("expressions", listed)
        ctx.did("view_columns")
    return tree


@needs(TitlePhrase, NamedPhrase)
def title_and_named_phrases(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """`x (TITLE 'h')` is x (the heading is BTEQ's display); `x (NAMED n)` selected is
    `x AS n`. A NAMED phrase inside an expression (a name given in passing) is flagged."""
    for phrase in ctx.find(tree, TitlePhrase):
        ctx.note("TD-DDL-001", phrase, construct="TITLE")
        phrase.replace(phrase.this)
        ctx.did("title_and_named_phrases")
    for phrase in ctx.find(tree, NamedPhrase):
        if not isinstance(phrase.parent, exp.Select):
            ctx.note("TD-UNSUP-001", phrase, construct="NAMED inside an expression")
            continue
        phrase.replace(exp.alias_(phrase.this, phrase.args["name"]))
        ctx.did("title_and_named_phrases")
    return tree
