"""SQL generation: quoting, DDL and merge statements for each dialect, and the warehouse
catalog on real DuckDB and PostgreSQL."""

import pyarrow as pa
import pytest
import sqlglot

from wmg_resources.settings import redact_url
from wmg_resources.warehouse import connect_warehouse
from wmg_resources.warehouse.base import Column, normalize_type
from wmg_resources.warehouse.dialect import logical_type, quote, render_type, varchar_length_for
from wmg_resources.warehouse.merge import dedupe_sql
from wmg_resources.warehouse.redshift import copy_parquet_sql, parquet_manifest


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "redshift"])
def test_identifiers_are_quoted_and_embedded_quotes_doubled(dialect: str) -> None:
    assert quote('a"; drop table x; --', dialect) == '"a""; drop table x; --"'


def test_varchar_sizing_is_in_bytes_with_margin_and_cap() -> None:
    assert varchar_length_for(None) == 256
    assert varchar_length_for(300) == 310
    assert varchar_length_for(70000) == 65535
    assert render_type("varchar", "postgres") == "TEXT"
    assert render_type("varchar", "redshift") == "VARCHAR(65535)"


def test_dedupe_orders_by_column_then_line() -> None:
    sql = dedupe_sql('"stg"', ["id"], "seen", ["id", "seen"], "redshift")
    assert 'PARTITION BY "id" ORDER BY "seen" DESC NULLS LAST, "_wmg_line" DESC' in sql
    sqlglot.parse_one(sql, read="redshift")


def test_redshift_copy_and_manifest() -> None:
    sql = copy_parquet_sql(
        '"_wmg_stg_1"', ["id", "b"], "s3://b/m.manifest", "arn:aws:iam::1:role/r'x"
    )
    assert sql == (
        'COPY "_wmg_stg_1" ("id", "b") FROM \'s3://b/m.manifest\' '
        "IAM_ROLE 'arn:aws:iam::1:role/r\\'x' FORMAT AS PARQUET MANIFEST"  # Redshift escapes
    )
    assert parquet_manifest(["s3://b/a.parquet"], [10]) == (
        b'{"entries": [{"url": "s3://b/a.parquet", "mandatory": true, '
        b'"meta": {"content_length": 10}}]}'
    )


def test_arrow_types_map_to_logical_types() -> None:
    assert logical_type(pa.int64()) == "bigint"
    assert logical_type(pa.decimal128(38, 18)) == "decimal(38,18)"
    assert logical_type(pa.string()) == "varchar"
    assert logical_type(pa.timestamp("us")) == "timestamp"
    assert normalize_type("numeric", 38, 18) == "decimal(38,18)"
    assert normalize_type("character varying") == "varchar"


@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_catalog_columns_on_real_warehouses(backend: str, request, tmp_path) -> None:
    url = (
        f"duckdb:///{tmp_path}/w.duckdb"
        if backend == "duckdb"
        else request.getfixturevalue("postgres_url")
    )
    with connect_warehouse(url) as wh:
        wh.execute("CREATE SCHEMA s")
        wh.execute('CREATE TABLE s.t (id BIGINT NOT NULL, "n""x" VARCHAR(12), d DECIMAL(38,18))')
        assert wh.columns("s", "t") == [
            Column("id", "bigint", None, False),
            Column('n"x', "varchar", None if backend == "duckdb" else 12, True),
            Column("d", "decimal(38,18)", None, True),
        ]
        assert wh.columns("s", "missing") is None
        wh.execute("INSERT INTO s.t VALUES (" + ", ".join([wh.param] * 3) + ")", [1, "x", "1.5"])
        assert wh.scalar("SELECT d FROM s.t WHERE id = " + wh.param, [1]) == pytest.approx(1.5)


def test_unknown_warehouse_url_is_rejected_without_its_password() -> None:
    with pytest.raises(ValueError) as e:
        connect_warehouse("mysql://u:secret@h/db")
    assert "secret" not in str(e.value) and "mysql://u:***@h/db" in str(e.value)
    assert redact_url("postgresql://u:p@h:5/d") == "postgresql://u:***@h:5/d"
    assert redact_url("duckdb:///x.duckdb") == "duckdb:///x.duckdb"
