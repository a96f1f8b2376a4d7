"""Run outcomes published to SNS (a moto server over HTTP), read back from a subscribed SQS
queue: the sensors' messages carry the run, feed, file, status, counts and error."""

import json
from pathlib import Path

import boto3
import dagster as dg
import pytest

from tests.conftest import SAMPLE_DIR
from wmg_assets.definitions import load_definitions
from wmg_assets.events.notifications import notify_failure, notify_success
from wmg_assets.ingest import Ingestor
from wmg_resources.notifier import NotifierResource
from wmg_resources.settings import load_settings


@pytest.fixture
def subscribed_queue(moto_endpoint: str, wmg_env: Path, monkeypatch) -> tuple[str, str]:
    """An SNS topic (set as WMG_SNS_TOPIC_ARN) with an SQS queue subscribed to it."""
    sns = boto3.client("sns", endpoint_url=moto_endpoint, region_name="us-east-1")
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint, region_name="us-east-1")
    topic = sns.create_topic(Name="wmg-runs")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="wmg-runs-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )  # fmt: skip
    monkeypatch.setenv("WMG_SNS_TOPIC_ARN", topic)
    monkeypatch.setenv("WMG_AWS_ENDPOINT_URL", moto_endpoint)
    return topic, queue_url


def received(moto_endpoint: str, queue_url: str) -> list[dict]:
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint, region_name="us-east-1")
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def sensor_context(ingestor: Ingestor, run_id: str, event_type: dg.DagsterEventType):
    instance = ingestor.instance
    run = instance.get_run_by_id(run_id)
    assert run is not None
    [record] = instance.get_records_for_run(run_id, of_type=event_type).records
    event = record.event_log_entry.dagster_event
    assert event is not None
    settings = load_settings()
    notifier = NotifierResource(
        topic_arn=settings.sns_topic_arn, endpoint_url=settings.aws_endpoint
    )
    return dg.build_run_status_sensor_context(
        sensor_name="test", dagster_event=event, dagster_instance=instance, dagster_run=run,
        resources={"notifier": notifier},
    )  # fmt: skip


def test_success_message_has_the_file_and_counts(subscribed_queue, moto_endpoint) -> None:
    _, queue_url = subscribed_queue
    ingestor = Ingestor(load_settings())
    [outcome] = ingestor.ingest([SAMPLE_DIR / "customers_2026_11_01.csv"])
    assert outcome.ok and outcome.run_id
    notify_success(sensor_context(ingestor, outcome.run_id, dg.DagsterEventType.RUN_SUCCESS))
    [message] = received(moto_endpoint, queue_url)
    assert message["run_id"] == outcome.run_id
    assert (message["feed"], message["file"], message["status"]) == (
        "customers", "customers_2026_11_01.csv", "SUCCESS"
    )  # fmt: skip
    assert message["counts"] == {"rows_read": 20, "rows_updated": 0, "rows_inserted": 20,
                                 "rows_unchanged": 0, "rows_rejected": 0}  # fmt: skip
    assert message["error"] is None


def test_failure_message_names_the_file_and_the_error(
    subscribed_queue, moto_endpoint, tmp_path: Path
) -> None:
    _, queue_url = subscribed_queue
    bad = tmp_path / "orders_2026_11_09.csv"
    bad.write_text("order_id,customer_id,amount\n1,2,3\n4,5\n", encoding="utf-8")
    ingestor = Ingestor(load_settings())
    [outcome] = ingestor.ingest([bad])
    assert not outcome.ok and outcome.run_id
    context = sensor_context(ingestor, outcome.run_id, dg.DagsterEventType.RUN_FAILURE)
    notify_failure(context.for_run_failure())
    [message] = received(moto_endpoint, queue_url)
    assert (message["file"], message["status"]) == ("orders_2026_11_09.csv", "FAILED")
    assert "orders_2026_11_09.csv" in message["error"] and "line 3" in message["error"]


def test_sensors_exist_only_with_a_topic(wmg_env: Path, monkeypatch, moto_endpoint) -> None:
    notifying = {"wmg_notify_success", "wmg_notify_failure"}
    assert not notifying & {s.name for s in load_definitions().sensors or []}
    monkeypatch.setenv("WMG_SNS_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:t")
    assert notifying <= {s.name for s in load_definitions().sensors or []}
