"""The steps of a file feed, over resources: land → silver (Iceberg) → warehouse.

Assets call these and report what they return; nothing here imports an asset.
"""

import logging
import re
import tempfile
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# DuckDB's Ibis backend (every step's engine) and pyiceberg's Parquet writer (every commit)
# are imported with the definitions, not by a step while its threads parse.
import ibis.backends.duckdb  # noqa: F401
import pyarrow as pa
import pyarrow.parquet as pq
import pyiceberg.io.pyarrow  # noqa: F401
import tenacity
from pyiceberg.exceptions import CommitFailedException, NoSuchTableError, ValidationError
from pyiceberg.expressions import BooleanExpression, EqualTo
from pyiceberg.io import load_file_io
from pyiceberg.manifest import DataFile
from pyiceberg.serializers import FromInputFile
from pyiceberg.table import Table as IcebergTable
from pyiceberg.table import TableProperties

from wmg_assets.feeds.column_transforms import apply_column_transforms
from wmg_assets.feeds.config import SNAPSHOTS_KEPT, FeedConfig
from wmg_assets.feeds.quality import RulesOutcome, apply_rules
from wmg_assets.feeds.streaming_cast import StreamingCast
from wmg_assets.transforms.inference import first_value_not_of
from wmg_assets.transforms.progress import Progress
from wmg_assets.transforms.raw_csv import LINE_COLUMN, RawFile, parse_csv_to_parquet
from wmg_assets.transforms.silver import TypeConflict, align_types, to_silver
from wmg_resources.engine import EngineResource
from wmg_resources.errors import InputError
from wmg_resources.iceberg import IcebergResource
from wmg_resources.iceberg_expiry import expire_when_due, keep_metadata
from wmg_resources.lake import LakeResource, dlq_prefix, landing_key, silver_prefix
from wmg_resources.timing import StepTimes
from wmg_resources.warehouse import WarehouseResource
from wmg_resources.warehouse.dialect import logical_type
from wmg_resources.warehouse.merge import MergeResult, Recorder, SourceColumn, upsert_parquet

log = logging.getLogger(__name__)

SILVER_NAMESPACE = "silver"
COMMIT_ATTEMPTS = 20
SILVER_TABLE_PROPERTIES = {
    # Exact file_name bounds, so a file's rows are found (and replaced) by pruning alone;
    # Iceberg's default truncates string bounds to 16 characters.
    "write.metadata.metrics.column.file_name": "full",
    # Each loaded file adds a manifest; past 20, a commit merges them (Iceberg's merge append,
    # on by default in Java, off in pyiceberg), so finding a file's rows does not open one
    # manifest per file ever loaded: at ~120 files, 0.25 s a commit instead of 0.9 s.
    TableProperties.MANIFEST_MERGE_ENABLED: "true",
    TableProperties.MANIFEST_MIN_MERGE_COUNT: "20",
}


def silver_table_properties(snapshots_kept: int) -> dict[str, str]:
    """The properties every silver table has (set on the next commit of an older table)."""
    return {**SILVER_TABLE_PROPERTIES, **keep_metadata(snapshots_kept)}


@dataclass(frozen=True)
class SilverResult:
    table_name: str
    rows: int
    rejected: int
    dlq_key: str | None
    schema: pa.Schema
    data_keys: list[str]
    snapshot_id: int | None
    seconds: dict[str, float]  # per step: parse (and infer), cast, publish, commit
    rules: RulesOutcome | None = None
    rules_dlq_keys: list[str] = field(default_factory=list)


def silver_type_of(arrow_type: pa.DataType) -> str:
    """The silver (Ibis) type name of an Arrow/Iceberg column type."""
    if pa.types.is_decimal(arrow_type):
        return f"decimal({arrow_type.precision},{arrow_type.scale})"  # type: ignore[attr-defined]
    if pa.types.is_timestamp(arrow_type):
        return "timestamp"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "string"
    return {"int64": "int64", "bool": "boolean", "date32[day]": "date"}.get(
        str(arrow_type), str(arrow_type)
    )


def _rows_of(file_name: str) -> BooleanExpression:
    """The Iceberg row filter of one landed file's rows."""
    return EqualTo(term="file_name", literal=file_name)  # type: ignore[call-arg]


def nullable_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([f.with_nullable(True) for f in schema])


