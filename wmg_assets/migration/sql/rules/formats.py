"""Teradata's date and time FORMAT strings (`'YYYY-MM-DD'`, `'DDBMMMBYYYY'`, `'HH:MI:SS'`)
read into the strftime form sqlglot renders for each target (Redshift `TO_CHAR` patterns,
Spark `date_format` patterns). A format with anything this table does not know — numeric
formats (`'ZZ9.99'`, `'9(8)'`), `'T'`, `'S(3)'`, full month and day names (`MMMM`, `EEEE`,
which Redshift pads to 9 characters) — is not read, and the caller flags it.
"""

import re

_TOKENS = [
    ("YYYY", "%Y"), ("Y4", "%Y"), ("YY", "%y"),
    ("MMM", "%b"), ("M3", "%b"), ("MM", "%m"),
    ("DDD", "%j"), ("D3", "%j"), ("DD", "%d"),
    ("EEE", "%a"), ("E3", "%a"),
    ("HH", "%H"), ("MI", "%M"), ("SS", "%S"), ("S(6)", "%f"),
    ("B", " "),
]  # fmt: skip
_SEPARATORS = set("-/:., ")
_LETTERS = re.compile(r"[A-Za-z]")


def strftime_of(teradata_format: str) -> str | None:
    """The strftime form of a Teradata date/time format, or None when it is not one."""
    text, out, i = teradata_format.upper(), [], 0
    while i < len(text):
        for token, directive in _TOKENS:
            if text.startswith(token, i):
                out.append(directive)
                i += len(token)
                break
        else:
            if text[i] not in _SEPARATORS:
                return None
            out.append(text[i])
            i += 1
    result = "".join(out)
    return result if "%" in result else None


def is_date_format(teradata_format: str) -> bool:
    return strftime_of(teradata_format) is not None and bool(_LETTERS.search(teradata_format))
