"""Snapshot expiry for the Iceberg tables this platform writes with pyiceberg.

Every commit adds a snapshot, and pyiceberg copies the whole table metadata (every snapshot
in it) many times per commit, so a table committed to on a schedule gets slower with each run
and its lake folder only grows. `expire_snapshots` keeps the newest snapshots (and any a
branch or tag points at), removes the others from the metadata in one commit, then deletes
the files only they used: manifest lists, manifests, data and delete files. It is what
Iceberg's `expireSnapshots` action does, without the Java; pyiceberg's own `expire_snapshots`
edits the metadata only and leaves every file behind.

`KEEP_METADATA` are the table properties that make pyiceberg itself delete the metadata JSON
files of earlier commits beyond the last few (Iceberg's `write.metadata.*` properties).
"""

import logging
from dataclasses import dataclass

from pyiceberg.exceptions import CommitFailedException
from pyiceberg.manifest import ManifestFile
from pyiceberg.table import Table, TableProperties
from pyiceberg.table.snapshots import Snapshot
from pyiceberg.table.update.snapshot import ExpireSnapshots

from wmg_resources.iceberg_row_changes import live_entries
from wmg_resources.iceberg_transaction import transaction

log = logging.getLogger(__name__)


def keep_metadata(versions: int) -> dict[str, str]:
    """Table properties: pyiceberg deletes metadata files older than the last `versions`."""
    return {
        TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED: "true",
        TableProperties.METADATA_PREVIOUS_VERSIONS_MAX: str(versions),
    }


@dataclass(frozen=True)
class Expired:
    """What one expiry removed: snapshots from the metadata, files from storage."""

    snapshots: int = 0
    files: int = 0


def _newest_first(snapshots: list[Snapshot]) -> list[Snapshot]:
    return sorted(snapshots, key=lambda s: (s.sequence_number or 0, s.timestamp_ms), reverse=True)


def _manifests(table: Table, snapshots: list[Snapshot]) -> dict[str, ManifestFile]:
    return {m.manifest_path: m for s in snapshots for m in s.manifests(table.io)}


def _file_paths(table: Table, manifests: list[ManifestFile], live_only: bool) -> set[str]:
    return {
        entry.data_file.file_path
        for manifest in manifests
        for entry in (
            live_entries(table.io, manifest) if live_only
            else manifest.fetch_manifest_entry(table.io, discard_deleted=False)
        )
    }  # fmt: skip


def expire_snapshots(table: Table, keep: int, properties: dict[str, str] | None = None) -> Expired:
    """Expire all but the newest `keep` snapshots of `table` (those a branch or tag points at
    stay too) and delete the files no kept snapshot uses. `properties` are set in the same
    commit (e.g. `keep_metadata`). `table` is updated by the commit.

    The metadata commit comes first: if a file deletion fails afterwards, the file is only an
    orphan (logged), never a file a snapshot still needs.
    """
    name, metadata = ".".join(table.name()), table.metadata
    protected = {ref.snapshot_id for ref in metadata.refs.values()}
    newest = _newest_first(list(metadata.snapshots))
    kept = [s for i, s in enumerate(newest) if i < keep or s.snapshot_id in protected]
    expired = [s for s in newest if s not in kept]
    if not expired:
        return Expired()
    kept_manifests = _manifests(table, kept)
    gone_manifests = {
        path: m for path, m in _manifests(table, expired).items() if path not in kept_manifests
    }
    # A file a kept snapshot reads is in one of its manifests, added or existing there.
    needed = _file_paths(table, list(kept_manifests.values()), live_only=True)
    used = _file_paths(table, list(gone_manifests.values()), live_only=False)
    with transaction(table) as tx:
        if properties:
            tx.set_properties(properties)
        with ExpireSnapshots(tx) as expiry:
            expiry.by_ids([s.snapshot_id for s in expired])
    garbage = sorted(used - needed) + sorted(gone_manifests) + [s.manifest_list for s in expired]
    deleted = 0
    for path in garbage:
        try:
            table.io.delete(path)
            deleted += 1
        except FileNotFoundError:
            pass  # already gone: an earlier expiry stopped half-way
        except OSError as e:
            log.warning("%s: could not delete %s after expiring its snapshots: %s", name,
                        path, e)  # fmt: skip
    log.info("%s: expired %d snapshot(s), deleted %d file(s)", name, len(expired), deleted)
    return Expired(len(expired), deleted)


def expire_when_due(table: Table, keep: int) -> Expired:
    """What a writer calls after each commit: once `table` holds more than twice `keep`
    snapshots, the oldest are expired down to `keep` (and `keep_metadata(keep)` set), so an
    expiry runs once every `keep` commits, not on each. The catalog applies the removal to the
    table's current metadata, so another writer's newer snapshot stays; if that writer's
    commit lands at the same instant (the catalog refuses one of the two), the expiry is left
    to a later commit: it never fails the caller's commit, which is done by then."""
    if len(table.metadata.snapshots) <= 2 * keep:
        return Expired()
    try:
        return expire_snapshots(table, keep, keep_metadata(keep))
    except CommitFailedException as e:
        log.info("%s: snapshot expiry left to a later commit (another writer committed "
                 "meanwhile: %s)", ".".join(table.name()), e)  # fmt: skip
        return Expired()
