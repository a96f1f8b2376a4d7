"""The schema model read from a live catalog: the SQL per dialect, and the model built from
its rows. The connection is passed in (anything with `query(sql, params)` and `dialect`,
e.g. a warehouse connection); nothing here connects.

Objects, columns and keys come from `information_schema` (`tables`, `columns`,
`table_constraints`, `key_column_usage`, `referential_constraints`), which all of
PostgreSQL, Redshift and DuckDB answer; then per dialect:

| what | PostgreSQL | Redshift | DuckDB |
|---|---|---|---|
| columns | `pg_attribute` (`format_type`: enums, arrays) | `identity(…)` default | — |
| dist / sort keys | — | `pg_table_def` | — |
| view text | `pg_get_viewdef` (names qualified) | `pg_get_viewdef` | `duckdb_views()` |
| what a view reads | `pg_depend` | `pg_depend` | parsed from its text (sqlglot) |
| the DDL itself | written from the model | `SHOW TABLE` / `SHOW VIEW` | written |
"""

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, ClassVar, Protocol

from sqlglot.errors import ParseError

from wmg_assets.migration.schema.ddl_text import reads_of_definition, table_name_sql
from wmg_assets.migration.schema.model import (
    Column,
    ColumnType,
    ForeignKey,
    Key,
    Schema,
    Table,
    View,
    column_type,
    normalized_default,
    qualified,
)

log = logging.getLogger(__name__)


class Catalog(Protocol):
    dialect: ClassVar[str]
    param: ClassVar[str]

    def query(
        self, sql: str, params: Sequence[Any] | None = None
    ) -> tuple[list[str], list[tuple]]: ...


OBJECTS_SQL = """
SELECT table_name, table_type FROM information_schema.tables
WHERE table_schema = {p} AND table_type IN ('BASE TABLE', 'VIEW')
ORDER BY table_name"""

COLUMNS_SQL = """
SELECT table_name, column_name, data_type, character_maximum_length, numeric_precision,
       numeric_scale, is_nullable, column_default, collation_name, NULL
FROM information_schema.columns
WHERE table_schema = {p}
ORDER BY table_name, ordinal_position"""

# PostgreSQL: the exact type (`format_type`: enums, arrays, typmods), identity, collation.
POSTGRES_COLUMNS_SQL = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NULL, NULL, NULL,
       CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END, pg_get_expr(d.adbin, d.adrelid),
       CASE WHEN a.attcollation <> t.typcollation THEN co.collname END,
       CASE WHEN a.attidentity IN ('a', 'd') THEN 'YES' ELSE 'NO' END
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
WHERE n.nspname = {p} AND a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
ORDER BY c.relname, a.attnum"""

KEYS_SQL = """
SELECT tc.table_name, tc.constraint_name, tc.constraint_type, k.column_name,
       r.table_schema, r.table_name, r.column_name
FROM information_schema.table_constraints tc
JOIN information_schema.key_column_usage k
  ON k.constraint_schema = tc.constraint_schema AND k.constraint_name = tc.constraint_name
 AND k.table_name = tc.table_name
LEFT JOIN information_schema.referential_constraints rc
  ON rc.constraint_schema = tc.constraint_schema AND rc.constraint_name = tc.constraint_name
LEFT JOIN information_schema.key_column_usage r
  ON r.constraint_schema = rc.unique_constraint_schema
 AND r.constraint_name = rc.unique_constraint_name
 AND r.ordinal_position = k.position_in_unique_constraint
WHERE tc.table_schema = {p} AND tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')
ORDER BY tc.table_name, tc.constraint_name, k.ordinal_position"""

VIEWS_SQL = {
    "postgres": """
SELECT c.relname, pg_get_viewdef(c.oid, true)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = {p} AND c.relkind IN ('v', 'm')""",
    "redshift": """