def _safe_stem(file_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", file_name)


def load_silver_table(
    iceberg: IcebergResource, feed: str, lake: LakeResource | None = None
) -> IcebergTable | None:
    """The feed's silver table, or None when there is none yet. With `lake`, a table the
    catalog does not know while the lake holds its data (a lost or reset catalog) is an
    error: writing would start a new table and orphan the old data. Metadata without a
    snapshot holds no data: it is a table another run is creating this moment (its first
    metadata is written before the catalog knows it) or one whose creator stopped there."""
    try:
        return iceberg.catalog().load_table(f"{SILVER_NAMESPACE}.{feed}")
    except NoSuchTableError:
        orphaned = None if lake is None else latest_silver_metadata(lake, feed)
        if lake is not None and orphaned is not None and _holds_data(iceberg, lake, orphaned):
            raise SilverNotRegistered(feed, lake.uri(orphaned)) from None
        return None


METADATA_READ_ATTEMPTS = 5


def _holds_data(iceberg: IcebergResource, lake: LakeResource, metadata_key: str) -> bool:
    """Whether an Iceberg metadata file names a current snapshot (a committed write), read
    by pyiceberg (gzip-compressed `.gz.metadata.json` too). One that cannot be read is read
    again a few times (its writer may be writing it this moment); still unreadable, it counts
    as holding data: an error is safer than a new table over old data."""
    uri = lake.uri(metadata_key)
    io = load_file_io(iceberg.catalog().properties, uri)
    unreadable = (ValueError, ValidationError, EOFError, OSError, zlib.error)
    try:
        for attempt in tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(unreadable),
            stop=tenacity.stop_after_attempt(METADATA_READ_ATTEMPTS),
            wait=tenacity.wait_fixed(0.1),
            reraise=True,
        ):
            with attempt:
                metadata = FromInputFile.table_metadata(io.new_input(uri))
    except unreadable:
        log.warning("%s: unreadable Iceberg metadata", uri, exc_info=True)
        return True
    return metadata.current_snapshot_id is not None


class SilverNotRegistered(RuntimeError):
    """The lake holds a silver table that the Iceberg catalog does not know."""

    def __init__(self, feed: str, metadata_uri: str) -> None:
        self.feed, self.metadata_uri = feed, metadata_uri
        super().__init__(
            f"silver.{feed} is not in the Iceberg catalog, but the lake holds its data and "
            f"metadata ({metadata_uri}): the catalog was lost or reset. Nothing was written. "
            f"Run `wmg silver register {feed}` to register the latest metadata again."
        )


def latest_silver_metadata(lake: LakeResource, feed: str) -> str | None:
    """Key of the newest metadata file of the feed's silver table in the lake, if any
    (pyiceberg names them `<sequence>-<uuid>.metadata.json`)."""
    found = [
        o.key for o in lake.list(f"{silver_prefix(feed)}/metadata")
        if o.key.endswith(".metadata.json")
    ]  # fmt: skip
    return max(found, key=lambda k: k.rsplit("/", 1)[-1]) if found else None


def register_silver_table(iceberg: IcebergResource, lake: LakeResource, feed: str) -> str:
    """Register the lake's latest metadata of `silver.<feed>` in the catalog; its URI."""
    key = latest_silver_metadata(lake, feed)
    if key is None:
        raise LookupError(
            f"no silver metadata for feed {feed!r} under {lake.uri(silver_prefix(feed))}"
        )
    catalog = iceberg.catalog()
    catalog.create_namespace_if_not_exists(SILVER_NAMESPACE)
    catalog.register_table(f"{SILVER_NAMESPACE}.{feed}", lake.uri(key))
    return lake.uri(key)


@dataclass(frozen=True)
class PreparedSilver:
    """A file parsed and typed into local Parquet `files`, not yet committed anywhere."""

    raw: RawFile
    files: list[Path]
    schema: pa.Schema
    existing: IcebergTable | None
    times: StepTimes


