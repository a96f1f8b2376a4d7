"""Stand-ins for the two databases that cannot run here, each answering only the statements
the extractors send, and recording them so tests can check their text.

- `TeradataStandIn` is NOT Teradata: it answers `DBC.TablesV` and `SHOW TABLE` / `SHOW
  VIEW` from a dict of DDL, returned as Teradata does (rows of text, `\\r` line breaks),
  and fails like Teradata for an object it is told to fail on. Its `conn.cursor()` records
  each data query's text and answers it with the canned rows of the table it reads
  (it does not evaluate the query).
- `RedshiftOnPostgres` is NOT Redshift: every catalog query PostgreSQL also answers runs on
  the real test PostgreSQL; only the Redshift-only ones (`pg_table_def`, `SHOW TABLE`) are
  answered from canned rows. As a data source or target (`s3=` given), every statement
  runs on the real PostgreSQL except Redshift's `COPY … FORMAT AS PARQUET MANIFEST` and
  `UNLOAD … FORMAT PARQUET`, which it performs itself against the (moto) S3: the manifest's
  Parquet files inserted with bound values; the unloaded query run on PostgreSQL and written
  as Parquet under the `TO` prefix. `STRTOL`, which the reconciliation's Redshift checksums
  use, is added to the PostgreSQL database as a function.
"""

import io
import json
import re
from collections.abc import Sequence
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot

STRTOL_SQL = (
    "CREATE OR REPLACE FUNCTION public.strtol(s text, base int) RETURNS bigint LANGUAGE sql "
    "IMMUTABLE AS $$ SELECT ('x' || lpad(s, 16, '0'))::bit(64)::bigint $$"
)
COPY_RE = re.compile(r"COPY (?P<table>.+?) \((?P<columns>.*?)\) FROM '(?P<manifest>[^']*)' "
                     r"IAM_ROLE '[^']*' FORMAT AS PARQUET MANIFEST")  # fmt: skip
UNLOAD_RE = re.compile(r"UNLOAD \((?P<query>'.*')\) TO '(?P<to>[^']*)' IAM_ROLE '[^']*' "
                       r"FORMAT PARQUET", re.S)  # fmt: skip


class TeradataError(Exception):
    """Shaped like teradatasql's OperationalError text."""


class TeradataStandIn:
    dialect: ClassVar[str] = "teradata"
    param: ClassVar[str] = "?"

    def __init__(
        self,
        database: str,
        ddl: dict[str, str],
        failing: frozenset[str] | set[str] = frozenset(),
        data: dict[str, list[tuple]] | None = None,
    ):
        self.database, self.ddl, self.failing = database, ddl, set(failing)
        self.data = data or {}
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

    @property
    def conn(self) -> "TeradataStandIn":
        return self

    def cursor(self) -> "_TeradataCursor":
        return _TeradataCursor(self)


class _TeradataCursor:
    def __init__(self, owner: TeradataStandIn) -> None:
        self.owner, self.pending = owner, []

    def __enter__(self) -> "_TeradataCursor":
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self.owner.queries.append((sql, list(params or [])))
        table = re.search(r'FROM "[^"]+"\."([^"]+)"', sql)
        assert table is not None, sql
        self.pending = list(self.owner.data[table.group(1)])

    def fetchmany(self, n: int) -> list[tuple]:
        taken, self.pending = self.pending[:n], self.pending[n:]
        return taken


class RedshiftOnPostgres:
    dialect: ClassVar[str] = "redshift"
    param: ClassVar[str] = "%s"

    def __init__(self, postgres, storage: list[tuple], show: dict[str, str], s3: Any = None,
                 iam_role: str = "arn:aws:iam::123456789012:role/load") -> None:  # fmt: skip
        self.pg, self.storage, self.show = postgres, storage, show
        self.s3, self.iam_role = s3, iam_role
        self.redshift_only: list[str] = []
        self.s3_seen: list[list[str]] = []  # the files each COPY found listed
        if s3 is not None:
            self.pg.execute(STRTOL_SQL)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        copy, unload = COPY_RE.fullmatch(sql), UNLOAD_RE.fullmatch(sql)
        if copy is None and unload is None:
            return self.pg.execute(sql, params)
        self.redshift_only.append(sql)
        if copy is not None:
            return self._copy(copy)
        assert unload is not None
        return self._unload(unload)

    def create_if_missing(self, sql: str) -> None:
        self.pg.create_if_missing(sql)

    def _object(self, uri: str) -> bytes:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    def _copy(self, match: re.Match) -> int:
        entries = json.loads(self._object(match["manifest"]))["entries"]
        self.s3_seen.append([e["url"] for e in entries])
        columns = [c.strip().strip('"') for c in match["columns"].split(",")]
        rows = 0
        for entry in entries:
            table = pq.read_table(io.BytesIO(self._object(entry["url"])))
            values = [tuple(r.values()) for r in table.to_pylist()]
            marks = ", ".join(["%s"] * len(columns))
            with self.pg.conn.cursor() as cur:
                cur.executemany(f"INSERT INTO {match['table']} ({match['columns']}) "
                                f"VALUES ({marks})", values)  # fmt: skip
            rows += len(values)
        return rows

    def _unload(self, match: re.Match) -> int:
        query = sqlglot.parse_one(f"SELECT {match['query']}", read="redshift").expressions[0].this
        names, rows = self.pg.query(query)
        table = pa.Table.from_pylist([dict(zip(names, r, strict=True)) for r in rows])
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        bucket, _, key = match["to"].removeprefix("s3://").partition("/")
        self.s3.put_object(Bucket=bucket, Key=f"{key}0000_part_00.parquet",
                           Body=buffer.getvalue())  # fmt: skip
        return len(rows)

    def close(self) -> None:
        self.pg.close()

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
