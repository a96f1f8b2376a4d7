"""The reusable transforms give the same results on DuckDB and Spark, and a feed applies
them to its columns (before its rules) through config."""

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import use_platform
from tests.test_feed_end_to_end import rows
from wmg_assets.feeds.config import FeedConfigError, load_feed
from wmg_assets.ingest import Ingestor
from wmg_assets.transforms.common import add_processing_metadata, clean_email, standardize_phone
from wmg_resources.engine import EngineResource
from wmg_resources.settings import load_settings

INPUT = {
    "email": [" Ann@Example.COM ", "not an email", None, "x@y.io", "a@b"],
    "phone": ["(415) 555-2671", "+44 20 7946 0018", "12", None, "020 7946 0018"],
    "region_phone": ["020 7946 0018", "07700 900123", "", "+1 415 555 2671", "abc"],
}
EXPECTED = {
    "email": ["ann@example.com", None, None, "x@y.io", None],
    "phone": ["+14155552671", "+442079460018", None, None, None],
    "region_phone": ["+442079460018", "+447700900123", None, "+14155552671", None],
}


def transformed(engine: EngineResource, source: Path) -> list[dict]:
    with engine.session() as con:
        t = con.read_parquet(str(source))
        out = t.mutate(
            email=clean_email(t.email),
            phone=standardize_phone(t.phone),
            region_phone=standardize_phone(t.region_phone, "GB"),
        )
        out = add_processing_metadata(out, "crm_import", "run-1", datetime(2026, 11, 22, 10))
        return out.to_pyarrow().to_pylist()


def test_transforms_agree_on_duckdb_and_spark(
    duckdb_engine: EngineResource, spark_engine: EngineResource, tmp_path: Path
) -> None:
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table(INPUT), source)
    on_duckdb = transformed(duckdb_engine, source)
    on_spark = transformed(spark_engine, source)
    assert on_duckdb == on_spark
    assert {k: [r[k] for r in on_duckdb] for k in EXPECTED} == EXPECTED
    assert {(r["job_name"], r["job_run_id"], r["processed_at"]) for r in on_duckdb} == {
        ("crm_import", "run-1", datetime(2026, 11, 22, 10))
    }


FEED = """name: contacts
file_pattern: 'contacts*.csv'
target: {schema: crm, table: contacts}
upsert_keys: [contact_id]
transforms:
  email: clean_email
  phone: {standardize_phone: {default_region: GB}}
processing_metadata: true
rules:
  not_null: [email]
  on_fail: dlq
"""


def test_a_feed_transforms_its_columns_before_its_rules(
    request, monkeypatch, tmp_path: Path, wmg_env: Path
) -> None:
    use_platform(request, monkeypatch, tmp_path, "local", {"contacts.yaml": FEED})
    path = tmp_path / "contacts_1.csv"
    path.write_text("contact_id,email,phone\n1, Ann@Example.COM ,020 7946 0018\n2,nope,1\n")
    [outcome] = Ingestor(load_settings()).ingest([path])
    assert outcome.ok, outcome.error
    # Row 2's email is not an address: clean_email makes it NULL, the rule sends it away.
    assert rows("SELECT contact_id, email, phone, job_name FROM crm.contacts") == [
        (1, "ann@example.com", "+442079460018", "contacts")
    ]
    assert rows("SELECT count(DISTINCT job_run_id) FROM crm.contacts") == [(1,)]


@pytest.mark.parametrize(
    ("transforms", "error"),
    [
        ("{email: shout}", "unknown transform 'shout'"),
        ("{phone: {standardize_phone: {default_region: XX}}}", "'XX' is not a region code"),
        ("{phone: {standardize_phone: {region: GB}}}", "takes no argument region"),
    ],
)
def test_bad_transform_config_names_the_field(tmp_path: Path, transforms: str, error: str) -> None:
    path = tmp_path / "contacts.yaml"
    path.write_text(FEED.split("transforms:")[0] + f"transforms: {transforms}\n")
    with pytest.raises(FeedConfigError, match=error) as e:
        load_feed(path)
    assert "field transforms." in str(e.value)
