"""The schema model from DDL text (sqlglot parse), and DDL text from the model.

Read: `CREATE TABLE` (columns, inline and table constraints, `DISTKEY`/`SORTKEY`),
`CREATE [OR REPLACE] VIEW` (the tables it reads, CTEs left out) and `ALTER TABLE … ADD
CONSTRAINT`; any other statement is skipped. Unqualified names belong to `default_schema`.
Written: one `CREATE TABLE` / `CREATE VIEW` per object, every identifier quoted.
"""

import logging
from collections.abc import Iterable

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from wmg_assets.migration.schema.model import (
    Column,
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


def read_dialect(dialect: str):
    """sqlglot's dialect for `dialect`; Teradata is the WMG extension of it."""
    if dialect == "teradata":
        from wmg_assets.migration.sql.dialect import WmgTeradata

        return WmgTeradata
    return dialect


def schemas_from_ddl(text: str, dialect: str, default_schema: str) -> dict[str, Schema]:
    """Every object the DDL text creates, by lower-case schema name; a statement that does
    not parse is logged and recorded in the default schema's `failures`."""
    from wmg_assets.migration.schema.sqltext import split_statements

    schemas: dict[str, Schema] = {}

    def schema(name: str) -> Schema:
        return schemas.setdefault(name.lower(), Schema(name, dialect))

    trees = []
    for statement in split_statements(text):
        try:
            trees.append(sqlglot.parse_one(statement, read=read_dialect(dialect)))
        except ParseError as e:
            first = " ".join(statement.split())[:60]
            log.warning("DDL not understood (%s): %s", e, first)
            schema(default_schema).failures[first] = f"does not parse: {e}".splitlines()[0]
    pending: list[tuple[str, str, ForeignKey | Key]] = []
    for tree in trees:
        if isinstance(tree, exp.Create) and tree.kind == "TABLE":
            table = table_from_create(tree, dialect, default_schema)
            if table is not None:
                schema(table.schema).add(table)
        elif isinstance(tree, exp.Create) and tree.kind == "VIEW":
            view = view_from_create(tree, dialect, default_schema)
            schema(view.schema).add(view)
        elif isinstance(tree, exp.Alter) and tree.kind == "TABLE":
            target = tree.this
            for constraint in tree.find_all(exp.Constraint):
                for key in _table_constraints([constraint], target.db or default_schema):
                    pending.append((target.db or default_schema, target.name, key))
    for schema_name, table_name, key in pending:
        owner = schemas.get(schema_name.lower())
        table = owner.tables.get(table_name.lower()) if owner else None
        if owner is None or table is None:
            log.warning("ALTER TABLE %s.%s: no CREATE TABLE for it", schema_name, table_name)
            continue
        owner.add(_with_key(table, key))
    return schemas


def _with_key(table: Table, key: ForeignKey | Key) -> Table:
    from dataclasses import replace

    if isinstance(key, ForeignKey):
        return replace(table, foreign_keys=(*table.foreign_keys, key))
    if key.kind == "p":
        return replace(table, primary_key=key)
    return replace(table, unique_keys=(*table.unique_keys, key))


def table_from_create(tree: exp.Create, dialect: str, default_schema: str) -> Table | None:
    target = tree.this
    if not isinstance(target, exp.Schema) or not isinstance(target.this, exp.Table):
        return None  # CREATE TABLE … AS SELECT: no column list to read
    table_ref = target.this
    schema_name = table_ref.db or default_schema
    columns: list[Column] = []
    keys: list[Key | ForeignKey] = []
    for item in target.expressions:
        if isinstance(item, exp.ColumnDef):
            column, column_keys = _column(item, dialect, schema_name)
            columns.append(column)
            keys += column_keys
    keys += _table_constraints(target.expressions, schema_name)
    primary = next((k for k in keys if isinstance(k, Key) and k.kind == "p"), None)
    dist = tree.find(exp.DistKeyProperty)
    sort = tree.find(exp.SortKeyProperty)
    return Table(
        schema=schema_name,
        name=table_ref.name,
        columns=tuple(columns),
        primary_key=primary,
        unique_keys=tuple(k for k in keys if isinstance(k, Key) and k.kind == "u"),
        foreign_keys=tuple(k for k in keys if isinstance(k, ForeignKey)),
        dist_key=dist.this.name if dist is not None and dist.this is not None else None,
        sort_keys=tuple(_names(sort.this)) if sort is not None else (),
    )


def _names(node) -> list[str]:
    items = node if isinstance(node, list) else getattr(node, "expressions", None) or [node]
    return [i.name if not isinstance(i, exp.Ordered) else i.this.name for i in items]


def _column(item: exp.ColumnDef, dialect: str, schema: str) -> tuple[Column, list]:
    nullable, default, collation, identity, keys = True, None, None, False, []
    for constraint in item.constraints:
        kind = constraint.kind
        if isinstance(kind, exp.NotNullColumnConstraint):
            nullable = bool(kind.args.get("allow_null"))
        elif isinstance(kind, exp.DefaultColumnConstraint):
            value = kind.this
            if isinstance(value, exp.Collate):  # sqlglot reads DEFAULT 'x' COLLATE c so
                collation, value = value.expression.name, value.this
            default = normalized_default(value.sql(dialect), dialect)
        elif isinstance(kind, exp.CollateColumnConstraint):
            collation = kind.this.name
        elif isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
            identity = True
        elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
            keys.append(Key("p", (item.name,)))
            nullable = False
        elif isinstance(kind, exp.UniqueColumnConstraint):
            keys.append(Key("u", (item.name,)))
        elif isinstance(kind, exp.Reference):
            keys.append(_foreign_key((item.name,), kind, schema))
    if isinstance(item.kind, exp.DataType):
        ctype = column_type(item.kind, dialect)
    else:
        ctype = column_type("TEXT", "postgres")
    return Column(item.name, ctype, nullable, default, collation, identity), keys


def _table_constraints(items: Iterable[exp.Expr], schema: str) -> list[Key | ForeignKey]:
    found: list[Key | ForeignKey] = []
    for item in items:
        name = item.name if isinstance(item, exp.Constraint) else None
        parts = item.expressions if isinstance(item, exp.Constraint) else [item]
        for part in parts:
            if isinstance(part, exp.PrimaryKey):
                found.append(Key("p", tuple(_names(part)), name))
            elif isinstance(part, exp.UniqueColumnConstraint) and part.this is not None:
                found.append(Key("u", tuple(_names(part.this)), name))
            elif isinstance(part, exp.ForeignKey):
                reference = part.args["reference"]
                columns = tuple(i.name for i in part.expressions)
                found.append(_foreign_key(columns, reference, schema, name))
    return found


def _foreign_key(
    columns: tuple[str, ...], reference: exp.Reference, schema: str, name: str | None = None
) -> ForeignKey:
    target = reference.this
    table = target.this if isinstance(target, exp.Schema) else target
    ref_columns = (
        tuple(i.name for i in target.expressions) if isinstance(target, exp.Schema) else ()
    )
    return ForeignKey(columns, table.db or schema, table.name, ref_columns, name)


def view_from_create(tree: exp.Create, dialect: str, default_schema: str) -> View:
    ref = tree.this
    schema_name = ref.db or default_schema
    query = tree.expression
    return View(
        schema=schema_name,
        name=ref.name,
        definition=query.sql(read_dialect(dialect)) if query is not None else "",
        reads=objects_read(query, default_schema) if query is not None else (),
    )


def objects_read(query: exp.Expr, default_schema: str) -> tuple[str, ...]:
    """The tables and views a query reads, as `schema.name`, its own CTEs left out."""
    ctes = {cte.alias_or_name.lower() for cte in query.find_all(exp.CTE)}
    found = {
        qualified(t.db or default_schema, t.name)
        for t in query.find_all(exp.Table)
        if t.name and (t.db or t.name.lower() not in ctes)
    }
    return tuple(sorted(found))


def reads_of_definition(definition: str, dialect: str, default_schema: str) -> tuple[str, ...]:
    try:
        return objects_read(
            sqlglot.parse_one(definition, read=read_dialect(dialect)), default_schema
        )
    except ParseError:
        log.warning("could not parse a view definition to find what it reads")
        return ()


# -- writing -------------------------------------------------------------------------------


def quoted(name: str, dialect: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(dialect)  # pyright: ignore[reportOptionalMemberAccess]


def dotted_name_sql(name: str, dialect: str) -> str:
    """`db.schema.table` (any number of parts) with each part quoted."""
    return ".".join(quoted(part, dialect) for part in name.split("."))


def table_name_sql(schema: str, name: str, dialect: str) -> str:
    return f"{quoted(schema, dialect)}.{quoted(name, dialect)}"


def type_sql(column: Column, dialect: str) -> str:
    """The column's type as `dialect` writes it (a type sqlglot does not know, such as a
    PostgreSQL enum, as the catalog wrote it)."""
    try:
        return exp.DataType.build(column.type.sql(), dialect="postgres").sql(dialect)
    except (ParseError, ValueError):
        return column.type.sql()


def default_sql(default: str, dialect: str) -> str:
    return sqlglot.transpile(default, read="postgres", write=dialect)[0]


def column_sql(column: Column, dialect: str) -> str:
    parts = [quoted(column.name, dialect), type_sql(column, dialect)]
    if column.collation:
        parts.append(f"COLLATE {quoted(column.collation, dialect)}")
    if column.identity:
        parts.append("GENERATED BY DEFAULT AS IDENTITY")
    if column.default is not None:
        parts.append(f"DEFAULT {default_sql(column.default, dialect)}")
    if not column.nullable:
        parts.append("NOT NULL")
    return " ".join(parts)


def _columns_sql(columns: Iterable[str], dialect: str) -> str:
    return ", ".join(quoted(c, dialect) for c in columns)


def key_sql(key: Key, dialect: str) -> str:
    name = f"CONSTRAINT {quoted(key.name, dialect)} " if key.name else ""
    kind = "PRIMARY KEY" if key.kind == "p" else "UNIQUE"
    return f"{name}{kind} ({_columns_sql(key.columns, dialect)})"


def foreign_key_sql(fk: ForeignKey, dialect: str, schema: str | None = None) -> str:
    name = f"CONSTRAINT {quoted(fk.name, dialect)} " if fk.name else ""
    target = table_name_sql(schema or fk.ref_schema, fk.ref_table, dialect)
    return (
        f"{name}FOREIGN KEY ({_columns_sql(fk.columns, dialect)}) "
        f"REFERENCES {target} ({_columns_sql(fk.ref_columns, dialect)})"
    )


def create_table_sql(
    table: Table, dialect: str, schema: str | None = None, foreign_keys: bool = True
) -> str:
    """`CREATE TABLE` for the table (in `schema` if given: its foreign keys to its own
    schema follow it there)."""
    into = schema or table.schema
    lines = [column_sql(c, dialect) for c in table.columns]
    lines += [key_sql(k, dialect) for k in table.keys]
    if foreign_keys:
        lines += [
            foreign_key_sql(
                fk, dialect, into if fk.ref_schema.lower() == table.schema.lower() else None
            )
            for fk in table.foreign_keys
        ]
    body = ",\n    ".join(lines)
    tail = ""
    if dialect == "redshift" and table.dist_key:
        tail += f" DISTKEY({quoted(table.dist_key, dialect)})"
    if dialect == "redshift" and table.sort_keys:
        tail += f" SORTKEY({_columns_sql(table.sort_keys, dialect)})"
    return f"CREATE TABLE {table_name_sql(into, table.name, dialect)} (\n    {body}\n){tail};"


def view_definition_in(definition: str, dialect: str, source: str, target: str) -> str:
    """The view's SELECT with the objects of schema `source` read from `target` instead."""
    if source.lower() == target.lower():
        return definition
    tree = sqlglot.parse_one(definition, read=read_dialect(dialect))
    for table in tree.find_all(exp.Table):
        if table.db and table.db.lower() == source.lower():
            table.set("db", exp.to_identifier(target, quoted=True))
    return tree.sql(read_dialect(dialect))


def create_view_sql(view: View, dialect: str, schema: str | None = None) -> str:
    into = schema or view.schema
    body = view_definition_in(view.definition.strip().rstrip(";"), dialect, view.schema, into)
    return f"CREATE VIEW {table_name_sql(into, view.name, dialect)} AS\n{body};"
