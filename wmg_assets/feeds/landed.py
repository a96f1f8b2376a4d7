"""A landed file as bronze sees it, and the exactly-once rule: each landed object once.

Bronze records each file's key, size, sha256 and ETag. Before a file is loaded, the file
ledger (`wmg.file_ledger`) is asked whether its feed already loaded this object (the same
name with the same content; see `ledger.py`); if so the run is a visible no-op ("already
loaded in run …"): the file is archived, a `DUPLICATE` row goes to the ledger and silver and
warehouse are skipped. The merge asks again inside its transaction, so of two runs of one
object at once only one loads. The run tag `wmg/reload=true` forces a load anyway.
"""

import codecs
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import dagster as dg

from wmg_assets.feeds.config import FeedConfig
from wmg_assets.transforms.records import CsvRecordCounter
from wmg_resources.lake import LakeResource, archive_key
from wmg_resources.warehouse import WarehouseResource
from wmg_resources.warehouse.base import Warehouse
from wmg_resources.warehouse.ledger import (
    DUPLICATE,
    LedgerRow,
    find_loaded,
    write_ledger_row,
)

log = logging.getLogger(__name__)

ALREADY_LOADED = "already_loaded_in_run"
RELOAD_TAG = "wmg/reload"


def bronze_asset_key(feed: FeedConfig) -> dg.AssetKey:
    return dg.AssetKey(["bronze", feed.name])


@dataclass(frozen=True)
class LandedFile:
    """A file in the lake: where it is and what it holds."""

    key: str
    size: int
    sha256: str
    etag: str
    lines: int = 0
    records: int | None = None  # data records (CSV-aware; None if the encoding hides them)

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[-1]

    def metadata(self) -> dict[str, Any]:
        return {
            "file_name": self.name,
            "key": self.key,
            "size_bytes": self.size,
            "sha256": self.sha256,
            "etag": self.etag,
            "lines": self.lines,
            "records": self.records if self.records is not None else -1,
        }

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any]) -> "LandedFile":
        def value(name: str, default: Any = "") -> Any:
            entry = metadata.get(name)
            return default if entry is None else getattr(entry, "value", entry)

        return cls(
            key=str(value("key") or f"data/in/{value('file_name')}"),
            size=int(value("size_bytes", 0)),
            sha256=str(value("sha256")),
            etag=str(value("etag")),
            lines=int(value("lines", 0)),
            records=None if int(value("records", -1)) < 0 else int(value("records")),
        )

    def ledger_row(self, feed: str, run_id: str, status: str) -> LedgerRow:
        now = datetime.now(UTC).replace(tzinfo=None)
        return LedgerRow(self.key, self.sha256, self.size, feed, run_id, status, now, self.etag)


def landed_file(lake: LakeResource, file_name: str, feed: FeedConfig) -> LandedFile:
    """The landed file of a partition (in `data/in/`, or where it was moved to), with its
    data records counted while its bytes are hashed."""
    key = lake.find_landed(file_name)
    found = lake.stat(key) if key else None
    if key is None or found is None:
        raise dg.Failure(
            description=f"{file_name}: no such file in {lake.uri('data/in/')} "
            "(nor in data/archive/ or data/unprocessed/)",
            allow_retries=False,
        )
    counter = CsvRecordCounter(feed.csv.quote) if _ascii_compatible(feed.csv.encoding) else None
    digest = lake.digest(key, observe=counter.update if counter else None)
    records = None if counter is None else max(counter.records - int(feed.csv.header), 0)
    return LandedFile(key, digest.size, digest.sha256, found.etag, digest.lines, records)


def log_landed(landed: LandedFile) -> None:
    """The landing's log line (after the already-loaded check: a no-op run's first line
    says it is one)."""
    log.info("%s landed at %s: %d bytes, %s records, sha256 %s", landed.name, landed.key,
             landed.size, "?" if landed.records is None else landed.records,
             landed.sha256)  # fmt: skip


