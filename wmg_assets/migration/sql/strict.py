"""The strict layer: after the rules, every node must be one the target runs with
Teradata's meaning. Anything else flags the statement (an error finding), never passes:

- a sqlglot `Command` (a statement sqlglot could not parse into a tree);
- an anonymous function (one sqlglot does not know, so neither do we), unless a rule wrote
  it as the target's own function;
- a Teradata-only node left in the tree (table options, column attributes, CASESPECIFIC,
  `(FORMAT …)`, …);
- `TOP n WITH TIES` / `TOP n PERCENT`, which neither target's LIMIT expresses;
- a parameter marker (`?`, `:name`), which only a macro, a USING clause or a client binds;
- `TRYCAST` on Redshift, which has no cast returning NULL on a bad value;
- `WITH RECURSIVE` on Spark (4.0 has no recursive query);
- a `FORMAT` in a cast that no rule could read (numeric formats such as `'ZZ9.99'`);
- `||` with a number: Teradata pads the number to its display format (`'a' || 1` is
  `'a          1'`), which no target does;
- whatever the target's generator reports it cannot express (checked when rendering).

The check looks only at the nodes of the types above, gathered by the one walk that also
tells the rules which node types a statement has, so it stays cheap next to parsing.
"""

from sqlglot import exp

from wmg_assets.migration.sql.dialect import DIALECT, NamedPhrase, TitlePhrase
from wmg_assets.migration.sql.rules.context import Context
from wmg_assets.migration.sql.types import type_of

# Nodes that only Teradata gives meaning to; a rule must have removed or rewritten them.
TERADATA_ONLY: tuple[type[exp.Expr], ...] = (*(
    getattr(exp, name)
    for name in (
        "SetProperty", "FallbackProperty", "JournalProperty", "ChecksumProperty",
        "DataBlocksizeProperty", "FreespaceProperty", "MergeBlockRatioProperty",
        "IsolatedLoadingProperty", "BlockCompressionProperty", "LogProperty",
        "CaseSpecificColumnConstraint", "CharacterSetColumnConstraint", "TitleColumnConstraint",
        "DateFormatColumnConstraint", "CompressColumnConstraint", "InlineLengthColumnConstraint",
        "LockingStatement", "LockingProperty", "FormatPhrase", "TranslateCharacters",
    )
    if hasattr(exp, name)
), TitlePhrase, NamedPhrase)  # fmt: skip


def _ties_or_percent(limit: exp.Limit) -> bool:
    options = limit.args.get("limit_options")
    return bool(options and (options.args.get("with_ties") or options.args.get("percent")))


SUSPECTS: tuple[type[exp.Expr], ...] = (
    exp.Anonymous,
    *TERADATA_ONLY,
    exp.Limit,
    exp.DPipe,
    exp.With,
    exp.Cast,
    exp.Round,
    exp.Placeholder,
    exp.Parameter,
)
"""The node types the check looks at: the walk that indexes a statement's node types for the
rules collects them (`rules.context.node_types`), so the check walks nothing itself."""


def check_strict(tree: exp.Expr, ctx: Context, suspects: list[exp.Expr]) -> bool:
    """Record an error finding for each construct the target would not run with
    Teradata's meaning; True when the statement (rules included) has no error finding.
    `suspects`: the tree's nodes of the SUSPECTS types."""
    if isinstance(tree, exp.Command):
        words = " ".join(str(tree.this).split()[:2]).upper()
        ctx.note("TD-UNSUP-003", tree, construct=words)
        return False
    for node in suspects:
        if isinstance(node, exp.Anonymous) and not node.meta.get("wmg_rule"):
            ctx.note("TD-UNSUP-002", node, construct=str(node.this).upper())
        elif isinstance(node, TERADATA_ONLY):
            ctx.note("TD-UNSUP-005", node, construct=node.sql(DIALECT) or node.key.upper())
        elif isinstance(node, exp.Limit) and _ties_or_percent(node):
            ctx.note("TD-UNSUP-001", node, construct="TOP … WITH TIES / PERCENT")
        elif isinstance(node, exp.DPipe) and any(
            type_of(side, ctx.schema) in ("int", "decimal", "float")
            for side in (node.this, node.expression)
        ):
            ctx.note("TD-UNSUP-006", node, construct=node.sql(DIALECT))
        elif isinstance(node, exp.With) and node.args.get("recursive") and ctx.target == "spark":
            ctx.note("TD-UNSUP-001", node, construct="WITH RECURSIVE")
        elif isinstance(node, exp.TryCast) and ctx.target == "redshift":
            ctx.note("TD-UNSUP-001", node, construct="TRYCAST (Redshift has no cast that "
                     "returns NULL on failure)")  # fmt: skip
        elif isinstance(node, exp.Cast) and node.args.get("format") is not None:
            ctx.note("TD-UNSUP-001", node, construct=f"{node.sql('teradata')} (a FORMAT this "
                     "converter cannot read)")  # fmt: skip
        elif isinstance(node, exp.Placeholder | exp.Parameter):
            ctx.note("TD-UNSUP-001", node, construct=f"the parameter marker {node.sql('teradata')}"
                     " (bound by the caller: a macro, USING or a client)")  # fmt: skip
        elif isinstance(node, exp.Round) and isinstance(node.args.get("decimals"), exp.Literal) \
                and node.args["decimals"].is_string:  # fmt: skip
            ctx.note("TD-UNSUP-001", node, construct=f"ROUND to {node.args['decimals'].sql()}")
    return not ctx.errors()