def prepare_silver(
    feed: FeedConfig,
    file_name: str,
    open_stream: Callable[[], Any],
    scratch: Path,
    *,
    engine: EngineResource,
    iceberg: IcebergResource,
    lake: LakeResource | None = None,
    identifier_limit: int | None = None,
    expected_rows: int | None = None,
) -> PreparedSilver:
    """Parse, check and type a file on the engine into local Parquet (no rows when every
    row was rejected); types follow the silver table once it exists. Column names fit in
    `identifier_limit` bytes (the warehouse's)."""
    times = StepTimes()
    existing = load_silver_table(iceberg, feed.name, lake)
    current = (
        None if existing is None
        else {f.name: silver_type_of(f.type) for f in existing.schema().as_arrow()}
    )  # fmt: skip
    run_date = datetime.now(UTC)

    def aligned(types: dict[str, str]) -> dict[str, str]:
        return types if current is None else align_types(types, current, file_name)

    def parse(stream: StreamingCast | None = None) -> RawFile:
        with times("parse"):
            return parse_csv_to_parquet(
                open_stream, feed.csv.format(), file_name, scratch / "raw.parquet",
                keys=feed.upsert_keys, speculate=stream.start if stream else None,
                required=[feed.order_by] if feed.order_by else [],
                max_name_bytes=identifier_limit,
                progress=Progress(f"parse {file_name}", expected_rows),
            )  # fmt: skip

    files: list[Path] = []
    if engine.kind == "duckdb":  # cast while parsing; two passes only if the guess fails
        stream = StreamingCast(
            scratch / "silver", run_date=run_date, file_name=file_name,
            align=lambda types: _or_none(aligned, types),
        )  # fmt: skip
        try:
            raw = parse(stream)
        except BaseException:
            stream.abort()
            raise
        with times("cast"):
            files = stream.finish(raw.types, raw.padded)
        if not files and not raw.raw_written:
            raw = parse()
    else:
        raw = parse()
    if raw.rows == 0 and raw.rejected == 0:
        raise InputError(file_name, "the file has a header but no data rows")
    if raw.rows == 0:
        return PreparedSilver(raw, [], pa.schema([]), existing, times)
    if not files:
        try:
            types = aligned(raw.types)
        except TypeConflict as conflict:
            types = aligned(_settle(conflict, raw.types, raw.path))
        with times("cast"), engine.session() as con:
            expr = to_silver(
                con.read_parquet(str(raw.path)), types, run_date=run_date,
                file_name=file_name, padded=raw.padded,
            )  # fmt: skip
            files = engine.write_parquet(con, expr, scratch / "silver")
    return PreparedSilver(raw, files, nullable_schema(pq.read_schema(files[0])), existing, times)


def _settle(conflict: TypeConflict, types: dict[str, str], raw_path: Path) -> dict[str, str]:
    """Types for a file whose columns disagree with silver: a column none of whose values
    breaks the silver type (e.g. blank throughout) takes that type; otherwise the conflict
    is raised, naming the line and value where the file first breaks it."""
    settled = dict(types)
    for column, file_type, silver_type in conflict.problems:
        batches = pq.ParquetFile(raw_path).iter_batches(columns=[column, LINE_COLUMN])
        found = first_value_not_of(batches, column, silver_type)
        if found is not None:
            first = (column, file_type, silver_type)
            others = [p for p in conflict.problems if p != first]
            raise TypeConflict(conflict.file_name, [first, *others]).located(*found)
        settled[column] = silver_type
    return settled


def _or_none(
    fn: Callable[[dict[str, str]], dict[str, str]], types: dict[str, str]
) -> dict[str, str] | None:
    """`fn(types)`, or None where it finds the types in conflict (the caller decides later)."""
    try:
        return fn(types)
    except InputError:
        return None


def publish(
    lake: LakeResource,
    files: list[Path],
    prefix: str,
    file_name: str,
    run_id: str,
    *,
    move: bool = True,
) -> list[str]:
    """Move (or, to S3, or with `move` false, copy) local Parquet files into the lake under
    `prefix`; their keys."""
    keys = []
    for i, path in enumerate(files):
        key = f"{prefix}/{_safe_stem(file_name)}-{run_id[:8]}-{i}.parquet"
        lake.put_file(path, key, move=move)
        keys.append(key)
    return keys


