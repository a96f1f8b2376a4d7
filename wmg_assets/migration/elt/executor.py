"""The seed's executor layer (`ExecutorDAL` / `GlueExecutorDAL`) on the platform's engines:
`execute_query` on Spark, DuckDB, PostgreSQL or Redshift returning the seed's `QueryResult`,
and file reads / writes (`files.py`) on DuckDB or Spark. The framework's UDFs (`udfs.py`) are
registered on both engines when they are first used.

`execute_query(sql, db_type=…, temporary_table=…, handle_errors=…, connection=…)`:

- the text's comments are removed and it is split into statements outside quotes; one
  statement gives one `QueryResult`, several a list;
- a query that returns rows with `temporary_table` makes them a table of the local engine
  (Spark: a temporary view; DuckDB: the query as a view; PostgreSQL / Redshift: the rows
  streamed into a DuckDB table, batch by batch), else its rows are the result (for small
  answers: use a temporary table for data);
- other statements give their row count;
- on Spark, `query_id` and `table_names` apply the executor's performance profile
  (`profiles.py`: caching and query-level settings around the statement);
- errors carry the seed's codes: `1001` timeout (or a lost connection), `1002` invalid SQL,
  `1003` table not found; anything else `1000`. With `handle_errors=True` they come back in
  `error_code` / `error_message`; otherwise `ELTJobError` is raised with the same code.
"""

import logging
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from wmg_assets.migration.schema.sqltext import split_statements

log = logging.getLogger(__name__)

OK, UNINITIALISED, OTHER, TIMEOUT, INVALID_SQL, TABLE_NOT_FOUND = 0, -1, 1000, 1001, 1002, 1003
DB_TYPES = ("spark", "duckdb", "postgresql", "redshift")
FETCH_ROWS = 50_000


@dataclass
class QueryResult:
    """The seed's QueryResult: rows (or a row count), their count, an error code and
    message, and `result_object` (the Spark DataFrame or DuckDB relation, when there is one)."""

    result: Any = None
    result_count: int = 0
    error_code: int = UNINITIALISED
    error_message: str = ""
    result_object: Any = None


class ELTJobError(Exception):
    """A statement failed; `code` is the QueryResult error code of the cause."""

    def __init__(self, message: str, code: int = OTHER) -> None:
        super().__init__(message)
        self.code = code


