"""`wmg ddl validate --target spark://local`: Iceberg (Spark SQL) DDL validated on the
session-wide local Spark, each failure classified from Spark's own message, and the scratch
database dropped. This Spark has no Iceberg runtime (no jar can be fetched here), so an
Iceberg table is checked as a Parquet table and the report says so."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wmg_assets.cli import app
from wmg_resources.engine import EngineResource

pytestmark = pytest.mark.spark

DDL = """CREATE TABLE lake.events (id BIGINT, ts TIMESTAMP, kind STRING) USING iceberg
PARTITIONED BY (kind);
CREATE TABLE lake.plain (id BIGINT) USING parquet;
CREATE TABLE lake.broken (id BIGINT,, x INT) USING iceberg;
CREATE VIEW lake.by_kind AS SELECT kind, count(*) AS n FROM lake.events GROUP BY kind;
CREATE VIEW lake.no_column AS SELECT nope FROM lake.events;
CREATE VIEW lake.no_table AS SELECT id FROM lake.missing;
"""


def test_iceberg_ddl_on_local_spark(spark_engine: EngineResource, tmp_path: Path) -> None:
    spark = spark_engine.spark_session
    (tmp_path / "ddl").mkdir()
    (tmp_path / "ddl" / "lake.sql").write_text(DDL)
    result = CliRunner().invoke(app, ["ddl", "validate", str(tmp_path / "ddl"), "--target",
                                      "spark://local", "--dialect", "spark", "--out",
                                      str(tmp_path / "out")], env={"COLUMNS": "250"})  # fmt: skip
    assert result.exit_code == 1, (result.output, result.exception)
    [report] = (tmp_path / "out").glob("*.json")
    results = json.loads(report.read_text())["results"]
    got = [(r["object_name"], r["validation_status"], r["error_type"]) for r in results]
    assert got == [
        ("lake.events", "Success", ""),
        ("lake.plain", "Success", ""),
        ("lake.broken", "Failed", "Syntax Error"),
        ("lake.by_kind", "Success", ""),
        ("lake.no_column", "Failed", "Column Not Found"),
        ("lake.no_table", "Failed", "Table Not Found"),
    ]
    assert results[0]["note"].startswith("validated as a Parquet table")
    assert results[1]["note"] == "" and results[0]["db_type"] == "spark"
    assert "nope" in results[4]["error"]
    databases = {r[0] for r in spark.sql("SHOW DATABASES").collect()}
    assert not any(d.startswith("wmg_validate") for d in databases) and "lake" not in databases
