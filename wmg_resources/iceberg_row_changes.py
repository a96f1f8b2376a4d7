"""Row-level changes to Iceberg tables: position-delete files (merge-on-read), committed.

pyiceberg (0.12) reads position deletes but writes none ("when delete-file write support
lands", in its snapshot producer). This module adds the one operation the datamart mirrors
need, built the way pyiceberg's own snapshot producers are: `commit_row_changes`, one snapshot
that adds data files and position-delete files and removes data and delete files.

A position-delete file is Parquet with two columns, `file_path` (a data file's path as the
table knows it) and `pos` (0-based row in that file), sorted by both, with the field ids the
Iceberg spec reserves; it lives in a manifest of its own (content `deletes`). Any Iceberg v2
reader (Spark, Trino, Athena, pyiceberg, DuckDB's iceberg extension) applies it. Iceberg v3
tables use deletion vectors instead: `supports_position_deletes` says which tables take them.
"""

from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pyiceberg.io import FileIO
from pyiceberg.io.pyarrow import parquet_files_to_data_files
from pyiceberg.manifest import (
    DataFile,
    DataFileContent,
    FileFormat,
    ManifestContent,
    ManifestEntry,
    ManifestEntryStatus,
    ManifestFile,
    ManifestWriter,
    ManifestWriterV2,
)
from pyiceberg.table import Table, TableProperties, Transaction
from pyiceberg.table.snapshots import Operation
from pyiceberg.table.update.snapshot import _SnapshotProducer
from pyiceberg.typedef import Record

FILE_PATH_FIELD_ID = 2147483546  # reserved by the Iceberg spec for position deletes
POS_FIELD_ID = 2147483545

POSITION_DELETE_SCHEMA = pa.schema([
    pa.field("file_path", pa.string(), nullable=False,
             metadata={b"PARQUET:field_id": str(FILE_PATH_FIELD_ID).encode()}),
    pa.field("pos", pa.int64(), nullable=False,
             metadata={b"PARQUET:field_id": str(POS_FIELD_ID).encode()}),
])  # fmt: skip


MERGE_MANIFESTS_OVER = 8
"""Once a snapshot would keep more manifests of one kind (data, deletes) than this, unchanged,
they are merged into one: each commit adds a manifest or two, and readers open every one."""


def supports_position_deletes(table: Table) -> bool:
    """Position-delete files belong to format v2 (v1 has no deletes, v3 uses vectors)."""
    return table.format_version == 2


def write_position_deletes(batches: Iterable[pa.RecordBatch], out: Path) -> int:
    """Write `(file_path, pos)` batches, already sorted by both, as a position-delete file;
    the rows written."""
    rows = 0
    with pq.ParquetWriter(out, POSITION_DELETE_SCHEMA) as writer:
        for batch in batches:
            writer.write_batch(batch.cast(POSITION_DELETE_SCHEMA))
            rows += batch.num_rows
    return rows


def position_delete_file(local: Path, uri: str) -> DataFile:
    """The manifest entry's file of the position-delete file `local`, stored at `uri`: its
    rows, size and the bounds of the paths it deletes from (readers use them to skip it)."""
    meta = pq.ParquetFile(local).metadata
    groups = [meta.row_group(g) for g in range(meta.num_row_groups)]
    paths = [g.column(0).statistics for g in groups]
    ids = (FILE_PATH_FIELD_ID, POS_FIELD_ID)
    lower = min(s.min for s in paths if s is not None and s.has_min_max)
    upper = max(s.max for s in paths if s is not None and s.has_min_max)
    return DataFile.from_args(
        content=DataFileContent.POSITION_DELETES,
        file_path=uri,
        file_format=FileFormat.PARQUET,
        partition=Record(),
        record_count=meta.num_rows,
        file_size_in_bytes=local.stat().st_size,
        column_sizes={
            i: sum(g.column(c).total_compressed_size for g in groups) for c, i in enumerate(ids)
        },
        value_counts=dict.fromkeys(ids, meta.num_rows),
        null_value_counts=dict.fromkeys(ids, 0),
        nan_value_counts={},
        split_offsets=[],
        lower_bounds={FILE_PATH_FIELD_ID: lower.encode()},
        upper_bounds={FILE_PATH_FIELD_ID: upper.encode()},
    )


