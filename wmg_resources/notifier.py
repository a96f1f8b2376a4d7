"""Notifications: one JSON message per feed run, published to an SNS topic."""

import json
import logging
from typing import Any

import dagster as dg

log = logging.getLogger(__name__)


class NotifierResource(dg.ConfigurableResource):
    """Publishes run outcomes to the SNS topic `topic_arn` (nothing when it is unset)."""

    topic_arn: str | None = None
    endpoint_url: str | None = None  # an SNS-compatible endpoint (moto in tests); AWS when unset
    region: str = "us-east-1"

    @property
    def enabled(self) -> bool:
        return bool(self.topic_arn)

    def publish(self, message: dict[str, Any]) -> str | None:
        """Publish `message` as JSON; the SNS message id (None when no topic is set)."""
        if not self.topic_arn:
            return None
        import boto3  # only for S3/SQS/SNS: local runs skip its import

        client = boto3.client("sns", endpoint_url=self.endpoint_url, region_name=self.region)
        subject = f"WMG {message.get('status', '')}: {message.get('file', '')}"[:99]
        response = client.publish(
            TopicArn=self.topic_arn, Subject=subject, Message=json.dumps(message, default=str)
        )
        log.info("published %s to %s", subject, self.topic_arn)
        return response["MessageId"]