def write_silver(
    feed: FeedConfig,
    file_name: str,
    run_id: str,
    *,
    lake: LakeResource,
    engine: EngineResource,
    iceberg: IcebergResource,
    identifier_limit: int | None = None,
    expected_rows: int | None = None,
) -> SilverResult:
    """Parse, type and commit one landed file into the feed's silver Iceberg table
    (`expected_rows`, the records bronze counted, sizes the parse's progress reports).

    Re-running it for the same file replaces that file's rows (one Iceberg commit deletes
    the old ones and adds the new files), so it is idempotent.
    """
    key = lake.find_landed(file_name)
    if key is None:
        raise InputError(file_name, f"not found in the lake at {lake.uri(landing_key(file_name))}")
    with tempfile.TemporaryDirectory(prefix="wmg-silver-") as scratch:
        prepared = prepare_silver(
            feed, file_name, lambda: lake.open_landed(file_name, key), Path(scratch), engine=engine,
            iceberg=iceberg, lake=lake, identifier_limit=identifier_limit,
            expected_rows=expected_rows,
        )  # fmt: skip
        raw, _existing, schema = prepared.raw, prepared.existing, prepared.schema
        times = prepared.times
        dlq_key = None
        if raw.rejects_path is not None:
            dlq_key = f"{dlq_prefix(feed.name, run_id)}/{_safe_stem(file_name)}.parquet"
            lake.put_file(raw.rejects_path, dlq_key)
            log.warning(
                "%d row(s) of %s rejected to the DLQ at %s", raw.rejected, file_name, dlq_key
            )
        if raw.rows == 0:
            raise InputError(
                file_name, f"all {raw.rejected} rows were rejected to the DLQ ({dlq_key})"
            )
        files, rules, rules_dlq_keys, rows = prepared.files, None, [], raw.rows
        if feed.transforms or feed.processing_metadata:
            with times("transform"):
                files = apply_column_transforms(
                    feed.transforms, feed.processing_metadata, feed=feed.name,
                    file_name=file_name, run_id=run_id, files=files, scratch=Path(scratch),
                    engine=engine,
                )  # fmt: skip
        if feed.rules is not None:
            with times("rules"):
                files, rules = apply_rules(feed.rules, file_name, files, Path(scratch), engine)
            if rules.dlq_files:
                rules_dlq_keys = publish(lake, rules.dlq_files, dlq_prefix(feed.name, run_id),
                                         f"{file_name}.rules", run_id)  # fmt: skip
                log.warning("%d row(s) of %s break the feed's rules: sent to the DLQ at %s",
                            rules.rows_broken, file_name, ", ".join(rules_dlq_keys))  # fmt: skip
            rows -= rules.rows_broken
            if rows == 0:
                raise InputError(file_name, "no row is left to load after the feed's rules")
        if files is not prepared.files:  # transformed or filtered: the final columns
            schema = nullable_schema(pq.read_schema(files[0]))
        with times("publish"):
            data_keys = publish(lake, files, f"{silver_prefix(feed.name)}/data", file_name, run_id)
    try:
        with times("commit"):
            silver = commit_silver_files(
                iceberg, lake, feed.name, schema, file_name, data_keys, feed.snapshots_kept
            )
    except Exception:
        for k in data_keys:
            lake.delete(k)
        raise
    snapshot = silver.current_snapshot()
    log.info("committed %d row(s) of %s to silver.%s", rows, file_name, feed.name)
    return SilverResult(
        table_name=f"{SILVER_NAMESPACE}.{feed.name}",
        rows=rows,
        rejected=raw.rejected,
        dlq_key=dlq_key,
        schema=schema,
        data_keys=data_keys,
        snapshot_id=snapshot.snapshot_id if snapshot else None,
        seconds=times.seconds,
        rules=rules,
        rules_dlq_keys=rules_dlq_keys,
    )


def commit_silver_files(
    iceberg: IcebergResource,
    lake: LakeResource,
    feed: str,
    schema: pa.Schema,
    file_name: str,
    data_keys: list[str],
    snapshots_kept: int = SNAPSHOTS_KEPT,
) -> IcebergTable:
    """One Iceberg commit: the file's old rows (if any) deleted, its new data files added,
    the schema widened by name. Another run committing to the table meanwhile (another
    file of the feed) makes the commit fail; it is then made again on the new snapshot.
    Then, once due, the table's oldest snapshots are expired (`expire_when_due`)."""
    for attempt in tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(CommitFailedException),
        stop=tenacity.stop_after_attempt(COMMIT_ATTEMPTS),
        wait=tenacity.wait_random(0.05, 0.5),
        reraise=True,
    ):
        with attempt:
            table = load_silver_table(iceberg, feed, lake)
            table = table or create_silver_table(iceberg, lake, feed, schema, snapshots_kept)
            properties = silver_table_properties(snapshots_kept)
            with table.transaction() as tx:
                if any(table.properties.get(k) != v for k, v in properties.items()):
                    tx.set_properties(properties)
                with tx.update_schema() as update:
                    update.union_by_name(schema)
                if _has_rows_of(table, file_name):
                    tx.delete(_rows_of(file_name))
                tx.add_files([lake.uri(k) for k in data_keys])
    table = iceberg.catalog().load_table(f"{SILVER_NAMESPACE}.{feed}")
    expire_when_due(table, snapshots_kept)
    return table


def _has_rows_of(table: IcebergTable, file_name: str) -> bool:
    return bool(table.scan(row_filter=_rows_of(file_name)).plan_files())


