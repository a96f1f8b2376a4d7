"""The regex-free checks of type inference (`plain_values.py`) against its patterns: a check
never accepts a value the pattern refuses, and accepts the plain forms it is there for."""

from collections.abc import Callable

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wmg_assets.transforms import plain_values
from wmg_assets.transforms.inference import DECIMAL, matches_pattern

CHECKS: dict[str, Callable[[pa.Array], bool]] = {
    "int64": plain_values.int64s,
    DECIMAL: plain_values.decimals,
    "date": plain_values.days,
    "timestamp": plain_values.timestamps,
}


def digits(low: int, high: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=low, max_size=high)


# Near misses: numbers with stray signs, points, zeros, too many digits.
numbers = st.builds(
    lambda sign, whole, point, fraction, tail: sign + whole + point + fraction + tail,
    st.sampled_from(["", "", "+", "-", "--", " "]),
    digits(0, 22),
    st.sampled_from(["", "", ".", ".."]),
    digits(0, 21),
    st.sampled_from(["", "", "", "-", "e5", " ", "."]),
)


# Near misses of days and timestamps: a valid one with at most one field broken (out of
# range by one, 29 February of any year, another separator, a point without digits...).
def two_digits(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda n: f"{n:02d}")


FIELDS = {
    "year": st.sampled_from(["1900", "2000", "2023", "2024", "0000", "9999"]) | digits(4, 4),
    "dash": st.just("-"),
    "month": two_digits(1, 12),
    "dash2": st.just("-"),
    "day": two_digits(1, 28),
    "sep": st.sampled_from([" ", "T"]),
    "hour": two_digits(0, 23),
    "colon": st.just(":"),
    "minute": two_digits(0, 59),
    "second": st.sampled_from(["", ":00"]) | two_digits(0, 59).map(lambda s: ":" + s),
    "fraction": st.sampled_from(["", ".1", ".123456", ".000000"]),
}
BROKEN = {
    "year": st.sampled_from(["202", "20245", "2O24"]),
    "dash": st.sampled_from(["/", "", "--"]),
    "month": st.sampled_from(["00", "13", "1", "02"]),
    "dash2": st.sampled_from(["/", "", "--"]),
    "day": st.sampled_from(["00", "29", "30", "31", "32", "1"]),
    "sep": st.sampled_from(["t", "_", "  ", ""]),
    "hour": st.sampled_from(["24", "29", "1"]),
    "colon": st.sampled_from([".", "-", "::"]),
    "minute": st.sampled_from(["60", "5"]),
    "second": st.sampled_from([":60", ":5", "60", ".00", "-00"]),
    "fraction": st.sampled_from([".", ".1234567", "1", ". 1", ",1", "x123456"]),
}


@st.composite
def day_or_time(draw: st.DrawFn, with_time: bool) -> str:
    names = [*FIELDS][: len(FIELDS) if with_time else 5]
    broken = draw(st.sampled_from([None, *names]))
    f = {n: draw(BROKEN[n] if n == broken else FIELDS[n]) for n in names}
    day = f"{f['year']}{f['dash']}{f['month']}{f['dash2']}{f['day']}"
    if not with_time:
        return day
    return f"{day}{f['sep']}{f['hour']}{f['colon']}{f['minute']}{f['second']}{f['fraction']}"


VALUES = {"int64": numbers, DECIMAL: numbers, "date": day_or_time(False),
          "timestamp": day_or_time(True)}  # fmt: skip


@pytest.mark.parametrize("kind", list(CHECKS))
@settings(max_examples=500, deadline=None)
@given(data=st.data())
def test_a_check_accepts_no_value_its_pattern_refuses(kind: str, data: st.DataObject) -> None:
    value = st.one_of(VALUES[kind], VALUES[kind], VALUES[kind], st.just(""))
    values = data.draw(st.lists(value, min_size=1, max_size=4))
    if CHECKS[kind](pa.array(values, pa.string())):
        for value in values:
            assert matches_pattern(pa.array([value], pa.string()), kind) == (True, False), value


def test_a_check_accepts_each_value_alone_it_accepts_in_a_batch() -> None:
    """Shapes accepted in a batch (and sliced batches) are accepted value by value too."""
    values = pa.array(["", "12", "-3", "", "+40", "0"], pa.string())
    assert plain_values.int64s(values)
    assert plain_values.int64s(values.slice(2, 3))
    assert not plain_values.int64s(pa.array(["12", "00"], pa.string()))


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        ("int64", ["0", "-0", "+7", "123456789012345678", "", "-42"]),
        (DECIMAL, ["0.5", "-12.000001", "12345678901234567890.123456789012345678", "7", ""]),
        ("date", ["2024-02-29", "2000-02-29", "1999-12-31", "", "0001-01-01"]),
        ("timestamp", ["2024-02-29 23:59:59", "2026-01-01T00:00:00", ""]),
        ("timestamp", ["2024-02-29 23:59:59.123456", "2026-01-01T00:00:00.000000"]),
        ("timestamp", ["2024-02-29 23:59", "2026-01-01T00:00"]),
    ],
)
def test_the_plain_forms_are_accepted_without_a_pattern(kind: str, values: list[str]) -> None:
    array = pa.array(values, pa.string())
    assert CHECKS[kind](array)
    assert CHECKS[kind](pa.array(values, pa.large_string()))
    assert matches_pattern(array, kind) == (True, False)


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        ("int64", ["1234567890123456789"]),  # 19 digits: the pattern checks it fits
        ("int64", ["007"]),
        ("int64", ["1-2"]),
        ("int64", ["-"]),
        (DECIMAL, ["1.2.3"]),
        (DECIMAL, [".5"]),
        (DECIMAL, ["5."]),
        (DECIMAL, ["1.0000000000000000000"]),  # 19 fraction digits, zeros: the pattern's
        ("date", ["2023-02-29"]),
        ("date", ["2024-04-31"]),
        ("date", ["2024-1-01"]),
        ("timestamp", ["2024-01-01 24:00:00"]),
        ("timestamp", ["2024-01-01 10:00:00", "2024-01-01 10:00:00.5"]),  # widths differ
        ("timestamp", ["2024-01-01 10:00:00."]),
        ("timestamp", [" 2024-01-01 10:00:00"]),
    ],
)
def test_other_forms_are_left_to_the_pattern(kind: str, values: list[str]) -> None:
    assert not CHECKS[kind](pa.array(values, pa.string()))
