"""Stand-ins for the two databases that cannot run here, each answering only the statements
the extractors send, and recording them so tests can check their text.

- `TeradataStandIn` is NOT Teradata: it answers `DBC.TablesV` and `SHOW TABLE` / `SHOW
  VIEW` from a dict of DDL, returned as Teradata does (rows of text, `\\r` line breaks),
  and fails like Teradata for an object it is told to fail on.
- `RedshiftOnPostgres` is NOT Redshift: every catalog query PostgreSQL also answers runs on
  the real test PostgreSQL; only the Redshift-only ones (`pg_table_def`, `SHOW TABLE`) are
  answered from canned rows.
"""

import re
from collections.abc import Sequence
from typing import Any, ClassVar


class TeradataError(Exception):
    """Shaped like teradatasql's OperationalError text."""


class TeradataStandIn:
    dialect: ClassVar[str] = "teradata"
    param: ClassVar[str] = "?"

    def __init__(
        self, database: str, ddl: dict[str, str], failing: frozenset[str] | set[str] = frozenset()
    ):
        self.database, self.ddl, self.failing = database, ddl, set(failing)
        self.queries: list[tuple[str, list]] = []

    def query(self, sql: str, params: Sequence[Any] | None = None) -> tuple[list[str], list]:
        self.queries.append((sql, list(params or [])))
        if "FROM DBC.TablesV" in sql:
            assert sql.count("?") == 1 and params == [self.database], (sql, params)
            rows = []
            for name, text in sorted(self.ddl.items()):
                kind = "V" if re.match(r"\s*(REPLACE|CREATE)\s+VIEW", text, re.I) else "T"
                rows.append((name, kind))
            return ["TableName", "TableKind"], rows
        show = re.fullmatch(r'SHOW (TABLE|VIEW) "([^"]+)"\."([^"]+)"', sql)
        if show is None:
            raise TeradataError(f"[Error 3706] Syntax error: the stand-in does not know {sql!r}")
        name = show.group(3)
        if name in self.failing or name not in self.ddl:
            raise TeradataError(f"[Error 3807] Object '{show.group(2)}.{name}' does not exist.")
        text = self.ddl[name].replace("\n", "\r")
        return ["Request Text"], [(text[i : i + 80],) for i in range(0, len(text), 80)]


class RedshiftOnPostgres:
    dialect: ClassVar[str] = "redshift"
    param: ClassVar[str] = "%s"

    def __init__(self, postgres, storage: list[tuple], show: dict[str, str]) -> None:
        self.pg, self.storage, self.show = postgres, storage, show
        self.redshift_only: list[str] = []

    def query(self, sql: str, params: Sequence[Any] | None = None) -> tuple[list[str], list]:
        if "pg_table_def" in sql:
            self.redshift_only.append(sql)
            return ["tablename", "column", "distkey", "sortkey"], self.storage
        if sql.startswith("SHOW "):
            self.redshift_only.append(sql)
            name = sql.split(".")[-1].strip('"')
            return ["ddl"], [(self.show[name],)]
        return self.pg.query(sql, params)

    def transaction(self):
        return self.pg.transaction()
