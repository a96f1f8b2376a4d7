"""`convert(sql, target)`: a Teradata script in, the target's SQL and the findings out.

The script is split into statements on the tokens' semicolons (never inside a string or a
comment); each statement is parsed, rewritten by the target's rules, checked by the strict
layer and rendered with the generator raising on anything it cannot express. A statement
with an error finding is not converted: the output keeps it as comments, so nothing
Teradata-only can run by accident.
"""

import logging
import re
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, TokenError
from sqlglot.tokenizer_core import Token, TokenType

from wmg_assets.migration.sql.bteq import is_bteq, strip_dot_commands
from wmg_assets.migration.sql.dialect import DIALECT, TARGET_DIALECTS
from wmg_assets.migration.sql.findings import Finding, Severity, finding
from wmg_assets.migration.sql.options import ConversionOptions
from wmg_assets.migration.sql.rules import RULES
from wmg_assets.migration.sql.rules.context import Context, node_types
from wmg_assets.migration.sql.strict import SUSPECTS, check_strict
from wmg_assets.migration.sql.types import Schema, remember_table


class _CommandFallbackFilter(logging.Filter):
    """sqlglot warns when it falls back to a `Command`; the strict layer reports that
    statement as a finding, so the warning is only noise on the console."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Falling back to parsing as a 'Command'" not in record.getMessage()


logging.getLogger("sqlglot").addFilter(_CommandFallbackFilter())


@dataclass(frozen=True)
class StatementResult:
    source: str  # the Teradata statement as written
    line: int  # its first line in the file
    output: str | None  # the target's SQL; None when flagged, "" when nothing is to run
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
            if s.output == "":
                first = s.source.strip().splitlines()[0]
                parts.append(f"-- removed ({', '.join(f.code for f in s.findings)}), line "
                             f"{s.line}: {first}")  # fmt: skip
            elif s.output is not None:
                parts.append(f"{s.output};")
            else:
                codes = ", ".join(f.code for f in s.findings if f.severity == Severity.ERROR)
                body = "\n".join(f"-- {line}" for line in s.source.splitlines())
                parts.append(f"-- not converted ({codes}), line {s.line}:\n{body}")
        return "\n".join(parts) + ("\n" if parts else "")


RULE_NEEDS = {
    target: [(rule, getattr(rule, "needs", None)) for rule in rules]
    for target, rules in RULES.items()
}
"""Each target's rules with the node types they rewrite (None: every statement)."""

_BLOCK_STARTS = {"BEGIN", "CASE"}
_BODIES = re.compile(r"\b(?:MACRO|PROCEDURE)\b", re.IGNORECASE)
_BLOCK_KEEPERS = {"IF", "WHILE", "LOOP", "FOR", "REPEAT"}  # END IF … close their own word


def _is_procedure(chunk: list[Token]) -> bool:
    words = [t.text.upper() for t in chunk[:3]]
    return words[:1] in (["CREATE"], ["REPLACE"]) and "PROCEDURE" in words


def split_statements(sql: str) -> list[list[Token]]:
    """The tokens of each statement: split on semicolon tokens, except inside parentheses
    (a macro's body) and inside a procedure's BEGIN … END. The script is tokenized once;
    each statement is parsed from its tokens, whose lines are the file's."""
    tokens = DIALECT.tokenize(sql)
    if not _BODIES.search(sql):  # no macro or procedure: every semicolon ends a statement
        semicolon = TokenType.SEMICOLON
        ends = [i for i, token in enumerate(tokens) if token.token_type is semicolon]
        starts = [0, *(i + 1 for i in ends)]
        pieces = [tokens[a:b] for a, b in zip(starts, [*ends, len(tokens)], strict=True)]
        return [piece for piece in pieces if piece]
    chunks = [[]]
    depth = blocks = 0
    procedure = False  # the current statement creates a procedure (known from 3 tokens)
    for i, token in enumerate(tokens):
        if token.token_type == TokenType.SEMICOLON and depth == 0 and blocks == 0:
            chunks.append([])
            procedure = False
            continue
        chunks[-1].append(token)
        if len(chunks[-1]) <= 3:
            procedure = _is_procedure(chunks[-1])
        if token.token_type == TokenType.L_PAREN:
            depth += 1
        elif token.token_type == TokenType.R_PAREN:
            depth = max(depth - 1, 0)
        elif procedure:
            word = token.text.upper()
            after = tokens[i + 1].text.upper() if i + 1 < len(tokens) else ""
            if word in _BLOCK_STARTS and not (i and tokens[i - 1].text.upper() == "END"):
                blocks += 1
            elif word == "END" and after not in _BLOCK_KEEPERS:
                blocks = max(blocks - 1, 0)
    return [c for c in chunks if c]


