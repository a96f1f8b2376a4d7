"""The file ledger `<schema>.file_ledger`: which landed file content was loaded, by which run.

One row per file attempt that reached an outcome: `SUCCESS` (loaded into the target),
`FAILED`, or `DUPLICATE` (its content had been loaded before, so nothing was done). A file
counts as loaded when a `SUCCESS` row of its feed has the same sha256, or, for sensors that
see only the object store's listing, the same ETag and size. So the same content landing
again is a no-op, and the same name with new content loads.
"""

from dataclasses import dataclass, fields
from datetime import datetime

from wmg_resources.warehouse.base import Warehouse
from wmg_resources.warehouse.dialect import column_list, qualified, quote
from wmg_resources.warehouse.records import append_record

LEDGER_TABLE = "file_ledger"

SUCCESS, FAILED, DUPLICATE = "SUCCESS", "FAILED", "DUPLICATE"

LEDGER_TYPES = {"size": "BIGINT", "loaded_at": "TIMESTAMP", "status": "VARCHAR(16)"}


@dataclass(frozen=True)
class LedgerRow:
    key: str  # lake key the file was loaded from, e.g. data/in/customers_2026_11_01.csv
    sha256: str
    size: int
    feed: str
    run_id: str
    status: str  # SUCCESS | FAILED | DUPLICATE
    loaded_at: datetime  # UTC, naive
    etag: str  # the object store's version tag (S3 ETag; size and mtime for a local lake)


def write_ledger_row(wh: Warehouse, schema: str, row: LedgerRow) -> None:
    append_record(wh, schema, LEDGER_TABLE, row, LEDGER_TYPES)


def find_loaded(
    wh: Warehouse,
    schema: str,
    feed: str,
    *,
    sha256: str | None = None,
    etag: str | None = None,
    size: int | None = None,
) -> LedgerRow | None:
    """The latest SUCCESS row of `feed` for this content: by `sha256`, or by `etag` and
    `size`; None when the content was never loaded (or the ledger does not exist yet)."""
    if wh.columns(schema, LEDGER_TABLE) is None:
        return None
    d, p = wh.dialect, wh.param
    names = [f.name for f in fields(LedgerRow)]
    if sha256 is not None:
        match, values = f"{quote('sha256', d)} = {p}", [sha256]
    elif etag and size is not None:
        match, values = f"{quote('etag', d)} = {p} AND {quote('size', d)} = {p}", [etag, size]
    else:
        raise ValueError("find_loaded needs sha256, or etag and size")
    _, rows = wh.query(
        f"SELECT {column_list(names, d)} FROM {qualified(schema, LEDGER_TABLE, d)} "
        f"WHERE {quote('feed', d)} = {p} AND {quote('status', d)} = {p} AND {match} "
        f"ORDER BY {quote('loaded_at', d)} DESC LIMIT 1",
        [feed, SUCCESS, *values],
    )
    return LedgerRow(*rows[0]) if rows else None
