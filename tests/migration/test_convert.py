"""The conversion engine's contract beyond the corpus (`corpus.py`): a mixed file, statuses
and findings, DDL on PostgreSQL, types from the script's own DDL, and flags."""

import pytest

from tests.migration import targets
from wmg_assets.migration.sql import Severity, convert
from wmg_assets.migration.sql.scratch import for_warehouse

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
    assert targets.normal(columns) == [
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


SHOW_TABLE_DDL = """CREATE SET TABLE EDW.ACCT ,NO FALLBACK ,
     NO BEFORE JOURNAL, NO AFTER JOURNAL, CHECKSUM = DEFAULT, DEFAULT MERGEBLOCKRATIO,
     MAP = TD_MAP1
     (
      ACCT_ID INTEGER NOT NULL,
      STATUS_CD CHAR(2) CHARACTER SET LATIN UPPERCASE NOT CASESPECIFIC DEFAULT 'AC',
      KIND_CD BYTEINT,
      OPEN_DT DATE FORMAT 'YYYY-MM-DD')
PRIMARY INDEX ( ACCT_ID )
PARTITION BY (RANGE_N(OPEN_DT BETWEEN DATE '2000-01-01' AND DATE '2030-12-31'
  EACH INTERVAL '1' MONTH, NO RANGE OR UNKNOWN), CASE_N(KIND_CD = 1, NO CASE, UNKNOWN));
"""


@pytest.mark.parametrize("target", ["redshift", "spark"])
def test_what_show_table_writes_converts(target: str) -> None:
    """Teradata 16+'s `MAP = …` option, RANGE_N / CASE_N catch-all partitions, and
    UPPERCASE (dropped with a warning: the target does not upper-case inserted text)."""
    [statement] = convert(SHOW_TABLE_DDL, target).statements
    assert statement.status != "flagged", statement.findings
    assert statement.output is not None
    for word in ("MAP", "RANGE_N", "CASE_N", "UPPERCASE", "NO RANGE"):
        assert word not in statement.output.upper()
    warned = {f.code for f in statement.findings if f.severity == Severity.WARNING}
    assert "TD-DDL-007" in warned


def test_show_table_ddl_runs_on_postgres(redshift_on_postgres) -> None:
    [statement] = convert(SHOW_TABLE_DDL, "redshift").statements
    redshift_on_postgres.execute(b"CREATE SCHEMA IF NOT EXISTS edw")
    assert statement.output is not None and "SORTKEY(acct_id)" in statement.output
    redshift_on_postgres.execute(for_warehouse(statement.output, "postgres").encode())
    assert redshift_on_postgres.execute(
        b"SELECT column_default FROM information_schema.columns WHERE table_schema = 'edw' "
        b"AND table_name = 'acct' AND column_name = 'status_cd'"
    ).fetchone() == ("'AC'::bpchar",)


TEXT_EXTREMES = """CREATE TABLE m1 (a VARCHAR(5));
SELECT MAX(a), MIN(a) FROM m1;"""


def test_min_and_max_of_text_warn_on_redshift_where_they_order_by_character_code() -> None:
    [_, query] = convert(TEXT_EXTREMES, "redshift").statements
    assert query.status == "converted_with_warnings"
    assert [f.code for f in query.findings] == ["TD-TYPE-006", "TD-TYPE-006"]


def test_min_and_max_of_text_compare_folded_on_spark(spark_engine) -> None:
    """Teradata: MAX('a', 'B') is 'B' (not case specific), MIN is 'a'; Spark's own MAX
    would return 'a' (lower case sorts after upper)."""
    statements = targets.runnable(convert(
        TEXT_EXTREMES.replace(";\nSELECT", ";\nINSERT INTO m1 VALUES ('a');\n"
                              "INSERT INTO m1 VALUES ('B');\nSELECT"), "spark"))  # fmt: skip
    session = spark_engine.spark_session
    rows = targets.run_on_spark(session, TEXT_EXTREMES, statements)
    assert rows == [("B", "a")]
