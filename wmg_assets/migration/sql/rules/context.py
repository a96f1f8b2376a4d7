"""What a rule sees besides the tree: the target, the statement's position, and where its
notes go."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlglot import exp

from wmg_assets.migration.sql.findings import Finding, finding
from wmg_assets.migration.sql.options import ConversionOptions
from wmg_assets.migration.sql.types import Schema

E = TypeVar("E", bound=exp.Expr)


@dataclass
class Context:
    target: str  # redshift | spark
    line: int  # the statement's first line in its file
    schema: Schema = field(default_factory=dict)  # tables created so far
    options: ConversionOptions = field(default_factory=ConversionOptions)
    findings: list[Finding] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)  # names of the rules that changed it
    dropped: bool = False  # nothing to run on the target: the statement is removed
    changes: int = 0  # rewrites done so far (a rule that changed the tree calls did())
    index: "TreeIndex | None" = None  # the statement's nodes, as of the last rewrite

    def note(self, code: str, node: exp.Expr | None = None, **fields: str) -> None:
        """Record the catalogue's finding `code` at `node` (or the statement's start)."""
        line, column = position(node, self.line)
        self.findings.append(finding(code, line, column, target=self.target, **fields))

    def find(self, tree: exp.Expr, *kinds: type[E]) -> list[E]:
        """The nodes of `kinds` in `tree` as `list(tree.find_all(*kinds))` gives them, from
        the statement's index when it is the tree's (no walk of the tree)."""
        index = self.index
        if index is None or index.root is not tree:
            return list(tree.find_all(*kinds))
        return [n for n in index.nodes if isinstance(n, kinds)]  # type: ignore[misc]

    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def columns_of(self, table: exp.Expr) -> list[str] | None:
        """The columns of a table created earlier in the script, in order."""
        name = table.name.lower() if isinstance(table, exp.Table) else ""
        return list(self.schema[name]) if name in self.schema else None

    def drop_statement(self, code: str, node: exp.Expr | None = None, **fields: str) -> None:
        """The statement has nothing to run on the target (e.g. COLLECT STATISTICS on
        Spark): it is removed, with the finding `code` saying why."""
        self.note(code, node, **fields)
        self.dropped = True

    def did(self, rule: str) -> None:
        self.changes += 1
        if rule not in self.applied:
            self.applied.append(rule)


def position(node: exp.Expr | None, first_line: int) -> tuple[int, int]:
    """Line and column of a node in its file, from the tokens it was parsed from (the
    script's tokens: their lines are the file's)."""
    meta = getattr(node, "meta", None) or {}
    line, column = meta.get("line"), meta.get("col")
    if line is None:
        return first_line, 1
    return int(line), int(column or 1)


BARE_KEYWORDS = ("DATE", "TIME", "USER", "SESSION")


class BareKeyword:
    """Marks a tree with a bare `DATE`, `TIME`, `USER` or `SESSION` (Teradata's current date,
    time, user name and session number)."""


class UpperCaseName:
    """Marks a tree with an identifier that is not in lower case."""


Rule = Callable[[exp.Expr, "Context"], exp.Expr]


def needs(*kinds: type) -> Callable[[Rule], Rule]:
    """Declare the node types a rule rewrites: it is skipped for a tree without any (one
    walk of the tree per statement decides for every rule, which keeps the rules cheap)."""

    def mark(rule: Rule) -> Rule:
        rule.needs = kinds  # type: ignore[attr-defined]
        return rule

    return mark


@dataclass(frozen=True)
class TreeIndex:
    root: exp.Expr
    nodes: list[exp.Expr]  # every node, parents before children
    types: set[type]  # every node type in the tree (with base classes and the markers above)
    suspects: list[exp.Expr]  # the nodes of the `suspects` types asked for


_SUSPECT_CACHE: dict[tuple[type, tuple[type, ...]], bool] = {}


def node_types(tree: exp.Expr, suspects: tuple[type, ...] = ()) -> TreeIndex:
    """The node types in the tree, with the markers above, and the nodes of the `suspects`
    types, from one walk: every node, parents before children and left to right (what
    `walk` gives, without the per-node overhead of sqlglot's generic iterator)."""
    found: set[type] = set()
    picked: list[exp.Expr] = []
    everything: list[exp.Expr] = []
    seen: dict[type, bool] = {}
    expr, identifier, column = exp.Expr, exp.Identifier, exp.Column
    stack = [tree]
    pop, add = stack.pop, everything.append
    while stack:
        node = pop()
        add(node)
        kind = type(node)
        is_suspect = seen.get(kind)
        if is_suspect is None:  # first of its type: its base classes too (a rule may name
            key = (kind, suspects)  # a base)
            is_suspect = _SUSPECT_CACHE.get(key)
            if is_suspect is None:
                is_suspect = _SUSPECT_CACHE[key] = issubclass(kind, suspects)
            seen[kind] = is_suspect
            found.update(kind.__mro__)
        if is_suspect:
            picked.append(node)
        args = node.args
        if kind is identifier:
            name = args.get("this")
            if isinstance(name, str) and not name.islower() and name != name.lower():
                found.add(UpperCaseName)
        elif kind is column and not args.get("table") and node.name.upper() in BARE_KEYWORDS:
            found.add(BareKeyword)
        children = [
            v for value in args.values()
            for v in (value if type(value) is list else (value,)) if isinstance(v, expr)
        ]  # fmt: skip
        if children:
            children.reverse()
            stack.extend(children)
    return TreeIndex(tree, everything, found, picked)
