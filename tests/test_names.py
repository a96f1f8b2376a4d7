import pytest

from wmg_assets.transforms.names import clean_column_name, clean_column_names
from wmg_resources.errors import InputError


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("First Name!", "first_name"),
        ("  Customer  ID ", "customer_id"),
        ("E-mail", "e_mail"),
        ('a"; drop table x; --', "a_drop_table_x"),
        ("__Total__Amount (EUR)__", "total_amount_eur"),
        ("Größe", "größe"),
        ("日本", "日本"),
        ("\uff26\uff55\uff4c\uff4c\u3000\uff37\uff49\uff44\uff54\uff48", "full_width"),  # NFKC
        ("select", "select"),
    ],
)
def test_clean_column_name(raw: str, clean: str) -> None:
    assert clean_column_name(raw) == clean


def test_only_an_empty_header_gets_its_position() -> None:
    assert clean_column_names(["id", "!!!", "€", " "], "f.csv") == [
        "id", "x21_21_21", "x20ac", "column_4"
    ]  # fmt: skip


def test_two_headers_cleaning_to_one_name_are_an_error_naming_both() -> None:
    with pytest.raises(InputError) as e:
        clean_column_names(["Customer ID", "customer-id"], "cust.csv")
    assert "cust.csv" in str(e.value)
    assert "'Customer ID'" in str(e.value) and "'customer-id'" in str(e.value)


def test_metadata_column_names_are_reserved() -> None:
    with pytest.raises(InputError, match="run_date"):
        clean_column_names(["id", "Run Date"], "f.csv")
