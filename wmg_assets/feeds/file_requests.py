"""From landed objects to run requests: the one decision the sensors and schedules share.

For each object under `data/in/`:

- no feed's `file_pattern` matches it (or several do) → a *stray*: reported, left in place;
- a run of its partition is queued or running → nothing (that run will load it), unless
  that run's process is gone (killed, or its machine lost): the run is marked failed and
  the file is requested again;
- the ledger shows its feed already loaded this object (same ETag and size) → a visible
  no-op: "already loaded in run …", and the file is archived;
- otherwise → its partition is added and one run of the feed's job is requested, with
  `run_key` = key@ETag, so a sensor never requests the same object version twice.

The ledger is read once per evaluation; when the warehouse cannot be reached (a local DuckDB
file busy in a run), the run is requested anyway and bronze checks the content's sha256.
"""

import logging
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime

import dagster as dg

from wmg_assets.feeds.assets import PROCESS_TAG, feed_job_name
from wmg_assets.feeds.config import FeedConfig, feed_for_file
from wmg_resources.lake import LakeObject, LakeResource, archive_key
from wmg_resources.processes import process_is_gone
from wmg_resources.warehouse import Warehouse, WarehouseResource
from wmg_resources.warehouse.ledger import LedgerRow, find_loaded

SOURCE_TAG = "wmg/source"
ETAG_TAG = "wmg/etag"
FEED_TAG = "wmg/feed"
FILE_TAG = "wmg/file"
OUTCOME_TAG = "wmg/outcome"
REPOSITORY_TAG = ".dagster/repository"
"""Dagster's tag of the code location a run belongs to: the UI lists a job's runs by it.
Runs the daemon launches carry it; runs `wmg` executes in its own process are given it."""
LOCATION_REPOSITORY = "__repository__@wmg"  # the `wmg` code location (workspace.yaml)
PARTITION_TAG = "dagster/partition"
LEDGER_LOCK_WAIT_SECONDS = 5.0

IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


@dataclass
class FileRequests:
    """What one evaluation decided: runs to request and partitions to add first."""

    run_requests: list[dg.RunRequest] = field(default_factory=list)
    partitions: dict[str, list[str]] = field(default_factory=dict)
    strays: list[str] = field(default_factory=list)
    already_loaded: list[str] = field(default_factory=list)

    def partition_requests(self) -> list[dg.AddDynamicPartitionsRequest]:
        return [
            dg.AddDynamicPartitionsRequest(partitions_def_name=name, partition_keys=keys)
            for name, keys in self.partitions.items()
        ]


