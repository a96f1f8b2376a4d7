"""The silver transform on both engines: same input, same types, same values."""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wmg_assets.transforms.raw_csv import CsvFormat, parse_csv_to_parquet
from wmg_assets.transforms.silver import align_types, to_silver
from wmg_resources.engine import EngineResource
from wmg_resources.errors import InputError

CSV = (
    "Id,Amount,Zip,Flag,Day,Seen At,Note,Empty,Key Dec\n"
    "1,545803900.123456789,00123,true,2024-01-31,2024-01-31 10:00:00,hello,,1.5\n"
    '2,1,10115,FALSE,2024-02-29,2024-02-29T11:30:00.25,"multi\nline, quoted",,2.25\n'
    "3,-0.5,99999,,,,ümlaut 🎉,,3\n"
)


def silver_of(engine: EngineResource, tmp_path: Path, csv_text: str, keys=("id",)) -> pa.Table:
    tmp_path.mkdir(parents=True, exist_ok=True)
    src = tmp_path / "in.csv"
    src.write_text(csv_text, encoding="utf-8")
    raw = parse_csv_to_parquet(
        lambda: src.open("rb"), CsvFormat(), "in.csv", tmp_path / "raw.pq", keys=keys
    )
    con = engine.connect()
    table = con.read_parquet(str(raw.path))
    expr = to_silver(
        table,
        raw.types,
        padded=raw.padded,
        run_date=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        file_name="in.csv",
    )
    files = engine.write_parquet(con, expr, tmp_path / "out")
    return pa.concat_tables([pq.read_table(f) for f in files]).sort_by("_wmg_line")


def test_types_and_values(engine: EngineResource, tmp_path: Path) -> None:
    t = silver_of(engine, tmp_path, CSV, keys=("id", "key_dec"))
    types = {f.name: str(f.type) for f in t.schema}
    assert types == {
        "id": "int64",
        "amount": "decimal128(38, 18)",
        "zip": "string",  # leading zeros: stays text
        "flag": "bool",
        "day": "date32[day]",
        "seen_at": "timestamp[us]",
        "note": "string",
        "empty": "string",
        "key_dec": "string",  # an upsert key with fractions keeps its text
        "run_date": "timestamp[us]",
        "file_name": "string",
        "_wmg_line": "int64",
    }
    rows = t.to_pylist()
    assert rows[0]["amount"] == Decimal("545803900.123456789")
    assert rows[2]["amount"] == Decimal("-0.5")
    assert [r["zip"] for r in rows] == ["00123", "10115", "99999"]
    assert [r["flag"] for r in rows] == [True, False, None]
    assert rows[1]["day"] == date(2024, 2, 29)
    assert rows[1]["seen_at"] == datetime(2024, 2, 29, 11, 30, 0, 250000)
    assert rows[1]["note"] == "multi\nline, quoted"
    assert rows[2]["note"] == "ümlaut 🎉"
    assert [r["empty"] for r in rows] == ["", "", ""]
    assert [r["key_dec"] for r in rows] == ["1.5", "2.25", "3"]
    assert {r["file_name"] for r in rows} == {"in.csv"}
    assert {r["run_date"] for r in rows} == {datetime(2026, 1, 2, 3, 4, 5)}
    # Record positions, the header being line 1 (a quoted value spanning lines counts once).
    assert [r["_wmg_line"] for r in rows] == [2, 3, 4]


def test_engines_agree(duckdb_engine, spark_engine, tmp_path: Path) -> None:
    a = silver_of(duckdb_engine, tmp_path / "a", CSV)
    b = silver_of(spark_engine, tmp_path / "b", CSV)
    assert [(f.name, f.type) for f in a.schema] == [(f.name, f.type) for f in b.schema]
    assert a.to_pylist() == b.to_pylist()


def test_big_integers_and_decimals(engine: EngineResource, tmp_path: Path) -> None:
    csv = "id,big,huge,frac\n1,9223372036854775807,99999999999999999999,0.000000000000000001\n"
    rows = silver_of(engine, tmp_path, csv).to_pylist()
    assert rows[0]["big"] == 9223372036854775807
    assert rows[0]["huge"] == Decimal("99999999999999999999")  # beyond BIGINT: exact decimal
    assert rows[0]["frac"] == Decimal("0.000000000000000001")


def test_align_types_follows_silver() -> None:
    file_types = {"a": "int64", "b": "date", "c": "int64", "d": "string"}
    table = {"a": "decimal(38,18)", "b": "timestamp", "c": "string"}
    assert align_types(file_types, table, "f.csv") == {
        "a": "decimal(38,18)",
        "b": "timestamp",
        "c": "string",
        "d": "string",
    }
    with pytest.raises(InputError, match=r"f\.csv.*'a' has string values but silver holds int64"):
        align_types({"a": "string"}, {"a": "int64"}, "f.csv")


def test_blanks_around_typed_values_are_stripped(engine: EngineResource, tmp_path: Path) -> None:
    csv = 'id,n,day,word\n1, 7 ,"\t2024-01-31",  x \n2,  ,2024-02-01,y\n3,8,,z\n'
    t = silver_of(engine, tmp_path, csv)
    assert {f.name: str(f.type) for f in t.schema}["n"] == "int64"
    rows = t.to_pylist()
    assert [r["n"] for r in rows] == [7, None, 8]
    assert [r["day"] for r in rows] == [date(2024, 1, 31), date(2024, 2, 1), None]
    assert [r["word"] for r in rows] == ["  x ", "y", "z"]  # text keeps its blanks
