"""The shared local Spark session for the ELT tests, left as it was found: the temporary views
a test made are dropped and the cache cleared (other suites create tables like `src`)."""

from collections.abc import Iterator

import pytest


@pytest.fixture
def spark_session(spark_engine) -> Iterator:
    session = spark_engine.spark.spark_session
    before = {t.name for t in session.catalog.listTables() if t.isTemporary}
    yield session
    for table in session.catalog.listTables():
        if table.isTemporary and table.name not in before:
            session.catalog.dropTempView(table.name)
    session.catalog.clearCache()
