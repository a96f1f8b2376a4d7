"""Casting while parsing (DuckDB engine): kept only when the first batch's types hold for
every value; otherwise the two-pass path gives the answer. Files here span several parse
blocks, so later batches can contradict the first one."""

from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wmg_assets.feeds.config import FeedConfig
from wmg_assets.feeds.pipeline import PreparedSilver, prepare_silver
from wmg_assets.transforms.raw_csv import BLOCK_SIZE
from wmg_resources.engine import EngineResource
from wmg_resources.errors import InputError
from wmg_resources.iceberg import IcebergResource

FEED = FeedConfig.model_validate(
    {"name": "s", "file_pattern": "*.csv", "target": {"schema": "public", "table": "s"},
     "upsert_keys": ["id"]}
)  # fmt: skip
ROWS = 3 * BLOCK_SIZE // 36  # lines of 36 bytes or more: three parse blocks at least


def prepare(engine: EngineResource, tmp_path: Path, lines: list[str]) -> PreparedSilver:
    src = tmp_path / "in.csv"
    src.write_text("id,a,b,note\n" + "".join(lines), encoding="utf-8")
    assert src.stat().st_size > 2 * BLOCK_SIZE  # the last batch is not the first
    iceberg = IcebergResource(uri=f"sqlite:///{tmp_path / 'catalog.db'}")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    return prepare_silver(
        FEED, src.name, lambda: src.open("rb"), scratch, engine=engine, iceberg=iceberg
    )


def rows_of(prepared: PreparedSilver) -> pa.Table:
    return pa.concat_tables([pq.read_table(f) for f in prepared.files]).sort_by("_wmg_line")


def regular(n: int) -> list[str]:
    return [f"{i},{i % 1000},{i}.25,text number {i:08d}\n" for i in range(1, n + 1)]


def test_stable_types_are_cast_in_one_pass(duckdb_engine: EngineResource, tmp_path) -> None:
    prepared = prepare(duckdb_engine, tmp_path, regular(ROWS))
    assert prepared.raw.raw_written is False  # no raw copy was needed
    t = rows_of(prepared)
    assert t.num_rows == ROWS
    assert {f.name: str(f.type) for f in t.schema if f.name in ("id", "a", "b")} == {
        "id": "int64", "a": "int64", "b": "decimal128(38, 18)"
    }  # fmt: skip
    assert t.slice(ROWS - 1).to_pylist()[0]["b"] == Decimal(f"{ROWS}.25")


@pytest.mark.parametrize(
    ("late", "column", "expected_type", "expected_value"),
    [
        ("x", "a", "string", "x"),  # the cast itself would fail
        ("007", "a", "string", "007"),  # castable to 7, but leading zeros mean text
        (" 5 ", "a", "int64", 5),  # padding seen late: stripped before the cast
        ("", "a", "int64", None),
    ],
)
def test_a_late_value_that_changes_the_types_falls_back_to_two_passes(
    duckdb_engine: EngineResource, tmp_path: Path, late, column, expected_type, expected_value
) -> None:
    lines = regular(ROWS)
    lines[-1] = f"{ROWS},{late},1.5,last\n"
    prepared = prepare(duckdb_engine, tmp_path, lines)
    t = rows_of(prepared)
    assert t.num_rows == ROWS
    assert str(t.schema.field(column).type) == expected_type
    assert t.column(column)[ROWS - 1].as_py() == expected_value
    assert t.column(column)[0].as_py() == ("1" if expected_type == "string" else 1)
    if expected_type == "string" or late.strip() != late:
        assert prepared.raw.raw_written  # the second pass wrote and cast the raw copy


def test_a_bad_row_late_in_the_file_fails_and_stops_the_cast(
    duckdb_engine: EngineResource, tmp_path: Path
) -> None:
    lines = regular(ROWS)
    lines[-2] = "1,2\n"
    with pytest.raises(InputError, match=rf"in\.csv.*line {ROWS}"):
        prepare(duckdb_engine, tmp_path, lines)