def _ascii_compatible(encoding: str) -> bool:
    """Whether quotes and line breaks are the same single bytes as in ASCII."""
    return codecs.lookup(encoding).name in ASCII_COMPATIBLE


ASCII_COMPATIBLE = {"utf-8", "ascii", "latin-1", "iso8859-1", "cp1252", "iso8859-15", "utf-8-sig"}


@dataclass(frozen=True)
class Materialized:
    """The latest materialization of one partition of an asset: its run and metadata."""

    run_id: str
    metadata: dict[str, Any]

    def number(self, name: str) -> int | None:
        entry = self.metadata.get(name)
        value = getattr(entry, "value", entry)
        return None if value is None or value == "" else int(value)


def latest_materialization(
    instance: dg.DagsterInstance, key: dg.AssetKey, partition: str | None
) -> Materialized | None:
    """The latest materialization of `key` (of one partition, unless `partition` is None)."""
    partitions = None if partition is None else [partition]
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=partitions), limit=1
    ).records
    materialization = records[0].asset_materialization if records else None
    if materialization is None:
        return None
    return Materialized(records[0].run_id, dict(materialization.metadata))


def loaded_file_of_partition(
    instance: dg.DagsterInstance, feed: FeedConfig, partition: str
) -> LandedFile | None:
    """What bronze recorded of the partition's file at its latest materialization."""
    latest = latest_materialization(instance, bronze_asset_key(feed), partition)
    return None if latest is None else LandedFile.from_metadata(latest.metadata)


def previous_load(
    wh: Warehouse, audit_schema: str, feed: FeedConfig, landed: LandedFile, run_id: str
) -> LedgerRow | None:
    """The earlier load (by another run) that makes this landed object already loaded."""
    previous = find_loaded(
        wh, audit_schema, feed.name, name=landed.name, sha256=landed.sha256,
        any_name=feed.skip_repeated_content,
    )  # fmt: skip
    return None if previous is None or previous.run_id == run_id else previous


def reload_requested(context: dg.AssetExecutionContext) -> bool:
    return context.run.tags.get(RELOAD_TAG, "").lower() == "true"


def skip_if_already_loaded(
    context: dg.AssetExecutionContext,
    feed: FeedConfig,
    *,
    lake: LakeResource,
    warehouse: WarehouseResource,
    landed: LandedFile,
) -> LedgerRow | None:
    """If the feed already loaded this object (and no reload is asked for): archive the
    file, record a DUPLICATE, log where it was loaded, and return that load's ledger row."""
    if reload_requested(context):
        return None
    with warehouse.connect() as wh:
        previous = previous_load(wh, warehouse.audit_schema, feed, landed, context.run_id)
    if previous is not None:
        record_duplicate(context.run_id, feed, lake=lake, warehouse=warehouse, landed=landed,
                         previous=previous)  # fmt: skip
    return previous


def record_duplicate(
    run_id: str,
    feed: FeedConfig,
    *,
    lake: LakeResource,
    warehouse: WarehouseResource,
    landed: LandedFile,
    previous: LedgerRow,
) -> None:
    """A run that found its object already loaded: a DUPLICATE ledger row, the file archived
    (wherever it is now), and a log line naming the run that loaded it."""
    with warehouse.connect() as wh:
        write_ledger_row(
            wh, warehouse.audit_schema, landed.ledger_row(feed.name, run_id, DUPLICATE)
        )
    destination = archive_key(landed.name, datetime.now(UTC))
    current = lake.find_landed(landed.name)
    if current is not None and current != destination:
        lake.move(current, destination)
    log.info(
        "%s: already loaded in run %s (from %s at %s UTC); nothing to load, file moved to %s",
        landed.name, previous.run_id, previous.key, f"{previous.loaded_at:%Y-%m-%d %H:%M:%S}",
        destination,
    )  # fmt: skip
