"""The conversion engine on a first corpus: each case is Teradata SQL with the rows Teradata
returns for it (from the Teradata documentation of each function, stated per case). The
Redshift output runs on the test PostgreSQL server, the Spark output on local Spark, and
both must return exactly those rows.

PostgreSQL stands in for Redshift through a thin layer, as small as possible, for where
the two differ on the same text:

- `regexp_replace(s, p, r)`: Redshift replaces every match, PostgreSQL only the first;
  the layer's function (schema `redshift_compat`, ahead of `pg_catalog` on the search path)
  passes PostgreSQL's 'g' flag.
"""

from dataclasses import dataclass
from datetime import date

import psycopg
import pytest

from wmg_assets.migration.sql import Severity, convert
from wmg_resources.engine import EngineResource

REDSHIFT_LAYER = """
CREATE SCHEMA IF NOT EXISTS redshift_compat;
CREATE OR REPLACE FUNCTION redshift_compat.regexp_replace(s text, p text, r text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT pg_catalog.regexp_replace(s, p, r, 'g') $$;
"""


@dataclass(frozen=True)
class Case:
    name: str
    teradata: str
    rows: list[tuple]  # what Teradata returns
    why: str  # where the Teradata result comes from


CORPUS = [
    Case("sel_abbreviation", "SEL 1, 'a'", [(1, "a")], "SEL is SELECT (SQL Fundamentals)"),
    Case("zeroifnull", "SELECT ZEROIFNULL(CAST(NULL AS INTEGER)), ZEROIFNULL(5)", [(0, 5)],
         "ZEROIFNULL returns 0 for NULL, else its argument"),
    Case("nullifzero", "SELECT NULLIFZERO(0), NULLIFZERO(3)", [(None, 3)],
         "NULLIFZERO returns NULL for 0, else its argument"),
    Case("numsonly", "SELECT NUMSONLY('+44 (0)20-7946 0958')", [("4402079460958",)],
         "NUMSONLY keeps the digits only (all of them)"),
    Case("oreplace_two_args", "SELECT OREPLACE('a-b-c', '-')", [("abc",)],
         "OREPLACE without a replacement removes every occurrence"),
    Case("oreplace", "SELECT OREPLACE('aXbX', 'X', 'Yz')", [("aYzbYz",)],
         "OREPLACE replaces every occurrence"),
    Case("index", "SELECT INDEX('abc@d', '@'), INDEX('abc', 'z')", [(4, 0)],
         "INDEX is 1-based and 0 when the substring is absent"),
    Case("hash_md5", "SELECT HASH_MD5('abc')", [("900150983cd24fb0d6963f7d28e17f72",)],
         "HASH_MD5 is the lowercase hex MD5 digest"),
    Case("integer_division", "SELECT 7 / 2, -7 / 2, CAST(9 AS INTEGER) / 4", [(3, -3, 2)],
         "INTEGER / INTEGER is an INTEGER, truncated toward zero"),
    Case("avg_of_integers",
         "SELECT AVG(CAST(x AS INTEGER)) FROM (SELECT 1 AS x UNION ALL SELECT 2 AS x) AS t",
         [(1.5,)], "AVG of an INTEGER column is a FLOAT"),
    Case("not_casespecific_equality",
         "SELECT CASE WHEN 'abc' = 'ABC  ' THEN 1 ELSE 0 END", [(1,)],
         "TERA mode: character comparisons are NOT CASESPECIFIC and ignore trailing blanks"),
    Case("not_casespecific_order", "SELECT CASE WHEN 'a' < 'B' THEN 1 ELSE 0 END", [(1,)],
         "TERA mode: 'a' sorts as 'A', before 'B'"),
    Case("not_casespecific_like", "SELECT CASE WHEN 'Smith' LIKE 'sm%' THEN 1 ELSE 0 END",
         [(1,)], "TERA mode: LIKE is not case specific"),
    Case("add_months_month_end",
         "SELECT ADD_MONTHS(DATE '2026-01-31', 1), ADD_MONTHS(DATE '2026-02-28', 1), "
         "ADD_MONTHS(DATE '2024-03-31', -1)",
         [(date(2026, 2, 28), date(2026, 3, 28), date(2024, 2, 29))],
         "ADD_MONTHS clamps to the month's end, and a month's last day is not kept last"),
    Case("qualify_keeps_the_order",
         "SELECT k, v FROM (SELECT 1 AS k, 'a' AS v UNION ALL SELECT 1, 'b' UNION ALL "
         "SELECT 2, 'c' UNION ALL SELECT 0, 'd') AS t "
         "QUALIFY ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) = 1 ORDER BY k DESC",
         [(2, "c"), (1, "b"), (0, "d")],
         "QUALIFY filters on the window result; the query's ORDER BY orders the result"),
    Case("substr_positions_before_the_string",
         "SELECT SUBSTR('abc', 0, 2), SUBSTR('abc', -1, 1), SUBSTR('abc', 2, 1), SUBSTR('abc', 0)",
         [("a", "", "b", "abc")],
         "SUBSTR counts positions before the first character (ANSI): 0 and 1 give 'a'"),
    Case("date_minus_date", "SELECT DATE '2026-03-01' - DATE '2026-01-31'", [(29,)],
         "DATE - DATE is an INTEGER number of days"),
    Case("not_casespecific_in", "SELECT CASE WHEN 'b' IN ('A', 'B') THEN 1 ELSE 0 END", [(1,)],
         "TERA mode: IN compares as = does"),
]  # fmt: skip


