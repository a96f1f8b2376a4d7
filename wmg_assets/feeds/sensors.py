"""Sensors and schedules that start a feed run for every file landing in `data/in/`.

- `wmg_lake_sensor` lists the landing area of the lake (a folder locally, S3 in prod): at
  most `WMG_SENSOR_MAX_FILES` keys per tick, continuing where the last tick stopped, and
  passes over objects older than the last complete listing pass (minus a lookback).
- `wmg_sqs_sensor` reads S3 event notifications from `WMG_SQS_QUEUE_URL` (only defined when
  that is set) and deletes each message once the run requests it asked for are built.
- `<feed>_landing_sweep` schedules (a feed's `schedule:` cron) request a run for every file
  of the feed still in `data/in/`: files a sensor missed, or whose run died.

All three decide through `FileRequestPlanner`; sensors are off until turned on in the UI.
"""

import json
import logging
import time
from dataclasses import asdict, dataclass, field

import dagster as dg

from wmg_assets.events.s3_events import parse_s3_events
from wmg_assets.feeds.assets import feed_job_name
from wmg_assets.feeds.config import FeedConfig
from wmg_assets.feeds.file_requests import FileRequestPlanner, FileRequests
from wmg_resources.aws import QueueMessage, QueueResource
from wmg_resources.lake import LakeObject, LakeResource
from wmg_resources.warehouse import WarehouseResource

LANDING = "data/in"


@dataclass(frozen=True)
class SensorSettings:
    interval_seconds: int = 30
    max_files: int = 100
    lookback_seconds: float = 60.0


@dataclass
class LakeCursor:
    """Where the lake sensor is: `after` the last key listed in the current pass; `since` the
    start time of the last complete pass (anything landed later has a later mtime, give or
    take `lookback` of clock skew); `recent` the objects (key → [etag, mtime]) already handled
    within the lookback, so that none is requested or reported twice."""

    since: float = 0.0
    after: str = ""
    pass_started: float = 0.0
    recent: dict[str, list] = field(default_factory=dict)

    @classmethod
    def from_json(cls, text: str | None) -> "LakeCursor":
        return cls(**json.loads(text)) if text else cls()

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def fresh(self, objects: list[LakeObject], lookback: float) -> list[LakeObject]:
        """The objects not handled yet, remembered as handled from now on."""
        horizon, new = self.since - lookback, []
        for obj in objects:
            mtime = obj.mtime.timestamp() if obj.mtime else time.time()
            if mtime < horizon or self.recent.get(obj.key, [None])[0] == obj.etag:
                continue
            self.recent[obj.key] = [obj.etag, mtime]
            new.append(obj)
        return new

    def advance(self, page: list[LakeObject], limit: int, lookback: float) -> None:
        """After a page: continue after its last key, or close the pass at the end."""
        if len(page) >= limit:
            self.after = page[-1].key
            return
        self.since, self.after = self.pass_started, ""
        horizon = self.since - lookback
        self.recent = {k: v for k, v in self.recent.items() if v[1] >= horizon}


def _sensor_result(requests: FileRequests, cursor: str | None = None) -> dg.SensorResult:
    return dg.SensorResult(
        run_requests=requests.run_requests,
        dynamic_partitions_requests=requests.partition_requests(),
        cursor=cursor,
    )


def landing_sensor(name: str, jobs: list, settings: SensorSettings, description: str):
    """The decorator of a sensor that launches the feeds' file jobs (off until turned on)."""
    return dg.sensor(
        name=name,
        jobs=jobs,
        minimum_interval_seconds=settings.interval_seconds,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=description,
    )


def build_lake_sensor(
    feeds: list[FeedConfig], jobs: list, settings: SensorSettings
) -> dg.SensorDefinition:
    @landing_sensor(
        "wmg_lake_sensor",
        jobs,
        settings,
        f"Requests one run per new file in the lake's `{LANDING}/`, matched to its feed by "
        f"`file_pattern`; lists at most {settings.max_files} keys per tick. Files that "
        "match no feed are reported once in the tick's log.",
    )
    def wmg_lake_sensor(
        context: dg.SensorEvaluationContext, lake: LakeResource, warehouse: WarehouseResource
    ) -> dg.SensorResult:
        cursor = LakeCursor.from_json(context.cursor)
        if not cursor.after:
            cursor.pass_started = time.time()
        page = lake.list_page(LANDING, cursor.after, settings.max_files)
        fresh = cursor.fresh(page, settings.lookback_seconds)
        requests = FileRequestPlanner.of(context, feeds, lake, warehouse, "lake_sensor").plan(fresh)
        cursor.advance(page, settings.max_files, settings.lookback_seconds)
        return _sensor_result(requests, cursor.to_json())

    return wmg_lake_sensor