LIVE_ENTRIES_CACHED = 1024
"""Manifests whose live entries a process keeps (manifest files never change once written)."""

_live_entries_cache: OrderedDict[str, list[ManifestEntry]] = OrderedDict()


def live_entries(io: FileIO, manifest: ManifestFile) -> list[ManifestEntry]:
    """The added and existing entries of `manifest`, read once per process: a run lists a
    table's files and then rewrites some of the same manifests in its commit."""
    entries = _live_entries_cache.get(manifest.manifest_path)
    if entries is None:
        entries = manifest.fetch_manifest_entry(io, discard_deleted=True)
        _live_entries_cache[manifest.manifest_path] = entries
        if len(_live_entries_cache) > LIVE_ENTRIES_CACHED:
            _live_entries_cache.popitem(last=False)
    else:
        _live_entries_cache.move_to_end(manifest.manifest_path)
    return entries


def live_files(table: Table) -> tuple[list[DataFile], list[DataFile]]:
    """The current snapshot's data files and delete files (every one, from the manifests:
    also a delete file whose data files are gone, which a scan plan would not show)."""
    snapshot = table.current_snapshot()
    data: list[DataFile] = []
    deletes: list[DataFile] = []
    for manifest in snapshot.manifests(table.io) if snapshot else []:
        for entry in live_entries(table.io, manifest):
            content = entry.data_file.content
            (data if content == DataFileContent.DATA else deletes).append(entry.data_file)
    return data, deletes


class _DeleteManifestWriter(ManifestWriterV2):
    def content(self) -> ManifestContent:
        return ManifestContent.DELETES

    @property
    def _meta(self) -> dict[str, str]:
        return {**super()._meta, "content": "deletes"}


class _RowChanges(_SnapshotProducer["_RowChanges"]):
    """One snapshot: files in (data and position deletes, each kind in its own manifest), files
    out (data or delete files; their manifests rewritten, the rest kept as they are)."""

    def __init__(self, transaction: Transaction, table: Table) -> None:
        has_rows = transaction.table_metadata.current_snapshot() is not None
        super().__init__(Operation.OVERWRITE if has_rows else Operation.APPEND, transaction,
                         table.io)  # fmt: skip

    def _writer(self, content: ManifestContent, spec_id: int) -> ManifestWriter:
        kind = _DeleteManifestWriter if content == ManifestContent.DELETES else ManifestWriterV2
        return kind(self.spec(spec_id), self.schema(), self.new_manifest_output(),
                    self._snapshot_id, self._compression)  # fmt: skip

    def _manifests(self) -> list[ManifestFile]:
        spec_id = self._transaction.table_metadata.default_spec_id
        manifests = []
        kinds = [(ManifestContent.DATA, DataFileContent.DATA),
                 (ManifestContent.DELETES, DataFileContent.POSITION_DELETES)]  # fmt: skip
        for content, kind in kinds:
            added = [f for f in self._added_data_files if f.content == kind]
            if not added:
                continue
            with self._writer(content, spec_id) as writer:
                for data_file in added:
                    writer.add(ManifestEntry.from_args(
                        status=ManifestEntryStatus.ADDED, snapshot_id=self._snapshot_id,
                        sequence_number=None, file_sequence_number=None, data_file=data_file,
                    ))  # fmt: skip
            manifests.append(writer.to_manifest_file())
        return manifests + self._existing_manifests()

    def _existing_manifests(self) -> list[ManifestFile]:
        snapshot = self._transaction.table_metadata.current_snapshot()
        kept: list[ManifestFile] = []
        unchanged: list[ManifestFile] = []
        for manifest in snapshot.manifests(self._io) if snapshot else []:
            if manifest.added_files_count == 0 and manifest.existing_files_count == 0:
                continue  # only files deleted by an earlier snapshot: nothing live
            entries = live_entries(self._io, manifest) if self._deleted_data_files else []
            if not any(e.data_file in self._deleted_data_files for e in entries):
                unchanged.append(manifest)
                continue
            removed = {e.data_file for e in entries} & self._deleted_data_files
            kept.append(self._rewrite(manifest.content, manifest.partition_spec_id, entries,
                                      removed))  # fmt: skip
        for content in (ManifestContent.DATA, ManifestContent.DELETES):
            same = [m for m in unchanged if m.content == content]
            spec_ids = {m.partition_spec_id for m in same}
            if len(same) <= MERGE_MANIFESTS_OVER or len(spec_ids) != 1:
                kept += same
                continue
            entries = [e for m in same for e in live_entries(self._io, m)]
            kept.append(self._rewrite(content, spec_ids.pop(), entries, set()))
        return kept

    def _rewrite(
        self,
        content: ManifestContent,
        spec_id: int,
        entries: list[ManifestEntry],
        removed: set[DataFile],
    ) -> ManifestFile:
        """A manifest of `entries`: those in `removed` as deleted by this snapshot, the others
        as existing (their snapshot and sequence numbers kept)."""
        with self._writer(content, spec_id) as writer:
            for e in entries:
                gone = e.data_file in removed
                writer.add_entry(ManifestEntry.from_args(
                    status=ManifestEntryStatus.DELETED if gone else ManifestEntryStatus.EXISTING,
                    snapshot_id=self._snapshot_id if gone else e.snapshot_id,
                    sequence_number=e.sequence_number,
                    file_sequence_number=e.file_sequence_number,
                    data_file=e.data_file,
                ))  # fmt: skip
        return writer.to_manifest_file()

    def _deleted_entries(self) -> list[ManifestEntry]:
        return []  # written with the manifests they came from, in _existing_manifests


