"""Runs of the `wmg` code location launched through a running `wmg dev`.

A run that `wmg ingest` executes in its own process is recorded in the instance, but the
Dagster UI places runs on the Overview timeline by the code location they were launched
from, which only a run launched through the webserver has. So while `wmg dev` runs (it
leaves its address in `$DAGSTER_HOME/wmg-dev.json`), `wmg ingest` and `wmg gold refresh`
submit their runs to it over GraphQL (`dagster_graphql.DagsterGraphQLClient`, Dagster's public
client), wait for them, and read the outcome from the shared instance; otherwise they run
in-process as before.
"""

import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

log = logging.getLogger(__name__)

DEV_FILE = "wmg-dev.json"
LOCATION = "wmg"
REPOSITORY = "__repository__"


@dataclass(frozen=True)
class FinishedRun:
    """A finished run and its events, however it was executed."""

    run_id: str
    success: bool
    events: list[dg.DagsterEvent]

    @classmethod
    def of_result(cls, result: dg.ExecuteInProcessResult) -> "FinishedRun":
        return cls(result.run_id, result.success, list(result.all_events))

    def materializations(self) -> list[dg.AssetMaterialization]:
        return [
            e.step_materialization_data.materialization
            for e in self.events
            if e.is_step_materialization
        ]

    def check_results(self) -> dict[str, bool]:
        """Each asset check's name → passed."""
        return {
            e.event_specific_data.check_name: e.event_specific_data.passed
            for e in self.events
            if isinstance(e.event_specific_data, dg.AssetCheckEvaluation)
        }


def record_dev_server(dagster_home: Path, port: int, pid: int) -> Path:
    """Leave the address of a starting `wmg dev` where `wmg` commands look for it."""
    path = dagster_home / DEV_FILE
    path.write_text(json.dumps({"host": "127.0.0.1", "port": port, "pid": pid}))
    return path


def running_dev_server(dagster_home: Path) -> tuple[str, int] | None:
    """(host, port) of the `wmg dev` of this instance if its process is alive and its
    webserver answers; else None."""
    path = dagster_home / DEV_FILE
    try:
        found = json.loads(path.read_text())
        os.kill(int(found["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return None
    import urllib.request

    try:
        url = f"http://{found['host']}:{found['port']}/server_info"
        with urllib.request.urlopen(url, timeout=2) as response:
            response.read()
    except OSError:
        return None
    return str(found["host"]), int(found["port"])


class LaunchRefused(RuntimeError):
    """`wmg dev` did not take the run (e.g. its code location predates a new feed): nothing
    was launched, so the caller may run it in-process instead."""


class DevServerRuns:
    """Launches runs of the `wmg` location's jobs through a running `wmg dev` and waits."""

    def __init__(self, address: tuple[str, int], instance: dg.DagsterInstance) -> None:
        from dagster_graphql import DagsterGraphQLClient

        self.address = address
        self.client = DagsterGraphQLClient(address[0], port_number=address[1])
        self.instance = instance

    @property
    def url(self) -> str:
        return f"http://{self.address[0]}:{self.address[1]}"

    def run(
        self,
        job_name: str,
        tags: Mapping[str, str],
        run_config: Mapping[str, Any] | None = None,
        asset_selection: list[dg.AssetKey] | None = None,
        on_log: Callable[[str], None] | None = None,
        poll_seconds: float = 0.5,
    ) -> FinishedRun:
        """Submit a run, then follow it until it ends (`on_log` gets each new step and log
        line); its events are read from the instance both processes share."""
        from dagster_graphql import DagsterGraphQLClientError

        try:
            run_id = self.client.submit_job_execution(
                job_name,
                repository_location_name=LOCATION,
                repository_name=REPOSITORY,
                run_config=dict(run_config or {}),
                tags=dict(tags),
                asset_selection=list(asset_selection) if asset_selection else None,
            )
        except DagsterGraphQLClientError as e:
            raise LaunchRefused(f"wmg dev at {self.url} did not launch {job_name}: {e}") from e
        log.info("launched run %s through %s/runs/%s", run_id, self.url, run_id)
        events: list[dg.DagsterEvent] = []
        cursor = None
        while True:
            run = self.instance.get_run_by_id(run_id)  # read before the records: none missed
            page = self.instance.get_records_for_run(run_id, cursor=cursor)
            cursor = page.cursor
            for record in (r.event_log_entry for r in page.records):
                if record.dagster_event is not None:
                    events.append(record.dagster_event)
                if on_log and record.dagster_event_type in (None, dg.DagsterEventType.STEP_START):
                    on_log(record.user_message or str(record.step_key))
            if run is not None and run.is_finished and not page.has_more:
                return FinishedRun(run_id, run.status == dg.DagsterRunStatus.SUCCESS, events)
            if not page.has_more:
                time.sleep(poll_seconds)
