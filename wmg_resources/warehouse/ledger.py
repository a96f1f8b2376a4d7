"""The file ledger `<schema>.file_ledger`: which landed file content was loaded, by which run.

One row per file attempt that reached an outcome: `SUCCESS` (loaded into the target),
`FAILED`, or `DUPLICATE` (its content had been loaded before, so nothing was done).

Exactly once is per landed object, name and content, as object stores and warehouse load
histories key it: a file is already loaded when the latest `SUCCESS` of its feed *under the
same name* has the same sha256 (or, for sensors that see only the object store's listing,
the same ETag and size). So the same object landing again is a no-op, the same name with new
content loads, and a new name is new data — even with the bytes of an older file. A feed may
opt in (`skip_repeated_content`) to skip a file whose content equals the feed's latest load
under any name; never an older load, so the target cannot go stale.

The SUCCESS row is written in the merge's own transaction, so the ledger and the target
always agree, and of two runs loading the same object at once only one commits.
"""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

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

    @property
    def file_name(self) -> str:
        return self.key.rsplit("/", 1)[-1]


class AlreadyLoaded(Exception):
    """Another run loaded this object first; the merge that found it rolled back."""

    def __init__(self, previous: LedgerRow) -> None:
        self.previous = previous
        super().__init__(f"{previous.file_name}: already loaded in run {previous.run_id}")


def write_ledger_row(wh: Warehouse, schema: str, row: LedgerRow) -> None:
    append_record(wh, schema, LEDGER_TABLE, row, LEDGER_TYPES)


def _like_suffix(name: str) -> str:
    """A LIKE pattern (escape `!`: a backslash means different things across dialects)
    matching keys that end in `/name`."""
    return "%/" + name.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def find_loaded(
    wh: Warehouse,
    schema: str,
    feed: str,
    *,
    name: str,
    sha256: str | None = None,
    etag: str | None = None,
    size: int | None = None,
    any_name: bool = False,
) -> LedgerRow | None:
    """The load that makes this object already loaded (see the module docstring): the
    latest SUCCESS of `feed` under `name` (of any name with `any_name`), if it has this
    content — by `sha256`, or by `etag` and `size`; else None (also when there is no ledger)."""
    if sha256 is None and not (etag and size is not None):
        raise ValueError("find_loaded needs sha256, or etag and size")
    if wh.columns(schema, LEDGER_TABLE) is None:
        return None
    latest = [_latest_success(wh, schema, feed, name)]
    if any_name:
        latest.append(_latest_success(wh, schema, feed, None))
    for row in latest:
        if row is None:
            continue
        same = row.sha256 == sha256 if sha256 is not None else (row.etag, row.size) == (etag, size)
        if same:
            return row
    return None


def _latest_success(wh: Warehouse, schema: str, feed: str, name: str | None) -> LedgerRow | None:
    d, p = wh.dialect, wh.param
    names = [f.name for f in fields(LedgerRow)]
    where = f"{quote('feed', d)} = {p} AND {quote('status', d)} = {p}"
    values: list[Any] = [feed, SUCCESS]
    if name is not None:
        where += f" AND {quote('key', d)} LIKE {p} ESCAPE '!'"
        values.append(_like_suffix(name))
    _, rows = wh.query(
        f"SELECT {column_list(names, d)} FROM {qualified(schema, LEDGER_TABLE, d)} "
        f"WHERE {where} ORDER BY {quote('loaded_at', d)} DESC LIMIT 1",
        values,
    )
    return LedgerRow(*rows[0]) if rows else None
