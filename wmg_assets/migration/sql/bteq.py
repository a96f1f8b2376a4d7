"""BTEQ scripts: dot-commands are recognised by content (a line starting with `.` and a
command word), whatever the file's extension, and taken out before the SQL is parsed. A
removed line is kept blank, so lines keep their numbers; the text of `.LOGON` (credentials)
is never copied anywhere, not even into a comment.

| dot-command | what happens |
|---|---|
| `.LOGON`, `.LOGOFF`, `.SET`, `.QUIT`, `.REMARK`, … | removed (info) |
| `.SET ERRORLEVEL …` | removed, warning: an error it makes harmless stops the script |
| `.OS`, `.RUN FILE` | error: a shell command / another script's statements would be left out |
| `.IF ERRORCODE <> 0 THEN .QUIT [n]` | warning: run as stop-on-error (n is not kept) |
| other `.IF`, `.GOTO`, `.LABEL` (control flow) | error: not translated |
| `.EXPORT` | warning: the query converts; its rows go to the caller |
| `.IMPORT` | error: the rows come from a client file the target cannot read |
"""

import re
from dataclasses import dataclass

from wmg_assets.migration.sql.findings import Finding, finding

_DOT_COMMAND = re.compile(r"^[ \t]*\.([A-Za-z]+)\b.*$", re.MULTILINE)
_STOP_ON_ERROR = re.compile(
    r"^[ \t]*\.IF\s+ERRORCODE\s*(?:<>|!=|\^=|>|NE\b|GT\b)\s*0"
    r"\s+THEN\s+\.(?:QUIT|EXIT)\b[^;\n]*;?\s*$",
    re.IGNORECASE,
)
CONTROL_FLOW = {"IF", "GOTO", "LABEL"}
LEFT_OUT = {"OS": "a shell command", "RUN": "another script's statements"}
_ERROR_LEVEL = re.compile(r"^[ \t]*\.SET\s+ERRORLEVEL\b", re.IGNORECASE)


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
        if _STOP_ON_ERROR.match(match.group(0)):
            code = "TD-BTEQ-004"
        elif command in CONTROL_FLOW:
            code = "TD-BTEQ-002"
        elif command == "EXPORT":
            code = "TD-BTEQ-005"
        elif command == "IMPORT":
            code = "TD-BTEQ-003"
        elif command in LEFT_OUT:
            findings.append(finding("TD-BTEQ-006", line, construct=f".{command}",
                                    detail=LEFT_OUT[command], target=target))  # fmt: skip
            return ""
        elif _ERROR_LEVEL.match(match.group(0)):
            code = "TD-BTEQ-007"
        else:
            code = "TD-BTEQ-001"
        findings.append(finding(code, line, construct=f".{command}", target=target))
        return ""

    return DotCommands(_DOT_COMMAND.sub(blank, script), findings)
