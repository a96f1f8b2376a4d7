"""UPDATE, DELETE and MERGE (rules file §3.1-3.3) in the forms the targets run.

- Teradata's joined UPDATE names its target by alias among the FROM tables
  (`UPDATE a FROM db.t a, db.s b SET c = b.v WHERE a.k = b.k`). Read literally by another
  engine it joins the table to itself a second time (sqlglot's output updates every row from
  a cross join). Here the target comes out of the FROM list:
  Redshift `UPDATE db.t AS a SET c = b.v FROM db.s AS b WHERE …`; Spark, which has no
  UPDATE … FROM, `MERGE INTO db.t AS a USING db.s AS b ON … WHEN MATCHED THEN UPDATE SET …`.
  ⚠ The rules file turns every Redshift UPDATE into a MERGE on a key it does not say how to
  choose; Redshift runs UPDATE (and UPDATE … FROM) with Teradata's meaning, so it stays.
- `DELETE FROM t ALL` / `DELETE t ALL` delete every row (sqlglot reads `ALL` as an alias).
- A DELETE joined to other tables: Redshift `DELETE FROM t USING s WHERE …`; Spark
  `MERGE INTO t USING s ON … WHEN MATCHED THEN DELETE`.
- MERGE's `INSERT VALUES (…)` without a column list: Spark needs the list, taken from the
  target's CREATE TABLE when the script has it (else flagged).

Spark's MERGE takes one source, so an UPDATE or DELETE joined to two or more other tables is
flagged there. Spark's MERGE fails when two source rows match one target row, as Teradata's
joined UPDATE does (error 7547).
"""

from sqlglot import exp

from wmg_assets.migration.sql.rules.context import Context, needs
from wmg_assets.migration.sql.types import type_of


def _from_tables(node: exp.Expr) -> list[exp.Expr]:
    """The comma-joined tables of a FROM (or a DELETE's table list), in order."""
    if node is None:
        return []
    first = node.this if isinstance(node, exp.From) else node
    joins = first.args.get("joins") or []
    if any(j.args.get("on") or j.args.get("using") or j.args.get("kind") for j in joins):
        return []  # an explicit JOIN … ON: kept as written
    tables = [first.copy()]
    tables[0].set("joins", None)
    return tables + [j.this.copy() for j in joins]


def _as_from(tables: list[exp.Expr]) -> exp.From:
    first = tables[0].copy()
    if len(tables) > 1:
        first.set("joins", [exp.Join(this=t.copy()) for t in tables[1:]])
    return exp.From(this=first)


def _unqualified(assignments: list[exp.Expr]) -> list[exp.Expr]:
    out = []
    for eq in assignments:
        eq = eq.copy()
        if isinstance(eq.this, exp.Column):
            eq.this.set("table", None)
            eq.this.set("db", None)
        out.append(eq)
    return out


def _merge(target: exp.Expr, source: exp.Expr, on: exp.Expr, then: exp.Expr) -> exp.Merge:
    whens = exp.Whens(expressions=[exp.When(matched=True, then=then)])
    return exp.Merge(this=target, using=source, on=on, whens=whens)