SELECT c.relname, pg_get_viewdef(c.oid, true)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = {p} AND c.relkind = 'v'""",
    "duckdb": "SELECT view_name, sql FROM duckdb_views() WHERE schema_name = {p}",
}

VIEW_READS_SQL = """
SELECT DISTINCT v.relname, rn.nspname, r.relname
FROM pg_depend d
JOIN pg_rewrite w ON w.oid = d.objid
JOIN pg_class v ON v.oid = w.ev_class
JOIN pg_namespace vn ON vn.oid = v.relnamespace
JOIN pg_class r ON r.oid = d.refobjid
JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE vn.nspname = {p} AND d.classid = 'pg_rewrite'::regclass AND r.oid <> v.oid"""

# Redshift only (no PostgreSQL answers it): distribution and sort keys.
REDSHIFT_STORAGE_SQL = """
SELECT tablename, "column", distkey, sortkey
FROM pg_table_def
WHERE schemaname = {p} AND (distkey OR sortkey <> 0)
ORDER BY tablename, sortkey"""

SHOW_SQL = {"table": "SHOW TABLE {name}", "view": "SHOW VIEW {name}"}  # Redshift, Teradata


def _sql(template: str, db: Catalog, **kw: str) -> str:
    return template.format(p=db.param, **kw)


def type_text(data_type: str, length: int | None, precision: int | None, scale: int | None) -> str:
    """An `information_schema` type with its parameters (`character varying` + 20)."""
    if "(" in data_type:
        return data_type
    lowered = data_type.lower()
    if length is not None and ("char" in lowered or "bit" in lowered):
        return f"{data_type}({length})"
    if lowered in ("numeric", "decimal") and precision is not None:
        return f"{data_type}({precision},{scale or 0})"
    return data_type


def read_schema(
    db: Catalog, schema: str, tables: list[str] | None = None, views: list[str] | None = None
) -> Schema:
    """The schema's tables and views (all of them, or those named) from the catalog."""
    dialect = db.dialect
    model = Schema(schema, dialect)
    _, objects = db.query(_sql(OBJECTS_SQL, db), [schema])
    kinds = {name: kind for name, kind in objects}
    columns_sql = POSTGRES_COLUMNS_SQL if dialect == "postgres" else COLUMNS_SQL
    _, column_rows = db.query(_sql(columns_sql, db), [schema])
    columns: dict[str, list[Column]] = defaultdict(list)
    for (
        table,
        name,
        dtype,
        length,
        precision,
        scale,
        nullable,
        default,
        collation,
        ident,
    ) in column_rows:
        try:
            ctype = column_type(type_text(dtype, length, precision, scale), dialect)
        except (ParseError, ValueError) as e:  # a type sqlglot cannot build (an enum): as is
            log.debug("%s.%s.%s: type %r kept as written (%s)", schema, table, name, dtype, e)
            ctype = ColumnType(str(dtype))
        is_identity = ident == "YES" or "identity" in str(default or "").lower()
        columns[table].append(
            Column(
                name,
                ctype,
                nullable == "YES",
                None if is_identity else normalized_default(default, dialect),
                collation if collation not in (None, "default") else None,
                is_identity,
            )
        )
    keys = _keys(db, schema)
    storage = _storage(db, schema) if dialect == "redshift" else {}
    for name, kind in kinds.items():
        if kind != "BASE TABLE":
            continue
        table_keys = keys.get(name, [])
        dist, sort = storage.get(name, (None, ()))
        model.add(
            Table(
                schema,
                name,
                tuple(columns.get(name, [])),
                primary_key=next(
                    (k for k in table_keys if isinstance(k, Key) and k.kind == "p"), None
                ),
                unique_keys=tuple(k for k in table_keys if isinstance(k, Key) and k.kind == "u"),
                foreign_keys=tuple(k for k in table_keys if isinstance(k, ForeignKey)),
                dist_key=dist,
                sort_keys=sort,
            )
        )
    for view in _views(db, schema, {n for n, k in kinds.items() if k == "VIEW"}):
        model.add(view)
    return model.only(tables, views) if tables is not None or views is not None else model


