"""One side of a comparison, whatever it is: a DDL folder or git zip (`GIT`), or a live
database (by URL). A Teradata side compared with anything else is converted first with the
conversion engine (`migration/sql`), so a `BYTEINT` the rules turn into `SMALLINT` matches
a Redshift `SMALLINT`: the comparison is made in the other side's terms.
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wmg_assets.migration.schema.ddl_files import ddl_folder, ddl_statements
from wmg_assets.migration.schema.ddl_text import schemas_from_ddl
from wmg_assets.migration.schema.extract import read_source_schema
from wmg_assets.migration.schema.model import Schema

log = logging.getLogger(__name__)


@dataclass
class LoadedSide:
    schema: Schema
    kind: str  # files | postgres | redshift | duckdb | teradata
    db: Any = None  # the open connection of a live side
    conversion_errors: list[str] = field(default_factory=list)


def load_side(spec: str, schema: str, dialect: str | None = None, db: Any = None) -> LoadedSide:
    """The schema `schema` of a folder / zip (read as `dialect`) or of the open `db`."""
    if db is not None:
        return LoadedSide(read_source_schema(db, schema), db.dialect, db)
    path = Path(spec)
    if not path.exists():
        raise FileNotFoundError(f"{spec}: no such DDL folder or zip (nor a database URL)")
    with ddl_folder(path) as folder:
        statements = ddl_statements(folder, dialect or "postgres")
    text = ";\n".join(s.sql for s in statements)
    found = schemas_from_ddl(text, dialect or "postgres", schema) if text else {}
    model = found.get(schema.lower(), Schema(schema, dialect or "postgres"))
    if (dialect or "postgres") == "teradata":
        model.ddl = {s.name.lower(): s.sql for s in statements if s.name and s.kind != "OTHER"}
    return LoadedSide(model, "files")


def in_terms_of(side: LoadedSide, dialect: str) -> LoadedSide:
    """A Teradata side as the conversion engine writes it for `dialect` (module docstring);
    any other side as it is."""
    if side.schema.dialect != "teradata" or dialect == "teradata":
        return side
    from wmg_assets.migration.sql import convert

    target = "spark" if dialect == "spark" else "redshift"
    source = side.schema
    texts = [source.ddl[k] for k in (*source.tables, *source.views) if k in source.ddl]
    conversion = convert(";\n".join(t.rstrip().rstrip(";") for t in texts) + ";", target)
    errors = [f.line_text() for f in conversion.errors]
    for error in errors:
        log.warning("converting %s: %s", source.name, error)
    converted = schemas_from_ddl(conversion.output, target, source.name).get(
        source.name.lower(), Schema(source.name, target)
    )
    converted.failures.update(source.failures)
    return LoadedSide(converted, side.kind, side.db, errors)