@needs(exp.Update)
def joined_update(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Teradata's UPDATE … FROM with the target among the FROM tables (module docstring)."""
    if not isinstance(tree, exp.Update) or tree.args.get("from_") is None:
        return tree
    name = tree.this.alias_or_name.lower()
    tables = _from_tables(tree.args["from_"])
    if not tables:  # FROM with JOIN … ON: which table is updated is not plain to see
        ctx.note("TD-UNSUP-001", tree, construct="UPDATE … FROM with JOIN … ON")
        return tree
    mine = [t for t in tables if t.alias_or_name.lower() == name]
    if not mine:  # named by its table name although aliased in the FROM list
        mine = [t for t in tables if isinstance(t, exp.Table) and t.name.lower() == name]
    if len(mine) > 1:
        ctx.note("TD-UNSUP-001", tree, construct="UPDATE whose target is ambiguous")
        return tree
    # UPDATE t FROM others: t is not in the FROM list, every FROM table is a source
    target = mine[0] if mine else tree.this.copy()
    others = [t for t in tables if not mine or t is not mine[0]]
    where = tree.args.get("where")
    ctx.did("joined_update")
    if ctx.target == "redshift":
        update = exp.Update(this=target, expressions=_unqualified(tree.expressions),
                            where=where)  # fmt: skip
        if others:
            update.set("from_", _as_from(others))
        return update
    if not others:
        return exp.Update(this=target, expressions=tree.expressions, where=where)
    if len(others) > 1 or where is None:
        ctx.note("TD-UNSUP-001", tree, construct="UPDATE joined to several tables (MERGE "
                 "takes one source)")  # fmt: skip
        return tree
    then = exp.Update(expressions=_unqualified(tree.expressions))  # keys name target columns
    return _merge(target, others[0], where.this, then)


@needs(exp.Delete)
def delete_forms(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """`DELETE … ALL`, and a DELETE joined to other tables (module docstring)."""
    if not isinstance(tree, exp.Delete):
        return tree
    if not isinstance(tree.this, exp.Expr) and len(tree.args.get("tables") or []) == 1:
        tree.set("this", tree.args["tables"][0])  # DELETE t ALL
        tree.set("tables", None)
    table = tree.this
    alias = table.args.get("alias")
    if alias is not None and alias.name.upper() == "ALL":
        table.set("alias", None)
        ctx.did("delete_forms")
    named = tree.args.get("tables") or []
    tables = _from_tables(table)
    if len(tables) < 2 and not named:
        return tree
    target_name = (named[0].alias_or_name if named else tables[0].alias_or_name).lower()
    mine = [t for t in tables if t.alias_or_name.lower() == target_name]
    if named and not mine:  # DELETE t FROM others: t is not among them
        mine = [named[0].copy()]
        others = tables
    elif len(mine) == 1:
        others = [t for t in tables if t is not mine[0]]
    else:
        ctx.note("TD-UNSUP-001", tree, construct="DELETE whose target is ambiguous")
        return tree
    where = tree.args.get("where")
    ctx.did("delete_forms")
    if ctx.target == "redshift":
        delete = exp.Delete(this=mine[0], where=where)
        delete.set("using", [o.copy() for o in others])
        return delete
    if len(others) != 1 or where is None:
        ctx.note("TD-UNSUP-001", tree, construct="DELETE joined to several tables (MERGE "
                 "takes one source)")  # fmt: skip
        return tree
    return _merge(mine[0], others[0], where.this, exp.var("DELETE"))


@needs(exp.Merge)
def merge_insert_columns(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Spark: MERGE's INSERT names its columns (from the target's CREATE TABLE)."""
    if not isinstance(tree, exp.Merge):
        return tree
    for insert in ctx.find(tree, exp.Insert):
        values = insert.expression
        if insert.this is not None or values is None:
            continue
        columns = ctx.columns_of(tree.this)
        if columns is None or len(columns) != len(values.expressions):
            ctx.note("TD-UNSUP-001", insert, construct="MERGE INSERT without a column list "
                     "(the target's columns are not in the script)")  # fmt: skip
            continue
        insert.set("this", exp.Tuple(expressions=[exp.column(c) for c in columns]))
        ctx.did("merge_insert_columns")
    return tree


@needs(exp.Insert)
def insert_without_values(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Teradata's `INSERT INTO t (1, 'a')` (VALUES omitted): the list is the row's values."""
    if not isinstance(tree, exp.Insert) or tree.args.get("expression") is not None:
        return tree
    target = tree.this
    if isinstance(target, exp.Schema) and target.expressions:
        row = exp.Tuple(expressions=[e.copy() for e in target.expressions])
        tree.set("this", target.this.copy())
        tree.set("expression", exp.Values(expressions=[row]))
        ctx.did("insert_without_values")
    return tree


@needs(exp.Insert)
def insert_select_types(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """INSERT … SELECT into a table created earlier in the script (rules file §3.3, §3.4): the
    column list is written out, and a projected value whose type family differs from its
    column's is cast to the column's type, as Teradata converts it on assignment (PostgreSQL
    and Redshift refuse text into an INTEGER column without one).

    ⚠ The rules file also wraps values for NOT NULL columns in COALESCE(…, 0 / ''): that
    turns Teradata's error for a NULL into a silent 0, so it is not done here."""
    if not isinstance(tree, exp.Insert) or not isinstance(tree.expression, exp.Select):
        return tree
    target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    if not isinstance(target, exp.Table) or target.name.lower() not in ctx.schema:
        return tree
    table = ctx.schema[target.name.lower()]
    listed = tree.this.expressions if isinstance(tree.this, exp.Schema) else None
    names = [c.name.lower() for c in listed] if listed else list(table)
    select = tree.expression
    if any(isinstance(e, exp.Star) for e in select.expressions) or len(names) != len(
        select.expressions
    ):
        return tree  # SELECT * or a count Teradata would refuse: left as written
    for name, value in zip(names, list(select.expressions), strict=True):
        column = table.get(name)
        if column is None or column.family is None or column.declared is None:
            continue
        inner = value.unalias() if isinstance(value, exp.Alias) else value
        kind = type_of(inner, ctx.schema)
        if kind is not None and kind != column.family:
            inner.replace(exp.cast(inner.copy(), column.declared.copy()))
            ctx.did("insert_select_types")
    if not listed:
        tree.set("this", exp.Schema(this=target.copy(), expressions=[
            exp.to_identifier(n) for n in names]))  # fmt: skip
        ctx.did("insert_select_types")
    return tree
