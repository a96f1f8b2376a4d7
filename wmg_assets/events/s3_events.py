"""S3 event notifications as they arrive on SQS: parsed into the objects that were created.

Handles messages sent by S3 straight to SQS and those relayed through SNS (the SNS envelope
holds the S3 event as a JSON string in `Message`). `s3:TestEvent` (sent when notifications are
configured) and events other than `ObjectCreated:*` yield nothing. Keys arrive URL-encoded
(`+` for a space) and are decoded here.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote_plus


@dataclass(frozen=True)
class S3ObjectCreated:
    bucket: str
    key: str  # decoded
    size: int
    etag: str
    time: datetime | None


def _event_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def parse_s3_events(body: str) -> list[S3ObjectCreated]:
    """The created objects a message tells of; ValueError when it is no S3 event at all."""
    try:
        doc = json.loads(body)
        if isinstance(doc, dict) and doc.get("Type") == "Notification" and "Message" in doc:
            doc = json.loads(doc["Message"])
    except (TypeError, json.JSONDecodeError) as e:
        raise ValueError(f"not JSON: {e}") from e
    if not isinstance(doc, dict):
        raise ValueError("not an S3 event notification (expected a JSON object)")
    if doc.get("Event") == "s3:TestEvent":
        return []
    records = doc.get("Records")
    if not isinstance(records, list):
        raise ValueError("not an S3 event notification (no Records)")
    created = []
    for record in records:
        if not isinstance(record, dict) or record.get("eventSource") != "aws:s3":
            continue
        if not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        try:
            s3 = record["s3"]
            bucket, obj = s3["bucket"]["name"], s3["object"]
            created.append(
                S3ObjectCreated(
                    bucket=bucket,
                    key=unquote_plus(obj["key"]),
                    size=int(obj.get("size", 0)),
                    etag=str(obj.get("eTag", "")).strip('"'),
                    time=_event_time(record.get("eventTime")),
                )
            )
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"malformed S3 event record: missing or bad {e}") from e
    return created