def error_code(error: BaseException) -> int:
    """The seed's code for an error of any of the engines (module docstring)."""
    if isinstance(error, ELTJobError):
        return error.code
    if isinstance(error, TimeoutError):
        return TIMEOUT
    state = getattr(error, "sqlstate", None)  # psycopg
    if state is None and error.args and isinstance(error.args[0], dict):
        state = error.args[0].get("C")  # redshift_connector: the server's fields
    if state:
        if state == "42P01" or state == "3F000":
            return TABLE_NOT_FOUND
        if state == "57014" or state.startswith("08"):
            return TIMEOUT
        return INVALID_SQL if state.startswith("42") else OTHER
    name = type(error).__name__
    text = str(error)
    if name == "CatalogException":
        return TABLE_NOT_FOUND if "does not exist" in text else INVALID_SQL
    if name in ("ParserException", "BinderException", "ParseException"):
        return INVALID_SQL
    if name == "InterruptException":
        return TIMEOUT
    if name == "AnalysisException":
        found = "TABLE_OR_VIEW_NOT_FOUND" in text or "SCHEMA_NOT_FOUND" in text
        return TABLE_NOT_FOUND if found else INVALID_SQL
    return OTHER


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class Executor:
    """Statements and files on the job's engines. `connections` maps a connection name to a
    URL (`postgresql://…`, `redshift://…`, `secret://…`); `duckdb_url` is the local DuckDB
    (a file keeps tables between runs, which a resumed step needs)."""

    def __init__(
        self,
        connections: Mapping[str, str] | None = None,
        duckdb_url: str = "duckdb:///:memory:",
        spark: Callable[[], Any] | None = None,
    ) -> None:
        self.connections = dict(connections or {})
        self.duckdb_url = duckdb_url
        self._spark_factory = spark
        self._open: dict[str, Any] = {}
        self._spark: Any = None
        self.executed: list[tuple[str, str]] = []  # (db_type, statement), the seed's debug dump
        self.profile: Any = None  # a profiles.PerformanceProfile for Spark statements

    # -- connections ------------------------------------------------------------------
    @property
    def duckdb(self) -> Any:
        if "duckdb" not in self._open:
            from wmg_assets.migration.elt.udfs import register_duckdb
            from wmg_resources.databases import connect_database

            db: Any = connect_database(self.duckdb_url)
            register_duckdb(db.con)
            self._open["duckdb"] = db
        return self._open["duckdb"]

    @property
    def spark(self) -> Any:
        if self._spark is None:
            if self._spark_factory is not None:
                self._spark = self._spark_factory()
            else:
                from wmg_resources.spark import pyspark_resource

                self._spark = pyspark_resource().spark_session
            from wmg_assets.migration.elt.udfs import register_spark

            register_spark(self._spark)
            if self.profile is not None:
                self.profile.apply_baseline(self._spark)
        return self._spark

    def database(self, db_type: str, connection: str | None = None) -> Any:
        """The open connection `connection` (or the only one of its type)."""
        if db_type == "duckdb":
            return self.duckdb
        name = connection or next(
            (n for n, u in self.connections.items() if u.split(":", 1)[0].startswith(db_type[:5])),
            None,
        )
        if name is None or name not in self.connections:
            raise ELTJobError(
                f"no connection {connection or db_type!r}: name one of "
                f"{sorted(self.connections)} in the job's connections"
            )
        if name not in self._open:
            from wmg_assets.migration.data.migrate import connection_url
            from wmg_resources.databases import connect_database

            self._open[name] = connect_database(connection_url(self.connections[name]))
        return self._open[name]

    def close(self) -> None:
        for db in self._open.values():
            db.close()
        self._open.clear()

    # -- files ------------------------------------------------------------------------
    def read_file(
        self,
        file_type: str,
        path: str,
        output_table: str,
        options: Mapping[str, Any] | None = None,
        engine: str = "duckdb",
    ) -> int:
        """Read a file into the engine's table `output_table` (`files.py`); its rows."""
        return self._file("read", file_type, path, output_table, options, engine)

    def write_file(
        self,
        file_type: str,
        path: str,
        table: str,
        options: Mapping[str, Any] | None = None,
        engine: str = "duckdb",
    ) -> int:
        """Write the engine's table `table` to `path` (`files.py`; mode `error` by
        default); its rows."""
        return self._file("write", file_type, path, table, options, engine)

    def _file(
        self,
        verb: str,
        file_type: str,
        path: str,
        table: str,
        options: Mapping[str, Any] | None,
        engine: str,
    ) -> int:
        from wmg_assets.migration.elt import files

        kind = files.file_format(file_type)
        self.executed.append((engine, f"{verb}_file {kind} {path} {table}"))
        if engine == "spark":
            spark_call = files.spark_read if verb == "read" else files.spark_write
            return spark_call(self.spark, kind, path, table, options or {})
        duckdb_call = files.duckdb_read if verb == "read" else files.duckdb_write
        return duckdb_call(self.duckdb.con, kind, path, table, options or {})

    def write_single_file(
        self,
        file_type: str,
        path: str,
        table: str,
        options: Mapping[str, Any] | None = None,
        engine: str = "duckdb",
    ) -> int:
        """The table as one file at `path` (the seed's `write_single_file`: mode `append` by
        default — text formats add their lines, a CSV without a second header). Spark
        writes one partition to a scratch folder and its single part file is moved into
        place (more than one part is an error). Local paths."""
        from wmg_assets.migration.elt import files

        kind = files.file_format(file_type)
        chosen = {"mode": "append", **(options or {})}
        if engine != "spark":
            return self.write_file(kind, path, table, chosen, engine)
        return files.spark_single_file(self.spark, kind, path, table, chosen)

    # -- Redshift -----------------------------------------------------------------------
    def unload_from_redshift(
        self, query: str, s3_uri: str, connection: str | None = None, iam_role: str | None = None
    ) -> int:
        """`UNLOAD` a query to Parquet files under `s3_uri` (the warehouse's SQL)."""
        from wmg_resources.transfer import unload_sql

        db = self.database("redshift", connection)
        role = iam_role or getattr(db, "iam_role", "")
        if not role:
            raise ELTJobError("UNLOAD needs an IAM role: ?iam_role=arn:… in the redshift:// URL")
        prefix = s3_uri if s3_uri.endswith("/") else s3_uri + "/"
        self.executed.append(("redshift", f"UNLOAD -> {prefix}"))
        return db.execute(unload_sql(query, prefix, role))

    def save_to_redshift(
        self,
        table: str,
        target_table: str,
        staging_uri: str,
        connection: str | None = None,
        mode: str = "append",
        s3: Any = None,
    ) -> int:
        """A DuckDB table into a Redshift table: Parquet files in a temporary S3 prefix,
        one `COPY … FORMAT AS PARQUET MANIFEST` (the warehouse's SQL), `DELETE` first when
        `mode` is `overwrite`, in one transaction; the prefix emptied afterwards."""
        from wmg_resources.aws_accounts import AwsAccount
        from wmg_resources.s3_staging import S3Staging
        from wmg_resources.transfer import redshift_load
        from wmg_resources.warehouse.dialect import quote

        if mode not in ("append", "overwrite"):
            raise ELTJobError(f"mode {mode!r}: append or overwrite")
        db = self.database("redshift", connection)
        reader = self.duckdb.con.sql(f"SELECT * FROM {quote(table, 'duckdb')}").to_arrow_reader(
            100_000
        )
        from wmg_assets.migration.schema.ddl_text import dotted_name_sql

        target = dotted_name_sql(target_table, "redshift")
        with S3Staging(s3 or AwsAccount().client("s3"), staging_uri) as staging, db.transaction():
            if mode == "overwrite":
                db.execute(f"DELETE FROM {target}")
            return redshift_load(
                db, target, reader.schema.names, iter(reader), reader.schema, staging
            )

    # -- statements -------------------------------------------------------------------
    def execute_query(
        self,
        query: str,
        db_type: str = "spark",
        temporary_table: str | None = None,
        handle_errors: bool = False,
        connection: str | None = None,
        timeout_seconds: float | None = None,
        query_id: str | None = None,
        table_names: Sequence[str] = (),
    ) -> QueryResult | list[QueryResult]:
        """Run the statements of `query` (module docstring)."""
        if db_type not in DB_TYPES:
            raise ValueError(f"db_type {db_type!r}: one of {', '.join(DB_TYPES)}")
        results = []
        for statement in split_statements(query):
            try:
                results.append(
                    self._one(
                        statement,
                        db_type,
                        temporary_table,
                        connection,
                        timeout_seconds,
                        query_id,
                        table_names,
                    )
                )
            except Exception as e:
                code = error_code(e)
                log.info("%s statement failed (code %d): %s", db_type, code, _first_line(e))
                if not handle_errors:
                    raise ELTJobError(f"{db_type}: {_first_line(e)}", code) from e
                results.append(QueryResult(error_code=code, error_message=_first_line(e)))
                break
        return results[0] if len(results) == 1 else results

    def _one(
        self,
        statement: str,
        db_type: str,
        temporary_table: str | None,
        connection: str | None,
        timeout: float | None,
        query_id: str | None = None,
        table_names: Sequence[str] = (),
    ) -> QueryResult:
        self.executed.append((db_type, statement))
        if db_type == "spark":
            if self.profile is None:
                return self._spark_statement(statement, temporary_table, timeout)
            with self.profile.around(self.spark, query_id, table_names):
                return self._spark_statement(statement, temporary_table, timeout)
        db = self.database(db_type, connection)
        if db_type == "duckdb":
            return self._duckdb_statement(db, statement, temporary_table)
        return self._server_statement(db, statement, temporary_table, timeout)

    def _spark_statement(
        self, statement: str, temporary_table: str | None, timeout: float | None
    ) -> QueryResult:
        spark = self.spark
        group = f"wmg-{uuid.uuid4().hex}"
        timer = None
        fired = threading.Event()
        if timeout:
            spark.sparkContext.setJobGroup(group, "wmg elt statement", True)

            def cancel() -> None:
                fired.set()
                spark.sparkContext.cancelJobGroup(group)

            timer = threading.Timer(timeout, cancel)
            timer.start()
        try:
            frame = spark.sql(statement)
            if temporary_table:
                frame.createOrReplaceTempView(temporary_table)
                return QueryResult(temporary_table, 0, OK, result_object=frame)
            rows = [tuple(r) for r in frame.collect()]
            return QueryResult(rows, len(rows), OK, result_object=frame)
        except Exception as e:
            if fired.is_set():
                raise ELTJobError(f"cancelled after {timeout} s", TIMEOUT) from e
            raise
        finally:
            if timer is not None:
                timer.cancel()
                spark.sparkContext.setLocalProperty("spark.jobGroup.id", None)

    def _duckdb_statement(
        self, db: Any, statement: str, temporary_table: str | None
    ) -> QueryResult:
        from wmg_resources.warehouse.dialect import quote

        if temporary_table and _returns_rows(statement):
            db.con.execute(
                f"CREATE OR REPLACE VIEW {quote(temporary_table, 'duckdb')} AS {statement}"
            ).fetchall()
            return QueryResult(temporary_table, 0, OK)
        cursor = db.con.execute(statement)
        rows = cursor.fetchall()
        if cursor.description is None:
            return QueryResult(0, 0, OK)
        names = [d[0] for d in cursor.description]
        if names == ["Count"] and not _returns_rows(statement):  # DML's row count
            count = int(rows[0][0]) if rows else 0
            return QueryResult(count, count, OK)
        return QueryResult(rows, len(rows), OK)

    def _server_statement(
        self, db: Any, statement: str, temporary_table: str | None, timeout: float | None
    ) -> QueryResult:
        with db.conn.cursor() as cur:
            if timeout:
                cur.execute(f"SET statement_timeout = {int(timeout * 1000)}")
            try:
                cur.execute(statement)
                if cur.description is None:
                    return QueryResult(cur.rowcount, max(cur.rowcount, 0), OK)
                names = [d[0] for d in cur.description]
                if temporary_table:
                    count = self._into_duckdb(cur, names, temporary_table)
                    return QueryResult(temporary_table, count, OK)
                rows = [tuple(r) for r in cur.fetchall()]
                return QueryResult(rows, len(rows), OK)
            finally:
                if timeout:
                    cur.execute("SET statement_timeout = 0")

    def _into_duckdb(self, cur: Any, names: list[str], table: str) -> int:
        """A server query's rows into a DuckDB table, `FETCH_ROWS` at a time."""
        from wmg_resources.warehouse.dialect import quote

        con, count, first = self.duckdb.con, 0, True
        name = quote(table, "duckdb")
        while rows := cur.fetchmany(FETCH_ROWS):
            batch = pa.Table.from_pylist([dict(zip(names, r, strict=True)) for r in rows])
            con.register("wmg_elt_batch", batch)
            try:
                if first:
                    con.execute(
                        f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM wmg_elt_batch"
                    ).fetchall()
                else:
                    con.execute(f"INSERT INTO {name} SELECT * FROM wmg_elt_batch").fetchall()
            finally:
                con.unregister("wmg_elt_batch")
            count, first = count + len(rows), False
        if first:  # no rows: the table with the query's columns, as text
            columns = ", ".join(f"{quote(n, 'duckdb')} VARCHAR" for n in names)
            con.execute(f"CREATE OR REPLACE TABLE {name} ({columns})").fetchall()
        return count


def _returns_rows(statement: str) -> bool:
    head = statement.lstrip("( \n\t").split(None, 1)[0].upper() if statement.strip() else ""
    return head in ("SELECT", "WITH", "VALUES", "TABLE", "FROM")
