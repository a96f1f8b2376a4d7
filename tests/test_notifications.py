"""Run outcomes published to SNS (a moto server over HTTP), read back from a subscribed SQS
queue: the sensors' messages carry the run, feed, file, status, counts and error."""

from pathlib import Path

from tests.conftest import SAMPLE_DIR, received
from tests.sensor_daemon import Daemon
from wmg_assets.definitions import load_definitions
from wmg_assets.ingest import Ingestor
from wmg_resources.settings import load_settings


def notified(ingestor: Ingestor, run_id: str | None, sensor: str) -> None:
    assert run_id
    Daemon(load_definitions(), ingestor.instance).run_finished(sensor, run_id)


def test_success_message_has_the_file_and_counts(subscribed_queue, moto_endpoint) -> None:
    _, queue_url = subscribed_queue
    ingestor = Ingestor(load_settings())
    [outcome] = ingestor.ingest([SAMPLE_DIR / "customers_2026_11_01.csv"])
    assert outcome.ok and outcome.run_id
    notified(ingestor, outcome.run_id, "wmg_notify_success")
    [message] = received(moto_endpoint, queue_url)
    assert message["run_id"] == outcome.run_id
    assert (message["feed"], message["file"], message["status"]) == (
        "customers", "customers_2026_11_01.csv", "SUCCESS"
    )  # fmt: skip
    assert message["counts"] == {"rows_read": 20, "rows_updated": 0, "rows_inserted": 20,
                                 "rows_unchanged": 0, "rows_stale": 0,
                                 "rows_rejected": 0}  # fmt: skip
    assert message["error"] is None and message["already_loaded_in_run"] is None

    # The same content again: a successful run that says it loaded nothing, and why.
    [again] = ingestor.ingest([SAMPLE_DIR / "customers_2026_11_01.csv"])
    notified(ingestor, again.run_id, "wmg_notify_success")
    [message] = received(moto_endpoint, queue_url)
    assert (message["run_id"], message["status"]) == (again.run_id, "ALREADY_LOADED")
    assert message["already_loaded_in_run"] == outcome.run_id and message["counts"] == {}


def test_failure_message_names_the_file_and_the_error(
    subscribed_queue, moto_endpoint, tmp_path: Path
) -> None:
    _, queue_url = subscribed_queue
    bad = tmp_path / "orders_2026_11_09.csv"
    bad.write_text("order_id,customer_id,amount,updated_at\n1,2,3,2026-11-09\n4,5\n",
                   encoding="utf-8")  # fmt: skip
    ingestor = Ingestor(load_settings())
    [outcome] = ingestor.ingest([bad])
    assert not outcome.ok
    notified(ingestor, outcome.run_id, "wmg_notify_failure")
    [message] = received(moto_endpoint, queue_url)
    assert (message["file"], message["status"]) == ("orders_2026_11_09.csv", "FAILED")
    assert "orders_2026_11_09.csv" in message["error"] and "line 3" in message["error"]


def test_sensors_exist_only_with_a_topic(wmg_env: Path, monkeypatch, moto_endpoint) -> None:
    notifying = {"wmg_notify_success", "wmg_notify_failure"}
    assert not notifying & {s.name for s in load_definitions().sensors or []}
    monkeypatch.setenv("WMG_SNS_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:t")
    assert notifying <= {s.name for s in load_definitions().sensors or []}
