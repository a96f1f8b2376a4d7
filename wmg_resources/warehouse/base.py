"""The warehouse interface that DuckDB, PostgreSQL and Redshift implement."""

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from wmg_resources.lake import LakeResource
from wmg_resources.warehouse.dialect import quote


@dataclass(frozen=True)
class Column:
    """A column as the warehouse catalog describes it, with a normalized type name."""

    name: str
    type: str  # smallint | integer | bigint | decimal(p,s) | varchar | boolean | date | ...
    length: int | None = None  # VARCHAR length where the warehouse keeps one
    nullable: bool = True


_TYPE_NAMES = {
    "character varying": "varchar",
    "varchar": "varchar",
    "text": "varchar",
    "character": "varchar",
    "bpchar": "varchar",
    "int2": "smallint",
    "int4": "integer",
    "int8": "bigint",
    "int": "integer",
    "bool": "boolean",
    "numeric": "decimal",
    "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz",
    "double precision": "double",
    "float8": "double",
    "float4": "real",
}


def normalize_type(data_type: str, precision: int | None = None, scale: int | None = None) -> str:
    """One name per type across the three catalogs (`numeric(38,18)` → `decimal(38,18)`)."""
    raw = data_type.strip().lower()
    match = re.fullmatch(r"(decimal|numeric)\((\d+),\s*(\d+)\)", raw)
    if match:
        return f"decimal({match.group(2)},{match.group(3)})"
    raw = re.sub(r"\(.*\)$", "", raw).strip()
    name = _TYPE_NAMES.get(raw, raw)
    if name == "decimal" and precision is not None:
        return f"decimal({precision},{scale or 0})"
    return name


class Warehouse(ABC):
    """A connection to one warehouse. Not thread-safe; one per run step.

    `param` is the bind placeholder of the driver; SQL builders use it so that values are
    always bound, never formatted into SQL text.
    """

    dialect: ClassVar[str]
    param: ClassVar[str] = "%s"

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        """Run one statement; the number of rows it changed (or -1)."""

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] | None = None) -> tuple[list[str], list[tuple]]:
        """Run a query; its column names and rows."""

    @abstractmethod
    def columns(self, schema: str, table: str) -> list[Column] | None:
        """The table's columns in order, or None when the table does not exist."""

    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together or not at all."""

    def create_if_missing(self, sql: str) -> None:
        """Run a `CREATE … IF NOT EXISTS` that other sessions may run at the same moment
        (first use of an audit schema, two workers starting at once). By default the
        statement as is: DuckDB has one writer per file."""
        self.execute(sql)

    def create_staging_table(self, name: str, columns: list[tuple[str, str]]) -> None:
        """A session-local (temporary) table of (name, SQL type) columns, made anew."""
        cols = ", ".join(f"{quote(n, self.dialect)} {t}" for n, t in columns)
        self.execute(f"DROP TABLE IF EXISTS {quote(name, self.dialect)}")
        self.execute(f"CREATE TEMP TABLE {quote(name, self.dialect)} ({cols})")

    def stage(
        self,
        name: str,
        columns: list[tuple[str, str]],
        lake: LakeResource,
        keys: list[str],
        scratch: Path,
    ) -> int:
        """Make the staging relation `name` (columns of SQL types) hold the rows of the lake's
        Parquet objects `keys`; the rows staged. By default a bulk-loaded temporary table."""
        self.create_staging_table(name, columns)
        return self.bulk_load(name, [n for n, _ in columns], lake, keys, scratch)

    @contextmanager
    def merge_lock(self, schema: str, table: str) -> Iterator[None]:
        """Held by a merge into `schema.table` from its plan to its commit, so that two
        merges never plan against the same catalog state. By default nothing: DuckDB has one
        writer per file, and the merge's transaction locks the table (see merge.lock_sql)."""
        yield

    def drop_staging(self, name: str) -> None:
        self.execute(f"DROP TABLE IF EXISTS {self.staging_name(name)}")

    @abstractmethod
    def bulk_load(
        self, table: str, columns: list[str], lake: LakeResource, keys: list[str], scratch: Path
    ) -> int:
        """Bulk-load Parquet objects of the lake into a table; the rows loaded."""

    @abstractmethod
    def close(self) -> None: ...

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        _, rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def staging_name(self, name: str) -> str:
        """How SQL refers to a staging table made by `create_staging_table`."""
        return quote(name, self.dialect)

    def __enter__(self) -> "Warehouse":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


CATALOG_COLUMNS_SQL = """
SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale,
       is_nullable
FROM information_schema.columns
WHERE table_schema = {p} AND table_name = {p}
ORDER BY ordinal_position
"""


def columns_from_catalog(wh: Warehouse, schema: str, table: str) -> list[Column] | None:
    """Columns of a table through `information_schema` (all three warehouses have it)."""
    _, rows = wh.query(CATALOG_COLUMNS_SQL.format(p=wh.param), [schema, table])
    if not rows:
        return None
    return [
        Column(
            name=name,
            type=normalize_type(dtype, prec, scale)
            if "numeric" in dtype.lower() or "decimal" in dtype.lower()
            else normalize_type(dtype),
            length=length,
            nullable=str(nullable).upper() == "YES",
        )
        for name, dtype, length, prec, scale, nullable in rows
    ]
