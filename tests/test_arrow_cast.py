"""pyarrow's silver cast (the one-pass path) gives what `to_silver` gives on DuckDB (the
two-pass path) for every value inference accepts, or refuses the batch (the caller then
falls back to DuckDB): never a different value."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wmg_assets.transforms.arrow_cast import (
    ROW_GROUP_ROWS,
    SilverParquetWriter,
    cast_batch,
    silver_schema,
)
from wmg_assets.transforms.inference import _PADDED, DECIMAL, LINE, TypeInference
from wmg_assets.transforms.silver import to_silver
from wmg_resources.engine import EngineResource

RUN = datetime(2026, 12, 6, 10, 30)


def raw_batch(values: list[str]) -> pa.RecordBatch:
    lines = pa.array(range(2, len(values) + 2), pa.int64())
    return pa.record_batch({"c": pa.array(values, pa.string()), LINE: lines})


def inferred(values: list[str]) -> tuple[str, bool]:
    inference = TypeInference(["c"])
    inference.update(raw_batch(values))
    return inference.types()["c"], "c" in inference.padded()


def on_duckdb(engine: EngineResource, batch: pa.RecordBatch, kind: str, padded: bool) -> pa.Array:
    with engine.session() as con:
        con.con.register("raw", pa.Table.from_batches([batch]))  # type: ignore[attr-defined]
        expr = to_silver(con.table("raw"), {"c": kind}, run_date=RUN, file_name="f.csv",
                         padded={"c"} if padded else ())  # fmt: skip
        return expr.to_pyarrow().sort_by(LINE).column("c").combine_chunks()


def on_arrow(batch: pa.RecordBatch, kind: str, padded: bool) -> pa.Array | None:
    try:
        cast = cast_batch(batch, {"c": kind}, run_date=RUN, file_name="f.csv",
                          padded={"c"} if padded else ())  # fmt: skip
    except pa.ArrowInvalid:
        return None
    return cast.column("c")


@pytest.mark.parametrize("kind", ["int64", DECIMAL, "boolean", "date", "timestamp"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])  # fmt: skip
@given(data=st.data())
def test_pyarrow_casts_what_duckdb_casts(duckdb_engine: EngineResource, kind: str, data) -> None:
    values = data.draw(st.lists(st.from_regex(_PADDED[kind], fullmatch=True), min_size=1,
                                max_size=12))  # fmt: skip
    found, padded = inferred(values)
    if found != kind:  # e.g. an integer column, a 29 February of a common year, all blank
        return
    batch = raw_batch(values)
    arrow = on_arrow(batch, kind, padded)
    if arrow is None:
        assert refused_by_pyarrow(kind, values), values
    else:  # compared as Arrow: a day of 1 BC has no Python date
        assert arrow.equals(on_duckdb(duckdb_engine, batch, kind, padded))


def refused_by_pyarrow(kind: str, values: list[str]) -> bool:
    """The one kind of value pyarrow is known to refuse: a decimal whose digits, trailing
    zeros included, are more than 38 (exact in DECIMAL(38,18) once the zeros go)."""
    return kind == DECIMAL and any(sum(ch.isdigit() for ch in v) > 38 for v in values)


@pytest.mark.parametrize(
    ("kind", "values", "expected"),
    [
        ("int64", ["+5", "-7", "", "0"], [5, -7, None, 0]),
        ("int64", [" 12 ", "\t3\n", "  "], [12, 3, None]),
        ("int64", ["9223372036854775807", "-9223372036854775807"], [2**63 - 1, 1 - 2**63]),
        (DECIMAL, ["5.", ".5", "+.5", "-0.000", "545803900.123456789"],
         [Decimal(5), Decimal("0.5"), Decimal("0.5"), Decimal(0), Decimal("545803900.123456789")]),
        (DECIMAL, ["1.1234567890123456780000"], [Decimal("1.123456789012345678")]),
        ("boolean", ["TRUE", "false", "True", ""], [True, False, True, None]),
        ("date", ["2024-02-29", "9999-12-31", "0001-01-01"],
         [date(2024, 2, 29), date(9999, 12, 31), date(1, 1, 1)]),
        ("timestamp", ["2024-01-31 10:00", "2024-02-29T11:30:00.25", "2024-03-01 23:59:59.999999"],
         [datetime(2024, 1, 31, 10), datetime(2024, 2, 29, 11, 30, 0, 250000),
          datetime(2024, 3, 1, 23, 59, 59, 999999)]),
    ],
)  # fmt: skip
def test_values_cast_exactly_as_duckdb_casts_them(
    duckdb_engine: EngineResource, kind: str, values: list[str], expected: list
) -> None:
    assert inferred(values)[0] == kind
    batch = raw_batch(values)
    padded = inferred(values)[1]
    arrow = on_arrow(batch, kind, padded)
    assert arrow is not None and arrow.to_pylist() == expected
    assert on_duckdb(duckdb_engine, batch, kind, padded).to_pylist() == expected


def test_a_value_pyarrow_cannot_cast_is_refused_not_changed() -> None:
    value = "12345678901234567890.123456789012345678000"  # 41 digits with the zeros
    assert inferred([value])[0] == DECIMAL
    assert on_arrow(raw_batch([value]), DECIMAL, padded=False) is None


def test_days_before_the_common_era_cast_alike(duckdb_engine: EngineResource) -> None:
    batch = raw_batch(["0000-01-01", "0000-02-29"])  # year 0 (1 BC) is a leap year
    arrow = on_arrow(batch, "date", padded=False)
    assert arrow is not None and arrow.equals(on_duckdb(duckdb_engine, batch, "date", False))


def test_the_silver_file_has_the_schema_duckdb_writes(
    duckdb_engine: EngineResource, tmp_path: Path
) -> None:
    """Both paths commit into one Iceberg table: the same columns, order, types, nullability."""
    kinds = ["string", "int64", DECIMAL, "boolean", "date", "timestamp"]
    values = ["x", "1", "1.5", "true", "2024-01-31", "2024-01-31 10:00"]
    raw = pa.record_batch(
        {f"c{i}": pa.array([v], pa.string()) for i, v in enumerate(values)}
        | {LINE: pa.array([2], pa.int64())}
    )
    types = {f"c{i}": k for i, k in enumerate(kinds)}
    with duckdb_engine.session() as con:
        con.con.register("raw", pa.Table.from_batches([raw]))  # type: ignore[attr-defined]
        expr = to_silver(con.table("raw"), types, run_date=RUN, file_name="f.csv")
        written = duckdb_engine.write_parquet(con, expr, tmp_path / "duckdb")
    cast = cast_batch(raw, types, run_date=RUN, file_name="f.csv")
    assert cast.schema.equals(pq.read_schema(written[0]))
    assert cast.to_pylist() == pq.read_table(written[0]).to_pylist()


def test_the_writer_groups_small_batches_into_large_row_groups(tmp_path: Path) -> None:
    schema = silver_schema({"c": "int64"})
    writer = SilverParquetWriter(tmp_path / "s.parquet", schema)
    batch = cast_batch(raw_batch(["7"] * 5_000), {"c": "int64"}, run_date=RUN, file_name="f")
    for _ in range(60):  # 300,000 rows in batches of 5,000, as the parser hands them over
        writer.write(batch)
    writer.close()
    meta = pq.ParquetFile(tmp_path / "s.parquet").metadata
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert sum(sizes) == 300_000
    assert len(sizes) == 3 and min(sizes[:-1]) >= ROW_GROUP_ROWS
