"""Warehouses: one interface, three implementations chosen by URL scheme."""

import logging
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

import dagster as dg
import tenacity

from wmg_resources.errors import InputError
from wmg_resources.settings import DUCKDB_MEMORY_LIMIT, redact_url
from wmg_resources.warehouse.base import Column, Warehouse
from wmg_resources.warehouse.ledger import AlreadyLoaded

log = logging.getLogger(__name__)
T = TypeVar("T")

IDENTIFIER_LIMITS = {"postgres": 63, "redshift": 127}
"""Bytes of an identifier past which the warehouse truncates it (PostgreSQL NAMEDATALEN-1)."""


def connect_warehouse(
    url: str, duckdb_memory_limit: str = DUCKDB_MEMORY_LIMIT, lock_wait_seconds: float = 120.0
) -> Warehouse:
    """A connection for `duckdb:///path`, `postgresql://…` or `redshift://…`.

    A DuckDB file held by another process is waited for up to `lock_wait_seconds`."""
    scheme = urlsplit(url).scheme
    if scheme == "duckdb":
        from wmg_resources.warehouse.duckdb import DuckDBWarehouse

        path = url[len("duckdb://") :]
        return DuckDBWarehouse(
            ":memory:" if path in ("", ":memory:", "/:memory:") else path,
            memory_limit=duckdb_memory_limit,
            lock_wait_seconds=lock_wait_seconds,
        )
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
    """The warehouse that feeds upsert into; `url` picks DuckDB, PostgreSQL or Redshift.

    Schema changes and merges that fail for a passing reason (a lock, a dropped
    connection) are tried `retry_attempts` times, `retry_delay_seconds` apart; bad data
    (`InputError`), and a file another run loaded meanwhile (`AlreadyLoaded`), is never
    retried.
    """

    url: str
    audit_schema: str = "wmg"
    retry_attempts: int = 3
    retry_delay_seconds: float = 300.0
    duckdb_memory_limit: str = DUCKDB_MEMORY_LIMIT

    def connect(self, lock_wait_seconds: float = 120.0) -> Warehouse:
        """A new connection; a local DuckDB file busy in another process is waited for up
        to `lock_wait_seconds`."""
        return connect_warehouse(self.url, self.duckdb_memory_limit, lock_wait_seconds)

    def retry(self, fn: Callable[[], T]) -> T:
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(max(1, self.retry_attempts)),
            wait=tenacity.wait_fixed(self.retry_delay_seconds),
            retry=tenacity.retry_if_not_exception_type((InputError, AlreadyLoaded)),
            before_sleep=lambda state: log.warning(
                "warehouse step failed (attempt %d of %d), retrying in %.0f s: %s",
                state.attempt_number, self.retry_attempts, self.retry_delay_seconds,
                state.outcome.exception() if state.outcome else "",
            ),
            reraise=True,
        )  # fmt: skip
        return retrying(fn)

    @property
    def identifier_limit(self) -> int | None:
        """Longest identifier the warehouse keeps, in bytes (None: no practical limit)."""
        return IDENTIFIER_LIMITS.get(self.kind)

    @property
    def kind(self) -> str:
        scheme = urlsplit(self.url).scheme
        return {"postgresql": "postgres"}.get(scheme, scheme)


__all__ = ["Column", "Warehouse", "WarehouseResource", "connect_warehouse"]
