"""SQL text as the DDL tools handle it: comments removed outside quotes (the WMG
extractors' `remove_sql_comments`), statements split at semicolons outside quotes and
comments. `'…'` strings, `"…"` identifiers and PostgreSQL `$$…$$` bodies are kept whole."""

import re
from collections.abc import Iterator

_DOLLAR = re.compile(r"\$[A-Za-z_]*\$")


def _pieces(text: str) -> Iterator[tuple[str, str]]:
    """(kind, text) pieces: `code`, `quoted`, `comment` or `end` (a statement's `;`)."""
    i, n, start = 0, len(text), 0
    while i < n:
        c = text[i]
        if c in "'\"":
            j = i + 1
            while j < n and not (text[j] == c and (j + 1 >= n or text[j + 1] != c)):
                j += 2 if text[j] == c else 1
            yield "code", text[start:i]
            yield "quoted", text[i : j + 1]
            i = start = j + 1
        elif text.startswith("--", i) or text.startswith("/*", i):
            j = text.find("\n", i) if c == "-" else text.find("*/", i + 2)
            j = n if j < 0 else (j if c == "-" else j + 2)
            yield "code", text[start:i]
            yield "comment", text[i:j]
            i = start = j
        elif c == "$" and (m := _DOLLAR.match(text, i)):
            j = text.find(m.group(), m.end())
            j = n if j < 0 else j + len(m.group())
            yield "code", text[start:i]
            yield "quoted", text[i:j]
            i = start = j
        elif c == ";":
            yield "code", text[start:i]
            yield "end", ";"
            i = start = i + 1
        else:
            i += 1
    yield "code", text[start:]


def strip_comments(text: str) -> str:
    """The text without `--` and `/* */` comments (those inside quotes stay)."""
    kept = "".join(t for kind, t in _pieces(text) if kind != "comment")
    return "\n".join(line.rstrip() for line in kept.splitlines() if line.strip()).strip()


def split_statements(text: str) -> list[str]:
    """The statements of a script, comments removed, without their final `;`."""
    statements, current = [], []
    for kind, piece in _pieces(text):
        if kind == "end":
            statements.append("".join(current))
            current = []
        elif kind != "comment":
            current.append(piece)
    statements.append("".join(current))
    return [strip_comments(s) for s in statements if s.strip()]
