"""Exactly once: the file ledger makes already-loaded content a visible no-op, from
`wmg ingest` and from any run of a file's partition; the same name with new content loads.
Both platforms: lake folder + DuckDB, and S3 on moto + PostgreSQL."""

from pathlib import Path

import pytest

from tests.conftest import SAMPLE_DIR, use_platform
from tests.test_feed_end_to_end import ingest, rows
from wmg_resources.lake import LakeResource
from wmg_resources.settings import load_settings


@pytest.fixture(params=["local", "aws"])
def platform(request: pytest.FixtureRequest, wmg_env: Path, monkeypatch, tmp_path: Path) -> str:
    return use_platform(request, monkeypatch, tmp_path, request.param, {})


def ledger() -> list[tuple]:
    return rows(
        'SELECT "key", "feed", "run_id", "status", "size", "sha256", "etag" '
        "FROM wmg.file_ledger ORDER BY loaded_at"
    )


def landed_keys() -> list[str]:
    s = load_settings()
    return [o.key for o in LakeResource(url=s.lake, s3_endpoint_url=s.s3_endpoint_url)
            .list("data")]  # fmt: skip


def test_same_content_again_is_a_visible_noop(platform: str, tmp_path: Path) -> None:
    sample = SAMPLE_DIR / "customers_2026_11_01.csv"
    [first] = ingest(sample)
    assert first.ok and first.counts["rows_inserted"] == 20
    snapshot = rows("SELECT * FROM public.customers ORDER BY customer_id")

    # The same object again (same name, same content): nothing is loaded.
    [again] = ingest(sample)
    assert again.ok, again.error
    assert again.already_loaded_in == first.run_id
    assert again.counts == {} and again.run_id != first.run_id
    assert rows("SELECT * FROM public.customers ORDER BY customer_id") == snapshot
    # One load in the audit table; the ledger says which run loaded the object.
    assert rows("SELECT count(*) FROM wmg.job_sts")[0][0] == 1
    entries = ledger()
    assert [(k, f, r, s) for k, f, r, s, *_ in entries] == [
        ("data/in/customers_2026_11_01.csv", "customers", first.run_id, "SUCCESS"),
        ("data/in/customers_2026_11_01.csv", "customers", again.run_id, "DUPLICATE"),
    ]
    assert {e[4] for e in entries} == {sample.stat().st_size} and len({e[5] for e in entries}) == 1
    assert all(e[6] for e in entries)  # the object store's version tag is kept
    # No duplicate is left in the landing area: it was archived.
    assert not [k for k in landed_keys() if k.startswith("data/in/")]
    # The same bytes under a new name are a new delivery: they load (nothing changes here).
    renamed = tmp_path / "customers_copy.csv"
    renamed.write_bytes(sample.read_bytes())
    [copy] = ingest(renamed)
    assert copy.ok and copy.already_loaded_in is None and copy.counts["rows_unchanged"] == 20


def test_same_name_with_new_content_loads(platform: str, tmp_path: Path) -> None:
    name = "customers_2026_11_01.csv"
    [first] = ingest(SAMPLE_DIR / name)
    changed = tmp_path / name
    lines = (SAMPLE_DIR / name).read_text(encoding="utf-8").splitlines()
    changed.write_text("\n".join([lines[0], lines[1].replace(",", ",X", 1)]) + "\n")
    [second] = ingest(changed)
    assert second.ok, second.error
    assert second.already_loaded_in is None and second.counts["rows_read"] == 1
    assert second.counts["rows_updated"] == 1
    assert [s for _, _, _, s, *_ in ledger()] == ["SUCCESS", "SUCCESS"]
    assert first.run_id != second.run_id


def test_failed_file_is_recorded_and_fixed_content_loads(platform: str, tmp_path: Path) -> None:
    bad = tmp_path / "orders_2026_11_09.csv"
    header = "order_id,amount,updated_at\n"
    bad.write_text(header + "1,3,2026-11-09\n4,5\n", encoding="utf-8")
    [failed] = ingest(bad)
    assert not failed.ok
    bad.write_text(header + "1,3,2026-11-09\n4,5,2026-11-09\n", encoding="utf-8")
    [fixed] = ingest(bad)
    assert fixed.ok, fixed.error
    assert fixed.counts["rows_inserted"] == 2
    assert [(r, s) for _, _, r, s, *_ in ledger()] == [
        (failed.run_id, "FAILED"),
        (fixed.run_id, "SUCCESS"),
    ]