@pytest.fixture(scope="module")
def redshift_on_postgres(postgres_server: str):
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(REDSHIFT_LAYER.encode())
        conn.execute(b"SET search_path = redshift_compat, pg_catalog, public")
        yield conn


def _normal(rows: list) -> list[tuple]:
    """Rows as tuples, exact numbers as Python numbers (PostgreSQL returns Decimals)."""
    from decimal import Decimal

    def value(v):
        return (int(v) if v == v.to_integral_value() else float(v)) if isinstance(v, Decimal) else v

    return [tuple(value(v) for v in r) for r in rows]


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_redshift_output_returns_teradatas_rows(case: Case, redshift_on_postgres) -> None:
    conversion = convert(case.teradata, "redshift")
    assert not conversion.errors, conversion.findings
    [statement] = conversion.statements
    assert statement.output is not None
    rows = redshift_on_postgres.execute(statement.output.encode()).fetchall()
    assert _normal(rows) == case.rows, (statement.output, case.why)


@pytest.mark.spark
@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_spark_output_returns_teradatas_rows(case: Case, spark_engine: EngineResource) -> None:
    conversion = convert(case.teradata, "spark")
    assert not conversion.errors, conversion.findings
    [statement] = conversion.statements
    assert statement.output is not None
    session = spark_engine.spark.spark_session  # type: ignore[union-attr]
    rows = [tuple(r) for r in session.sql(statement.output).collect()]
    assert _normal(rows) == case.rows, (statement.output, case.why)


MIXED = """CREATE MULTISET TABLE s.t, NO FALLBACK (id INTEGER NOT NULL, n VARCHAR(10)
  CHARACTER SET LATIN) PRIMARY INDEX (id);
SEL ZEROIFNULL(n) FROM s.t;
HELP TABLE s.t;
SELECT HASHROW(id) FROM s.t;
SELECT FROM WHERE;
"""


@pytest.mark.parametrize("target", ["redshift", "spark"])
def test_a_mixed_file_converts_what_it_can_and_flags_the_rest(target: str) -> None:
    conversion = convert(MIXED, target)
    assert [s.status for s in conversion.statements] == [
        "converted", "converted", "flagged", "flagged", "flagged"
    ]  # fmt: skip
    assert [(f.code, f.line) for f in conversion.errors] == [
        ("TD-UNSUP-003", 4), ("TD-UNSUP-002", 5), ("TD-PARSE-001", 6)
    ]  # fmt: skip
    assert "HASHROW" in conversion.errors[1].message
    # Nothing Teradata-only is left in the runnable output: flagged statements are comments.
    runnable = "\n".join(x for x in conversion.output.splitlines() if not x.startswith("--"))
    for word in ("MULTISET", "FALLBACK", "PRIMARY INDEX", "CHARACTER SET", "HELP", "HASHROW"):
        assert word not in runnable.upper()
    infos = {f.message for f in conversion.findings if f.severity == Severity.INFO}
    assert f"dropped MULTISET: it has no effect on {target}" in infos