def create_silver_table(
    iceberg: IcebergResource,
    lake: LakeResource,
    feed: str,
    schema: pa.Schema,
    snapshots_kept: int = SNAPSHOTS_KEPT,
) -> IcebergTable:
    catalog = iceberg.catalog()
    catalog.create_namespace_if_not_exists(SILVER_NAMESPACE)
    return catalog.create_table_if_not_exists(
        f"{SILVER_NAMESPACE}.{feed}",
        schema=schema,
        location=lake.uri(silver_prefix(feed)),
        properties=silver_table_properties(snapshots_kept),
    )


def silver_data_files(iceberg: IcebergResource, feed: str, file_name: str) -> list[DataFile]:
    """The silver data files that hold one landed file's rows (none if it has no rows there).
    Each holds that file's rows only (exact `file_name` bounds), else RuntimeError."""
    table = load_silver_table(iceberg, feed)
    tasks = [] if table is None else table.scan(row_filter=_rows_of(file_name)).plan_files()
    if not tasks:
        return []
    assert table is not None
    field_id = table.schema().find_field("file_name").field_id
    exact = file_name.encode()
    for t in tasks:
        bounds = (t.file.lower_bounds.get(field_id), t.file.upper_bounds.get(field_id))
        if bounds != (exact, exact):
            raise RuntimeError(
                f"silver.{feed} data file {t.file.file_path} holds rows of other files "
                f"(file_name bounds {bounds}); it cannot be loaded as {file_name} alone"
            )
    return [t.file for t in tasks]


def silver_files_of(
    iceberg: IcebergResource, lake: LakeResource, feed: str, file_name: str
) -> list[str]:
    """Lake keys of the silver data files that hold one landed file's rows."""
    files = silver_data_files(iceberg, feed, file_name)
    if not files:
        raise InputError(
            file_name, f"silver.{feed} has no rows of this file: materialize silver first"
        )
    return [lake.key_of(f.file_path) for f in files]


def merge_into_warehouse(
    feed: FeedConfig,
    file_name: str,
    run_id: str,
    *,
    lake: LakeResource,
    iceberg: IcebergResource,
    warehouse: WarehouseResource,
    dry_run: bool = False,
    silver_keys: list[str] | None = None,
    record: Recorder | None = None,
) -> MergeResult:
    """Upsert one landed file's silver rows into the feed's warehouse target.

    With `dry_run`, only plan: the result's `plan` is what a real run would apply.
    `silver_keys` overrides where the rows are read from (the file's silver data files);
    `record` writes the outcome inside the merge's transaction.
    """
    keys = silver_keys or silver_files_of(iceberg, lake, feed.name, file_name)
    with lake.fs.open_input_file(lake.path(keys[0])) as f:
        schema = pq.read_schema(f)
    source = [SourceColumn(field.name, logical_type(field.type)) for field in schema]
    with tempfile.TemporaryDirectory(prefix="wmg-load-") as scratch, warehouse.connect() as wh:
        return upsert_parquet(
            wh,
            lake,
            keys,
            Path(scratch),
            file_name=file_name,
            schema=feed.target.schema,
            table=feed.target.table,
            source=source,
            keys=feed.upsert_keys,
            order_by=feed.order_by,
            token=re.sub(r"[^a-z0-9]", "", run_id.lower())[:12],
            views=[v.to_definition() for v in feed.views],
            retry=warehouse.retry,
            dry_run=dry_run,
            record=record,
        )


def plan_file(
    feed: FeedConfig,
    path: Path,
    *,
    lake: LakeResource,
    engine: EngineResource,
    iceberg: IcebergResource,
    warehouse: WarehouseResource,
) -> MergeResult:
    """The schema changes that ingesting `path` would apply now; nothing is changed
    (the file's typed rows pass through `staging/` in the lake and are removed)."""
    token = uuid.uuid4().hex
    prefix = f"staging/plan-{token}"
    with tempfile.TemporaryDirectory(prefix="wmg-plan-") as scratch:
        prepared = prepare_silver(
            feed, path.name, lambda: path.open("rb"), Path(scratch), engine=engine,
            iceberg=iceberg, lake=lake, identifier_limit=warehouse.identifier_limit,
        )  # fmt: skip
        if prepared.raw.rows == 0:
            raise InputError(path.name, f"all {prepared.raw.rejected} rows would be rejected")
        try:
            keys = publish(lake, prepared.files, prefix, path.name, token)
            return merge_into_warehouse(
                feed, path.name, token, lake=lake, iceberg=iceberg, warehouse=warehouse,
                dry_run=True, silver_keys=keys,
            )  # fmt: skip
        finally:
            lake.delete_prefix(prefix)
