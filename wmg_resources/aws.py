"""AWS clients the platform talks to directly: the SQS queue of landing-area events.

(S3 goes through `lake.py`, SNS through `notifier.py`.) Endpoints are configurable so that
tests and local stacks use a moto or LocalStack server; credentials come from boto3's usual
chain (environment, profile, instance role), never from configuration.
"""

import logging
from dataclasses import dataclass
from typing import Any

import boto3
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
