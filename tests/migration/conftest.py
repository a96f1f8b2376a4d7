"""Fixtures of the migration tests: the test PostgreSQL server as Redshift."""

import psycopg
import pytest

from tests.migration import targets


@pytest.fixture(scope="module")
def redshift_on_postgres(postgres_server: str):
    """A connection with the thin Redshift layer of `targets.py` first on the search path."""
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(targets.REDSHIFT_LAYER.encode())
        conn.execute(b"SET search_path = redshift_compat, pg_catalog, public")
        yield conn
