"""DDL: Teradata's table options, column attributes and indexes (rules file §2).

| Teradata | Redshift and Spark |
|---|---|
| `MULTISET` | dropped (info) |
| `SET` | dropped; warning: duplicate rows are no longer rejected |
| `FALLBACK`, `JOURNAL`, `CHECKSUM`, `DATABLOCKSIZE`, `FREESPACE`, … | dropped (info) |
| `CHARACTER SET`, `TITLE`, `FORMAT`, `COMPRESS` on a column | dropped (info) |
| `PRIMARY INDEX`, secondary indexes | dropped (info) |
| `UNIQUE PRIMARY INDEX` | dropped; warning: duplicates are no longer rejected |
| `[NOT] CASESPECIFIC` | left for the strict layer to flag (comparisons would change) |
"""

from sqlglot import exp

from wmg_assets.migration.sql.rules.context import Context

# Storage and protection options with no effect on the targets' results.
_STORAGE_OPTIONS = tuple(
    getattr(exp, name)
    for name in (
        "FallbackProperty", "JournalProperty", "ChecksumProperty", "DataBlocksizeProperty",
        "FreespaceProperty", "MergeBlockRatioProperty", "IsolatedLoadingProperty",
        "BlockCompressionProperty", "LogProperty", "WithJournalTableProperty",
    )
    if hasattr(exp, name)
)  # fmt: skip
_COLUMN_ATTRIBUTES = tuple(
    getattr(exp, name)
    for name in ("CharacterSetColumnConstraint", "TitleColumnConstraint",
                 "DateFormatColumnConstraint", "CompressColumnConstraint",
                 "InlineLengthColumnConstraint")
    if hasattr(exp, name)
)  # fmt: skip


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
    for column in tree.find_all(exp.ColumnDef):
        constraints = column.args.get("constraints") or []
        kept = [c for c in constraints if not _dropped_attribute(c, ctx)]
        if len(kept) != len(constraints):
            column.set("constraints", kept)
    return tree


def _dropped_option(prop: exp.Expr, ctx: Context) -> bool:
    if isinstance(prop, exp.SetProperty):
        kind = "MULTISET" if prop.args.get("multi") else "SET"
        ctx.note("TD-DDL-001" if kind == "MULTISET" else "TD-DDL-002", prop, construct=kind)
    elif isinstance(prop, _STORAGE_OPTIONS):
        ctx.note("TD-DDL-001", prop, construct=prop.sql("teradata") or prop.key)
    else:
        return False
    ctx.did("drop_table_options")
    return True


def _dropped_attribute(constraint: exp.Expr, ctx: Context) -> bool:
    if not isinstance(constraint.args.get("kind"), _COLUMN_ATTRIBUTES):
        return False
    ctx.note("TD-DDL-001", constraint, construct=constraint.sql("teradata"))
    ctx.did("drop_table_options")
    return True


def drop_teradata_indexes(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """`PRIMARY INDEX` (Teradata's row distribution) and secondary indexes: no effect on the
    targets' results."""
    if not isinstance(tree, exp.Create):
        return tree
    for index in tree.args.get("indexes") or []:
        code = "TD-DDL-003" if index.args.get("unique") else "TD-DDL-001"
        ctx.note(code, index, construct=index.sql("teradata"))
        ctx.did("drop_teradata_indexes")
    tree.set("indexes", None)
    return tree
