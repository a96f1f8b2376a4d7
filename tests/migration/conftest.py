"""Fixtures of the migration tests: the test PostgreSQL server as Redshift; two fresh
PostgreSQL databases and two DuckDB files, the sources holding `SOURCE_SQL`."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.migration import targets
from wmg_resources.databases import connect_database

SOURCE_SQL = [
    "CREATE SCHEMA app",
    "CREATE TABLE app.events (id BIGINT PRIMARY KEY, ts TIMESTAMP NOT NULL, kind VARCHAR(10), "
    "note VARCHAR(50))",
    "INSERT INTO app.events SELECT i, TIMESTAMP '2026-01-01' + (i / 10) * INTERVAL '1 hour', "
    "CASE WHEN i % 3 = 0 THEN 'click' ELSE 'view' END, CASE WHEN i % 5 = 0 THEN NULL "
    "WHEN i % 7 = 0 THEN '' ELSE 'n' || CAST(i AS VARCHAR) END FROM generate_series(1, 1000) "
    "AS g(i)",
    "CREATE TABLE app.customers (id INT PRIMARY KEY, name VARCHAR(40), credit DECIMAL(12,2), "
    "active BOOLEAN)",
    "INSERT INTO app.customers SELECT i, 'c' || CAST(i AS VARCHAR), CAST(i AS DECIMAL(12,2)) / 4, "
    "i % 2 = 0 FROM generate_series(1, 300) AS g(i)",
]


@pytest.fixture(scope="module")
def redshift_on_postgres(postgres_server: str):
    """A connection with the thin Redshift layer of `targets.py` first on the search path."""
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(targets.REDSHIFT_LAYER.encode())
        conn.execute(b"SET search_path = redshift_compat, pg_catalog, public")
        yield conn


@pytest.fixture
def urls(postgres_server: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    names = [f"mig_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"'.encode())
    base = postgres_server.rsplit("/", 1)[0]
    found = {
        "pg_source": f"{base}/{names[0]}",
        "pg_target": f"{base}/{names[1]}",
        "duck_source": f"duckdb:///{tmp_path / 'source.duckdb'}",
        "duck_target": f"duckdb:///{tmp_path / 'target.duckdb'}",
    }
    for url in (found["pg_source"], found["duck_source"]):
        db = connect_database(url)
        for sql in SOURCE_SQL:
            db.execute(sql)
        db.close()
    yield found
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


def rows_of(url: str, sql: str) -> list[tuple]:
    """The rows of one query on the database at `url`."""
    db = connect_database(url)
    try:
        return db.query(sql)[1]
    finally:
        db.close()
