"""Where a job resumes: the seed's restart hierarchy and its persistence handlers.

A job's state is the steps it finished in its current (unfinished) pass and, for the step
under way, the index of the next statement to run (`(step, index, [runtime config])`, the
seed's restart hierarchy entries). The runner records each statement as it completes, so the
resume point survives a crash (SIGKILL included); a step's entry is cleared only after the
step succeeds, and the whole state once the job finishes.

Handlers, chosen by config (`restart: local | lake | warehouse`):

- `LocalJsonHandler`: `<dir>/<job>.restart.json`, written atomically (a temporary file
  renamed over it) under an `fcntl` lock, so two processes never interleave an update;
- `LakeHandler`: `elt/restart/<job>.json` in the lake (local folder or S3: one PUT replaces
  the object whole), updates serialized by the same per-job lock file;
- `WarehouseHandler`: a row per job in `<audit schema>.elt_restart`, each update one
  transaction (`DELETE` + `INSERT`).
"""

import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from wmg_resources.locks import file_lock


@dataclass(frozen=True)
class RestartEntry:
    step: str
    index: int
    config: tuple[str, ...] = ()


@dataclass
class JobState:
    job: str
    completed: list[str] = field(default_factory=list)
    restart: list[RestartEntry] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {
                "job": self.job,
                "completed": self.completed,
                "restart": [
                    {"step": e.step, "index": e.index, "config": list(e.config)}
                    for e in self.restart
                ],
            }
        )

    @classmethod
    def from_json(cls, job: str, text: str | None) -> "JobState":
        if not text:
            return cls(job)
        data = json.loads(text)
        entries = [
            RestartEntry(e["step"], int(e["index"]), tuple(e.get("config") or ()))
            for e in data.get("restart", [])
        ]
        return cls(job, list(data.get("completed", [])), entries)

    def at(self, step: str, index: int, config: Sequence[str] = ()) -> None:
        """Step `step` resumes at statement `index` (replacing its previous entry)."""
        self.restart = [e for e in self.restart if e.step != step or e.config != tuple(config)]
        self.restart.append(RestartEntry(step, index, tuple(config)))

    def finished(self, step: str, config: Sequence[str] = ()) -> None:
        self.restart = [e for e in self.restart if e.step != step or e.config != tuple(config)]
        if step not in self.completed:
            self.completed.append(step)


def restart_index(
    step: str, hierarchy: Sequence[RestartEntry], runtime_config: Sequence[str] = ()
) -> int | None:
    """The seed's `getRestartIndex`: with no runtime config, the first entry of the step;
    otherwise the entry whose joined config equals the step's."""
    for entry in hierarchy:
        if entry.step != step:
            continue
        if not runtime_config or ",".join(entry.config) == ",".join(runtime_config):
            return entry.index
    return None


class PersistenceHandler(Protocol):
    def load(self, job: str) -> JobState: ...

    def update(self, job: str, change: Callable[[JobState], None]) -> JobState: ...

    def clear(self, job: str) -> None: ...


def _safe(job: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in job)


@dataclass
class LocalJsonHandler:
    """Resume points in a local folder (module docstring)."""

    directory: Path

    def _path(self, job: str) -> Path:
        return self.directory / f"{_safe(job)}.restart.json"

    def load(self, job: str) -> JobState:
        path = self._path(job)
        return JobState.from_json(job, path.read_text() if path.exists() else None)

    def _write(self, state: JobState) -> None:
        path = self._path(state.job)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".restart-")
        with os.fdopen(fd, "w") as f:
            f.write(state.to_json())
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)

    def update(self, job: str, change: Callable[[JobState], None]) -> JobState:
        with file_lock(self._path(job).with_suffix(".lock")):
            state = self.load(job)
            change(state)
            self._write(state)
            return state

    def clear(self, job: str) -> None:
        with file_lock(self._path(job).with_suffix(".lock")):
            self._path(job).unlink(missing_ok=True)


@dataclass
class LakeHandler:
    """Resume points as objects in the lake (module docstring); `lock_dir` is local."""

    lake: Any
    lock_dir: Path

    def _key(self, job: str) -> str:
        return f"elt/restart/{_safe(job)}.json"

    def load(self, job: str) -> JobState:
        key = self._key(job)
        return JobState.from_json(
            job, self.lake.read_bytes(key).decode() if self.lake.exists(key) else None
        )

    def update(self, job: str, change: Callable[[JobState], None]) -> JobState:
        with file_lock(self.lock_dir / f"{_safe(job)}.lock"):
            state = self.load(job)
            change(state)
            self.lake.put_bytes(state.to_json().encode(), self._key(job))
            return state

    def clear(self, job: str) -> None:
        with file_lock(self.lock_dir / f"{_safe(job)}.lock"):
            if self.lake.exists(self._key(job)):
                self.lake.delete(self._key(job))


@dataclass
class WarehouseHandler:
    """Resume points in a warehouse table (module docstring); `connect` opens a warehouse
    connection (`execute`, `query`, `transaction`, `param`, `dialect`)."""

    connect: Callable[[], Any]
    schema: str = "wmg"

    def _table(self, db: Any) -> str:
        from wmg_resources.warehouse.dialect import qualified

        return qualified(self.schema, "elt_restart", db.dialect)

    def _ensure(self, db: Any) -> None:
        from wmg_resources.warehouse.dialect import quote

        db.create_if_missing(f"CREATE SCHEMA IF NOT EXISTS {quote(self.schema, db.dialect)}")
        db.create_if_missing(
            f"CREATE TABLE IF NOT EXISTS {self._table(db)} (job VARCHAR(256) PRIMARY "
            "KEY, state VARCHAR(65535) NOT NULL)"
        )

    def _read(self, db: Any, job: str, lock: bool = False) -> JobState:
        suffix = " FOR UPDATE" if lock and db.dialect == "postgres" else ""
        _, rows = db.query(
            f"SELECT state FROM {self._table(db)} WHERE job = {db.param}{suffix}", [job]
        )
        return JobState.from_json(job, rows[0][0] if rows else None)

    def load(self, job: str) -> JobState:
        with self._db() as db:
            return self._read(db, job)

    def update(self, job: str, change: Callable[[JobState], None]) -> JobState:
        with self._db() as db, db.transaction():
            if db.dialect == "postgres":  # the first writer of a job holds it till commit
                db.execute(f"SELECT pg_advisory_xact_lock(hashtext({db.param}))", [job])
            state = self._read(db, job, lock=True)
            change(state)
            db.execute(f"DELETE FROM {self._table(db)} WHERE job = {db.param}", [job])
            db.execute(
                f"INSERT INTO {self._table(db)} (job, state) VALUES ({db.param}, {db.param})",
                [job, state.to_json()],
            )
            return state

    def clear(self, job: str) -> None:
        with self._db() as db:
            db.execute(f"DELETE FROM {self._table(db)} WHERE job = {db.param}", [job])

    def _db(self):
        from contextlib import contextmanager

        @contextmanager
        def opened():
            db = self.connect()
            try:
                self._ensure(db)
                yield db
            finally:
                db.close()

        return opened()