TERADATA_ONLY_SYNTAX = re.compile(
    r"\bNORMALIZE\b|\bEXPAND\s+ON\b|\bRESET\s+WHEN\b|\bPERIOD\s*\(|\bP_INTERSECT\b"
    r"|\b(?:CURRENT\s+|NONSEQUENCED\s+|SEQUENCED\s+)?(?:VALIDTIME|TRANSACTIONTIME)\b"
    r"|\bWITH\s+(?:SUM|AVG|COUNT|MIN|MAX)\s*\([^)]*\)(?:\s*,\s*\w+\s*\([^)]*\))*\s+BY\b"
    r"|\bTRANSLATE\s*\([^)]*\bUSING\b",
    re.IGNORECASE,
)
"""Teradata constructs with no equivalent on either target that sqlglot cannot parse: a
statement that fails to parse and has one is flagged naming it (not as a parse error)."""

_NO_EQUIVALENT = {"MACRO", "PROCEDURE", "TRIGGER", "FUNCTION"}
_INDEXES = {"INDEX", "JOIN", "HASH", "UNIQUE"}


def leading_statement(text: str) -> tuple[str, str, bool] | None:
    """(finding code, construct, removed?) for statements known by their first words:
    macros, procedures, triggers and UDFs (and calls of them) are not converted; CREATE
    INDEX / JOIN INDEX / HASH INDEX are removed (Teradata storage)."""
    words = text.upper().split(None, 4)[:4]
    if not words:
        return None
    if words[0] in ("EXEC", "EXECUTE", "CALL"):
        return "TD-UNSUP-003", f"{words[0]} (a macro or procedure call)", False
    if words[0] not in ("CREATE", "REPLACE") or len(words) < 2:
        return None
    kind = next((w for w in words[1:3] if w in _NO_EQUIVALENT), None)
    if kind is not None:
        return "TD-UNSUP-003", f"{words[0]} {kind}", False
    if words[1] in _INDEXES and "INDEX" in words[1:4]:
        return "TD-STMT-001", " ".join(words[:3]), True
    return None


def convert(sql: str, target: str, options: ConversionOptions | None = None) -> Conversion:
    """Convert a Teradata script for `target` (redshift | spark)."""
    options = options or ConversionOptions()
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
    statements = [guarded_statement(tokens, sql, target, schema, options) for tokens in pieces]
    return Conversion(target, statements, script_findings)


def guarded_statement(
    tokens: list[Token], script: str, target: str, schema: Schema, options: ConversionOptions
) -> StatementResult:
    """`convert_statement`, with any defect of the converter itself (a parser, rule, check or
    generator crash) flagging that statement: the rest of the script still converts, and
    nothing unchecked is passed through."""
    try:
        return convert_statement(tokens, script, target, schema, options)
    except Exception as e:  # reported as a finding, never swallowed
        text, line = script[tokens[0].start : tokens[-1].end + 1], tokens[0].line
        detail = f"internal error: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        found = finding("TD-UNSUP-004", line, construct="this statement", detail=detail,
                        target=target)  # fmt: skip
        return StatementResult(text, line, None, [found])


