"""Type inference over the parser's batches: every value counts, in whichever batch it is."""

import pyarrow as pa
import pytest

from wmg_assets.transforms.inference import DECIMAL, TypeInference


def infer(*batches: list[str], keys: tuple[str, ...] = ()) -> str:
    """The type of one column `c` fed as `batches`."""
    inference = TypeInference(["c"])
    for values in batches:
        inference.update(pa.record_batch({"c": pa.array(values, pa.string())}))
    return inference.types(keys)["c"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1", "-2", "+3", " 4 ", "0"], "int64"),
        (["9223372036854775807"], "int64"),
        (["9223372036854775808"], DECIMAL),  # beyond 64 bits: an exact decimal
        (["00123", "10115"], "string"),  # leading zeros: zip codes stay text
        (["1e5"], "string"),
        (["1_000"], "string"),
        (["1.5", "2", ".25", "-0.5"], DECIMAL),
        (["TRUE", "false", ""], "boolean"),
        (["2024-02-29", "2024-12-31"], "date"),
        (["2023-02-29"], "string"),  # not a day of 2023
        (["2000-02-29", " 2024-02-29T00:00 "], "string"),  # leap days, but date and time mixed
        (["2000-02-29", "1996-02-29"], "date"),
        (["1900-02-29"], "string"),
        (["2024-06-30", "2024-06-31"], "string"),
        (["2024-04-31"], "string"),
        (["2024-13-01"], "string"),
        (["2024-01-31 10:00:00", "2024-02-29T11:30:00.25", "2024-03-01 23:59"], "timestamp"),
        (["2024-01-31 24:00:00"], "string"),
        (["2024-01-31 10:00:00.1234567"], "string"),  # finer than microseconds
        (["12\r"], "string"),  # only space, tab and newline are stripped before a cast
        (["", " ", ""], "string"),  # no value at all
        (["hello", "1"], "string"),
    ],
)
def test_one_batch(values: list[str], expected: str) -> None:
    assert infer(values) == expected


def test_a_value_in_a_later_batch_rules_a_type_out() -> None:
    assert infer(["1", "2"], ["3"], ["x"]) == "string"
    assert infer(["1", "2"], ["3.5"]) == DECIMAL
    assert infer(["2024-01-01"], ["2024-01-01 10:00"]) == "string"  # dates and times don't mix


def test_blank_batches_rule_nothing_out() -> None:
    assert infer(["true"], ["", "  "], ["false"]) == "boolean"
    assert infer(["1"], [], ["2"]) == "int64"  # a block whose rows were all rejected
    assert infer(["", ""], ["2024-01-01"]) == "date"
    assert infer([""], [" "]) == "string"


def test_a_key_with_fractions_keeps_its_text() -> None:
    assert infer(["1.5", "2"], keys=("c",)) == "string"
    assert infer(["1", "2"], keys=("c",)) == "int64"


def test_long_batches_are_checked_past_the_probe() -> None:
    values = ["1"] * 5000 + ["x"]
    assert infer(values) == "string"
    assert infer(["2024-01-01"] * 5000 + ["2023-02-29"]) == "string"


def test_columns_are_typed_independently_in_file_order() -> None:
    inference = TypeInference(["b", "a"])
    inference.update(pa.record_batch({"b": ["x", "y"], "a": ["1", "2"]}))
    assert list(inference.types().items()) == [("b", "string"), ("a", "int64")]


def test_padded_columns_are_the_typed_ones_with_blanks_around_values() -> None:
    inference = TypeInference(["tight", "spaced", "blank", "text"])
    inference.update(pa.record_batch({"tight": ["1", ""], "spaced": ["1", " 2"],
                                      "blank": ["1", "  "], "text": [" a", "b"]}))  # fmt: skip
    assert inference.padded() == {"spaced", "blank"}
