"""AWS clients the platform talks to directly: the SQS queue of landing-area events, and
the framework's SQS helpers (`send_message`, `read_messages`, `queue_url`).

(S3 goes through `lake.py`, SNS through `notifier.py`.) Endpoints are configurable so that
tests and local stacks use a moto or LocalStack server; credentials come from boto3's usual
chain (environment, profile, instance role), never from configuration.
"""

import logging
from dataclasses import dataclass
from typing import Any

import dagster as dg
from pydantic import PrivateAttr

log = logging.getLogger(__name__)

SQS_BATCH = 10  # most messages one SQS call returns or deletes


@dataclass(frozen=True)
class QueueMessage:
    message_id: str
    receipt_handle: str
    body: str


class QueueResource(dg.ConfigurableResource):
    """An SQS queue (`queue_url`); every call is a no-op when no queue is configured."""

    queue_url: str | None = None
    endpoint_url: str | None = None  # an SQS-compatible endpoint (moto in tests)
    region: str = "us-east-1"
    wait_seconds: int = 1  # long-poll wait of each receive call

    _client: Any = PrivateAttr(default=None)

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3  # only for S3/SQS/SNS: local runs skip its import

            self._client = boto3.client(
                "sqs", endpoint_url=self.endpoint_url, region_name=self.region
            )
        return self._client

    def receive(self, max_messages: int) -> list[QueueMessage]:
        """Up to `max_messages` messages, fewer when the queue runs dry. They stay on the
        queue (invisible for its visibility timeout) until `delete`."""
        if not self.queue_url:
            return []
        messages: list[QueueMessage] = []
        while len(messages) < max_messages:
            response = self.client.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(SQS_BATCH, max_messages - len(messages)),
                WaitTimeSeconds=self.wait_seconds,
            )
            batch = response.get("Messages", [])
            if not batch:
                break
            messages += [QueueMessage(m["MessageId"], m["ReceiptHandle"], m["Body"]) for m in batch]
        return messages

    def delete(self, messages: list[QueueMessage]) -> int:
        """Delete handled messages; how many the queue confirmed."""
        deleted = 0
        for start in range(0, len(messages), SQS_BATCH):
            batch = messages[start : start + SQS_BATCH]
            response = self.client.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m.receipt_handle}
                         for i, m in enumerate(batch)],
            )  # fmt: skip
            deleted += len(response.get("Successful", []))
            for failure in response.get("Failed", []):
                log.warning("could not delete message %s from %s: %s",
                            batch[int(failure["Id"])].message_id, self.queue_url,
                            failure.get("Message"))  # fmt: skip
        return deleted


def send_message(
    client: Any,
    queue_url: str,
    body: Any,
    delay_seconds: int = 0,
    attributes: dict[str, Any] | None = None,
    group_id: str | None = None,
    deduplication_id: str | None = None,
) -> str:
    """Send one message (a dict body as JSON; attribute types inferred: text → String,
    numbers → Number, bytes → Binary, anything else → JSON text); its message id."""
    import json

    if not 0 <= delay_seconds <= 900:
        raise ValueError(f"delay_seconds {delay_seconds}: SQS allows 0 to 900")
    typed = {}
    for name, value in (attributes or {}).items():
        if isinstance(value, bytes):
            typed[name] = {"DataType": "Binary", "BinaryValue": value}
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            typed[name] = {"DataType": "Number", "StringValue": str(value)}
        else:
            text = value if isinstance(value, str) else json.dumps(value)
            typed[name] = {"DataType": "String", "StringValue": text}
    extra: dict[str, Any] = {"MessageAttributes": typed} if typed else {}
    if group_id:
        extra["MessageGroupId"] = group_id
    if deduplication_id:
        extra["MessageDeduplicationId"] = deduplication_id
    text = body if isinstance(body, str) else json.dumps(body)
    answer = client.send_message(
        QueueUrl=queue_url, MessageBody=text, DelaySeconds=delay_seconds, **extra
    )
    return answer["MessageId"]


def read_messages(
    client: Any,
    queue_url: str,
    max_messages: int = 1,
    wait_seconds: int = 0,
    delete_after_read: bool = False,
) -> list[dict[str, Any]]:
    """Up to `max_messages` (clamped to 1-10; the wait to 0-20 s), each with `ParsedBody` (the
    JSON body, else None) and its attributes; deleted when `delete_after_read`."""
    import json

    answer = client.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=max(1, min(SQS_BATCH, max_messages)),
        WaitTimeSeconds=max(0, min(20, wait_seconds)),
        MessageAttributeNames=["All"],
        AttributeNames=["All"],
    )
    messages = answer.get("Messages", [])
    for message in messages:
        try:
            message["ParsedBody"] = json.loads(message["Body"])
        except (json.JSONDecodeError, TypeError):
            message["ParsedBody"] = None
        if delete_after_read:
            client.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return messages


def queue_url(client: Any, name: str, owner_account: str | None = None) -> str:
    """A queue's URL by name, in another account when `owner_account` is given."""
    extra = {"QueueOwnerAWSAccountId": owner_account} if owner_account else {}
    return client.get_queue_url(QueueName=name, **extra)["QueueUrl"]
