"""The framework's UDFs give identical results on DuckDB and Spark, the seed's documented
edge cases included (registered by the executor, called from SQL on each engine)."""

import uuid

import pytest

from wmg_assets.migration.elt import udfs
from wmg_assets.migration.elt.executor import Executor

INSTR = [  # (text, search, start, occurrence) → the seed's answer
    (("1A:2A:3A:4", "A:", 1, 2), 5),  # the seed's example
    (("1A:2A:3A:4", "A:", 1, 1), 2),
    (("1A:2A:3A:4", "A:", 3, 1), 5),
    (("1A:2A:3A:4", "A:", 1, 4), 0),  # not found
    (("", "A", 1, 1), 0),  # empty input
    (("abc", "", 1, 1), 0),  # empty search
    (("abc", "b", 1, 0), 0),  # occurrence < 1
    (("abc", "b", 9, 1), 0),  # start out of range
    (("abc", "b", 0, 1), 0),
    ((None, "b", 1, 1), 0),  # invalid input
    (("aaa", "aa", 1, 2), 2),  # overlapping occurrences count
]
DECIMALS = [
    ("12.5", 12.5),
    (" 7 ", 7.0),
    ("-3.25x", -3.25),
    ("3.5kg", 3.5),
    ("12,34", 12.34),
    ("", 0.0),
    ("abc", 0.0),
    (".5", 0.0),
    ("-", 0.0),
    ("1 000", 1000.0),
    (None, None),
]


def test_the_python_functions_follow_the_seed() -> None:
    assert [udfs.instr(*args) for args, _ in INSTR] == [want for _, want in INSTR]
    assert [udfs.to_decimal_informatica(s) for s, _ in DECIMALS] == [w for _, w in DECIMALS]
    name = f"s_{uuid.uuid4().hex}"
    assert [udfs.sequence(name, 10, 5) for _ in range(3)] == [10, 15, 20]
    udfs.reset_sequence(name, 100)
    assert [udfs.sequence(name, 10, 5) for _ in range(2)] == [100, 105]
    udfs.remove_sequence(name)
    assert udfs.sequence(name, 1, 1) == 1


def _literal(value: object) -> str:
    if value is None:
        return "CAST(NULL AS STRING)"
    return "'" + str(value).replace("'", "''") + "'" if isinstance(value, str) else str(value)


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_identical_results_on_duckdb_and_spark(engine: str, executor: Executor) -> None:
    cast = "VARCHAR" if engine == "duckdb" else "STRING"
    calls = [f"udf_instr({', '.join(_literal(a) for a in args)})" for args, _ in INSTR]
    calls += [f"udf_to_decimal_informatica({_literal(s)})" for s, _ in DECIMALS]
    sql = "SELECT " + ", ".join(calls)
    sql = sql.replace("AS STRING", f"AS {cast}")
    [row] = executor.execute_query(sql, db_type=engine).result  # type: ignore[union-attr]
    assert list(row) == [w for _, w in INSTR] + [w for _, w in DECIMALS]
    name = f"seq_{uuid.uuid4().hex[:8]}"
    source = "range(3) AS t(i)" if engine == "duckdb" else "range(0, 3, 1, 1)"
    seq = executor.execute_query(
        f"SELECT udf_sequence('{name}', 10, 5) AS v FROM {source}", db_type=engine
    )
    assert sorted(r[0] for r in seq.result) == [10, 15, 20]  # type: ignore[union-attr]
