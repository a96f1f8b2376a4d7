"""What a rule sees besides the tree: the target, the statement's position, and where its
notes go."""

from dataclasses import dataclass, field

from sqlglot import exp

from wmg_assets.migration.sql.findings import Finding, finding
from wmg_assets.migration.sql.options import ConversionOptions
from wmg_assets.migration.sql.types import Schema


@dataclass
class Context:
    target: str  # redshift | spark
    line: int  # the statement's first line in its file
    schema: Schema = field(default_factory=dict)  # tables created so far
    options: ConversionOptions = field(default_factory=ConversionOptions)
    findings: list[Finding] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)  # names of the rules that changed it
    dropped: bool = False  # nothing to run on the target: the statement is removed

    def note(self, code: str, node: exp.Expr | None = None, **fields: str) -> None:
        """Record the catalogue's finding `code` at `node` (or the statement's start)."""
        line, column = position(node, self.line)
        self.findings.append(finding(code, line, column, target=self.target, **fields))

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
        if rule not in self.applied:
            self.applied.append(rule)


def position(node: exp.Expr | None, first_line: int) -> tuple[int, int]:
    """Line and column of a node in its file, from the tokens it was parsed from."""
    meta = getattr(node, "meta", None) or {}
    line, column = meta.get("line"), meta.get("col")
    if line is None:
        return first_line, 1
    return first_line + int(line) - 1, int(column or 1)
