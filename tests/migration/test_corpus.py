"""The corpus (`corpus.py`) through the converter and on the targets' engines (`targets.py`):
each case converts and returns Teradata's rows, declares Teradata's columns, or is flagged.
A conversion that claims success and returns other rows fails its case."""

import re

import pytest

from tests.migration import targets
from tests.migration.corpus import COLUMNS, FLAGGED, ROWS, Columns, Flagged, Rows
from wmg_assets.migration.sql import Severity, convert
from wmg_resources.engine import EngineResource

TARGETS = ["redshift", "spark"]


def _converted(case: Rows | Columns, target: str) -> list[str] | None:
    """The runnable statements, or None when the case expects the target to flag it."""
    conversion = convert(case.teradata, target)
    if target in case.flagged_on:
        assert case.flagged_on[target] in [f.code for f in conversion.errors], conversion.findings
        return None
    assert not conversion.errors, conversion.findings
    return targets.runnable(conversion)


@pytest.mark.parametrize("case", ROWS, ids=[c.name for c in ROWS])
def test_redshift_returns_teradatas_rows(case: Rows, redshift_on_postgres) -> None:
    statements = _converted(case, "redshift")
    if statements is not None:
        rows = targets.run_on_postgres(redshift_on_postgres, case.teradata, statements)
        assert targets.normal(rows) == case.rows, (statements, case.why)


@pytest.mark.spark
@pytest.mark.parametrize("case", ROWS, ids=[c.name for c in ROWS])
def test_spark_returns_teradatas_rows(case: Rows, spark_engine: EngineResource) -> None:
    statements = _converted(case, "spark")
    if statements is not None:
        session = spark_engine.spark_session
        rows = targets.run_on_spark(session, case.teradata, statements)
        assert targets.normal(rows) == case.rows, (statements, case.why)


@pytest.mark.parametrize("case", COLUMNS, ids=[c.name for c in COLUMNS])
def test_redshift_ddl_declares_the_columns(case: Columns, redshift_on_postgres) -> None:
    statements = _converted(case, "redshift")
    if statements is not None:
        columns = targets.postgres_columns(redshift_on_postgres, case.teradata, statements)
        assert columns == case.redshift, (statements, case.why)


@pytest.mark.spark
@pytest.mark.parametrize("case", COLUMNS, ids=[c.name for c in COLUMNS])
def test_spark_ddl_declares_the_columns(case: Columns, spark_engine: EngineResource) -> None:
    statements = _converted(case, "spark")
    if statements is not None:
        session = spark_engine.spark_session
        assert targets.spark_columns(session, case.teradata, statements) == case.spark, (
            statements,
            case.why,
        )


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("case", FLAGGED, ids=[c.name for c in FLAGGED])
def test_constructs_without_an_equivalent_are_flagged(case: Flagged, target: str) -> None:
    code = case.code if isinstance(case.code, str) else case.code.get(target)
    conversion = convert(case.teradata, target)
    if code is None:  # flagged on another target only
        return
    assert code in [f.code for f in conversion.errors], (conversion.findings, case.why)
    for finding in conversion.errors:
        assert finding.severity == Severity.ERROR and finding.message and finding.line >= 1
    flagged = [s for s in conversion.statements if s.status == "flagged"]
    assert flagged or conversion.script_findings, conversion.statements  # BTEQ: the script
    runnable = "\n".join(targets.runnable(conversion))
    for statement in flagged:
        assert statement.source.strip() not in runnable


