"""The executor layer on the real engines: `execute_query`'s error codes for their causes on
PostgreSQL, Spark and DuckDB (raised, or returned with `handle_errors=True`), statements split
outside quotes and comments, results into temporary tables, and every file format written and
read back on DuckDB and on Spark."""

import datetime as dt
from pathlib import Path

import pytest

from wmg_assets.migration.elt.executor import (
    INVALID_SQL,
    OK,
    TABLE_NOT_FOUND,
    TIMEOUT,
    ELTJobError,
    Executor,
    QueryResult,
)

CAUSES = {
    "postgresql": [
        ("SELEC 1", INVALID_SQL),
        ("SELECT * FROM no_such_table", TABLE_NOT_FOUND),
        ("SELECT pg_sleep(5)", TIMEOUT),
    ],
    "spark": [
        ("SELEC 1", INVALID_SQL),
        ("SELECT * FROM no_such_table", TABLE_NOT_FOUND),
        ("SELECT sum(a.id * b.id) FROM range(200000) a CROSS JOIN range(200000) b", TIMEOUT),
    ],
    "duckdb": [("SELEC 1", INVALID_SQL), ("SELECT * FROM no_such_table", TABLE_NOT_FOUND)],
}


@pytest.mark.postgres
@pytest.mark.parametrize("db_type", ["postgresql", "spark", "duckdb"])
def test_each_error_code_for_its_cause(db_type: str, executor: Executor, postgres_url: str) -> None:
    executor.connections["pg"] = postgres_url
    for sql, code in CAUSES[db_type]:
        timeout = 1.0 if code == TIMEOUT else None
        returned = executor.execute_query(
            sql, db_type=db_type, handle_errors=True, timeout_seconds=timeout
        )
        assert isinstance(returned, QueryResult)
        assert (returned.error_code, bool(returned.error_message)) == (code, True), sql
        if code == TIMEOUT:  # the raising path is the same code: cancel once, not twice
            continue
        with pytest.raises(ELTJobError) as raised:
            executor.execute_query(sql, db_type=db_type, timeout_seconds=timeout)
        assert raised.value.code == code
    ok = executor.execute_query("SELECT 1 AS one", db_type=db_type)
    assert isinstance(ok, QueryResult) and (ok.error_code, ok.result) == (OK, [(1,)])


@pytest.mark.postgres
def test_statements_split_outside_quotes_and_rows_into_a_temporary_table(
    executor: Executor, postgres_url: str
) -> None:
    executor.connections["pg"] = postgres_url
    script = """-- a comment; with a semicolon
        CREATE TABLE t (id INT, note TEXT);  /* another; one */
        INSERT INTO t VALUES (1, 'a;b'), (2, '-- not a comment');
        INSERT INTO t VALUES (3, NULL)"""
    results = executor.execute_query(script, db_type="postgresql")
    assert isinstance(results, list) and [r.result_count for r in results] == [0, 2, 1]
    into = executor.execute_query(
        "SELECT id, note FROM t", db_type="postgresql", temporary_table="from_pg"
    )
    assert isinstance(into, QueryResult) and into.result_count == 3
    local = executor.execute_query("SELECT id, note FROM from_pg ORDER BY id", db_type="duckdb")
    assert isinstance(local, QueryResult)
    assert local.result == [(1, "a;b"), (2, "-- not a comment"), (3, None)]


ROWS = [
    (1, "alpha", 1.5, dt.date(2026, 1, 2)),
    (2, "b,eta", None, dt.date(2026, 2, 3)),
    (3, "", 3.25, None),
]
SETUP = (
    "CREATE OR REPLACE TABLE src AS SELECT * FROM (VALUES "
    "(1, 'alpha', CAST(1.5 AS DOUBLE), DATE '2026-01-02'), (2, 'b,eta', NULL, DATE '2026-02-03'),"
    " (3, '', 3.25, NULL)) AS v(id, name, score, day)"
)
WIDTHS = {"schema": [["id", 4], ["name", 8]]}


def _text_rows(rows: list[tuple]) -> list[tuple]:
    return sorted(tuple(None if v in (None, "") else str(v) for v in r) for r in rows)


