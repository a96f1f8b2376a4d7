"""DDL: Teradata's table options, column attributes and indexes (rules file §2).

| Teradata | Redshift and Spark |
|---|---|
| `MULTISET` | dropped (info) |
| `SET` | dropped; warning: duplicate rows are no longer rejected |
| `FALLBACK`, `JOURNAL`, `CHECKSUM`, `DATABLOCKSIZE`, `FREESPACE`, … | dropped (info) |
| `CHARACTER SET`, `TITLE`, `FORMAT`, `COMPRESS` on a column | dropped (info) |
| `PRIMARY INDEX`, secondary indexes | dropped (info); Redshift: a partitioned PI's columns are the SORTKEY |
| `UNIQUE PRIMARY INDEX` | warning: duplicates are no longer rejected; Redshift: a UNIQUE constraint (recorded, not enforced) |
| `GENERATED … AS IDENTITY` | Redshift `IDENTITY(s, i)`; flagged on Spark |
| `VOLATILE` / `GLOBAL TEMPORARY`, `AS t WITH [NO] DATA` | see `temporary_tables`, `create_table_as` |
| `[NOT] CASESPECIFIC` | dropped (info); the comparisons of a CASESPECIFIC column keep their case |
| `CHECK (…)` | dropped, warning: neither target enforces it (Redshift has none, Spark rejects it) |
| `PRIMARY KEY`, `UNIQUE`, `REFERENCES` / `FOREIGN KEY` | Redshift: kept, warning (informational there, not enforced); Spark: dropped, warning (its CREATE TABLE has no constraints) |
"""

from sqlglot import exp

from wmg_assets.migration.sql.dialect import DIALECT
from wmg_assets.migration.sql.rules.context import Context, needs

# Storage and protection options with no effect on the targets' results.
_STORAGE_OPTIONS = tuple(
    getattr(exp, name)
    for name in (
        "FallbackProperty", "JournalProperty", "ChecksumProperty", "DataBlocksizeProperty",
        "FreespaceProperty", "MergeBlockRatioProperty", "IsolatedLoadingProperty",
        "BlockCompressionProperty", "LogProperty", "WithJournalTableProperty",
        "NoPrimaryIndexProperty",
    )
    if hasattr(exp, name)
)  # fmt: skip
_TERADATA_PROPERTIES = {"MAP"}  # read as a plain Property by `dialect.py`
_COLUMN_ATTRIBUTES = tuple(
    getattr(exp, name)
    for name in ("CharacterSetColumnConstraint", "TitleColumnConstraint",
                 "DateFormatColumnConstraint", "CompressColumnConstraint",
                 "InlineLengthColumnConstraint", "CaseSpecificColumnConstraint")
    if hasattr(exp, name)
)  # fmt: skip