# Each Teradata-only construct of the rules file (§1-5 and the common Teradata it leaves out),
# with a statement using it: no runnable output of the engine may still contain it.
TERADATA_ONLY = {
    r"\bBYTEINT\b": "CREATE TABLE t (a BYTEINT)",
    r"\bMULTISET\b|\bFALLBACK\b|\bJOURNAL\b|\bCHECKSUM\b": "CREATE MULTISET TABLE t, NO "
    "FALLBACK, NO BEFORE JOURNAL, CHECKSUM = DEFAULT (a INTEGER)",
    r"\bSET\s+TABLE\b": "CREATE SET TABLE t (a INTEGER)",
    r"PRIMARY\s+INDEX|\bINDEX\s*\(": "CREATE TABLE t (a INTEGER, b INTEGER) UNIQUE PRIMARY "
    "INDEX (a) INDEX (b)",
    r"\bRANGE_N\b": "CREATE TABLE t (d DATE) PRIMARY INDEX (d) PARTITION BY RANGE_N(d BETWEEN "
    "DATE '2020-01-01' AND DATE '2030-12-31' EACH INTERVAL '1' MONTH)",
    r"CHARACTER\s+SET|CASESPECIFIC|\bTITLE\b|\bCOMPRESS\b|\bFORMAT\b": "CREATE TABLE t (a "
    "VARCHAR(5) CHARACTER SET LATIN NOT CASESPECIFIC TITLE 'A' COMPRESS 'x', d DATE FORMAT "
    "'YYYY-MM-DD')",
    r"\bVOLATILE\b|ON\s+COMMIT": "CREATE VOLATILE TABLE t (a INTEGER) ON COMMIT PRESERVE ROWS",
    r"WITH\s+(NO\s+)?DATA": "CREATE TABLE t2 AS t WITH NO DATA",
    r"GENERATED\s+ALWAYS": "CREATE TABLE t (id INTEGER GENERATED ALWAYS AS IDENTITY (START "
    "WITH 1 INCREMENT BY 1 NO CYCLE))",
    r"\bSEL\b": "SEL a FROM t",
    r"\bINS\b": "INS t (1)",
    r"\bUPD\b": "UPD t SET a = 1",
    r"\bDEL\b": "DEL FROM t ALL",
    r"\bALL\s*$": "DELETE FROM t ALL",
    r"UPDATE\s+\w+\s+FROM": "UPDATE a FROM t a, s b SET v = b.v WHERE a.k = b.k",
    r"\bQUALIFY\b": "SELECT a FROM t QUALIFY ROW_NUMBER() OVER (ORDER BY a) = 1",
    r"\bTOP\b": "SELECT TOP 3 a FROM t ORDER BY a",
    r"\bSAMPLE\b": "SELECT a FROM t SAMPLE 5",
    r"\bZEROIFNULL\b|\bNULLIFZERO\b|\bNUMSONLY\b|\bOREPLACE\b|\bOTRANSLATE\b": "SELECT "
    "ZEROIFNULL(a), NULLIFZERO(a), NUMSONLY(s), OREPLACE(s, 'a', 'b'), OTRANSLATE(s, 'a', 'b') "
    "FROM t",
    r"\bHASH_MD5\b|\bINDEX\b|\bCHARACTERS\b|\bSTRTOK\b": "SELECT HASH_MD5(s), INDEX(s, 'a'), "
    "CHARACTERS(s), STRTOK(s, ',', 2) FROM t",
    r"\bTD_DAY_OF_WEEK\b|\bCSUM\b|\bMSUM\b|\bMAVG\b|\bMDIFF\b": "SELECT TD_DAY_OF_WEEK(d), "
    "CSUM(a, d), MSUM(a, 2, d), MAVG(a, 2, d), MDIFF(a, 1, d) FROM t",
    r"\bMOD\b|\*\*|\bNE\b|\bGT\b": "SELECT a MOD 2, a ** 2 FROM t WHERE a NE 1 AND a GT 0",
    r"\bLOCKING\b": "LOCKING ROW FOR ACCESS SELECT a FROM t",
    r"\bCOLLECT\b": "COLLECT STATISTICS ON t COLUMN (a)",
    r"\bDATABASE\b": "DATABASE sales",
    r"^\s*(BT|ET)\s*$": "BT;\nINSERT INTO t VALUES (1);\nET",
    r"^\s*\.": ".LOGON tdp/u,p;\nSELECT 1;\n.QUIT 0",
    r"\bTO_NUMBER\b|\bTO_TIMESTAMP\b": "SELECT TO_NUMBER(s), TO_TIMESTAMP(s) FROM t",
    r"\bRANDOM\s*\(\s*\d": "SELECT RANDOM(1, 10)",
    r"\(\s*FORMAT\b|AS\s+FORMAT\b": "SELECT CAST(CAST(d AS FORMAT 'YYYYMMDD') AS CHAR(8)), "
    "d (FORMAT 'YYYY-MM-DD') FROM t",
    r"\bLIKE\s+(ANY|ALL)\b": "SELECT a FROM t WHERE s LIKE ANY ('a%', 'b%')",
    r"\bADD_MONTHS\b": "SELECT ADD_MONTHS(d, 1) FROM t",
}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("construct", list(TERADATA_ONLY), ids=list(range(len(TERADATA_ONLY))))
def test_no_output_keeps_a_teradata_only_construct(construct: str, target: str) -> None:
    conversion = convert(TERADATA_ONLY[construct], target)
    output = "\n".join(targets.runnable(conversion))
    if target == "spark" and construct == r"\bADD_MONTHS\b":
        return  # Spark's add_months clamps as Teradata's does (rules/dates.py)
    assert not re.search(construct, output, re.IGNORECASE | re.MULTILINE), output