def expand_shorthand(tokens: list[Token]) -> list[Token]:
    """`CT t (…)`, Teradata's abbreviation of CREATE TABLE (SEL, INS, UPD and DEL are
    sqlglot's Teradata keywords already): the two tokens it stands for, at its place."""
    first = tokens[0]
    if first.token_type != TokenType.VAR or first.text.upper() != "CT" or len(tokens) < 2:
        return tokens
    at = (first.line, first.col, first.start, first.end)
    return [Token(TokenType.CREATE, "CREATE", *at), Token(TokenType.TABLE, "TABLE", *at),
            *tokens[1:]]  # fmt: skip


def convert_statement(
    tokens: list[Token], script: str, target: str, schema: Schema, options: ConversionOptions
) -> StatementResult:
    """One statement, from its tokens in the script."""
    text, line = script[tokens[0].start : tokens[-1].end + 1], tokens[0].line
    tokens = expand_shorthand(tokens)
    ctx = Context(target, line, schema, options=options)
    leading = leading_statement(text)
    if leading is not None:
        code, construct, removed = leading
        if removed:
            ctx.note(code, None, construct=construct, detail="indexes are Teradata storage")
            return StatementResult(text, line, "", ctx.findings)
        ctx.note(code, None, construct=construct)
        return StatementResult(text, line, None, ctx.findings)
    try:
        trees = DIALECT.parser(error_level=ErrorLevel.RAISE).parse(tokens, script)
    except ParseError as e:
        construct = TERADATA_ONLY_SYNTAX.search(text)
        if construct is not None:  # a known construct sqlglot has no grammar for
            at = line + text.count("\n", 0, construct.start())
            name = " ".join(construct.group(0).upper().split())
            return StatementResult(text, line, None, [finding(
                "TD-UNSUP-001", at, construct=name, target=target)])  # fmt: skip
        where = (e.errors or [{}])[0]
        at = int(where.get("line") or line)
        detail = str(where.get("description") or e).splitlines()[0]
        return StatementResult(text, line, None, [finding("TD-PARSE-001", at, int(
            where.get("col") or 1), detail=detail, target=target)])  # fmt: skip
    tree = trees[0] if trees and trees[0] is not None else exp.Command(this=text)
    remember_table(tree, schema)
    ctx.index, seen = node_types(tree, SUSPECTS), 0
    try:
        for rule, needs in RULE_NEEDS[target]:
            if needs is not None and ctx.index.types.isdisjoint(needs):
                continue  # the statement has none of the nodes the rule rewrites
            tree = rule(tree, ctx)
            if ctx.changes != seen:  # a rewrite may bring node types other rules look for
                ctx.index, seen = node_types(tree, SUSPECTS), ctx.changes
    except Exception as e:  # a rule's defect flags the statement; it never passes it
        ctx.note("TD-UNSUP-004", tree, construct=tree.key.upper(),
                 detail=f"internal error in {rule.__name__}: {e}")  # fmt: skip
        return StatementResult(text, line, None, ctx.findings, ctx.applied)
    if ctx.dropped and not ctx.errors():
        return StatementResult(text, line, "", ctx.findings, ctx.applied)
    if not check_strict(tree, ctx, ctx.index.suspects):
        return StatementResult(text, line, None, ctx.findings, ctx.applied)
    try:
        output = TARGET_DIALECTS[target].generate(  # the tree is ours: no copy
            tree, copy=False, unsupported_level=ErrorLevel.RAISE
        )
    except Exception as e:  # UnsupportedError, or a generator defect: flagged, never passed
        ctx.note("TD-UNSUP-004", tree, construct=tree.key.upper(),
                 detail=str(e).splitlines()[0])  # fmt: skip
        return StatementResult(text, line, None, ctx.findings, ctx.applied)
    return StatementResult(text, line, output, ctx.findings, ctx.applied)