def _keys(db: Catalog, schema: str) -> dict[str, list[Key | ForeignKey]]:
    _, rows = db.query(_sql(KEYS_SQL, db), [schema])
    grouped: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for row in rows:
        grouped[(row[0], row[1])].append(row)
    keys: dict[str, list[Key | ForeignKey]] = defaultdict(list)
    for (table, name), parts in grouped.items():
        kind = parts[0][2]
        columns = tuple(dict.fromkeys(p[3] for p in parts))
        if kind == "FOREIGN KEY":
            refs = tuple(p[6] for p in parts if p[6] is not None)
            ref_schema, ref_table = parts[0][4] or schema, parts[0][5] or ""
            keys[table].append(ForeignKey(columns, ref_schema, ref_table, refs, name))
        else:
            keys[table].append(Key("p" if kind == "PRIMARY KEY" else "u", columns, name))
    return keys


def _storage(db: Catalog, schema: str) -> dict[str, tuple[str | None, tuple[str, ...]]]:
    _, rows = db.query(_sql(REDSHIFT_STORAGE_SQL, db), [schema])
    found: dict[str, tuple[str | None, tuple[str, ...]]] = {}
    for table, column, distkey, sortkey in rows:
        dist, sort = found.get(table, (None, ()))
        found[table] = (column if distkey else dist, (*sort, column) if sortkey else sort)
    return found


def _views(db: Catalog, schema: str, names: set[str]) -> list[View]:
    if not names:
        return []
    dialect = db.dialect
    template = VIEWS_SQL.get(dialect)
    if template is None:
        _, rows = db.query(
            _sql(
                "SELECT table_name, view_definition FROM information_schema.views "
                "WHERE table_schema = {p}",
                db,
            ),
            [schema],
        )
    else:
        rows = _qualified_view_rows(db, _sql(template, db), schema)
    reads: dict[str, set[str]] = defaultdict(set)
    if dialect in ("postgres", "redshift"):
        _, dep_rows = db.query(_sql(VIEW_READS_SQL, db), [schema])
        for view, ref_schema, ref_name in dep_rows:
            reads[view].add(qualified(ref_schema, ref_name))
    views = []
    for name, text in rows:
        if name not in names:
            continue
        definition = _select_of(text or "", dialect)
        found = tuple(sorted(reads[name])) or reads_of_definition(definition, dialect, schema)
        views.append(View(schema, name, definition, found))
    return views


def _qualified_view_rows(db: Catalog, sql: str, schema: str) -> list[tuple]:
    """View texts with every name schema-qualified: PostgreSQL writes a name bare when it
    is on the search path, so the search path is emptied for the one query."""
    if db.dialect != "postgres":
        return db.query(sql, [schema])[1]
    with db.transaction():  # type: ignore[attr-defined]
        db.query("SELECT set_config('search_path', 'pg_catalog', true)")
        return db.query(sql, [schema])[1]


def _select_of(text: str, dialect: str) -> str:
    """The query of a view text that may be a whole `CREATE VIEW … AS` (DuckDB's)."""
    stripped = text.strip().rstrip(";").strip()
    if not stripped.upper().startswith("CREATE"):
        return stripped
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(stripped, read=dialect)
    query = tree.expression if isinstance(tree, exp.Create) else None
    return query.sql(dialect) if query is not None else stripped


def show_ddl(db: Catalog, kind: str, schema: str, name: str) -> str:
    """The object's DDL as the database writes it (`SHOW TABLE` / `SHOW VIEW`, which
    Redshift and Teradata answer in one or more rows of text)."""
    _, rows = db.query(SHOW_SQL[kind].format(name=table_name_sql(schema, name, db.dialect)))
    return "".join(str(r[0]) for r in rows).replace("\r\n", "\n").replace("\r", "\n").strip()