def landing_objects_of(
    messages: list[QueueMessage], lake: LakeResource, log: logging.Logger | dg.DagsterLogManager
) -> tuple[list[LakeObject], list[QueueMessage]]:
    """The landed objects S3 events tell of, and the messages that are handled by that
    (events of other buckets or prefixes included); unreadable messages stay on the queue."""
    objects, handled = [], []
    for message in messages:
        try:
            events = parse_s3_events(message.body)
        except ValueError as e:
            log.warning(f"SQS message {message.message_id} left on the queue: {e}")
            continue
        for event in events:
            try:
                key = lake.key_of(f"s3://{event.bucket}/{event.key}")
            except ValueError:
                key = ""
            if not key.startswith(f"{LANDING}/") or "/" in key[len(LANDING) + 1 :]:
                log.debug(f"ignoring s3://{event.bucket}/{event.key}: not in the landing area")
                continue
            current = lake.stat(key)
            if current is None:
                log.info(f"{key}: no longer in the lake (already moved); nothing to do")
                continue
            objects.append(current)
        handled.append(message)
    return objects, handled


def build_sqs_sensor(
    feeds: list[FeedConfig], jobs: list, settings: SensorSettings
) -> dg.SensorDefinition:
    @landing_sensor(
        "wmg_sqs_sensor",
        jobs,
        settings,
        "Requests one run per file that S3 event notifications on the landing queue "
        f"report in `{LANDING}/` (at most {settings.max_files} messages per tick); "
        "deletes each message once its run requests are built.",
    )
    def wmg_sqs_sensor(
        context: dg.SensorEvaluationContext,
        lake: LakeResource,
        warehouse: WarehouseResource,
        landing_queue: QueueResource,
    ) -> dg.SensorResult:
        messages = landing_queue.receive(settings.max_files)
        objects, handled = landing_objects_of(messages, lake, context.log)
        planner = FileRequestPlanner.of(context, feeds, lake, warehouse, "sqs_sensor")
        requests = planner.plan(objects)
        landing_queue.delete(handled)
        return _sensor_result(requests)

    return wmg_sqs_sensor


def build_landing_sweep(
    feed: FeedConfig, all_feeds: list[FeedConfig], settings: SensorSettings
) -> dg.ScheduleDefinition:
    """The schedule of a feed with `schedule:`: a run for each of its files in `data/in/`
    that no run is loading (at most `max_files` per evaluation)."""
    assert feed.schedule is not None

    @dg.schedule(
        name=f"{feed.name}_landing_sweep",
        cron_schedule=feed.schedule,
        job_name=feed_job_name(feed),
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=(
            f"Sweeps `{LANDING}/` for **{feed.name}** files (`{feed.file_pattern}`) that are "
            "still waiting, and requests a run for each."
        ),
    )
    def landing_sweep(
        context: dg.ScheduleEvaluationContext, lake: LakeResource, warehouse: WarehouseResource
    ) -> list[dg.RunRequest]:
        waiting, after = [], ""
        while page := lake.list_page(LANDING, after, 1000):
            waiting += [o for o in page if feed.matches(o.name)]
            after = page[-1].key
            if len(waiting) >= settings.max_files:
                break
        # No run keys: a sweep retries files whose earlier run died.
        planner = FileRequestPlanner.of(context, all_feeds, lake, warehouse, "schedule",
                                        run_keys=False)  # fmt: skip
        requests = planner.plan(waiting[: settings.max_files], only=feed)
        for name, keys in requests.partitions.items():  # schedules cannot return these
            context.instance.add_dynamic_partitions(name, keys)
        return requests.run_requests

    return landing_sweep


def landing_triggers(
    feeds: list[FeedConfig], jobs: list, settings: SensorSettings, sqs_configured: bool
) -> tuple[list[dg.SensorDefinition], list[dg.ScheduleDefinition]]:
    """The lake sensor, the SQS sensor when a queue is configured, and the feeds' sweeps."""
    sensors = [build_lake_sensor(feeds, jobs, settings)]
    if sqs_configured:
        sensors.append(build_sqs_sensor(feeds, jobs, settings))
    schedules = [build_landing_sweep(f, feeds, settings) for f in feeds if f.schedule]
    return sensors, schedules
