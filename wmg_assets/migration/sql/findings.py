"""The catalogue of findings, like an assessment report: a stable code, a severity, and a
message naming the construct, at the statement's line and column.

- info: converted, with a note (e.g. a storage option dropped that has no effect there);
- warning: converted, but the behaviour differs in an edge the message names;
- error: not converted; the statement is flagged.
"""

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


CATALOGUE: dict[str, tuple[Severity, str]] = {
    "TD-PARSE-001": (Severity.ERROR, "does not parse as Teradata SQL: {detail}"),
    "TD-UNSUP-001": (Severity.ERROR, "{construct} has no equivalent on {target}"),
    "TD-UNSUP-002": (
        Severity.ERROR,
        "function {construct} is not known to run on {target} with Teradata's meaning",
    ),
    "TD-UNSUP-003": (Severity.ERROR, "statement {construct} is not converted"),
    "TD-UNSUP-004": (Severity.ERROR, "{target} cannot express {construct}: {detail}"),
    "TD-DDL-001": (Severity.INFO, "dropped {construct}: it has no effect on {target}"),
    "TD-DDL-002": (
        Severity.WARNING,
        "dropped {construct}: {target} does not reject duplicate rows as a SET table does",
    ),
    "TD-DDL-003": (
        Severity.WARNING,
        "dropped {construct}: {target} does not reject rows that break its uniqueness",
    ),
    "TD-DDL-005": (
        Severity.WARNING,
        "{construct} table created as a permanent table: its rows are shared by all sessions "
        "and must be cleared by each run",
    ),
    "TD-DDL-007": (
        Severity.WARNING,
        "dropped {construct}: {target} keeps text as inserted, Teradata upper-cases it; "
        "upper-case the column in the loads",
    ),
    "TD-DDL-008": (
        Severity.WARNING,
        "dropped {construct}: {target} does not enforce {detail}; rows that break it are accepted",
    ),
    "TD-DDL-009": (
        Severity.WARNING,
        "{construct} kept, informational only: {target} does not enforce it; rows that break "
        "it are accepted",
    ),
    "TD-DDL-006": (Severity.INFO, "glass view (a bare projection of {construct}): {detail}"),
    "TD-STMT-001": (Severity.INFO, "{construct} removed: {detail}"),
    "TD-STMT-002": (
        Severity.WARNING,
        "{construct} removed: {target} runs each statement on its own, so the statements "
        "between BT and ET are not one transaction",
    ),
    "TD-SAMPLE-001": (
        Severity.WARNING,
        "{construct}: a random sample, as in Teradata; a fraction is approximate on {target}",
    ),
    "TD-BTEQ-004": (
        Severity.WARNING,
        "{construct} ERRORCODE … .QUIT converted as stop-on-error (run the script so that it "
        "stops at its first failing statement); the exit code it sets is not kept",
    ),
    "TD-BTEQ-005": (
        Severity.WARNING,
        "BTEQ {construct} removed: the query's rows go to the caller, not to the export file",
    ),
    "TD-UNSUP-005": (Severity.ERROR, "{construct} is Teradata-only and was left unconverted"),
    "TD-TYPE-002": (
        Severity.WARNING,
        "{construct}: argument type unknown; of integers, {target}'s AVG truncates and "
        "Teradata's does not",
    ),
    "TD-TYPE-003": (
        Severity.WARNING,
        "{construct}: argument type unknown; of a DATE, the result is a TIMESTAMP on {target}",
    ),
    "TD-UNSUP-006": (
        Severity.ERROR,
        "{construct}: Teradata pads a number to its display format before concatenating "
        "('a' || 1 is 'a          1'); convert the number explicitly",
    ),
    "TD-TYPE-004": (Severity.WARNING, "{construct}: {detail}"),
    "TD-TYPE-005": (
        Severity.WARNING,
        "{construct}: Teradata groups text that differs only in case or trailing blanks "
        "('a' and 'A ') together; {target} keeps them apart",
    ),
    "TD-TYPE-006": (
        Severity.WARNING,
        "{construct}: Teradata orders text without regard to case or trailing blanks "
        "('a' < 'B'); {target} orders by character code, so it may return another value",
    ),
    "TD-BTEQ-001": (Severity.INFO, "BTEQ command {construct} removed (a session setting)"),
    "TD-BTEQ-002": (
        Severity.ERROR,
        "BTEQ control flow {construct} is not translated: the script's logic would change",
    ),
    "TD-BTEQ-003": (Severity.ERROR, "BTEQ file transfer {construct} is not translated"),
    "TD-BTEQ-006": (
        Severity.ERROR,
        "BTEQ {construct} runs {detail}, which the converted SQL would leave out",
    ),
    "TD-BTEQ-007": (
        Severity.WARNING,
        "BTEQ {construct} removed: an error it makes harmless stops the converted script "
        "(run it so that it goes on past that error)",
    ),
}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    line: int
    column: int

    def line_text(self) -> str:
        """`UNSUPPORTED: <code> <message> (line L)`, the CLI's line for an error."""
        return f"UNSUPPORTED: {self.code} {self.message} (line {self.line})"


def finding(code: str, line: int, column: int = 1, **fields: str) -> Finding:
    """The catalogue's finding `code` at a position, its message filled from `fields`."""
    severity, template = CATALOGUE[code]
    return Finding(code, severity, template.format(**fields), line, column)
