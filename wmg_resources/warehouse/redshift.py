"""Amazon Redshift through `redshift_connector`.

URL: `redshift://user:password@host:5439/database?iam_role=arn:aws:iam::…:role/…`; other
query options go to `redshift_connector.connect` (e.g. `ssl=false`, `timeout=30`).
Bulk loads are Redshift `COPY … FORMAT AS PARQUET` from the S3 lake with a manifest of the
silver files, so data never passes through this process. The lake must be on S3.
"""

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sqlglot import exp

from wmg_resources.lake import LakeResource
from wmg_resources.warehouse.base import Column, Warehouse, columns_from_catalog
from wmg_resources.warehouse.dialect import column_list, quote


def copy_parquet_sql(table_sql: str, columns: list[str], manifest_uri: str, iam_role: str) -> str:
    """`COPY` of Parquet files listed in a manifest into `table_sql` (a quoted name).

    Redshift's COPY takes no bind parameters, so the two values are rendered as escaped
    SQL string literals; both come from platform configuration, never from data.
    """
    return (
        f"COPY {table_sql} ({column_list(columns, 'redshift')}) "
        f"FROM {exp.Literal.string(manifest_uri).sql('redshift')} "
        f"IAM_ROLE {exp.Literal.string(iam_role).sql('redshift')} "
        "FORMAT AS PARQUET MANIFEST"
    )


def parquet_manifest(uris: list[str], sizes: list[int]) -> bytes:
    """A Redshift COPY manifest; Parquet manifests need each file's content length."""
    entries = [
        {"url": u, "mandatory": True, "meta": {"content_length": s}}
        for u, s in zip(uris, sizes, strict=True)
    ]
    return json.dumps({"entries": entries}).encode()


def _option(value: str) -> str | int | bool:
    """URL query values as the driver wants them: `true`/`false` and integers typed."""
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    return int(value) if value.isdigit() else value


class RedshiftWarehouse(Warehouse):
    dialect = "redshift"
    param = "%s"

    def __init__(self, url: str) -> None:
        import redshift_connector

        parts = urlsplit(url)
        options = {k: _option(v[-1]) for k, v in parse_qs(parts.query).items()}
        self.iam_role = str(options.pop("iam_role", ""))
        self.conn = redshift_connector.connect(
            host=parts.hostname or "localhost",
            port=parts.port or 5439,
            database=parts.path.lstrip("/") or "dev",
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            **options,  # type: ignore[arg-type]
        )
        self.conn.autocommit = True

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        cur = self.conn.cursor()
        try:
            cur.execute(sql, params)
            return cur.rowcount
        finally:
            cur.close()

    def query(self, sql: str, params: Sequence[Any] | None = None) -> tuple[list[str], list[tuple]]:
        cur = self.conn.cursor()
        try:
            cur.execute(sql, params)
            names = [d[0] for d in cur.description or []]
            return names, [tuple(r) for r in cur.fetchall()] if names else []
        finally:
            cur.close()

    def columns(self, schema: str, table: str) -> list[Column] | None:
        return columns_from_catalog(self, schema, table)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.execute("ROLLBACK")
            raise
        self.execute("COMMIT")

    def bulk_load(
        self, table: str, columns: list[str], lake: LakeResource, keys: list[str], scratch: Path
    ) -> int:
        if not lake.is_s3:
            raise ValueError("Redshift loads with COPY from S3: set WMG_LAKE_URL to s3://…")
        if not self.iam_role:
            raise ValueError("Redshift COPY needs ?iam_role=arn:… in WMG_WAREHOUSE_URL")
        sizes = [o.size for k in keys for o in lake.list(k)]
        manifest_key = f"staging/manifests/{table}.manifest"
        lake.put_bytes(parquet_manifest([lake.uri(k) for k in keys], sizes), manifest_key)
        try:
            self.execute(
                copy_parquet_sql(
                    quote(table, self.dialect), columns, lake.uri(manifest_key), self.iam_role
                )
            )
            return int(self.scalar(f"SELECT count(*) FROM {quote(table, self.dialect)}"))
        finally:
            lake.delete(manifest_key)

    def close(self) -> None:
        self.conn.close()
