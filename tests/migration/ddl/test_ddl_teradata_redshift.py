"""Teradata and Redshift, which cannot run here: the Teradata extractor on its stand-in
(its SQL, its reading of `SHOW TABLE`, a failing object), Teradata DDL compared with the
Redshift DDL `wmg sql convert` makes of it, and the Redshift catalog reader with its
Redshift-only queries answered by a stand-in and everything else by the real PostgreSQL."""

from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from tests.migration.ddl.stand_ins import RedshiftOnPostgres, TeradataStandIn
from wmg_assets.cli import app
from wmg_assets.migration.schema import catalog
from wmg_assets.migration.schema.compare import compare_schemas, sides_for
from wmg_assets.migration.schema.extract import extract_objects, write_extraction
from wmg_assets.migration.schema.teradata import TABLES_SQL
from wmg_resources.databases import connect_database

runner = CliRunner()

TERADATA = {
    "CUSTOMER": """CREATE MULTISET TABLE SALES.CUSTOMER ,FALLBACK ,
     NO BEFORE JOURNAL,
     NO AFTER JOURNAL,
     CHECKSUM = DEFAULT,
     DEFAULT MERGEBLOCKRATIO
     (
      CUSTOMER_ID INTEGER NOT NULL,
      NAME VARCHAR(100) CHARACTER SET LATIN NOT CASESPECIFIC,
      SEGMENT BYTEINT,
      CREDIT DECIMAL(12,2) DEFAULT 0.00 ,
      SCORE DECIMAL,
      NOTE CHAR(10),
      RATE FLOAT,
      -- a comment ; with a semicolon
      CREATED_TS TIMESTAMP(6) FORMAT 'YYYY-MM-DD HH:MI:SS' DEFAULT CURRENT_TIMESTAMP(6),
      BIRTH DATE FORMAT 'YYYY-MM-DD')
UNIQUE PRIMARY INDEX ( CUSTOMER_ID );""",
    "ORDERS": """CREATE SET TABLE SALES.ORDERS ,NO FALLBACK
     (
      ORDER_ID BIGINT NOT NULL,
      CUSTOMER_ID INTEGER NOT NULL,
      AMOUNT NUMBER(12,2),
      STATUS CHAR(1) DEFAULT 'N' /* 'N'ew */)
PRIMARY INDEX ( CUSTOMER_ID );""",
    "BROKEN": "CREATE TABLE SALES.BROKEN (X INTEGER);",
    "ACCT": """CREATE SET TABLE SALES.ACCT ,NO FALLBACK ,
     NO BEFORE JOURNAL, NO AFTER JOURNAL, CHECKSUM = DEFAULT, DEFAULT MERGEBLOCKRATIO,
     MAP = TD_MAP1
     (
      ACCT_ID DECIMAL(18,0) NOT NULL TITLE 'Account',
      STATUS_CD CHAR(2) CHARACTER SET LATIN UPPERCASE NOT CASESPECIFIC DEFAULT 'AC' COMPRESS 'AC',
      SEQ_NO INTEGER GENERATED ALWAYS AS IDENTITY (START WITH 1 INCREMENT BY 1 NO CYCLE),
      OPEN_DT DATE FORMAT 'YYYY-MM-DD' COMPRESS (DATE '9999-12-31'))
UNIQUE PRIMARY INDEX ACCT_UPI ( ACCT_ID )
PARTITION BY RANGE_N(OPEN_DT BETWEEN DATE '2000-01-01' AND DATE '2030-12-31'
  EACH INTERVAL '1' MONTH , NO RANGE);""",
    "BIG_CUSTOMER": """REPLACE VIEW SALES.BIG_CUSTOMER AS LOCKING ROW FOR ACCESS
SELECT CUSTOMER_ID, NAME FROM SALES.CUSTOMER WHERE CREDIT > 1000;""",
    "BIG_ORDER": """REPLACE VIEW SALES.BIG_ORDER AS
SELECT O.ORDER_ID, C.NAME FROM SALES.ORDERS O JOIN SALES.BIG_CUSTOMER C
ON C.CUSTOMER_ID = O.CUSTOMER_ID;""",
}


def wmg(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "250"})


