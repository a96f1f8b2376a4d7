"""BTEQ scripts: dot-commands are recognised by content (a line starting with `.` and a
command word), whatever the file's extension, and taken out before the SQL is parsed. A
removed line is kept blank, so lines keep their numbers; the text of `.LOGON` (credentials)
is never copied anywhere, not even into a comment.

| dot-command | what happens |
|---|---|
| `.LOGON`, `.LOGOFF`, `.SET`, `.QUIT`, `.OS`, `.REMARK`, … | removed (info), line kept blank |
| `.IF`, `.GOTO`, `.LABEL` (control flow) | error: not translated |
| `.EXPORT`, `.IMPORT` | error: the file transfer is not translated (the query itself converts) |
"""

import re
from dataclasses import dataclass

from wmg_assets.migration.sql.findings import Finding, finding

_DOT_COMMAND = re.compile(r"^[ \t]*\.([A-Za-z]+)\b.*$", re.MULTILINE)
CONTROL_FLOW = {"IF", "GOTO", "LABEL"}
FILE_TRANSFER = {"EXPORT", "IMPORT"}


@dataclass(frozen=True)
class DotCommands:
    sql: str  # the script with every dot-command line blanked
    findings: list[Finding]


def is_bteq(script: str) -> bool:
    return _DOT_COMMAND.search(script) is not None


def strip_dot_commands(script: str, target: str) -> DotCommands:
    """The script without its dot-commands, and a finding for each."""
    findings: list[Finding] = []

    def blank(match: re.Match[str]) -> str:
        command = match.group(1).upper()
        line = script.count("\n", 0, match.start()) + 1
        if command in CONTROL_FLOW:
            findings.append(finding("TD-BTEQ-002", line, construct=f".{command}", target=target))
        elif command in FILE_TRANSFER:
            findings.append(finding("TD-BTEQ-003", line, construct=f".{command}", target=target))
        else:
            findings.append(finding("TD-BTEQ-001", line, construct=f".{command}", target=target))
        return ""

    return DotCommands(_DOT_COMMAND.sub(blank, script), findings)