def commit_row_changes(
    tx: Transaction,
    table: Table,
    *,
    removed: Iterable[DataFile] = (),
    added_data: Iterable[str] = (),
    added_deletes: Iterable[DataFile] = (),
) -> None:
    """In the transaction `tx` of `table`, one snapshot: the `removed` data and delete files
    out, the Parquet data files at the URIs `added_data` and the position-delete files
    `added_deletes` in. Data files without Iceberg field ids are read by column name (the
    table's name mapping is set, as `add_files` does)."""
    if tx.table_metadata.name_mapping() is None:
        mapping = tx.table_metadata.schema().name_mapping.model_dump_json()
        tx.set_properties({TableProperties.DEFAULT_NAME_MAPPING: mapping})
    with _RowChanges(tx, table) as producer:
        for data_file in removed:
            producer.delete_data_file(data_file)
        for data_file in parquet_files_to_data_files(table.io, tx.table_metadata,
                                                     iter(list(added_data))):  # fmt: skip
            producer.append_data_file(data_file)
        for delete_file in added_deletes:
            producer.append_data_file(delete_file)


def _path_bounds(delete_file: DataFile) -> tuple[bytes | None, bytes | None]:
    """The lowest and highest data file path a position-delete file names, if recorded."""
    lower = (delete_file.lower_bounds or {}).get(FILE_PATH_FIELD_ID)
    upper = (delete_file.upper_bounds or {}).get(FILE_PATH_FIELD_ID)
    return lower, upper


def referenced_path(delete_file: DataFile) -> str | None:
    """The one data file a position-delete file deletes from, if its bounds say so (as
    `position_delete_file`'s do)."""
    lower, upper = _path_bounds(delete_file)
    return lower.decode() if lower is not None and lower == upper else None


def applies_to(delete_file: DataFile, path: str) -> bool:
    """Whether the position-delete file may delete rows of the data file at `path`: its
    bounds of `file_path` hold `path` (without bounds, it may)."""
    lower, upper = _path_bounds(delete_file)
    if lower is None or upper is None:
        return True
    return lower <= path.encode() <= upper
