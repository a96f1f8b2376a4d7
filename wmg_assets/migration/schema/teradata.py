"""The schema model of a Teradata database, read with the statements Teradata answers:
`DBC.TablesV` lists the objects, `SHOW TABLE` / `SHOW VIEW` give each one's DDL (rows of
text, `\\r` between lines), which is parsed as the DDL files are (`ddl_text.py`, WMG's
Teradata dialect), so a live Teradata and a folder of its DDL give the same model.
`DBC.ColumnsV` and `DBC.IndicesV` hold nothing `SHOW TABLE` does not, so they are not read.
An object whose DDL cannot be read or parsed is logged and left out; the rest goes on.
"""

import logging

from wmg_assets.migration.schema.catalog import Catalog, show_ddl
from wmg_assets.migration.schema.ddl_text import schemas_from_ddl
from wmg_assets.migration.schema.model import Schema

log = logging.getLogger(__name__)

TABLES_SQL = (
    "SELECT TRIM(TableName) AS TableName, TableKind FROM DBC.TablesV "
    "WHERE DatabaseName = ? AND TableKind IN ('T', 'O', 'V') ORDER BY TableName"
)


def read_teradata_schema(
    db: Catalog, schema: str, tables: list[str] | None = None, views: list[str] | None = None
) -> Schema:
    """The database's tables and views (all, or those named), with their DDL text."""
    model = Schema(schema, "teradata")
    _, rows = db.query(TABLES_SQL, [schema])
    wanted = {
        "table": None if tables is None else {t.lower() for t in tables},
        "view": None if views is None else {v.lower() for v in views},
    }
    for name, kind_code in rows:
        kind = "view" if str(kind_code).strip().upper() == "V" else "table"
        names = wanted[kind]
        if names is not None and name.lower() not in names:
            continue
        try:
            text = show_ddl(db, kind, schema, name)
            found = schemas_from_ddl(text, "teradata", schema).get(schema.lower())
            obj = found.object(name) if found else None
            if obj is None:
                raise ValueError(f"SHOW {kind.upper()} gave no CREATE {kind.upper()} for it")
        except Exception as e:  # one object's failure is reported; the others go on
            log.error("%s.%s: DDL not extracted: %s", schema, name, e)
            model.failures[name] = str(e).splitlines()[0] if str(e) else type(e).__name__
            continue
        model.add(obj)
        model.ddl[name.lower()] = text
    return model
