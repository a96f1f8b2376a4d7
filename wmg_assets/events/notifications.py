"""Run success and failure sensors that tell people what happened to each landed file.

Each message carries the run id, the feed, the file (the run's partition), the status
(SUCCESS, FAILED, or ALREADY_LOADED when the file's content had been loaded before), the
row counts of the warehouse merge and, on failure, the error. The sensors exist only when an
SNS topic is configured (`WMG_SNS_TOPIC_ARN`).
"""

from typing import Any

import dagster as dg

from wmg_assets.feeds.landed import ALREADY_LOADED
from wmg_assets.ingest import failure_message
from wmg_resources.notifier import NotifierResource

PARTITION_TAG = "dagster/partition"

COUNT_KEYS = (
    "rows_read", "rows_updated", "rows_inserted", "rows_unchanged", "rows_stale", "rows_rejected"
)  # fmt: skip


def run_message(
    instance: dg.DagsterInstance, run: dg.DagsterRun, status: str, error: str | None = None
) -> dict[str, Any]:
    """What to tell about a finished feed run, from its tags and materializations."""
    feeds, counts, already_loaded = set(), {}, None
    records = instance.get_records_for_run(
        run.run_id,
        of_type={dg.DagsterEventType.ASSET_MATERIALIZATION, dg.DagsterEventType.ASSET_OBSERVATION},
    ).records
    for record in records:
        event = record.asset_materialization or record.asset_observation
        if event is None:
            continue
        key = event.asset_key.path
        if key[0] in ("bronze", "silver"):
            feeds.add(key[1])
        if ALREADY_LOADED in event.metadata:
            already_loaded = str(event.metadata[ALREADY_LOADED].value)
        counts.update({k: v.value for k, v in event.metadata.items() if k in COUNT_KEYS})
    if not feeds and run.asset_selection:
        feeds = {k.path[1] for k in run.asset_selection if k.path[0] in ("bronze", "silver")}
    return {
        "run_id": run.run_id,
        "feed": ",".join(sorted(feeds)),
        "file": run.tags.get(PARTITION_TAG, ""),
        "status": "ALREADY_LOADED" if already_loaded and status == "SUCCESS" else status,
        "counts": counts,
        "error": error,
        ALREADY_LOADED: already_loaded,
    }


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="wmg_notify_success",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Publishes each successful feed run (file, counts) to the SNS topic.",
)
def notify_success(context: dg.RunStatusSensorContext, notifier: NotifierResource) -> None:
    notifier.publish(run_message(context.instance, context.dagster_run, "SUCCESS"))


@dg.run_failure_sensor(
    name="wmg_notify_failure",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Publishes each failed feed run (file, error) to the SNS topic.",
)
def notify_failure(context: dg.RunFailureSensorContext, notifier: NotifierResource) -> None:
    run = context.dagster_run
    error = failure_message(context.get_step_failure_events(), run.tags.get(PARTITION_TAG, "-"))
    notifier.publish(run_message(context.instance, run, "FAILED", error))


def notification_sensors(topic_configured: bool) -> list[dg.SensorDefinition]:
    """The notification sensors, or none when no topic is configured."""
    return [notify_success, notify_failure] if topic_configured else []
