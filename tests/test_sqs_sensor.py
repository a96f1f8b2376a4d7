"""Event-driven ingestion on a moto server: S3 event notifications → SQS → the SQS sensor →
one run → an SNS message with the counts; the same content again requests no second load.
Plus the S3 event parsing the sensor relies on."""

import json
import uuid
from pathlib import Path

import boto3
import pytest

from tests.conftest import SAMPLE_DIR, received, use_platform
from tests.sensor_daemon import Daemon
from tests.test_feed_end_to_end import rows
from tests.test_lake_sensor import customers_csv
from wmg_assets.definitions import load_definitions
from wmg_assets.events.s3_events import parse_s3_events
from wmg_assets.ingest import dagster_instance
from wmg_resources.settings import load_settings

FILE = "customers 2026+11.csv"  # S3 events URL-encode it as customers+2026%2B11.csv


@pytest.fixture
def landing_queue(
    request: pytest.FixtureRequest, wmg_env: Path, monkeypatch, tmp_path: Path, moto_endpoint: str
) -> str:
    """The aws platform (S3 on moto + PostgreSQL) with the lake bucket's object-created
    events going to an SQS queue, set as WMG_SQS_QUEUE_URL."""
    use_platform(request, monkeypatch, tmp_path, "aws", {})
    bucket, prefix = load_settings().lake.removeprefix("s3://").split("/", 1)
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint, region_name="us-east-1")
    queue_url = sqs.create_queue(QueueName=f"landing-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    # Events of the data/ folder: the landing area and what the platform archives there.
    only_data = {"Key": {"FilterRules": [{"Name": "prefix", "Value": f"{prefix}/data/"}]}}
    rule = {"QueueArn": arn["Attributes"]["QueueArn"], "Events": ["s3:ObjectCreated:*"],
            "Filter": only_data}  # fmt: skip
    boto3.client("s3", endpoint_url=moto_endpoint).put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={"QueueConfigurations": [rule]},
    )
    monkeypatch.setenv("WMG_SQS_QUEUE_URL", queue_url)
    monkeypatch.setenv("WMG_AWS_ENDPOINT_URL", moto_endpoint)
    return queue_url


def put(moto_endpoint: str, key: str, body: bytes) -> None:
    bucket, prefix = load_settings().lake.removeprefix("s3://").split("/", 1)
    s3 = boto3.client("s3", endpoint_url=moto_endpoint)
    s3.put_object(Bucket=bucket, Key=f"{prefix}/{key}", Body=body)


def messages_left(moto_endpoint: str, queue_url: str) -> int:
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint, region_name="us-east-1")
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(v) for v in attributes.values())


def test_s3_event_to_one_run_to_sns_message_and_no_second_load(
    landing_queue: str, subscribed_queue: tuple[str, str], moto_endpoint: str
) -> None:
    _, inbox = subscribed_queue
    daemon = Daemon(load_definitions(), dagster_instance(load_settings()))
    content = (SAMPLE_DIR / "customers_2026_11_01.csv").read_bytes()
    put(moto_endpoint, f"data/in/{FILE}", content)
    put(moto_endpoint, "data/archive/2026/10/customers_old.csv", content)  # another prefix
    put(moto_endpoint, "data/in/nested/customers_x.csv", content)  # not directly in data/in/
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint, region_name="us-east-1")
    other_bucket = {"Records": [s3_record(f"lake/data/in/{FILE}", bucket="someone-elses")]}
    sqs.send_message(QueueUrl=landing_queue, MessageBody=json.dumps(other_bucket))

    [request] = daemon.tick("wmg_sqs_sensor")  # the test event and the others: nothing
    assert (request.job_name, request.partition_key) == ("customers_file_job", FILE)
    assert messages_left(moto_endpoint, landing_queue) == 0  # all handled, all deleted
    daemon.launch([request])
    [run] = daemon.runs
    assert run.success
    assert rows("SELECT count(*) FROM public.customers")[0][0] == 20

    daemon.run_finished("wmg_notify_success", run.run_id)
    [message] = received(moto_endpoint, inbox)
    assert (message["run_id"], message["file"], message["status"]) == (run.run_id, FILE,
                                                                       "SUCCESS")  # fmt: skip
    assert message["counts"]["rows_read"] == 20 and message["counts"]["rows_inserted"] == 20

    # The same content lands again: no run is requested, the copy is archived.
    put(moto_endpoint, f"data/in/{FILE}", content)
    assert daemon.tick("wmg_sqs_sensor") == []
    # (archiving the copy made an event of its own, which the next tick reads and ignores)
    assert daemon.tick("wmg_sqs_sensor") == []
    assert messages_left(moto_endpoint, landing_queue) == 0
    assert len(daemon.runs) == 1
    assert rows('SELECT "key", status FROM wmg.file_ledger') == [(f"data/in/{FILE}", "SUCCESS")]


def test_new_content_under_the_same_name_is_requested_again(
    landing_queue: str, moto_endpoint: str
) -> None:
    daemon = Daemon(load_definitions(), dagster_instance(load_settings()))
    put(moto_endpoint, f"data/in/{FILE}", customers_csv(1, "a").encode())
    daemon.launch(daemon.tick("wmg_sqs_sensor"))
    put(moto_endpoint, f"data/in/{FILE}", customers_csv(1, "b", "2026-11-02").encode())
    [again] = daemon.tick("wmg_sqs_sensor")
    daemon.launch([again])
    assert [r.success for r in daemon.runs] == [True, True]
    assert rows("SELECT customer_id, name FROM public.customers") == [(1, "b")]


def test_an_unreadable_message_stays_on_the_queue(landing_queue: str, moto_endpoint: str) -> None:
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint, region_name="us-east-1")
    sqs.send_message(QueueUrl=landing_queue, MessageBody="not an event")
    daemon = Daemon(load_definitions(), dagster_instance(load_settings()))
    assert daemon.tick("wmg_sqs_sensor") == []
    assert messages_left(moto_endpoint, landing_queue) == 1  # test event gone, this one kept


def test_sqs_sensor_exists_only_with_a_queue(wmg_env: Path) -> None:
    assert "wmg_sqs_sensor" not in {s.name for s in load_definitions().sensors or []}


def s3_record(key: str, event: str = "ObjectCreated:Put", bucket: str = "lake") -> dict:
    return {
        "eventSource": "aws:s3",
        "eventName": event,
        "eventTime": "2026-11-22T10:00:00.000Z",
        "s3": {"bucket": {"name": bucket}, "object": {"key": key, "size": 5, "eTag": "abc"}},
    }


def test_parse_s3_events() -> None:
    gone = s3_record("data/in/gone.csv", "ObjectRemoved:Delete")
    direct = json.dumps({"Records": [s3_record("data/in/a+b%2Bc.csv"), gone]})
    [created] = parse_s3_events(direct)
    assert (created.bucket, created.key, created.size, created.etag) == (
        "lake", "data/in/a b+c.csv", 5, "abc"
    )  # fmt: skip
    assert created.time is not None and created.time.year == 2026
    via_sns = json.dumps({"Type": "Notification", "Message": direct})
    assert parse_s3_events(via_sns) == [created]
    assert parse_s3_events(json.dumps({"Event": "s3:TestEvent", "Bucket": "lake"})) == []
    for bad in ("not json", "[1]", json.dumps({"hello": 1})):
        with pytest.raises(ValueError, match="not"):
            parse_s3_events(bad)
