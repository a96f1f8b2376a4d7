"""Running steps so that they resume where they stopped (the seed's restart cycle):

1. before a step runs, its restart index is read from the job's state (`restart.py`,
   `getRestartIndex` semantics); a step the current pass already finished is skipped;
2. the step sees the executor through `ResumingExecutor`: each `execute_query` /
   `read_file` / `write_file` call is one statement; calls before the restart index are not
   made, and each completed call moves the resume point forward at once (so a crash, even
   SIGKILL, resumes after the last completed statement);
3. a failure raises `RestartableError(step, index, runtime config)` — the index is the
   statement that failed — and the state keeps it;
4. a step's entry is cleared only after it succeeds; the job's state once its last step has.

A statement completed just before a crash but not yet recorded would run again: the window
is the write of one small file (or row), after the statement's own commit.
"""

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wmg_assets.migration.elt.executor import OK, Executor, QueryResult
from wmg_assets.migration.elt.params import Params
from wmg_assets.migration.elt.restart import PersistenceHandler, restart_index
from wmg_assets.migration.elt.steps import JobConfig, Step, build_step, job_params

log = logging.getLogger(__name__)


class RestartableError(Exception):
    """The seed's RestartableException: the step, the index of the statement that failed
    (0-based; the next run starts there) and the step's runtime config."""

    def __init__(
        self, message: str, step: str, index: int, runtime_config: Sequence[str] = ()
    ) -> None:
        super().__init__(message)
        self.step, self.index, self.runtime_config = step, index, tuple(runtime_config)


class ResumingExecutor:
    """The executor as a step sees it (module docstring, point 2)."""

    def __init__(
        self,
        executor: Executor,
        start: int,
        done: Callable[[int], None],
        logger: logging.Logger | logging.LoggerAdapter,
    ) -> None:
        self.inner, self.start, self.done, self.log = executor, start, done, logger
        self.index = 0
        self.ran = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def _statement(self, what: str, call: Callable[[], Any]) -> Any:
        number = self.index + 1
        if self.index < self.start:
            self.log.info("statement %d (%s): done in an earlier run, skipped", number, what)
            self.index += 1
            return QueryResult(None, 0, OK)
        started = time.monotonic()
        self.log.info("statement %d (%s): running", number, what)
        result = call()
        self.index += 1
        self.ran += 1
        self.done(self.index)
        self.log.info("statement %d: done in %.2f s", number, time.monotonic() - started)
        return result

    def execute_query(self, query: str, *args: Any, **kwargs: Any) -> Any:
        head = " ".join(query.split())[:60]
        return self._statement(head, lambda: self.inner.execute_query(query, *args, **kwargs))

    def read_file(self, file_type: str, path: str, *args: Any, **kwargs: Any) -> int:
        return self._statement(
            f"read {file_type} {path}",
            lambda: self.inner.read_file(file_type, path, *args, **kwargs),
        )

    def write_file(self, file_type: str, path: str, *args: Any, **kwargs: Any) -> int:
        return self._statement(
            f"write {file_type} {path}",
            lambda: self.inner.write_file(file_type, path, *args, **kwargs),
        )


@dataclass
class StepOutcome:
    step: str
    skipped: bool = False  # finished in an earlier run of this pass
    resumed_at: int = 0  # the first statement run (0-based); 0 for a fresh start
    statements_run: int = 0
    seconds: float = 0.0


def run_step(
    job: str,
    step: Step,
    executor: Executor,
    handler: PersistenceHandler,
    params: Params,
    runtime_config: Sequence[str] = (),
    logger: logging.Logger | logging.LoggerAdapter = log,
) -> StepOutcome:
    """Run one step from its resume point (module docstring)."""
    started = time.monotonic()
    state = handler.load(job)
    if step.name in state.completed:
        logger.info("step %s: finished earlier in this pass of %s, skipped", step.name, job)
        return StepOutcome(step.name, skipped=True)
    start = restart_index(step.name, state.restart, runtime_config) or 0
    if start:
        logger.info("step %s: resuming at statement %d", step.name, start + 1)
    config = list(runtime_config)

    def record(index: int) -> None:
        handler.update(job, lambda s: s.at(step.name, index, config))

    tracker = ResumingExecutor(executor, start, record, logger)
    try:
        step.execute_flow(tracker, params)  # type: ignore[arg-type]
    except Exception as e:
        record(tracker.index)
        message = f"step {step.name} failed at statement {tracker.index + 1}: {e}"
        logger.error("%s (the next run resumes there)", message)
        raise RestartableError(message, step.name, tracker.index, config) from e
    handler.update(job, lambda s: s.finished(step.name, config))
    return StepOutcome(step.name, False, start, tracker.ran, time.monotonic() - started)


def finish_job(job: str, handler: PersistenceHandler) -> None:
    """The job's pass is complete: its state is cleared, the next run starts afresh."""
    handler.clear(job)


def run_job(
    job: JobConfig,
    executor: Executor,
    handler: PersistenceHandler,
    runtime: Mapping[str, Any] | None = None,
    logger: logging.Logger | logging.LoggerAdapter = log,
) -> list[StepOutcome]:
    """Every step in order, each from its resume point; the state cleared at the end."""
    outcomes = []
    for config in job.steps:
        outcomes.append(
            run_step(
                job.name,
                build_step(config),
                executor,
                handler,
                job_params(job, config, runtime or {}),
                logger=logger,
            )
        )
    finish_job(job.name, handler)
    return outcomes
