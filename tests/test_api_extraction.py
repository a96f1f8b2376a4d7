"""API extraction against an OAuth 2.0-protected HTTP server on 127.0.0.1: the run survives
a token revoked mid-run, a 429 with Retry-After and a 500, lands every page exactly once, and
flattens the records into silver."""

import json
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from tests.conftest import use_platform
from tests.oauth_api_server import OAuthApi
from wmg_assets.definitions import load_definitions
from wmg_assets.ingest import dagster_instance
from wmg_resources.api import ApiError, ApiResource, retry_after_seconds
from wmg_resources.resources import build_resources
from wmg_resources.settings import load_settings

SECRET = "s3cr3t-never-logged"
SOURCE = """name: contacts
base_url: {url}
token_url: {url}oauth/token
path: v1/contacts?page=1
client_id_env: CONTACTS_CLIENT_ID
client_secret_env: CONTACTS_CLIENT_SECRET
"""


@pytest.fixture
def api(request, wmg_env: Path, monkeypatch, tmp_path: Path):
    server = OAuthApi("wmg", SECRET, pages=5, per_page=10, rate_limited=frozenset({2}),
                      failing=frozenset({3}), revoke_after=3)  # fmt: skip
    with server:
        use_platform(request, monkeypatch, tmp_path, "local", {})
        apis = tmp_path / "config" / "apis"
        apis.mkdir()
        (apis / "contacts.yaml").write_text(SOURCE.format(url=server.url))
        monkeypatch.setenv("CONTACTS_CLIENT_ID", "wmg")
        monkeypatch.setenv("CONTACTS_CLIENT_SECRET", SECRET)
        yield server


def test_pull_survives_expiry_429_and_500_and_lands_each_page_once(
    api: OAuthApi, caplog: pytest.LogCaptureFixture
) -> None:
    defs = load_definitions()
    instance = dagster_instance(load_settings())
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance,
        asset_selection=[dg.AssetKey(["bronze", "contacts"]), dg.AssetKey(["silver", "contacts"])],
    )
    assert result.success
    [bronze, silver] = sorted(result.get_asset_materialization_events(),
                              key=lambda e: str(e.asset_key))  # fmt: skip
    metadata = {k: v.value for k, v in bronze.materialization.metadata.items()}
    assert (metadata["pages"], metadata["records"]) == (5, 50)
    assert (metadata["tokens_fetched"], metadata["retries"]) == (2, 2)  # 401 → new token

    # Each page landed once, byte for byte what the server sent.
    lake = build_resources(load_settings(), env_vars=False)["lake"]
    landed = lake.list(f"data/api/contacts/{result.run_id}")  # type: ignore[attr-defined]
    assert [o.name for o in landed] == [f"page-{n:05d}.json" for n in range(1, 6)]
    for n, obj in enumerate(landed, start=1):
        assert json.loads(lake.read_bytes(obj.key)) == api.page(n)  # type: ignore[attr-defined]
    # The faults happened, and the 429's Retry-After (1 s) was waited out.
    statuses = [(path.split("=")[-1], status) for _, path, status in api.log if "page" in path]
    assert ("2", 429) in statuses and ("3", 500) in statuses and ("4", 401) in statuses
    page_2 = [t for t, path, _ in api.log if path.endswith("page=2")]
    assert len(page_2) == 2 and page_2[1] - page_2[0] >= 0.9

    # Silver: 50 flattened records in Iceberg.
    assert silver.materialization.metadata["dagster/row_count"].value == 50
    iceberg = build_resources(load_settings(), env_vars=False)["iceberg"]
    table = iceberg.catalog().load_table("silver.contacts").scan().to_arrow()  # type: ignore[attr-defined]
    assert table.column_names == ["id", "name", "address_city", "address_geo_lat", "tags"]
    assert sorted(table.column("id").to_pylist()) == list(range(50))
    assert SECRET not in caplog.text


def test_a_second_pull_replaces_silver(api: OAuthApi) -> None:
    defs = load_definitions()
    instance = dagster_instance(load_settings())
    job = defs.resolve_implicit_global_asset_job_def()
    keys = [dg.AssetKey(["bronze", "contacts"]), dg.AssetKey(["silver", "contacts"])]
    for _ in range(2):
        assert job.execute_in_process(instance=instance, asset_selection=keys).success
    iceberg = build_resources(load_settings(), env_vars=False)["iceberg"]
    table = iceberg.catalog().load_table("silver.contacts").scan().to_arrow()  # type: ignore[attr-defined]
    assert table.num_rows == 50


def test_wrong_credentials_fail_with_a_clear_error() -> None:
    with OAuthApi("wmg", SECRET) as server:
        api = ApiResource(base_url=server.url, token_url=f"{server.url}oauth/token",
                          client_id="wmg", client_secret="wrong")  # fmt: skip
        with pytest.raises(ApiError, match=r"oauth/token answered 401") as e:
            next(api.client().pages("v1/contacts?page=1"))
        assert "wrong" not in str(e.value)


def test_retry_after_in_seconds_or_as_a_date() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Sun, 22 Nov 2026 10:00:30 GMT", now) == 30.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_flattened_silver_file_has_prefixed_columns(tmp_path: Path) -> None:
    from wmg_assets.api.assets import flatten_pages

    page = tmp_path / "p.json"
    page.write_text(json.dumps({"data": [{"a": {"b": 1, "c": {"d": "x"}}, "a_b": 2}]}))
    out = tmp_path / "out.parquet"
    assert flatten_pages([str(page)], "data", out) == 1
    assert pq.read_table(out).to_pylist() == [{"a_b": 1, "a_c_d": "x", "a_b_2": 2}]
