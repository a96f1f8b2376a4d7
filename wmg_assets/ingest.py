"""Land files and run them through their feed, recorded in the Dagster instance.

This is what `wmg ingest` and `wmg demo` do; runs go to `$DAGSTER_HOME` (default
`$WMG_HOME/dagster`) so that `dagster dev` shows them like any other run.
"""

import functools
import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from wmg_assets import dagster_migrations
from wmg_assets.feeds.assets import feed_job_name, warehouse_asset_key
from wmg_assets.feeds.config import FeedConfig, feed_for_file, feeds_of
from wmg_assets.feeds.landed import ALREADY_LOADED, RELOAD_TAG
from wmg_assets.ui_runs import DevServerRuns, FinishedRun, LaunchRefused, running_dev_server
from wmg_resources.lake import LakeResource, landing_key
from wmg_resources.locks import file_lock
from wmg_resources.resources import build_resources
from wmg_resources.settings import WmgSettings
from wmg_resources.timing import StepTimes

log = logging.getLogger(__name__)

DAGSTER_YAML = """\
# Dagster instance of WMG Platform (made by `wmg`). Runs, events and partitions live here.
telemetry:
  enabled: false
# The daemon fails runs that never start; runs whose process dies are found by the file
# sensors and sweeps (run tag wmg/process) and their files requested again.
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
"""


def quiet_run_config(tracebacks: bool = False) -> dict[str, Any]:
    """The run config of a run `wmg` starts: warnings and errors only on the console, and
    a failed step's error in a line unless `tracebacks` (`wmg --debug`)."""
    config = {"log_level": "WARNING", "tracebacks": tracebacks}
    return {"loggers": {"console": {"config": config}}}


@dataclass
class IngestOutcome:
    file: str
    feed: str
    target: str
    run_id: str | None = None
    error: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # per step, from run metadata
    already_loaded_in: str | None = None  # run that loaded this content before (a no-op)
    checks: dict[str, bool] = field(default_factory=dict)  # asset check name → passed

    @property
    def ok(self) -> bool:
        return self.error is None


def prepare_dagster_home(settings: WmgSettings) -> Path:
    """`$DAGSTER_HOME` (default `$WMG_HOME/dagster`) with its dagster.yaml, made on first use
    and set in the environment."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def dagster_instance(settings: WmgSettings) -> dg.DagsterInstance:
    """The persistent instance at `$DAGSTER_HOME`, created on first use (by one process at a
    time: two `wmg` commands starting together would race on creating its SQLite tables)."""
    home = prepare_dagster_home(settings)
    dagster_migrations.install()  # each run's event database is stamped without re-reading
    with file_lock(home / ".wmg-instance.lock"):
        return dg.DagsterInstance.get()


def _is_wrapper(cls_name: str | None) -> bool:
    return bool(cls_name) and cls_name.startswith(("Dagster", "RetryRequested"))


def _step_error(event: dg.DagsterEvent) -> Any:
    """The innermost error of a failed or retried step (Dagster's wrappers unwrapped down to
    the last error that has no cause); None for other events."""
    if event.is_step_failure:
        error = event.step_failure_data.error
    elif event.is_step_up_for_retry:
        error = event.step_retry_data.error
    else:
        return None
    while error is not None and error.cause is not None and _is_wrapper(error.cls_name):
        error = error.cause
    return error


def _user_error(event: dg.DagsterEvent) -> str | None:
    """The error the asset code raised in a failed or retried step, without Dagster's
    wrappers and without its class name; None when the event holds no such error."""
    error = _step_error(event)
    if error is None or _is_wrapper(error.cls_name):
        return None
    return re.sub(r"^[\w.]+: ", "", error.message.strip(), count=1)


def failure_message(events: Sequence[dg.DagsterEvent], file_name: str) -> str:
    """One line for a failed file: the last real error, naming the file."""
    errors = [m for m in (_user_error(e) for e in events) if m]
    message = errors[-1].splitlines()[0] if errors else "the run failed"
    return message if file_name in message else f"{file_name}: {message}"


def gold_outcome(run: FinishedRun) -> dict[str, int]:
    """Rows of each gold table a run materialized."""
    return {
        m.asset_key.path[-1]: int(m.metadata["dagster/row_count"].value)  # type: ignore[arg-type]
        for m in run.materializations()
    }


def dbt_failure(events: Sequence[dg.DagsterEvent]) -> str:
    """What dbt said of a failed gold run (dagster-dbt's error, which lists dbt's lines)."""
    from wmg_assets.gold.project import readable_dbt_error

    errors = [e for e in map(_step_error, events) if e is not None]
    return readable_dbt_error(errors[0].message) if errors else "the gold run failed"


def already_loaded_in(events: Sequence[dg.DagsterEvent]) -> str | None:
    """The earlier run that loaded a file whose run was a no-op, from bronze's observation."""
    for event in events:
        if event.is_asset_observation:
            observed = event.asset_observation_data.asset_observation.metadata.get(ALREADY_LOADED)
            if observed is not None:
                return str(observed.value)
    return None


