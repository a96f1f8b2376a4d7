"""Warehouses: one interface, three implementations chosen by URL scheme."""

from urllib.parse import urlsplit

import dagster as dg

from wmg_resources.settings import redact_url
from wmg_resources.warehouse.base import Column, Warehouse


def connect_warehouse(url: str) -> Warehouse:
    """A connection for `duckdb:///path`, `postgresql://…` or `redshift://…`."""
    scheme = urlsplit(url).scheme
    if scheme == "duckdb":
        from wmg_resources.warehouse.duckdb import DuckDBWarehouse

        path = url[len("duckdb://") :]
        return DuckDBWarehouse(":memory:" if path in ("", ":memory:", "/:memory:") else path)
    if scheme in ("postgres", "postgresql"):
        from wmg_resources.warehouse.postgres import PostgresWarehouse

        return PostgresWarehouse(url)
    if scheme == "redshift":
        from wmg_resources.warehouse.redshift import RedshiftWarehouse

        return RedshiftWarehouse(url)
    raise ValueError(
        f"unsupported warehouse URL {redact_url(url)!r}: use duckdb:///…, postgresql://… "
        "or redshift://…"
    )


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse that feeds upsert into; `url` picks DuckDB, PostgreSQL or Redshift."""

    url: str

    def connect(self) -> Warehouse:
        return connect_warehouse(self.url)

    @property
    def kind(self) -> str:
        scheme = urlsplit(self.url).scheme
        return {"postgresql": "postgres"}.get(scheme, scheme)


__all__ = ["Column", "Warehouse", "WarehouseResource", "connect_warehouse"]
