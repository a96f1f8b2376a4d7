"""Fixtures: real servers on 127.0.0.1 (PostgreSQL, moto), a local Spark session, and
per-test platform homes. Nothing of our own code is mocked."""

import contextlib
import json
import os
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import psycopg
import pytest

from tests.pg_server import free_port, running_postgres
from wmg_resources.engine import EngineResource

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "sample_data"
CONFIG_DIR = ROOT / "config"

# Each test has a WMG_HOME of its own; the gold dbt project is parsed once for all of them
# (and for the `wmg`/`dagster` processes they start), not once per home.
os.environ.setdefault(
    "WMG_DBT_PARSE_CACHE", str(Path(tempfile.gettempdir()) / f"wmg-dbt-parses-{os.getpid()}")
)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL server on 127.0.0.1; yields its admin URL (trust auth)."""
    try:
        with running_postgres() as url:
            yield url
    except FileNotFoundError as e:
        pytest.fail(str(e))


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh database on the server, dropped after the test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"'.encode())
    yield postgres_server.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server (AWS APIs over HTTP) on 127.0.0.1."""
    from moto.server import ThreadedMotoServer

    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        os.environ[key] = value
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(50):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            break
        time.sleep(0.1)
    yield endpoint
    server.stop()


@pytest.fixture
def s3_bucket(moto_endpoint: str) -> str:
    name = f"lake-{uuid.uuid4().hex[:10]}"
    boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1").create_bucket(
        Bucket=name
    )
    return name


@pytest.fixture(scope="session")
def spark_engine() -> EngineResource:
    """The Spark engine on a local[*] session, shared by the whole test session."""
    return EngineResource(kind="spark")


@pytest.fixture(scope="session")
def duckdb_engine() -> EngineResource:
    return EngineResource(kind="duckdb")


@pytest.fixture(params=["duckdb", "spark"])
def engine(request: pytest.FixtureRequest) -> EngineResource:
    """Each transform test runs on both engines (parity)."""
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
def wmg_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean `WMG_HOME` (and `DAGSTER_HOME`) for one test, with the sample config."""
    home = tmp_path / "wmg"
    monkeypatch.setenv("WMG_HOME", str(home))
    monkeypatch.setenv("WMG_CONFIG_DIR", str(CONFIG_DIR))
    monkeypatch.setenv("WMG_RETRY_DELAY_SECONDS", "0")
    (home / "dagster").mkdir(parents=True)
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    for name in (
        "WMG_LAKE_URL",
        "WMG_WAREHOUSE_URL",
        "WMG_ENGINE",
        "WMG_S3_ENDPOINT_URL",
        "WMG_ICEBERG_CATALOG_URL",
        "WMG_ENV",
    ):
        monkeypatch.delenv(name, raising=False)
    return home


def use_platform(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    kind: str,
    extra_feeds: dict[str, str],
) -> str:
    """Point the platform at `kind`: `local` (lake folder + DuckDB), `postgres` (lake folder
    + PostgreSQL) or `aws` (S3 on moto + PostgreSQL), with extra feed YAML files."""
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    for name, text in extra_feeds.items():
        (config / "feeds" / name).write_text(text)
    monkeypatch.setenv("WMG_CONFIG_DIR", str(config))
    if kind in ("postgres", "aws"):
        monkeypatch.setenv("WMG_ENV", "test")
        monkeypatch.setenv("WMG_WAREHOUSE_URL", request.getfixturevalue("postgres_url"))
    if kind == "aws":
        bucket = request.getfixturevalue("s3_bucket")
        monkeypatch.setenv("WMG_LAKE_URL", f"s3://{bucket}/lake")
        monkeypatch.setenv("WMG_S3_ENDPOINT_URL", request.getfixturevalue("moto_endpoint"))
    return kind


@pytest.fixture
def subscribed_queue(moto_endpoint: str, wmg_env: Path, monkeypatch) -> tuple[str, str]:
    """An SNS topic (set as WMG_SNS_TOPIC_ARN) with an SQS queue subscribed to it."""
    sns = boto3.client("sns", endpoint_url=moto_endpoint, region_name="us-east-1")
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint, region_name="us-east-1")
    topic = sns.create_topic(Name=f"wmg-runs-{uuid.uuid4().hex[:8]}")["TopicArn"]
    queue_url = sqs.create_queue(QueueName=f"wmg-inbox-{uuid.uuid4().hex[:8]}")["QueueUrl"]
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


def uses_spark(item: pytest.Item) -> bool:
    """Whether a test starts the in-process Spark session: `spark_engine` among its fixtures
    (directly or through another fixture), its `spark` mark, or the `engine` fixture's spark
    parameter (that fixture picks its engine at run time)."""
    callspec = getattr(item, "callspec", None)
    return (
        "spark_engine" in getattr(item, "fixturenames", ())
        or item.get_closest_marker("spark") is not None
        or (callspec is not None and callspec.params.get("engine") == "spark")
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With pytest-xdist (`scripts/test` runs `-n auto --dist loadgroup`), every test that
    uses Spark runs on the same worker, so a run starts one Spark session, not one a worker."""
    for item in items:
        if uses_spark(item):
            item.add_marker(pytest.mark.xdist_group("spark"))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The shared dbt parses go with the run that made them."""
    shutil.rmtree(os.environ["WMG_DBT_PARSE_CACHE"], ignore_errors=True)
