"""DDL on disk: a folder or a zip (a git export) of `.sql` files, as the extractor writes
it (`<schema>/tables.sql`, `<schema>/views.sql`) or as a code base keeps it. Versioned
files (`SCHEMA1_V1.0.sql`, `SCHEMA1_V1.2.sql`) count once: the latest version.
"""

import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from wmg_assets.migration.schema.ddl_text import read_dialect, schemas_from_ddl
from wmg_assets.migration.schema.model import Schema
from wmg_assets.migration.schema.sqltext import split_statements

_VERSIONED = re.compile(r"^(?P<base>.+?)_v(?P<version>\d+(?:\.\d+)*)$", re.IGNORECASE)


@dataclass(frozen=True)
class DdlStatement:
    file: str  # relative to the folder (or zip)
    sql: str
    kind: str  # TABLE | VIEW | OTHER
    schema: str | None
    name: str | None


@contextmanager
def ddl_folder(path: Path) -> Iterator[Path]:
    """The folder itself, or a zip extracted to a temporary folder (removed afterwards)."""
    if path.is_dir():
        yield path
        return
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: neither a folder nor a zip of DDL files")
    with tempfile.TemporaryDirectory(prefix="wmg-ddl-") as scratch, zipfile.ZipFile(path) as z:
        for member in z.namelist():  # no member may land outside the folder
            target = (Path(scratch) / member).resolve()
            if not target.is_relative_to(Path(scratch).resolve()):
                raise ValueError(f"{path}: member {member!r} points outside the archive")
        z.extractall(scratch)
        yield Path(scratch)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def latest_sql_files(folder: Path) -> list[Path]:
    """Every `.sql` file under `folder`, a versioned one only at its latest version."""
    latest: dict[tuple[Path, str], tuple[tuple[int, ...], Path]] = {}
    plain = []
    for path in sorted(folder.rglob("*.sql")):
        match = _VERSIONED.match(path.stem)
        if match is None:
            plain.append(path)
            continue
        key = (path.parent, match.group("base").lower())
        version = _version(match.group("version"))
        if key not in latest or version > latest[key][0]:
            latest[key] = (version, path)
    return sorted(plain + [p for _, p in latest.values()])


_CREATE = re.compile(
    r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:[A-Z_]+\s+)*?(TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    r"(?:(\"[^\"]+\"|\w+)\.)?(\"[^\"]+\"|\w+)",
    re.IGNORECASE,
)


def _described(sql: str, dialect: str) -> tuple[str, str | None, str | None]:
    """What a statement creates: (TABLE | VIEW | OTHER, schema, name); read by sqlglot, or
    from its first words where sqlglot cannot read it (the database will say why)."""
    try:
        tree = sqlglot.parse_one(sql, read=read_dialect(dialect))
    except ParseError:
        match = _CREATE.match(sql)
        if match is None:
            return "OTHER", None, None
        kind, schema, name = match.groups()
        return kind.upper(), schema and schema.strip('"'), name.strip('"')
    if isinstance(tree, exp.Create) and tree.kind in ("TABLE", "VIEW"):
        ref = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        if isinstance(ref, exp.Table):
            return str(tree.kind), ref.db or None, ref.name
    return "OTHER", None, None


def ddl_statements(folder: Path, dialect: str) -> list[DdlStatement]:
    """Every statement of the folder's latest `.sql` files, comments removed."""
    found = []
    for path in latest_sql_files(folder):
        text = path.read_text(encoding="utf-8-sig", errors="replace")
        for sql in split_statements(text):
            kind, schema, name = _described(sql, dialect)
            found.append(DdlStatement(str(path.relative_to(folder)), sql, kind, schema, name))
    return found


def schemas_from_files(path: Path, dialect: str, default_schema: str) -> dict[str, Schema]:
    """The schema model of a DDL folder or zip, by lower-case schema name."""
    with ddl_folder(path) as folder:
        statements = ddl_statements(folder, dialect)
    text = ";\n".join(s.sql for s in statements if s.kind != "OTHER" or _is_alter(s.sql))
    return schemas_from_ddl(text, dialect, default_schema) if text else {}


def _is_alter(sql: str) -> bool:
    """ALTER TABLE (keys added after the tables), or a CREATE sqlglot could not read (so
    the model records it as a failure rather than losing it)."""
    return re.match(r"\s*(CREATE|ALTER\s+TABLE)\b", sql, re.IGNORECASE) is not None
