"""The lake sensor over a local lake folder, evaluated tick by tick the way the daemon does
(partitions added, requested runs executed in process, cursor carried over): 16 files of two
feeds and one stray, at most 3 keys listed per tick."""

import logging
from pathlib import Path

import dagster as dg
import pytest

from tests.sensor_daemon import Daemon
from tests.test_feed_end_to_end import rows
from wmg_assets.definitions import load_definitions
from wmg_assets.ingest import dagster_instance
from wmg_resources.lake import LakeResource, landing_key
from wmg_resources.resources import build_resources
from wmg_resources.settings import load_settings

FILES_PER_FEED = 8


def customers_csv(customer_id: object, name: str, updated_at: str = "2026-11-01") -> str:
    """A one-row file of the sample customers feed (with the columns its rules name)."""
    return (
        "customer_id,name,country,e_mail,credit_limit,updated_at\n"
        f"{customer_id},{name},DE,c@example.com,10,{updated_at}\n"
    )


@pytest.fixture
def sensor_env(wmg_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WMG_SENSOR_MAX_FILES", "3")
    return wmg_env


def land(lake: LakeResource, name: str, text: str) -> None:
    lake.put_bytes(text.encode(), landing_key(name))


def land_sixteen_files_and_a_stray(lake: LakeResource) -> None:
    for i in range(FILES_PER_FEED):
        land(
            lake,
            f"customers_{i:03d}.csv",
            customers_csv(i, f"name {i}", f"2026-11-0{1 + i % 9}"),
        )
        land(lake, f"orders_{i:03d}.csv",
             f"order_id,customer_id,amount,updated_at\n{i},{i},{i}.50,2026-11-01\n")  # fmt: skip
    land(lake, "inventory_2026.csv", "sku\nA\n")


def test_every_feed_file_loads_once_across_bounded_ticks(
    sensor_env: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings()
    lake: LakeResource = build_resources(settings, env_vars=False)["lake"]  # type: ignore[assignment]
    land_sixteen_files_and_a_stray(lake)
    daemon = Daemon(load_definitions(), dagster_instance(settings))

    caplog.set_level(logging.INFO)
    daemon.log_handler = caplog.handler
    per_tick = []
    for _ in range(8):  # 17 keys at 3 per tick: 6 ticks make a full pass
        requests = daemon.tick("wmg_lake_sensor")
        per_tick.append(len(requests))
        daemon.launch(requests)
    # Keys in order: 8 customers, the stray, 8 orders; 3 listed per tick, so the third
    # tick holds the stray and the sixth the last file; the next pass finds nothing new.
    assert per_tick == [3, 3, 2, 3, 3, 2, 0, 0]
    assert all(r.success for r in daemon.runs)
    requested = sorted(r.dagster_run.tags["dagster/partition"] for r in daemon.runs)
    assert requested == sorted(
        [f"customers_{i:03d}.csv" for i in range(FILES_PER_FEED)]
        + [f"orders_{i:03d}.csv" for i in range(FILES_PER_FEED)]
    )
    assert rows("SELECT count(*) FROM public.customers")[0][0] == FILES_PER_FEED
    assert rows("SELECT count(*) FROM public.orders")[0][0] == FILES_PER_FEED
    # Every feed file was archived; the stray is still waiting, reported exactly once.
    assert [o.key for o in lake.list("data/in")] == ["data/in/inventory_2026.csv"]
    stray_reports = [r for r in caplog.records if "inventory_2026.csv" in r.getMessage()]
    assert len(stray_reports) == 1 and stray_reports[0].levelno == logging.WARNING
    assert "no feed's file_pattern matches it" in stray_reports[0].getMessage()
    # Each partition shows its file's status in the UI: materialized through the warehouse.
    instance = daemon.instance
    assert len(instance.get_dynamic_partitions("customers_files")) == FILES_PER_FEED
    materialized = instance.get_materialized_partitions(dg.AssetKey(["warehouse", "public",
                                                                     "orders"]))  # fmt: skip
    assert len(materialized) == FILES_PER_FEED


def test_a_file_landing_later_is_picked_up_and_a_relanded_copy_is_a_noop(
    sensor_env: Path,
) -> None:
    settings = load_settings()
    lake: LakeResource = build_resources(settings, env_vars=False)["lake"]  # type: ignore[assignment]
    daemon = Daemon(load_definitions(), dagster_instance(settings))
    content = customers_csv(1, "a")
    land(lake, "customers_a.csv", content)
    first = daemon.tick("wmg_lake_sensor")
    assert [r.partition_key for r in first] == ["customers_a.csv"]
    daemon.launch(first)
    assert daemon.tick("wmg_lake_sensor") == []  # nothing new

    land(lake, "customers_b.csv", customers_csv(2, "b"))
    land(lake, "customers_a.csv", content)  # the same content lands again
    second = daemon.tick("wmg_lake_sensor")
    assert sorted(r.partition_key or "" for r in second) == ["customers_a.csv", "customers_b.csv"]
    daemon.launch(second)
    assert all(r.success for r in daemon.runs)
    # The copy's run loaded nothing: bronze found its content in the ledger.
    rerun = next(r for r in daemon.runs[1:] if r.dagster_run.tags["dagster/partition"]
                 == "customers_a.csv")  # fmt: skip
    assert not rerun.get_asset_materialization_events()
    assert rows("SELECT customer_id FROM public.customers ORDER BY 1") == [(1,), (2,)]
    # Runs in key order: the copy of a (DUPLICATE), then b.
    assert rows('SELECT "key", status FROM wmg.file_ledger ORDER BY loaded_at') == [
        ("data/in/customers_a.csv", "SUCCESS"),
        ("data/in/customers_a.csv", "DUPLICATE"),
        ("data/in/customers_b.csv", "SUCCESS"),
    ]


def test_landing_sweep_requests_the_waiting_files_of_its_feed(sensor_env: Path) -> None:
    settings = load_settings()
    lake: LakeResource = build_resources(settings, env_vars=False)["lake"]  # type: ignore[assignment]
    daemon = Daemon(load_definitions(), dagster_instance(settings))
    for name in ("customers_a.csv", "customers_b.csv"):
        land(lake, name, customers_csv(name[10], "x"))
    land(lake, "orders_a.csv", "order_id,customer_id,amount,updated_at\n1,1,1.5,2026-11-01\n")
    land(lake, "inventory_2026.csv", "sku\nA\n")

    requests = daemon.sweep("customers_landing_sweep")  # the customers feed's schedule
    assert sorted(r.partition_key or "" for r in requests) == ["customers_a.csv",
                                                               "customers_b.csv"]  # fmt: skip
    assert all(r.run_key is None for r in requests)  # a sweep may retry a file
    assert sorted(daemon.instance.get_dynamic_partitions("customers_files")) == [
        "customers_a.csv", "customers_b.csv"
    ]  # fmt: skip
    daemon.launch(requests)
    assert all(r.success for r in daemon.runs)
    assert daemon.sweep("customers_landing_sweep") == []  # loaded and archived
    assert sorted(o.name for o in lake.list("data/in")) == ["inventory_2026.csv", "orders_a.csv"]
    assert rows("SELECT count(*) FROM public.customers")[0][0] == 2
