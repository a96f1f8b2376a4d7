"""The bad-input matrix: each kind of hostile or careless file, with the outcome it must have.

- `Loaded`: the file loads and the target holds exactly the rows given;
- `Dlq`: the rows that cannot load go to the DLQ with their line and a reason, the rest loads;
- `Failed`: the run fails with a message naming the file (and line and column where given),
  the target is exactly as before, the file is in `unprocessed/`, the audit row says FAILED.

Every case has a feed of its own (`m_<case>`), so cases never see each other's tables; all
run on one platform (embedded defaults) through the code of `wmg ingest`.
"""

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.reliability.harness import point_at
from wmg_assets.ingest import Ingestor
from wmg_resources.settings import load_settings
from wmg_resources.warehouse import connect_warehouse

BASE = b"id,name\n1,base\n"


@dataclass(frozen=True)
class Loaded:
    rows: list[tuple]  # the whole target afterwards, ordered by id
    columns: tuple[str, ...] = ("id", "name")


@dataclass(frozen=True)
class Dlq:
    rows: list[tuple]  # the target afterwards, ordered by id
    rejected: list[tuple[int, str]]  # (line, part of the reason) of each DLQ row
    columns: tuple[str, ...] = ("id", "name")


@dataclass(frozen=True)
class Failed:
    message: str  # part of the error
    line: int | None = None
    column: str | None = None


@dataclass(frozen=True)
class Case:
    name: str
    content: bytes
    expect: Loaded | Dlq | Failed
    feed: str = ""  # extra feed YAML
    base: bytes | None = None  # loaded first (Failed cases: BASE unless given)
    keys: str = "[id]"

    def feed_yaml(self) -> str:
        return (
            f'name: m_{self.name}\nfile_pattern: "m_{self.name}__*.csv"\n'
            f"target: {{schema: public, table: m_{self.name}}}\nupsert_keys: {self.keys}\n"
            + textwrap.dedent(self.feed)
        )

    @property
    def first(self) -> bytes | None:
        return self.base if self.base is not None or not isinstance(self.expect, Failed) else BASE


def rows_of(n: int, make: Any) -> bytes:
    return "".join(make(i) for i in range(n)).encode()