class FileRequestPlanner:
    """Decides, per landed object, whether to request a run (see the module docstring)."""

    def __init__(
        self,
        feeds: list[FeedConfig],
        *,
        instance: dg.DagsterInstance,
        lake: LakeResource,
        warehouse: WarehouseResource,
        log: logging.Logger | dg.DagsterLogManager,
        source: str,
        run_keys: bool = True,
    ) -> None:
        self.feeds, self.instance, self.lake, self.warehouse = feeds, instance, lake, warehouse
        self.log, self.source, self.run_keys = log, source, run_keys

    @classmethod
    def of(
        cls,
        context: dg.SensorEvaluationContext | dg.ScheduleEvaluationContext,
        feeds: list[FeedConfig],
        lake: LakeResource,
        warehouse: WarehouseResource,
        source: str,
        run_keys: bool = True,
    ) -> "FileRequestPlanner":
        """The planner of a sensor's or schedule's evaluation, logging to its tick log."""
        return cls(feeds, instance=context.instance, lake=lake, warehouse=warehouse,
                   log=context.log, source=source, run_keys=run_keys)  # fmt: skip

    def plan(self, objects: Iterable[LakeObject], only: FeedConfig | None = None) -> FileRequests:
        """Requests for `objects`; with `only`, objects of other feeds are passed over."""
        result = FileRequests()
        self.fail_dead_runs()
        with ExitStack() as stack:
            ledger = _LedgerReader(self.warehouse, stack, self.log)
            for obj in objects:
                try:
                    feed = feed_for_file(self.feeds, obj.name)
                except LookupError as e:
                    if only is None:
                        self.log.warning(f"{e}; left in {obj.key.rsplit('/', 1)[0]}/")
                        result.strays.append(obj.key)
                    continue
                if only is not None and feed.name != only.name:
                    continue
                if self._in_flight(feed, obj):
                    continue
                previous = ledger.loaded(feed, obj)
                if previous is not None:
                    self._archive_loaded(obj, previous)
                    result.already_loaded.append(obj.key)
                    continue
                result.partitions.setdefault(feed.partitions_name, []).append(obj.name)
                result.run_requests.append(self._request(feed, obj))
        return result

    def _in_flight(self, feed: FeedConfig, obj: LakeObject) -> bool:
        runs = self.instance.get_runs(
            filters=dg.RunsFilter(
                job_name=feed_job_name(feed), tags={PARTITION_TAG: obj.name}, statuses=IN_FLIGHT
            ),
            limit=1,
        )
        if runs:
            self.log.info(f"{obj.key}: run {runs[0].run_id} is already loading it")
        return bool(runs)

    def fail_dead_runs(self) -> list[str]:
        """Mark failed every in-flight run of the feeds' jobs whose process is gone (killed,
        or its machine lost), so that its file is requested again; their run ids."""
        dead = []
        for feed in self.feeds:
            runs = self.instance.get_runs(
                filters=dg.RunsFilter(job_name=feed_job_name(feed), statuses=IN_FLIGHT)
            )
            for run in filter(self._died, runs):
                process = run.tags[PROCESS_TAG]
                self.instance.report_run_failed(run, message=f"its process ({process}) is gone")
                self.log.warning(
                    f"run {run.run_id} of {run.tags.get(PARTITION_TAG, '?')} died (its process "
                    f"{process} is gone): marked failed, so its file is requested again"
                )
                dead.append(run.run_id)
        return dead

    @staticmethod
    def _died(run: dg.DagsterRun) -> bool:
        process = run.tags.get(PROCESS_TAG)
        return (
            run.status == dg.DagsterRunStatus.STARTED
            and bool(process)
            and (process_is_gone(process or ""))
        )

    def _archive_loaded(self, obj: LakeObject, previous: LedgerRow) -> None:
        destination = archive_key(obj.name, datetime.now(UTC))
        self.lake.move(obj.key, destination)
        self.log.info(
            f"{obj.key}: already loaded in run {previous.run_id} (same ETag and size); "
            f"nothing to load, moved to {destination}"
        )

    def _request(self, feed: FeedConfig, obj: LakeObject) -> dg.RunRequest:
        return dg.RunRequest(
            run_key=f"{obj.key}@{obj.etag}" if self.run_keys else None,
            job_name=feed_job_name(feed),
            partition_key=obj.name,
            tags={
                SOURCE_TAG: self.source,
                ETAG_TAG: obj.etag,
                FEED_TAG: feed.name,
                FILE_TAG: obj.name,
            },
        )


class _LedgerReader:
    """Ledger lookups over one lazily opened connection; gives up (returns None) for the
    rest of the evaluation once the warehouse cannot be reached."""

    def __init__(self, warehouse: WarehouseResource, stack: ExitStack, log) -> None:
        self.warehouse, self.stack, self.log = warehouse, stack, log
        self.wh: Warehouse | None = None
        self.unavailable = False

    def loaded(self, feed: FeedConfig, obj: LakeObject) -> LedgerRow | None:
        if self.unavailable or not obj.etag:
            return None
        try:
            if self.wh is None:
                self.wh = self.stack.enter_context(
                    self.warehouse.connect(lock_wait_seconds=LEDGER_LOCK_WAIT_SECONDS)
                )
            return find_loaded(
                self.wh, self.warehouse.audit_schema, feed.name, name=obj.name, etag=obj.etag,
                size=obj.size, any_name=feed.skip_repeated_content,
            )  # fmt: skip
        except Exception as e:  # the run's own check (by sha256) still applies
            self.unavailable = True
            self.log.warning(f"file ledger not readable ({e}); requesting runs, bronze checks")
            return None
