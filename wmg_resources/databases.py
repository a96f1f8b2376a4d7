"""Connections to *source* databases by URL, for DDL extraction and data migration:
`postgresql://…`, `redshift://…`, `duckdb:///path` (the warehouse connections, reused),
`teradata://user:password@host/database` (the `teradatasql` driver, installed with
`pip install wmg-platform[teradata]`), `spark://local` or `sc://host:port` (Spark SQL, a
DDL validation target), and `secret://<name>`: a Secrets Manager secret
holding `engine`, `host`, `port`, `username`, `password` and `dbname` (the RDS / Redshift
secret layout; optionally `options`, the URL's query, e.g. a Redshift `iam_role`), so no
password is written in a config file.

Every connection answers `query(sql, params)` → `(column names, rows)`, `execute`,
`create_if_missing(sql)` (a `CREATE … IF NOT EXISTS` other sessions may race),
`transaction()` and `close()`, and says its `dialect` and parameter marker (`param`).
"""

import importlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar
from urllib.parse import quote, unquote, urlencode, urlsplit

from wmg_resources.settings import redact_url

ENGINES = {"postgres": "postgresql", "postgresql": "postgresql", "redshift": "redshift",
           "teradata": "teradata", "duckdb": "duckdb"}  # fmt: skip


class TeradataDatabase:
    """A Teradata session through `teradatasql` (Teradata's own DB-API driver)."""

    dialect: ClassVar[str] = "teradata"
    param: ClassVar[str] = "?"

    def __init__(self, connection: Any) -> None:
        self.conn = connection

    @classmethod
    def from_url(cls, url: str) -> "TeradataDatabase":
        parts = urlsplit(url)
        try:
            driver = importlib.import_module("teradatasql")
        except ImportError as e:
            raise RuntimeError(
                "teradata:// needs the teradatasql driver: pip install 'wmg-platform[teradata]'"
            ) from e
        params = {"host": parts.hostname, "user": unquote(parts.username or ""),
                  "password": unquote(parts.password or "")}  # fmt: skip
        if parts.port:
            params["dbs_port"] = str(parts.port)
        if parts.path.strip("/"):
            params["database"] = parts.path.strip("/")
        return cls(driver.connect(**params))

    def query(self, sql: str, params: Sequence[Any] | None = None) -> tuple[list[str], list[tuple]]:
        with self.conn.cursor() as cur:
            cur.execute(sql, list(params or []))
            names = [d[0] for d in cur.description or []]
            return names, [tuple(r) for r in cur.fetchall()] if names else []

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        with self.conn.cursor() as cur:
            cur.execute(sql, list(params or []))
            return cur.rowcount

    def create_if_missing(self, sql: str) -> None:
        self.execute(sql)  # Teradata has no IF NOT EXISTS race to guard against

    @contextmanager
    def transaction(self) -> Iterator[None]:
        yield  # teradatasql runs each request in its own implicit transaction

    def close(self) -> None:
        self.conn.close()


class SparkDatabase:
    """Spark SQL as a DDL target: `spark://local` (a local session, the platform's Spark
    settings) or `sc://host:port` (Spark Connect). Spark SQL has no transactions: each
    statement stands alone."""

    dialect: ClassVar[str] = "spark"
    param: ClassVar[str] = "?"

    def __init__(self, session: Any) -> None:
        self.spark = session

    @classmethod
    def from_url(cls, url: str) -> "SparkDatabase":
        from wmg_resources.spark import pyspark_resource

        remote = url if url.startswith("sc://") else None
        return cls(pyspark_resource(remote).spark_session)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> tuple[list[str], list[tuple]]:
        frame = self.spark.sql(sql, args=list(params) if params else None)
        return list(frame.columns), [tuple(r) for r in frame.collect()]

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        self.spark.sql(sql, args=list(params) if params else None).collect()
        return 0

    def create_if_missing(self, sql: str) -> None:
        self.execute(sql)  # the catalog's own IF NOT EXISTS; no transaction to keep

    @contextmanager
    def transaction(self) -> Iterator[None]:
        yield

    def close(self) -> None:
        pass  # the session is shared by the process


def secret_url(name: str, client: Any | None = None) -> str:
    """The database URL a Secrets Manager secret describes (module docstring)."""
    if client is None:
        import boto3

        from wmg_resources.settings import load_settings

        client = boto3.client("secretsmanager", endpoint_url=load_settings().aws_endpoint)
    secret = json.loads(client.get_secret_value(SecretId=name)["SecretString"])
    engine = ENGINES.get(str(secret.get("engine", "postgresql")).lower())
    if engine is None:
        raise ValueError(f"secret {name!r}: engine {secret.get('engine')!r} is not supported")
    user = quote(str(secret.get("username", "")), safe="")
    password = quote(str(secret.get("password", "")), safe="")
    port = f":{secret['port']}" if secret.get("port") else ""
    database = secret.get("dbname") or secret.get("database") or ""
    options = secret.get("options") or {}
    query = ("?" + urlencode({k: str(v) for k, v in options.items()})) if options else ""
    return f"{engine}://{user}:{password}@{secret['host']}{port}/{database}{query}"


def connect_database(url: str, secrets_client: Any | None = None):
    """A connection to the database at `url` (module docstring)."""
    scheme = urlsplit(url).scheme
    if scheme == "secret":
        return connect_database(secret_url(url[len("secret://") :], secrets_client))
    if scheme == "teradata":
        return TeradataDatabase.from_url(url)
    if scheme in ("spark", "sc"):
        return SparkDatabase.from_url(url)
    if scheme in ("postgres", "postgresql", "redshift", "duckdb"):
        from wmg_resources.warehouse import connect_warehouse

        return connect_warehouse(url)
    raise ValueError(
        f"unsupported database URL {redact_url(url)!r}: use postgresql://, redshift://, "
        "spark://local, sc://…, "
        "duckdb:///, teradata:// or secret://<Secrets Manager name>"
    )


def is_database_url(text: str) -> bool:
    return urlsplit(text).scheme in (
        "postgres",
        "postgresql",
        "redshift",
        "duckdb",
        "teradata",
        "secret",
        "spark",
        "sc",
    )
