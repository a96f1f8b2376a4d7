"""The shared local Spark session for the ELT tests, left as it was found: the temporary views
a test made are dropped and the cache cleared (other suites create tables like `src`)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from wmg_assets.migration.elt.executor import Executor


@pytest.fixture
def spark_session(spark_engine) -> Iterator:
    session = spark_engine.spark_session
    before = {t.name for t in session.catalog.listTables() if t.isTemporary}
    yield session
    for table in session.catalog.listTables():
        if table.isTemporary and table.name not in before:
            session.catalog.dropTempView(table.name)
    session.catalog.clearCache()


@pytest.fixture
def executor(tmp_path: Path, spark_session) -> Iterator[Executor]:
    """An executor on a DuckDB file of the test and the shared Spark session."""
    ex = Executor(duckdb_url=f"duckdb:///{tmp_path / 'elt.duckdb'}", spark=lambda: spark_session)
    yield ex
    ex.close()
