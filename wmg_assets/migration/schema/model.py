"""The one schema model every DDL tool compares: tables (columns, keys, Redshift dist/sort
keys) and views (definition, what they read), built from live catalogs (`catalog.py`,
`teradata.py`) and from DDL text (`ddl_text.py`) alike, so like is compared with like.

Types are normalised per dialect (`column_type`): one spelling per type, with the defaults
the dialect applies written out (Redshift's `VARCHAR` is `VARCHAR(256)`, its `DECIMAL` is
`DECIMAL(18,0)`; PostgreSQL's length-less `VARCHAR` is `TEXT`). Names compare case-blind
(Teradata and Redshift fold them; PostgreSQL folds unquoted ones).
"""

from dataclasses import dataclass, field, replace

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

T = exp.DataType.Type
_LENGTHS = {T.VARCHAR, T.NVARCHAR, T.CHAR, T.NCHAR, T.BPCHAR, T.VARBINARY, T.BINARY}
_TEMPORAL = {T.TIMESTAMP, T.TIMESTAMPTZ, T.TIME, T.TIMETZ}
_SPELLING = {T.NVARCHAR: T.VARCHAR, T.NCHAR: T.CHAR, T.BPCHAR: T.CHAR}


@dataclass(frozen=True)
class ColumnType:
    """A column's type: a canonical name (as PostgreSQL spells it) and its parameters."""

    name: str  # INT, BIGINT, DECIMAL, VARCHAR, CHAR, TEXT, TIMESTAMP, DOUBLE PRECISION, ...
    length: int | None = None  # VARCHAR / CHAR / VARBYTE; a TIMESTAMP's digits if not 6
    precision: int | None = None  # DECIMAL
    scale: int | None = None

    def sql(self) -> str:
        if self.length is not None:
            return f"{self.name}({self.length})"
        if self.precision is not None:
            return f"{self.name}({self.precision},{self.scale or 0})"
        return self.name

    def __str__(self) -> str:
        return self.sql()


def column_type(data_type: exp.DataType | str, dialect: str) -> ColumnType:
    """The canonical type of a sqlglot type (or type text, read in `dialect`)."""
    if isinstance(data_type, str):
        data_type = exp.DataType.build(data_type, dialect=dialect)
    kind = _SPELLING.get(data_type.this, data_type.this)  # pyright: ignore[reportArgumentType]
    if data_type.args.get("nested") or kind in (T.USERDEFINED, T.ARRAY, T.UNKNOWN):
        return ColumnType(data_type.sql("postgres"))  # arrays, enums: spelled out whole
    params = [p.this for p in data_type.expressions if isinstance(p, exp.DataTypeParam)]
    numbers = [int(p.name) for p in params if isinstance(p, exp.Literal) and p.is_int]
    is_max = any(isinstance(p, exp.Var) and p.name.upper() == "MAX" for p in params)
    if dialect == "redshift":
        if kind == T.TEXT or (kind == T.VARCHAR and not numbers and not is_max):
            kind, numbers = T.VARCHAR, [256]
        elif is_max and kind in (T.VARCHAR, T.VARBINARY):
            numbers = [65535]
        elif kind == T.DECIMAL and not numbers:
            numbers = [18, 0]
    elif kind == T.VARCHAR and not numbers:
        kind = T.TEXT
    if kind in (T.CHAR,) and not numbers:
        numbers = [1]
    name = exp.DataType(this=kind).sql("postgres")
    if kind in _LENGTHS:
        return ColumnType(name, length=numbers[0] if numbers else None)
    if kind in _TEMPORAL and numbers and numbers[0] != 6 and dialect != "redshift":
        return ColumnType(name, length=numbers[0])  # fractional digits (Redshift: always 6)
    if kind == T.DECIMAL and numbers:
        return ColumnType(name, precision=numbers[0], scale=numbers[1] if len(numbers) > 1 else 0)
    return ColumnType(name)


def normalized_default(text: str | None, dialect: str) -> str | None:
    """A column default in one spelling: casts of literals dropped (PostgreSQL's catalog
    keeps `'x'::character varying` and `'-1'::integer`), rendered by sqlglot."""
    if text is None or not text.strip():
        return None
    try:
        tree = sqlglot.parse_one(text, read=dialect)
    except ParseError:
        return " ".join(text.split())
    return tree.transform(_literal_uncast).sql("postgres")


def _literal_uncast(node: exp.Expr) -> exp.Expr:
    """`'x'::varchar` → `'x'`, `'-1'::integer` → `-1`; anything else as it is."""
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal):
        inner = node.this
        return exp.Literal.number(inner.name) if inner.is_string and _number(inner.name) else inner
    return node


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    nullable: bool = True
    default: str | None = None  # normalised (`normalized_default`)
    collation: str | None = None  # only where it is not the database default
    identity: bool = False


@dataclass(frozen=True)
class Key:
    """A primary (`p`) or unique (`u`) key."""

    kind: str
    columns: tuple[str, ...]
    name: str | None = None

    def describe(self) -> str:
        return f"{self.kind} {','.join(c.lower() for c in self.columns)}"


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    ref_schema: str
    ref_table: str
    ref_columns: tuple[str, ...]
    name: str | None = None

    def describe(self) -> str:
        cols, refs = (",".join(c.lower() for c in cs) for cs in (self.columns, self.ref_columns))
        return f"f {cols} -> {self.ref_table.lower()}({refs})"


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    columns: tuple[Column, ...]
    primary_key: Key | None = None
    unique_keys: tuple[Key, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    dist_key: str | None = None
    sort_keys: tuple[str, ...] = ()

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name.lower() == name.lower()), None)

    @property
    def keys(self) -> tuple[Key, ...]:
        return ((self.primary_key,) if self.primary_key else ()) + self.unique_keys

    @property
    def reads(self) -> tuple[str, ...]:
        """The tables its foreign keys point to, as `schema.table`."""
        return tuple(
            sorted({f"{fk.ref_schema}.{fk.ref_table}".lower() for fk in self.foreign_keys})
        )


@dataclass(frozen=True)
class View:
    schema: str
    name: str
    definition: str  # the SELECT, as the source gives it
    reads: tuple[str, ...] = ()  # what it reads, as `schema.object` (lower case)


@dataclass
class Schema:
    """The tables and views of one schema, by lower-case name."""

    name: str
    dialect: str
    tables: dict[str, Table] = field(default_factory=dict)
    views: dict[str, View] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)  # object → why it was not read
    ddl: dict[str, str] = field(default_factory=dict)  # object → DDL as the database wrote it

    def add(self, obj: Table | View) -> None:
        if isinstance(obj, Table):
            self.tables[obj.name.lower()] = obj
        else:
            self.views[obj.name.lower()] = obj

    def object(self, name: str) -> Table | View | None:
        return self.tables.get(name.lower()) or self.views.get(name.lower())

    def only(self, tables: list[str] | None, views: list[str] | None) -> "Schema":
        """The schema restricted to the named tables and views (all of a kind when None)."""

        def keep(objs: dict, names: list[str] | None) -> dict:
            wanted = None if names is None else {n.lower() for n in names}
            return {k: v for k, v in objs.items() if wanted is None or k in wanted}

        kept = replace(self, tables=keep(self.tables, tables), views=keep(self.views, views))
        kept.ddl = {k: v for k, v in self.ddl.items() if k in kept.tables or k in kept.views}
        return kept


def qualified(schema: str, name: str) -> str:
    return f"{schema}.{name}".lower()