@needs(exp.Create)
def drop_table_options(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Table kind, storage options and display attributes that do not change results."""
    if not isinstance(tree, exp.Create):
        return tree
    properties = tree.args.get("properties")
    if properties is not None:
        kept = [p for p in properties.expressions if not _dropped_option(p, ctx)]
        if kept:
            properties.set("expressions", kept)
        else:
            tree.set("properties", None)
    for column in ctx.find(tree, exp.ColumnDef):
        constraints = column.args.get("constraints") or []
        kept = [c for c in constraints if not _dropped_attribute(c, ctx)]
        if len(kept) != len(constraints):
            column.set("constraints", kept)
    return tree


def _dropped_option(prop: exp.Expr, ctx: Context) -> bool:
    if isinstance(prop, exp.SetProperty):
        kind = "MULTISET" if prop.args.get("multi") else "SET"
        ctx.note("TD-DDL-001" if kind == "MULTISET" else "TD-DDL-002", prop, construct=kind)
    elif isinstance(prop, _STORAGE_OPTIONS) or (
        type(prop) is exp.Property and prop.name.upper() in _TERADATA_PROPERTIES
    ):
        ctx.note("TD-DDL-001", prop, construct=prop.sql(DIALECT) or prop.key)
    else:
        return False
    ctx.did("drop_table_options")
    return True


def _dropped_attribute(constraint: exp.Expr, ctx: Context) -> bool:
    kind = constraint.args.get("kind")
    if isinstance(kind, exp.UppercaseColumnConstraint):
        ctx.note("TD-DDL-007", constraint, construct="UPPERCASE")
    elif isinstance(kind, _COLUMN_ATTRIBUTES):
        ctx.note("TD-DDL-001", constraint, construct=constraint.sql(DIALECT))
    else:
        return False
    ctx.did("drop_table_options")
    return True


_KEYS = (exp.PrimaryKeyColumnConstraint, exp.UniqueColumnConstraint, exp.Reference,
         exp.PrimaryKey, exp.ForeignKey)  # fmt: skip


def _constraint_kind(node: exp.Expr) -> exp.Expr | None:
    """The constraint a column constraint, a table element or a named CONSTRAINT holds."""
    if isinstance(node, exp.ColumnConstraint):
        return node.args.get("kind")
    if isinstance(node, exp.Constraint):
        return node.expressions[0] if len(node.expressions) == 1 else None
    return node


def _kept_constraint(node: exp.Expr, ctx: Context) -> bool:
    """False when the constraint is dropped for the target (with its warning)."""
    kind = _constraint_kind(node)
    if isinstance(kind, exp.CheckColumnConstraint):
        ctx.note("TD-DDL-008", node, construct=node.sql(DIALECT), detail="CHECK")
        return False
    if not isinstance(kind, _KEYS):
        return True
    if ctx.target == "spark":
        ctx.note("TD-DDL-008", node, construct=node.sql(DIALECT), detail="a key")
        return False
    ctx.note("TD-DDL-009", node, construct=node.sql(DIALECT))
    return True


@needs(exp.Create)
def table_constraints(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """CHECK, keys and references as each target has them (see the module's table)."""
    schema = tree.this if isinstance(tree, exp.Create) else None
    if not isinstance(schema, exp.Schema):
        return tree
    elements = [e for e in schema.expressions if _kept_constraint(e, ctx)]
    changed = len(elements) != len(schema.expressions)
    schema.set("expressions", elements)
    for column in elements:
        if not isinstance(column, exp.ColumnDef):
            continue
        constraints = column.args.get("constraints") or []
        kept = [c for c in constraints if _kept_constraint(c, ctx)]
        changed = changed or len(kept) != len(constraints)
        column.set("constraints", kept)
    if changed:
        ctx.did("table_constraints")
    return tree


@needs(exp.Create)
def drop_teradata_indexes(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """`PRIMARY INDEX` (Teradata's row distribution) and secondary indexes: no effect on the
    targets' results."""
    if not isinstance(tree, exp.Create):
        return tree
    for index in tree.args.get("indexes") or []:
        code = "TD-DDL-003" if index.args.get("unique") else "TD-DDL-001"
        ctx.note(code, index, construct=index.sql(DIALECT))
        ctx.did("drop_teradata_indexes")
    tree.set("indexes", None)
    return tree


@needs(exp.Create)
def index_as_table_keys(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Redshift (rules file §2.1): a UNIQUE PRIMARY INDEX becomes a UNIQUE constraint (which
    Redshift records but does not enforce, so the warning of `drop_teradata_indexes` stays),
    and the columns of a partitioned PRIMARY INDEX become the SORTKEY. Runs before
    `drop_teradata_indexes`."""
    if not isinstance(tree, exp.Create) or ctx.target != "redshift":
        return tree
    for index in tree.args.get("indexes") or []:
        params = index.args.get("params")
        if not index.args.get("primary") or params is None:
            continue
        columns = [o.this.copy() if isinstance(o, exp.Ordered) else o.copy()
                   for o in params.args.get("columns") or []]  # fmt: skip
        if index.args.get("unique") and isinstance(tree.this, exp.Schema):
            unique = exp.UniqueColumnConstraint(this=exp.Schema(expressions=columns))
            tree.this.append("expressions", unique)
            ctx.did("index_as_table_keys")
        if params.args.get("partition_by"):
            sortkey = exp.SortKeyProperty(this=[c.copy() for c in columns], compound=False)
            properties = tree.args.get("properties") or exp.Properties(expressions=[])
            properties.append("expressions", sortkey)
            tree.set("properties", properties)
            ctx.note("TD-DDL-001", index, construct="the PARTITION BY of the PRIMARY INDEX")
            ctx.did("index_as_table_keys")
    return tree


@needs(exp.Create)
def identity_columns(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """`GENERATED … AS IDENTITY`: Redshift's IDENTITY(start, step) (sqlglot renders it).
    Spark and Iceberg tables generate no values (⚠ rules: IDENTITY(1, 1) does not run), and
    an INSERT that leaves the column out would store NULLs where Teradata numbers the rows:
    flagged on Spark."""
    if not isinstance(tree, exp.Create) or ctx.target != "spark":
        return tree
    for column in ctx.find(tree, exp.ColumnDef):
        for c in column.args.get("constraints") or []:
            if isinstance(c.args.get("kind"), exp.GeneratedAsIdentityColumnConstraint):
                ctx.note("TD-UNSUP-001", c, construct=f"GENERATED AS IDENTITY ({column.name})")
    return tree


@needs(exp.Create)
def temporary_tables(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """VOLATILE tables: Redshift `CREATE TEMP TABLE` (session-scoped, as in Teradata; its rows
    are kept across commits, as ON COMMIT PRESERVE ROWS keeps them). Spark has no session
    table: flagged. GLOBAL TEMPORARY: a permanent table there, with a warning that its rows
    are no longer private to each session."""
    if not isinstance(tree, exp.Create) or tree.args.get("properties") is None:
        return tree
    properties = tree.args["properties"]
    kept = []
    for prop in properties.expressions:
        if isinstance(prop, exp.VolatileProperty) or (  # MULTISET VOLATILE reads as this
            isinstance(prop, exp.StabilityProperty) and prop.name.upper() == "VOLATILE"
        ):
            if ctx.target == "spark":
                ctx.note("TD-UNSUP-001", prop, construct="VOLATILE TABLE")
                kept.append(prop)
                continue
            kept.append(exp.TemporaryProperty())
        elif isinstance(prop, exp.OnCommitProperty):
            if prop.args.get("delete"):
                ctx.note("TD-UNSUP-001", prop, construct="ON COMMIT DELETE ROWS")
                kept.append(prop)
        elif isinstance(prop, exp.TemporaryProperty) and prop.this == "GLOBAL":
            ctx.note("TD-DDL-005", prop, construct="GLOBAL TEMPORARY")
        else:
            kept.append(prop)
            continue
        ctx.did("temporary_tables")
    properties.set("expressions", kept)
    if not kept:
        tree.set("properties", None)
    return tree


@needs(exp.Create)
def create_table_as(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """`CREATE TABLE t AS s WITH [NO] DATA` and `AS (query) WITH [NO] DATA`: the copy of a
    table's columns is `LIKE` (Redshift `(LIKE s)`, Spark `LIKE s`), a copy with its rows is
    `AS SELECT * FROM s`, and a query WITH NO DATA keeps no row (`LIMIT 0`)."""
    if not isinstance(tree, exp.Create) or tree.args.get("properties") is None:
        return tree
    properties = tree.args["properties"]
    with_data = [p for p in properties.expressions if isinstance(p, exp.WithDataProperty)]
    if not with_data:
        return tree
    no_data = bool(with_data[0].args.get("no"))
    properties.set("expressions", [p for p in properties.expressions if p is not with_data[0]])
    if not properties.expressions:
        tree.set("properties", None)
    source = tree.args.get("expression")
    query = source.this if isinstance(source, exp.Subquery) else source
    if isinstance(source, exp.Table):
        if no_data:
            like = exp.LikeProperty(this=source.copy())
            tree.set("expression", None)
            if ctx.target == "redshift":
                tree.set("this", exp.Schema(this=tree.this.copy(), expressions=[like]))
            else:
                props = tree.args.get("properties") or exp.Properties(expressions=[])
                props.append("expressions", like)
                tree.set("properties", props)
        else:
            tree.set("expression", exp.select("*").from_(source.copy()))
    elif isinstance(query, exp.Query):
        tree.set("expression", query.limit(0) if no_data else query)
    ctx.did("create_table_as")
    return tree
