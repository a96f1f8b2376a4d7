"""`convert(sql, target)`: a Teradata script in, the target's SQL and the findings out.

The script is split into statements on the tokens' semicolons (never inside a string or a
comment); each statement is parsed, rewritten by the target's rules, checked by the strict
layer and rendered with the generator raising on anything it cannot express. A statement
with an error finding is not converted: the output keeps it as comments, so nothing
Teradata-only can run by accident.
"""

from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, SqlglotError, TokenError, UnsupportedError
from sqlglot.tokenizer_core import Token, TokenType

from wmg_assets.migration.sql.bteq import is_bteq, strip_dot_commands
from wmg_assets.migration.sql.dialect import DIALECT, TARGET_DIALECTS
from wmg_assets.migration.sql.findings import Finding, Severity, finding
from wmg_assets.migration.sql.rules import RULES
from wmg_assets.migration.sql.rules.context import Context
from wmg_assets.migration.sql.strict import check_strict
from wmg_assets.migration.sql.types import Schema, remember_table


@dataclass(frozen=True)
class StatementResult:
    source: str  # the Teradata statement as written
    line: int  # its first line in the file
    output: str | None  # the target's SQL; None when flagged
    findings: list[Finding] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """converted | converted_with_warnings | flagged"""
        if self.output is None:
            return "flagged"
        if any(f.severity == Severity.WARNING for f in self.findings):
            return "converted_with_warnings"
        return "converted"


@dataclass(frozen=True)
class Conversion:
    target: str
    statements: list[StatementResult]
    script_findings: list[Finding] = field(default_factory=list)  # BTEQ dot-commands

    @property
    def findings(self) -> list[Finding]:
        found = [f for s in self.statements for f in s.findings] + self.script_findings
        return sorted(found, key=lambda f: (f.line, f.column))

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]

    @property
    def output(self) -> str:
        """The converted script: each statement ended by `;`, flagged ones as comments."""
        parts = []
        for s in self.statements:
            if s.output is not None:
                parts.append(f"{s.output};")
            else:
                codes = ", ".join(f.code for f in s.findings if f.severity == Severity.ERROR)
                body = "\n".join(f"-- {line}" for line in s.source.splitlines())
                parts.append(f"-- not converted ({codes}), line {s.line}:\n{body}")
        return "\n".join(parts) + ("\n" if parts else "")


def split_statements(sql: str) -> list[tuple[str, int]]:
    """(text, first line) of each statement: split on semicolon tokens."""
    tokens = DIALECT.tokenize(sql)
    chunks: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            chunks.append([])
        else:
            chunks[-1].append(token)
    return [(sql[c[0].start : c[-1].end + 1], c[0].line) for c in chunks if c]


def convert(sql: str, target: str) -> Conversion:
    """Convert a Teradata script for `target` (redshift | spark)."""
    if target not in TARGET_DIALECTS:
        raise ValueError(f"target is one of {', '.join(TARGET_DIALECTS)}, not {target!r}")
    script_findings: list[Finding] = []
    if is_bteq(sql):
        stripped = strip_dot_commands(sql, target)
        sql, script_findings = stripped.sql, stripped.findings
    try:
        pieces = split_statements(sql)
    except TokenError as e:
        flagged = finding("TD-PARSE-001", 1, detail=str(e).splitlines()[0], target=target)
        return Conversion(target, [StatementResult(sql, 1, None, [flagged])], script_findings)
    schema: Schema = {}  # the tables created so far, for the rules that need types
    statements = [convert_statement(text, line, target, schema) for text, line in pieces]
    return Conversion(target, statements, script_findings)


def convert_statement(text: str, line: int, target: str, schema: Schema) -> StatementResult:
    ctx = Context(target, line, schema)
    try:
        trees = DIALECT.parse(text, error_level=ErrorLevel.RAISE)
    except ParseError as e:
        where = (e.errors or [{}])[0]
        at = line + int(where.get("line") or 1) - 1
        detail = str(where.get("description") or e).splitlines()[0]
        return StatementResult(text, line, None, [finding("TD-PARSE-001", at, int(
            where.get("col") or 1), detail=detail, target=target)])  # fmt: skip
    tree = trees[0] if trees and trees[0] is not None else exp.Command(this=text)
    remember_table(tree, schema)
    for rule in RULES[target]:
        tree = rule(tree, ctx)
    if not check_strict(tree, ctx):
        return StatementResult(text, line, None, ctx.findings, ctx.applied)
    try:
        output = tree.sql(dialect=TARGET_DIALECTS[target], unsupported_level=ErrorLevel.RAISE)
    except (UnsupportedError, SqlglotError) as e:
        ctx.note("TD-UNSUP-004", tree, construct=tree.key.upper(),
                 detail=str(e).splitlines()[0])  # fmt: skip
        return StatementResult(text, line, None, ctx.findings, ctx.applied)
    return StatementResult(text, line, output, ctx.findings, ctx.applied)