CASES = [
    # --- empty and truncated files
    Case("empty", b"", Failed("the file is empty")),
    Case("blank_lines_only", b"\n\n  \n", Failed("the file is empty")),
    Case("header_only", b"id,name", Failed("a header but no data rows")),
    Case("header_only_newlines", b"id,name\n\n\n", Failed("a header but no data rows")),
    Case("empty_header", b",\n1,a\n", Failed("the header row is empty", line=1)),
    # --- record structure
    Case("too_many_fields", b"id,name\n1,a\n2,b,c\n", Failed("expected 2 fields, found 3", 3)),
    Case("too_few_fields", b"id,name\n1,a\n2\n", Failed("expected 2 fields, found 1", 3)),
    Case("every_row_wrong", b"id,name\n1,a,x\n2,b,y\n", Failed("expected 2 fields", line=2)),
    Case(
        "unterminated_quote",
        b'id,name\n1,"a\n2,b\n',
        Failed("quoted value is never closed", 2, "name"),
    ),
    Case("quoted_delimiter", b'id,name\n1,"a,b"\n', Loaded([(1, "a,b")])),
    Case("quoted_newline", b'id,name\n1,"a\nb"\n2,c\n', Loaded([(1, "a\nb"), (2, "c")])),
    Case("quoted_crlf", b'id,name\r\n1,"a\r\nb"\r\n', Loaded([(1, "a\r\nb")])),
    Case("doubled_quotes", b'id,name\n1,"say ""hi"""\n', Loaded([(1, 'say "hi"')])),
    Case("crlf", b"id,name\r\n1,a\r\n2,b\r\n", Loaded([(1, "a"), (2, "b")])),
    Case("cr_only", b"id,name\r1,a\r2,b\r", Loaded([(1, "a"), (2, "b")])),
    Case("mixed_line_ends", b"id,name\r\n1,a\n2,b\r3,c", Loaded([(1, "a"), (2, "b"), (3, "c")])),
    Case("no_final_newline", b"id,name\n1,a", Loaded([(1, "a")])),
    Case("blank_lines_between", b"id,name\n\n1,a\n\n\n2,b\n", Loaded([(1, "a"), (2, "b")])),
    Case(
        "trailing_delimiter",
        b"id,name,\n1,a,\n",
        Loaded([(1, "a", "")], ("id", "name", "column_3")),
    ),
    # --- encodings
    Case("utf8_bom", b"\xef\xbb\xbfid,name\n1,a\n", Loaded([(1, "a")])),
    Case("invalid_utf8", b"id,name\n1,a\n2,b\xff\n", Failed("not valid utf-8", 3, "name")),
    Case("invalid_utf8_header", b"id,na\xffme\n1,a\n", Failed("header is not valid utf-8", 1)),
    Case("utf16", "id,name\n1,a\n".encode("utf-16"), Failed("t.csv")),
    Case(
        "latin1_feed",
        "id,name\n1,Größe\n".encode("latin-1"),
        Loaded([(1, "Größe")]),
        feed="csv: {encoding: latin-1}\n",
    ),
    Case("latin1_as_utf8", "id,name\n1,Größe\n".encode("latin-1"), Failed("not valid utf-8", 2)),
    Case("nul_byte", b"id,name\n1,a\n2,b\x00c\n", Dlq([(1, "a")], [(3, "NUL byte")])),
    # --- headers
    Case("duplicate_headers", b"id,Name,NAME\n1,a,b\n", Failed("both clean to", line=1)),
    Case("reserved_header", b"id,File Name\n1,a\n", Failed("metadata column", line=1)),
    Case(
        "empty_header_cell",
        b"id,,name\n1,x,a\n",
        Loaded([(1, "x", "a")], ("id", "column_2", "name")),
    ),
    Case(
        "injection_header",
        b'id,"name""; DROP TABLE public.m_injection_header; --"\n1,a\n',
        Loaded([(1, "a")], ("id", "name_drop_table_public_m_injection_header")),
    ),
    Case("unicode_header", "id,名前\n1,a\n".encode(), Loaded([(1, "a")], ("id", "名前"))),
    Case("symbol_header", b"id,%\n1,a\n", Loaded([(1, "a")], ("id", "x25"))),
    Case("punctuated_header", b"ID , First Name!\n1,a\n", Loaded([(1, "a")], ("id", "first_name"))),
    Case("quoted_header_newline", b'id,"na\nme"\n1,a\n', Loaded([(1, "a")], ("id", "na_me"))),
    Case("long_header", f"id,{'h' * 300}\n1,a\n".encode(), Loaded([(1, "a")], ("id", "h" * 300))),
    Case("missing_key_column", b"name,x\na,1\n", Failed("'id' named in the feed config", 1)),
    Case("wrong_delimiter", b"id;name\n1;a\n", Failed("is its delimiter ';' rather than ','")),
    Case(
        "semicolon_feed", b"id;name\n1;a,b\n", Loaded([(1, "a,b")]), feed="csv: {delimiter: ';'}\n"
    ),
    Case("tab_feed", b"id\tname\n1\ta b\n", Loaded([(1, "a b")]), feed='csv: {delimiter: "\\t"}\n'),
    Case(
        "no_header_feed",
        b"1,a\n2,b\n",
        Loaded([(1, "a"), (2, "b")], ("column_1", "column_2")),
        feed="csv: {header: false}\n",
        keys="[column_1]",
    ),
    # --- keys
    Case(
        "empty_key",
        b"id,name\n1,a\n,b\n3,c\n",
        Dlq([(1, "a"), (3, "c")], [(3, "upsert key 'id' is empty")]),
    ),
    Case("blank_key", b"id,name\n1,a\n  ,b\n", Dlq([(1, "a")], [(3, "upsert key 'id' is empty")])),
    Case("all_keys_empty", b"id,name\n,a\n,b\n", Failed("all 2 rows were rejected")),
    Case("duplicate_keys", b"id,name\n1,a\n1,b\n2,c\n1,d\n", Loaded([(1, "d"), (2, "c")])),
    Case(
        "duplicate_keys_order_by",
        b"id,name,ts\n1,new,2026-11-02\n1,old,2026-11-01\n",
        Loaded([(1, "new")]),
        feed="order_by: ts\n",
    ),
    Case("duplicate_rows", b"id,name\n1,a\n1,a\n", Loaded([(1, "a")])),
    Case("text_key", b"id,name\nA-1,a\nb 2,b\n", Loaded([("A-1", "a"), ("b 2", "b")])),
    Case("decimal_key", b"id,name\n1.50,a\n1.5,b\n", Loaded([("1.5", "b"), ("1.50", "a")])),
    Case(
        "composite_key",
        b"id,k,name\n1,x,a\n1,y,b\n1,x,c\n",
        Loaded([(1, "x", "c"), (1, "y", "b")], ("id", "k", "name")),
        keys="[id, k]",
    ),
    # --- values and types
    Case(
        "long_value",
        b"id,name\n1,a\n2," + b"x" * 70_000 + b"\n",
        Dlq([(1, "a")], [(3, "longer than 65535 bytes")]),
    ),
    Case("padded_integers", b"id,name\n 1 ,a\n2  ,b\n", Loaded([(1, "a"), (2, "b")])),
    Case(
        "leading_zeros",
        b"id,name,zip\n1,a,00123\n2,b,45\n",
        Loaded([(1, "a", "00123"), (2, "b", "45")], ("id", "name", "zip")),
    ),
    Case(
        "beyond_int64",
        b"id,n\n1,99999999999999999999\n",
        Loaded([(1, Decimal(99999999999999999999))], ("id", "n")),
    ),
    Case(
        "beyond_decimal",
        b"id,n\n1,123456789012345678901.5\n",
        Loaded([(1, "123456789012345678901.5")], ("id", "n")),
    ),
    Case(
        "fraction_digits",
        b"id,n\n1,0.1234567890123456789012\n",
        Loaded([(1, "0.1234567890123456789012")], ("id", "n")),
    ),
    Case(
        "trailing_zero_fraction",
        b"id,n\n1,1.2500000000000000000000\n",
        Loaded([(1, Decimal("1.25"))], ("id", "n")),
    ),
    Case("exponent", b"id,n\n1,1e5\n", Loaded([(1, "1e5")], ("id", "n"))),
    Case("nan_inf", b"id,n\n1,NaN\n2,inf\n", Loaded([(1, "NaN"), (2, "inf")], ("id", "n"))),
    Case("signed_numbers", b"id,n\n1,+5\n2,-7\n", Loaded([(1, 5), (2, -7)], ("id", "n"))),
    Case("mixed_int_text", b"id,n\n1,5\n2,five\n", Loaded([(1, "5"), (2, "five")], ("id", "n"))),
    Case("invalid_date", b"id,d\n1,2026-02-30\n", Loaded([(1, "2026-02-30")], ("id", "d"))),
    Case(
        "leap_day",
        b"id,d\n1,2024-02-29\n2,2023-02-28\n",
        Loaded(
            [
                (1, __import__("datetime").date(2024, 2, 29)),
                (2, __import__("datetime").date(2023, 2, 28)),
            ],
            ("id", "d"),
        ),
    ),
    Case("not_leap_day", b"id,d\n1,2023-02-29\n", Loaded([(1, "2023-02-29")], ("id", "d"))),
    Case(
        "booleans",
        b"id,b\n1,TRUE\n2,false\n3,\n",
        Loaded([(1, True), (2, False), (3, None)], ("id", "b")),
    ),
    Case("markup_values", b"id,name\n1,[bold]x[/bold] :x:\n", Loaded([(1, "[bold]x[/bold] :x:")])),
    Case("formula_values", b"id,name\n1,=cmd|' /C calc'!A0\n", Loaded([(1, "=cmd|' /C calc'!A0")])),
    Case(
        "wide_file",
        (
            "id,"
            + ",".join(f"c{i}" for i in range(300))
            + "\n1,"
            + ",".join(str(i) for i in range(300))
            + "\n"
        ).encode(),
        Loaded([(1, 299)], ("id", "c299")),
    ),
    # --- against an existing target
    Case(
        "new_column",
        b"id,name,extra\n2,b,x\n",
        Loaded([(1, "base", None), (2, "b", "x")], ("id", "name", "extra")),
        base=BASE,
    ),
    Case("missing_column", b"id\n1\n2\n", Loaded([(1, "base"), (2, "")]), base=BASE),
    Case("reordered_columns", b"name,id\nz,1\n", Loaded([(1, "z")]), base=BASE),
    Case(
        "text_into_integer",
        b"id,name,n\n2,b,x1\n",
        Failed("'n' has string values but silver holds int64", line=2, column="n"),
        base=b"id,name,n\n1,base,5\n",
    ),
    Case(
        "fraction_into_integer",
        b"id,name,n\n2,b,1.5\n",
        Failed("silver holds int64", line=2, column="n"),
        base=b"id,name,n\n1,base,5\n",
    ),
    Case(
        "integer_into_decimal",
        b"id,name,n\n2,b,7\n",
        Loaded([(1, "base", Decimal("1.5")), (2, "b", Decimal(7))], ("id", "name", "n")),
        base=b"id,name,n\n1,base,1.5\n",
    ),
    Case("key_only_file", b"id\n1\n", Loaded([(1, "base")]), base=BASE),
]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Ingestor, Path]]:
    """One platform with a feed per case, and its ingestor (definitions loaded once)."""
    base = tmp_path_factory.mktemp("matrix")
    home, config = base / "wmg", base / "config"
    with pytest.MonkeyPatch.context() as mp:
        point_at(mp, home, config)
        for case in CASES:
            (config / "feeds" / f"m_{case.name}.yaml").write_text(case.feed_yaml())
        yield Ingestor(load_settings()), base