@pytest.mark.parametrize("kind", ["csv", "parquet", "json", "text", "excel", "xml", "fixed_width"])
@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_each_file_format_round_trips(
    kind: str, engine: str, executor: Executor, tmp_path: Path
) -> None:
    executor.execute_query(SETUP, db_type="duckdb")
    path = str(tmp_path / f"out.{'xlsx' if kind == 'excel' else kind}")
    options = dict(WIDTHS) if kind == "fixed_width" else {}
    source = "src"
    if engine == "spark":
        frame = executor.spark.createDataFrame(ROWS, "id INT, name STRING, score DOUBLE, day DATE")
        frame.createOrReplaceTempView("src")
    writer = "duckdb" if kind == "excel" else engine  # Spark has no Excel writer
    written = executor.write_file(kind, path, source, options, engine=writer)
    assert written == 3
    with pytest.raises(ELTJobError, match="already exists"):  # the seed's default mode: error
        executor.write_file(kind, path, source, options, engine=writer)
    assert executor.read_file(kind, path, "back", options, engine=engine) == 3
    sql = "SELECT * FROM back"
    rows = executor.execute_query(sql, db_type=engine).result  # type: ignore[union-attr]
    if kind == "text":
        assert sorted(str(r[0]) for r in rows) == ["1", "2", "3"]  # the first column, a line each
    elif kind == "fixed_width":
        assert _text_rows(rows) == [("1", "alpha"), ("2", "b,eta"), ("3", None)]
    else:
        names = ["id", "name", "score", "day"]
        found = executor.execute_query(f"SELECT {', '.join(names)} FROM back", db_type=engine)
        got = _text_rows(found.result)  # type: ignore[union-attr]
        want = _text_rows(ROWS)
        assert [g[:3] for g in got] == [w[:3] for w in want]
        assert [(g[3] or "")[:10] for g in got] == [(w[3] or "")[:10] for w in want]


def test_overwrite_and_append_modes(executor: Executor, tmp_path: Path) -> None:
    executor.execute_query(SETUP, db_type="duckdb")
    path = str(tmp_path / "o.csv")
    executor.write_file("csv", path, "src")
    executor.write_file("csv", path, "src", {"mode": "append"})
    assert executor.read_file("csv", path, "twice") == 6
    executor.write_file("csv", path, "src", {"mode": "overwrite"})
    assert executor.read_file("csv", path, "once") == 3
    with pytest.raises(ELTJobError, match=r"fixed_width needs options\.schema"):
        executor.read_file("fwf", path, "x")
    with pytest.raises(ELTJobError, match="file type 'avro'"):
        executor.read_file("avro", path, "x")


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_write_single_file_appends_to_one_file(
    engine: str, executor: Executor, tmp_path: Path
) -> None:
    executor.execute_query(SETUP, db_type="duckdb")
    if engine == "spark":
        executor.spark.createDataFrame(
            ROWS, "id INT, name STRING, score DOUBLE, day DATE"
        ).createOrReplaceTempView("src")
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "single.csv"
    assert executor.write_single_file("csv", str(path), "src", engine=engine) == 3
    assert executor.write_single_file("csv", str(path), "src", engine=engine) == 3  # appended
    lines = path.read_text().splitlines()
    assert lines[0] == "id,name,score,day" and len(lines) == 7  # one header, six rows
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["single.csv"]  # no scratch left


@pytest.mark.postgres
def test_redshift_unload_and_save_use_the_warehouse_sql(
    executor: Executor, postgres_url: str, moto_endpoint: str, s3_bucket: str
) -> None:
    import boto3

    from tests.migration.ddl.stand_ins import RedshiftOnPostgres
    from wmg_resources.databases import connect_database

    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    redshift = RedshiftOnPostgres(connect_database(postgres_url), [], {}, s3=s3)
    executor.connections["rs"] = "redshift://stand-in"  # FAKE: the stand-in below answers
    executor._open["rs"] = redshift
    redshift.execute(
        "CREATE TABLE public.scores (id INT, name TEXT, score DOUBLE PRECISION, day DATE)"
    )
    redshift.execute("INSERT INTO public.scores VALUES (0, 'old', 0, NULL)")
    executor.execute_query(SETUP, db_type="duckdb")
    rows = executor.save_to_redshift(
        "src", "public.scores", f"s3://{s3_bucket}/stage", connection="rs", mode="overwrite", s3=s3
    )
    assert rows == 3
    [copy] = [q for q in redshift.redshift_only if q.startswith("COPY")]
    assert copy.startswith('COPY "public"."scores" ("id", "name", "score", "day") FROM ')
    assert redshift.query("SELECT count(*), sum(id) FROM public.scores")[1] == [(3, 6)]
    assert s3.list_objects_v2(Bucket=s3_bucket, Prefix="stage/").get("KeyCount", 0) == 0
    executor.unload_from_redshift(
        "SELECT id FROM public.scores WHERE name = 'alpha'",
        f"s3://{s3_bucket}/unloaded",
        connection="rs",
    )
    [unload] = [q for q in redshift.redshift_only if q.startswith("UNLOAD")]
    assert unload.startswith(
        "UNLOAD ('SELECT id FROM public.scores WHERE name = \\'alpha\\'') "
        f"TO 's3://{s3_bucket}/unloaded/part_' IAM_ROLE "
    )
    assert s3.list_objects_v2(Bucket=s3_bucket, Prefix="unloaded/")["KeyCount"] == 1