def test_converted_ddl_creates_the_table_on_postgres(redshift_on_postgres) -> None:
    [ddl, _, *_] = convert(MIXED, "redshift").statements
    assert ddl.output is not None
    redshift_on_postgres.execute(b"CREATE SCHEMA IF NOT EXISTS s")
    redshift_on_postgres.execute(ddl.output.encode())
    columns = redshift_on_postgres.execute(
        b"SELECT column_name, data_type, character_maximum_length, is_nullable "
        b"FROM information_schema.columns WHERE table_schema = 's' AND table_name = 't' "
        b"ORDER BY ordinal_position"
    ).fetchall()
    assert _normal(columns) == [
        ("id", "integer", None, "NO"),
        ("n", "character varying", 10, "YES"),
    ]


def test_types_of_created_columns_drive_the_rewrites() -> None:
    script = "CREATE TABLE s.t (i INTEGER, d DECIMAL(10,2));\nSELECT i / 2, d / 2, AVG(i) FROM s.t;"
    spark = convert(script, "spark").statements[1]
    assert spark.output == "SELECT i DIV 2, CAST((d / 2) AS DECIMAL(38, 2)), AVG(i) FROM s.t"
    redshift = convert(script, "redshift").statements[1]
    assert redshift.output == (
        "SELECT i / 2, CAST((d / 2) AS DECIMAL(38, 2)), AVG(CAST(i AS DOUBLE PRECISION)) FROM s.t"
    )


def test_unknown_operand_types_are_decided_at_run_time_or_warned() -> None:
    """Spark decides an integer division of unknown operands from their actual types when the
    query runs; Redshift has no such test for AVG, so a warning names the difference."""
    [spark] = convert("SELECT x / 2 FROM t", "spark").statements
    assert spark.output == (
        "SELECT CASE WHEN TYPEOF(x) IN ('tinyint', 'smallint', 'int', 'bigint') "
        "THEN x DIV 2 ELSE x / 2 END FROM t"
    )
    [redshift] = convert("SELECT AVG(x) FROM t", "redshift").statements
    assert [f.code for f in redshift.findings] == ["TD-TYPE-002"]
    assert redshift.status == "converted_with_warnings"


def test_redshift_never_gets_its_own_add_months() -> None:
    """Redshift's ADD_MONTHS keeps a month's last day last (2026-02-28 + 1 → 2026-03-31),
    Teradata's does not: its output must not use it, whatever the argument."""
    for months in ("1", "n", "-2"):
        [statement] = convert(f"SELECT ADD_MONTHS(d, {months}) FROM t", "redshift").statements
        assert statement.output is not None and "ADD_MONTHS" not in statement.output.upper()


@pytest.mark.parametrize(
    ("teradata", "code"),
    [
        ("SELECT TOP 2 WITH TIES a FROM t ORDER BY a", "TD-UNSUP-001"),
        ("SELECT TOP 10 PERCENT a FROM t ORDER BY a", "TD-UNSUP-001"),
        ("SELECT n (FORMAT 'ZZ9.99') FROM t", "TD-UNSUP-005"),
        ("SELECT 'a' || 1", "TD-UNSUP-006"),
        ("SELECT a FROM t WHERE b (NOT CASESPECIFIC) = 'X'", "TD-UNSUP-002"),
        ("SELECT HASHROW(a) FROM t", "TD-UNSUP-002"),
        ("HELP TABLE t", "TD-UNSUP-003"),
    ],
)
@pytest.mark.parametrize("target", ["redshift", "spark"])
def test_constructs_without_an_equivalent_are_flagged(
    teradata: str, code: str, target: str
) -> None:
    [statement] = convert(teradata, target).statements
    assert statement.output is None and statement.status == "flagged"
    assert [f.code for f in statement.findings if f.severity == Severity.ERROR] == [code]
