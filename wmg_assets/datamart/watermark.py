"""The datamart's watermark: `watermarks/<database>.csv` in the lake, in the seed's format —
a header `last_load_timestamp` and one UTC value `YYYY-MM-DD HH:MM:SS`.

It holds the largest incremental-field value a load actually read (floored to the second, so
no row is ever skipped), never the wall clock.
"""

from datetime import UTC, datetime

from wmg_resources.lake import LakeResource

HEADER = "last_load_timestamp"


def watermark_key(database: str) -> str:
    return f"watermarks/{database}.csv"


def utc_naive(value: datetime) -> datetime:
    """Naive values are taken as UTC; aware ones are converted to it."""
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def read_watermark(lake: LakeResource, database: str) -> datetime | None:
    """The stored watermark (naive UTC), or None when there is none (a full load is due)."""
    key = watermark_key(database)
    if not lake.exists(key):
        return None
    lines = [line.strip() for line in lake.read_bytes(key).decode().splitlines() if line.strip()]
    if len(lines) != 2 or lines[0] != HEADER:
        raise ValueError(
            f"{lake.uri(key)}: expected a header {HEADER!r} and one timestamp, got {lines!r}"
        )
    try:
        return utc_naive(datetime.fromisoformat(lines[1]))
    except ValueError as e:
        raise ValueError(f"{lake.uri(key)}: {lines[1]!r} is not a timestamp") from e


def write_watermark(lake: LakeResource, database: str, value: datetime) -> str:
    """Store `value` (floored to the second); the text stored."""
    text = f"{utc_naive(value):%Y-%m-%d %H:%M:%S}"
    lake.put_bytes(f"{HEADER}\n{text}\n".encode(), watermark_key(database))
    return text
