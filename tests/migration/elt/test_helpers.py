"""The framework's helpers on the real thing here: S3 (moto server) — list with include /
exclude patterns, upload, download a folder, copy, merge parts; SQS (moto) — send, read,
queue URL in another account; mail through a local SMTP server."""

import email
import json
import uuid
from pathlib import Path

import boto3
import pytest

from tests.smtp_server import SmtpServer
from wmg_resources import s3_files
from wmg_resources.aws import queue_url, read_messages, send_message
from wmg_resources.aws_accounts import AwsAccount
from wmg_resources.mail import send_mail


@pytest.fixture
def s3(moto_endpoint: str):
    return boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")


def test_s3_list_upload_download_copy_and_merge(s3, s3_bucket: str, tmp_path: Path) -> None:
    for key, text in {
        "run/part-00000.csv": "id,n\n1,a\n",
        "run/part-00001.csv": "id,n\n2,b\n",
        "run/_SUCCESS": "",
        "run/logs/x.log": "log",
    }.items():
        s3.put_object(Bucket=s3_bucket, Key=key, Body=text.encode())
    base = f"s3://{s3_bucket}/run"
    names = [
        o.key
        for o in s3_files.list_objects(
            s3, base, include=["*.csv", "*.log"], exclude=["logs/*"], order_by="name"
        )
    ]
    assert names == ["run/part-00000.csv", "run/part-00001.csv"]
    assert [o.key for o in s3_files.list_objects(s3, base, recursive=False)] == [
        "run/_SUCCESS",
        "run/part-00000.csv",
        "run/part-00001.csv",
    ]
    size = s3_files.merge_parts(
        s3, base, f"s3://{s3_bucket}/merged/all.csv", skip_header_after_first=True
    )
    merged = s3.get_object(Bucket=s3_bucket, Key="merged/all.csv")["Body"].read()
    assert merged == b"id,n\n1,a\n2,b\n" and size == len(merged)
    local = tmp_path / "report.txt"
    local.write_text("hello")
    assert s3_files.upload(s3, local, f"s3://{s3_bucket}/up/") == f"s3://{s3_bucket}/up/report.txt"
    copied = s3_files.copy(
        s3, f"s3://{s3_bucket}/up/report.txt", f"s3://{s3_bucket}/copy/", delete_source=True
    )
    assert copied == f"s3://{s3_bucket}/copy/report.txt"
    assert s3_files.list_objects(s3, f"s3://{s3_bucket}/up") == []
    with pytest.raises(ValueError, match="wildcard"):
        s3_files.copy(s3, copied, f"s3://{s3_bucket}/x/*")
    written = s3_files.download_folder(s3, base, tmp_path / "down", exclude=["_SUCCESS"])
    assert sorted(p.relative_to(tmp_path / "down").as_posix() for p in written) == [
        "logs/x.log",
        "part-00000.csv",
        "part-00001.csv",
    ]
    with pytest.raises(FileNotFoundError, match="no part files"):
        s3_files.merge_parts(s3, f"s3://{s3_bucket}/nothing", f"s3://{s3_bucket}/m")


def test_sqs_send_read_and_another_accounts_queue(moto_endpoint: str) -> None:
    mine = AwsAccount(endpoint_url=moto_endpoint)
    sqs = mine.client("sqs")
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    send_message(sqs, url, {"file": "a.csv", "rows": 3}, attributes={"feed": "orders", "n": 3})
    send_message(sqs, url, "plain text")
    first = read_messages(sqs, url, max_messages=50, delete_after_read=True)
    assert {json.dumps(m["ParsedBody"]) for m in first} <= {
        json.dumps({"file": "a.csv", "rows": 3}),
        "null",
    }
    bodies = sorted(m["Body"] for m in first)
    assert bodies == sorted([json.dumps({"file": "a.csv", "rows": 3}), "plain text"])
    typed = next(m for m in first if m["ParsedBody"])
    assert typed["MessageAttributes"]["n"] == {"StringValue": "3", "DataType": "Number"}
    assert read_messages(sqs, url) == []  # deleted after the read
    with pytest.raises(ValueError, match="0 to 900"):
        send_message(sqs, url, "x", delay_seconds=901)
    other = AwsAccount(role_arn="arn:aws:iam::222222222222:role/wmg", endpoint_url=moto_endpoint)
    name = f"theirs-{uuid.uuid4().hex[:6]}"
    theirs = other.client("sqs").create_queue(QueueName=name)["QueueUrl"]
    assert "222222222222" in theirs
    assert queue_url(other.client("sqs"), name, "222222222222") == theirs


def test_mail_through_smtp_with_an_attachment(tmp_path: Path) -> None:
    server = SmtpServer()
    report = tmp_path / "report.csv"
    report.write_text("id\n1\n")
    send_mail(
        "wmg@example.com",
        "a@example.com, b@example.com",
        "Run finished",
        "<b>3 rows</b>",
        attachment_path=report,
        msg_type="html",
        smtp_server="127.0.0.1",
        smtp_port=server.port,
    )
    [(sender, recipients, raw)] = server.received
    assert sender == "wmg@example.com" and recipients == ["a@example.com", "b@example.com"]
    message = email.message_from_bytes(raw)
    assert message["Subject"] == "Run finished"
    parts = {p.get_content_type(): p for p in message.walk()}
    html = parts["text/html"].get_payload(decode=True)
    assert isinstance(html, bytes) and html.strip() == b"<b>3 rows</b>"
    assert parts["text/csv"].get_filename() == "report.csv"
    assert parts["text/csv"].get_payload(decode=True) == b"id\n1\n"
    server.shutdown()
    with pytest.raises(ValueError, match="plain or html"):
        send_mail("a@x", "b@x", "s", "b", msg_type="rtf")


def test_secret_values_here_and_in_another_account(moto_endpoint: str) -> None:
    from wmg_resources.aws_accounts import secret_values

    mine = AwsAccount(endpoint_url=moto_endpoint)
    other = AwsAccount(role_arn="arn:aws:iam::222222222222:role/wmg", endpoint_url=moto_endpoint)
    name = f"db-{uuid.uuid4().hex[:6]}"
    mine.client("secretsmanager").create_secret(Name=name, SecretString='{"host": "mine"}')
    other.client("secretsmanager").create_secret(Name=name, SecretString='{"host": "theirs"}')
    assert secret_values([name], mine) == {name: {"host": "mine"}}
    assert secret_values([name], other) == {name: {"host": "theirs"}}