def _table(case: Case, columns: tuple[str, ...]) -> list[tuple]:
    with connect_warehouse(load_settings().warehouse) as wh:
        if wh.columns("public", f"m_{case.name}") is None:
            return []
        cols = ", ".join(f'"{c}"' for c in columns)
        order = ", ".join(f'"{k.strip()}"' for k in case.keys.strip("[]").split(","))
        return wh.query(f'SELECT {cols} FROM public."m_{case.name}" ORDER BY {order}')[1]


def _audit(file_name: str) -> list[str]:
    with connect_warehouse(load_settings().warehouse) as wh:
        return [
            s
            for (s,) in wh.query(
                "SELECT status FROM wmg.job_sts WHERE source_filename = ? ORDER BY run_end_ts",
                [file_name],
            )[1]
        ]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(matrix: tuple[Ingestor, Path], case: Case) -> None:
    ingestor, base = matrix
    files = base / "files" / case.name
    files.mkdir(parents=True)
    if case.first is not None:
        first = files / f"m_{case.name}__0base.csv"
        first.write_bytes(case.first)
        [loaded] = ingestor.ingest([first])
        assert loaded.ok, loaded.error
    path = files / f"m_{case.name}__1t.csv"
    path.write_bytes(case.content)
    before = _table(case, ("id", "name")) if isinstance(case.expect, Failed) else None
    [outcome] = ingestor.ingest([path])
    expect = case.expect
    if isinstance(expect, Failed):
        assert outcome.error is not None, f"{case.name} loaded but must fail"
        assert outcome.error.startswith(path.name), outcome.error
        assert expect.message.replace("t.csv", path.name) in outcome.error, outcome.error
        where = ", ".join(
            [f"line {expect.line}"] * (expect.line is not None)
            + [f"column {expect.column!r}"] * (expect.column is not None)
        )
        assert where in outcome.error, outcome.error
        assert _table(case, ("id", "name")) == before  # the target is unchanged
        lake = base / "wmg" / "lake" / "data"
        assert list(lake.glob(f"unprocessed/*/*/{path.name}")), "not moved to unprocessed/"
        assert _audit(path.name) == ["FAILED"]
        return
    assert outcome.ok, outcome.error
    assert outcome.checks.get("reconciliation", True), "the reconciliation check failed"
    assert _table(case, expect.columns) == expect.rows
    dlq = sorted((base / "wmg" / "lake" / "dlq" / f"m_{case.name}").rglob("*.parquet"))
    rejected = [r for f in dlq for r in pq.read_table(f).to_pylist()]
    if isinstance(expect, Dlq):
        got = sorted((r["_wmg_line"], r["reason"]) for r in rejected)
        assert len(got) == len(expect.rejected), got
        for (line, reason), (want_line, want) in zip(got, sorted(expect.rejected), strict=True):
            assert line == want_line and want in reason, got
    else:
        assert rejected == []
    assert _audit(path.name) == ["SUCCESS"]


def test_the_matrix_covers_at_least_60_kinds() -> None:
    assert len({c.name for c in CASES}) == len(CASES) >= 60
    kinds = {type(c.expect).__name__ for c in CASES}
    assert kinds == {"Loaded", "Dlq", "Failed"}