def test_teradata_extraction_on_the_stand_in(tmp_path: Path) -> None:
    teradata = TeradataStandIn("SALES", TERADATA, failing={"BROKEN"})
    extraction = extract_objects(
        teradata, "SALES", views=["BIG_ORDER"], tables=["BROKEN"], with_dependencies=True
    )
    names = [o.name for o in extraction.objects]
    assert names == ["CUSTOMER", "ORDERS", "BIG_CUSTOMER", "BIG_ORDER"]
    assert extraction.failures == {
        "sales.broken": "[Error 3807] Object 'SALES.BROKEN' does not exist."
    }
    sent = [sql for sql, _ in teradata.queries]
    assert sent[0] == TABLES_SQL and teradata.queries[0][1] == ["SALES"]
    assert 'SHOW TABLE "SALES"."CUSTOMER"' in sent and 'SHOW VIEW "SALES"."BIG_ORDER"' in sent
    big_order = extraction.objects[-1]
    assert big_order.dependent_objects == ("sales.big_customer", "sales.orders")
    customer = extraction.objects[0].ddl
    assert "\r" not in customer and "a comment" not in customer  # SHOW's rows joined back
    assert "FORMAT 'YYYY-MM-DD HH:MI:SS'" in customer and customer.endswith("( CUSTOMER_ID );")
    write_extraction(extraction, tmp_path)
    tables = (tmp_path / "SALES" / "tables.sql").read_text()
    assert tables.startswith("-- DDL for SALES.CUSTOMER\nCREATE MULTISET TABLE SALES.CUSTOMER")
    assert "'N' )" in tables or "'N')" in tables  # the /* */ comment went, the quote stayed


def _teradata_and_converted(tmp_path: Path) -> tuple[Path, Path]:
    td = tmp_path / "td"
    td.mkdir()
    ddl = {k: v for k, v in TERADATA.items() if k != "BROKEN"}
    (td / "sales.sql").write_text("\n".join(ddl.values()))
    rs = tmp_path / "rs"
    converted = wmg("sql", "convert", str(td), "--target", "redshift", "--out", str(rs))
    assert converted.exit_code == 0, converted.output
    return td, rs


def _compare(td: Path, rs: Path):
    return wmg("ddl", "compare", str(td), str(rs), "--schema", "SALES",
               "--source-dialect", "teradata", "--target-dialect", "redshift")  # fmt: skip


def test_teradata_ddl_matches_the_redshift_ddl_converted_from_it(tmp_path: Path) -> None:
    td, rs = _teradata_and_converted(tmp_path)
    same = _compare(td, rs)
    assert same.exit_code == 0, same.output  # BYTEINT → SMALLINT, FLOAT → DOUBLE PRECISION, …
    assert "Matched: 5 object(s)" in same.output

    converted = rs / "sales.sql"
    text = converted.read_text()
    assert "segment SMALLINT, " in text and "note CHAR(10), " in text
    converted.write_text(
        text.replace("note CHAR(10), ", "").replace("segment SMALLINT", "segment INTEGER")
    )
    differs = _compare(td, rs)
    assert differs.exit_code == 1
    assert "Missing in Redshift" in differs.output
    assert "Mismatch in data_type: TD(SMALLINT) != RS(INT)" in differs.output


@pytest.mark.postgres
def test_the_redshift_reader_runs_on_postgres_but_for_its_redshift_only_queries(
    postgres_url: str,
) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            b"CREATE SCHEMA rs; CREATE TABLE rs.event (id bigint PRIMARY KEY, "
            b"at timestamp NOT NULL, kind varchar(20) DEFAULT 'click');"
            b"CREATE VIEW rs.clicks AS SELECT id FROM rs.event WHERE kind = 'click'"
        )
    show = {
        "event": "CREATE TABLE rs.event ( id bigint NOT NULL ENCODE az64, at timestamp NOT NULL, "
        "kind character varying(20) DEFAULT 'click'::character varying, PRIMARY KEY (id) ) "
        "DISTSTYLE KEY DISTKEY(id) SORTKEY(at);",
        "clicks": "CREATE OR REPLACE VIEW rs.clicks AS "
        "SELECT id FROM rs.event WHERE kind = 'click';",
    }
    redshift = RedshiftOnPostgres(
        connect_database(postgres_url), [("event", "id", True, 0), ("event", "at", False, 1)], show
    )
    extraction = extract_objects(redshift, "rs")
    assert [o.ddl for o in extraction.objects] == [show["event"], show["clicks"]]
    assert redshift.redshift_only == [
        catalog.REDSHIFT_STORAGE_SQL.format(p="%s"),
        'SHOW TABLE "rs"."event"',
        'SHOW VIEW "rs"."clicks"',
    ]
    live = extraction.schemas["rs"]
    event = live.tables["event"]
    assert (event.dist_key, event.sort_keys) == ("id", ("at",))
    assert event.column("kind").type.sql() == "VARCHAR(20)"  # type: ignore[union-attr]
    from wmg_assets.migration.schema.ddl_text import schemas_from_ddl

    from_show = schemas_from_ddl(show["event"], "redshift", "rs")["rs"]
    comparison = compare_schemas(from_show, live.only(None, []), sides_for("files", "redshift"))
    assert comparison.differences == []
    assert sides_for("files", "redshift")[1].short == "RS"
