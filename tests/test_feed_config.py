from pathlib import Path

import pytest

from wmg_assets.feeds.config import FeedConfigError, feed_for_file, load_feed, load_feeds

VALID = """
name: customers
file_pattern: "customers*.csv"
target: {schema: public, table: customers}
upsert_keys: [customer_id]
"""


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text)
    return path


def test_sample_config_loads() -> None:
    feeds = load_feeds(Path(__file__).parents[1] / "config" / "feeds")
    assert {f.name for f in feeds} == {"customers", "orders"}
    customers = next(f for f in feeds if f.name == "customers")
    assert customers.target.schema == "public" and customers.order_by == "updated_at"
    assert customers.csv.delimiter == "," and customers.views[0].name == "v_customers"
    assert customers.schedule == "*/15 * * * *"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (VALID.replace("name: customers", "name: Customers!"), "field name"),
        (VALID.replace("upsert_keys: [customer_id]", "upsert_keys: []"), "field upsert_keys"),
        (VALID + "csv: {delimiter: ';;'}\n", "field csv.delimiter"),
        (VALID + "csv: {encoding: no-such-codec}\n", "field csv.encoding"),
        (VALID + "colour: blue\n", "field colour"),
        (VALID.replace("table: customers", 'table: "x; drop"'), "field target.table"),
        (
            VALID + 'views: [{name: v, definition: "CREATE VIEW {view_name} AS {evil}"}]\n',
            "field views.0.definition: unknown placeholder(s) 'evil'",
        ),
        (VALID + "schedule: every hour\n", "field schedule: 'every hour' is not a"),
    ],
)
def test_invalid_feed_names_file_and_field(tmp_path: Path, text: str, field: str) -> None:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(FeedConfigError) as e:
        load_feed(path)
    assert str(path) in str(e.value)
    assert field in str(e.value)


def test_invalid_feed_fails_definitions_loading(tmp_path: Path, monkeypatch) -> None:
    write(tmp_path / "feeds", "broken.yaml", VALID.replace("target:", "targets:"))
    monkeypatch.setenv("WMG_CONFIG_DIR", str(tmp_path))
    with pytest.raises(FeedConfigError, match=r"broken\.yaml: field target: Field required"):
        from wmg_assets.definitions import load_definitions  # loading at import may raise

        load_definitions()


def test_two_feeds_on_one_target_are_rejected(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", VALID)
    write(tmp_path, "b.yaml", VALID.replace("name: customers", "name: other"))
    with pytest.raises(FeedConfigError, match="field target"):
        load_feeds(tmp_path)


def test_feed_is_chosen_by_pattern_or_name(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", VALID)
    write(tmp_path, "b.yaml", VALID.replace("customers", "orders"))
    feeds = load_feeds(tmp_path)
    assert feed_for_file(feeds, "customers_1.csv").name == "customers"
    assert feed_for_file(feeds, "anything.csv", "orders").name == "orders"
    with pytest.raises(LookupError, match=r"stray\.csv: no feed"):
        feed_for_file(feeds, "stray.csv")
    with pytest.raises(LookupError, match="no feed named"):
        feed_for_file(feeds, "customers_1.csv", "nope")
    with pytest.raises(LookupError, match=r"customers_1\.csv: no feed is configured .*CONFIG_DIR"):
        feed_for_file([], "customers_1.csv")


def test_an_unknown_field_names_its_line_and_the_closest_valid_one(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(VALID.replace("upsert_keys:", "upsert_key:"))
    line = next(
        i
        for i, text in enumerate(path.read_text().splitlines(), 1)
        if text.startswith("upsert_key:")
    )
    with pytest.raises(FeedConfigError) as e:
        load_feed(path)
    assert f"{path}:{line}: field upsert_key: not a field (did you mean `upsert_keys`?)" in str(
        e.value
    )