def _raise(error: Exception) -> None:
    raise error


class Ingestor:
    """Lands files and materializes their partitions through bronze, silver and warehouse."""

    def __init__(
        self,
        settings: WmgSettings,
        defs: dg.Definitions | None = None,
        reload: bool = False,
        on_config_error: Callable[[Exception], None] | None = None,
        tracebacks: bool = False,
    ) -> None:
        """`on_config_error`: told of a broken non-feed config file, whose assets are then
        left out (see `load_definitions_from`); without it such a file is an error (gold and
        datamart runs need their own config whole). `tracebacks`: a failed step prints its
        stack trace on the console (else its error in a line; the run's events keep both)."""
        self.settings = settings
        self.tracebacks = tracebacks
        self.feeds: list[FeedConfig] = feeds_of(settings)
        self._defs = defs
        self._on_config_error = on_config_error or _raise
        self.lake: LakeResource = build_resources(settings, env_vars=False)["lake"]  # type: ignore[assignment]
        self.instance = dagster_instance(settings)
        self.on_run_log: Callable[[str], None] | None = None  # a run's steps and log lines
        address = running_dev_server(settings.dagster_home)
        self.dev_server = DevServerRuns(address, self.instance) if address else None
        from wmg_assets.feeds.file_requests import LOCATION_REPOSITORY, REPOSITORY_TAG

        # listed under their job in the UI, as the `wmg` code location's own runs are
        self.tags = {
            REPOSITORY_TAG: LOCATION_REPOSITORY,
            **({RELOAD_TAG: "true"} if reload else {}),
        }

    @functools.cached_property
    def defs(self) -> dg.Definitions:
        """Every definition but the gold models (a datamart run's)."""
        return self._load_definitions(feeds_only=False)

    @functools.cached_property
    def feed_defs(self) -> dg.Definitions:
        """The feeds' definitions alone (a feed run's: it selects nothing else, and the other
        kinds' modules stay unimported)."""
        return self._load_definitions(feeds_only=True)

    def _load_definitions(self, feeds_only: bool) -> dg.Definitions:
        from wmg_assets.definitions import load_definitions_from

        return self._defs or load_definitions_from(
            self.settings, self._on_config_error, with_gold=False, feeds_only=feeds_only
        )

    def ingest(
        self,
        paths: Iterable[Path],
        feed_name: str | None = None,
        on_start: Callable[[Path, FeedConfig], None] | None = None,
    ) -> list[IngestOutcome]:
        outcomes = []
        for path in paths:
            try:
                feed = feed_for_file(self.feeds, path.name, feed_name)
            except LookupError as e:
                outcomes.append(IngestOutcome(path.name, feed_name or "-", "-", error=str(e)))
                continue
            if on_start:
                on_start(path, feed)
            outcomes.append(self.ingest_one(path, feed))
        return outcomes

    def ingest_one(self, path: Path, feed: FeedConfig) -> IngestOutcome:
        target = f"{feed.target.schema}.{feed.target.table}"
        outcome = IngestOutcome(path.name, feed.name, target)
        if not path.is_file():
            outcome.error = f"{path}: no such file"
            return outcome
        self.lake.put_file(path, landing_key(path.name))
        self.instance.add_dynamic_partitions(feed.partitions_name, [path.name])
        wh_key = warehouse_asset_key(feed)
        from wmg_assets.feeds.file_requests import FEED_TAG, FILE_TAG, OUTCOME_TAG, SOURCE_TAG

        tags = {**self.tags, SOURCE_TAG: "cli", FEED_TAG: feed.name, FILE_TAG: path.name}
        tags["dagster/partition"] = path.name
        run = self.run_job(self.feed_defs, feed_job_name(feed), tags)
        outcome.run_id = run.run_id
        outcome.checks = run.check_results()
        if not run.success:
            outcome.error = failure_message(run.events, path.name)
            return outcome
        outcome.already_loaded_in = already_loaded_in(run.events)
        if outcome.already_loaded_in:  # a no-op: say so where the UI lists runs
            self.instance.add_run_tags(run.run_id, {OUTCOME_TAG: "already_loaded"})
        for materialization in run.materializations():
            metadata = materialization.metadata
            outcome.seconds.update(StepTimes.from_metadata(metadata))
            if materialization.asset_key == wh_key:
                outcome.counts = {
                    k: int(v.value)  # type: ignore[arg-type]
                    for k, v in metadata.items()
                    if k.startswith("rows_") or k == "dagster/row_count"
                }
        return outcome

    def run_job(
        self,
        defs: dg.Definitions,
        job_name: str,
        tags: dict[str, str],
        asset_selection: list[dg.AssetKey] | None = None,
        run_config: dict[str, Any] | None = None,
    ) -> FinishedRun:
        """One run of a job of the definitions: through `wmg dev` when it is running (the
        run is then the `wmg` code location's, on the UI's timeline), else in this process.
        A `dagster/partition` tag picks the partition either way."""
        config = {**quiet_run_config(self.tracebacks), **(run_config or {})}
        if self.dev_server is not None:
            try:
                return self.dev_server.run(
                    job_name, tags, config, asset_selection, on_log=self.on_run_log
                )
            except LaunchRefused as e:  # nothing launched: run it here, and say why
                log.warning("%s — running it in this process (reload the code location in "
                            "the UI to launch through it)", e)  # fmt: skip
        partition = tags.get("dagster/partition")
        result = defs.resolve_job_def(job_name).execute_in_process(
            instance=self.instance,
            partition_key=partition,
            run_config=config,
            tags={k: v for k, v in tags.items() if k != "dagster/partition"},
            asset_selection=asset_selection,
            raise_on_error=False,
        )
        return FinishedRun.of_result(result)

    def refresh_gold(self) -> dict[str, int]:
        """Build every gold model and run its dbt tests (one run); rows per table. Raises if
        the run fails or the gold project does not parse.

        The definitions are loaded again with the gold project: the ingest ones leave it out
        (dbt is not imported for a file load)."""
        from wmg_assets.definitions import load_definitions_from
        from wmg_assets.feeds.file_requests import SOURCE_TAG
        from wmg_assets.gold.project import GoldProjectError

        def only_gold_errors(error: Exception) -> None:
            if isinstance(error, GoldProjectError):
                raise error

        defs = load_definitions_from(self.settings, only_gold_errors, with_gold=True)
        golds = [k for k in defs.resolve_asset_graph().get_all_asset_keys()
                 if k.path[0] == "gold"]  # fmt: skip
        if not golds:
            return {}
        job = defs.resolve_implicit_global_asset_job_def()
        run = self.run_job(defs, job.name, {**self.tags, SOURCE_TAG: "cli"}, golds)
        if not run.success:  # dagster-dbt's error names the models and tests that failed
            raise RuntimeError(dbt_failure(run.events))
        return gold_outcome(run)

    def run_datamart(self, name: str, load_type: str) -> dict[str, dict[str, Any]]:
        """Load one datamart (one run); each asset's metadata by table or output name.
        Raises when the run fails, with the error."""
        keys = [k for k in self.defs.resolve_asset_graph().get_all_asset_keys()
                if k.path[:2] == ["datamart", name]]  # fmt: skip
        if not keys:
            raise LookupError(f"no datamart named {name!r} in {self.settings.config_dir}")
        from wmg_assets.feeds.file_requests import SOURCE_TAG

        run = self.run_job(
            self.defs,
            self.defs.resolve_implicit_global_asset_job_def().name,
            {**self.tags, SOURCE_TAG: "cli"},
            keys,
            run_config={"ops": {f"datamart_{name}": {"config": {"load_type": load_type}}}},
        )
        if not run.success:
            raise RuntimeError(failure_message(run.events, f"datamart {name}"))
        return {
            m.asset_key.path[-1]: {k: v.value for k, v in m.metadata.items()}
            for m in run.materializations()
        }
