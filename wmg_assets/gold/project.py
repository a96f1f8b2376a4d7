"""The gold dbt project: where it is, the profile WMG writes for it, and its manifest.

The project is the folder `$WMG_CONFIG_DIR/gold/` (a `dbt_project.yml` in it). WMG writes a
dbt profile for the warehouse of `WMG_WAREHOUSE_URL` — dbt-duckdb on the local file,
dbt-postgres, dbt-redshift — under `$WMG_HOME/dbt/`, with the password left out of the file
(dbt reads it from `DBT_ENV_SECRET_WMG_WAREHOUSE_PASSWORD`, a name dbt scrubs from its logs).
A `profiles.yml` inside the project takes its place, for options WMG does not write.

The manifest Dagster builds the assets from is made by `dbt parse` the first time the
definitions load and again only when a project file, the profile or dbt itself changed (a
fingerprint beside it says which) — not on every start.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from wmg_assets.feeds.config import FeedConfigError
from wmg_resources.settings import WmgSettings

PROFILE_NAME = "wmg"
PASSWORD_ENV = "DBT_ENV_SECRET_WMG_WAREHOUSE_PASSWORD"  # noqa: S105 - a variable's name
"""dbt keeps the values of `DBT_ENV_SECRET_*` variables out of its logs and artifacts."""
PARTIAL_PARSE = "partial_parse.msgpack"
CACHE_ENV = "WMG_DBT_PARSE_CACHE"
"""A folder where parses are kept by fingerprint and reused by every `WMG_HOME` (optional:
the test suite sets it, as each test has a home of its own)."""
_SKIPPED_DIRS = {"target", "logs", "dbt_packages", ".venv", "__pycache__"}


class GoldProjectError(FeedConfigError):
    """The gold dbt project does not parse; the message has dbt's own lines (file, line)."""


@dataclass(frozen=True)
class WarehouseProfile:
    """The dbt output for one warehouse URL, and the password to pass beside it."""

    output: dict
    password: str

    @property
    def adapter(self) -> str:
        return self.output["type"]


def warehouse_profile(url: str, threads: int = 4) -> WarehouseProfile:
    """The dbt output (dbt-duckdb, dbt-postgres or dbt-redshift) for a WMG warehouse URL; the
    password is read by dbt from `PASSWORD_ENV`, never written."""
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "duckdb":
        path = url[len("duckdb://") :]
        if path in ("", ":memory:", "/:memory:"):
            raise GoldProjectError(
                "gold: dbt needs a warehouse file, not an in-memory DuckDB (set WMG_WAREHOUSE_URL "
                "to duckdb:///path/warehouse.duckdb)"
            )
        if path.startswith("/"):
            path = "/" + path.lstrip("/")  # duckdb:////abs/file → /abs/file
        output = {"type": "duckdb", "path": path, "schema": "main", "threads": 1}
        return WarehouseProfile(output, "")
    if scheme not in ("postgres", "postgresql", "redshift"):
        raise GoldProjectError(f"gold: dbt cannot run on a {scheme!r} warehouse")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    output = {
        "type": "redshift" if scheme == "redshift" else "postgres",
        "host": parts.hostname or "localhost",
        "port": parts.port or (5439 if scheme == "redshift" else 5432),
        "user": unquote(parts.username or ""),
        "password": "{{ env_var('" + PASSWORD_ENV + "', '') }}",
        "dbname": unquote(parts.path.lstrip("/")) or "postgres",
        "schema": "public",
        "threads": threads,
    }
    if "sslmode" in query:
        output["sslmode"] = query["sslmode"]
    return WarehouseProfile(output, unquote(parts.password or ""))


@dataclass(frozen=True)
class GoldProject:
    """A located gold project and where WMG keeps its profile and artifacts."""

    project_dir: Path
    work_dir: Path  # $WMG_HOME/dbt
    profile: WarehouseProfile

    @property
    def own_profiles(self) -> bool:
        return (self.project_dir / "profiles.yml").is_file()

    @property
    def profiles_dir(self) -> Path:
        return self.project_dir if self.own_profiles else self.work_dir

    @property
    def target_dir(self) -> Path:
        return self.work_dir / "target"

    @property
    def manifest_path(self) -> Path:
        return self.target_dir / "manifest.json"

    @property
    def runs_dir(self) -> Path:
        """Each run's dbt artifacts and log, in a folder named after the Dagster run."""
        return self.work_dir / "runs"

    def run_dir(self, run_id: str) -> Path:
        """A run's dbt target folder, seeded with the parse cache of `prepare`."""
        path = self.runs_dir / run_id
        path.mkdir(parents=True, exist_ok=True)
        cache = self.target_dir / PARTIAL_PARSE
        if cache.is_file():
            shutil.copyfile(cache, path / PARTIAL_PARSE)
        return path

    def env(self) -> dict[str, str]:
        """The environment dbt runs with: this process's, the password, no usage pings."""
        return {
            **os.environ,
            PASSWORD_ENV: self.profile.password,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }


def find_gold_project(config_dir: Path, home: Path, warehouse_url: str) -> GoldProject | None:
    """The gold project of a config folder (None when `gold/` holds no `dbt_project.yml`)."""
    project_dir = config_dir / "gold"
    if not (project_dir / "dbt_project.yml").is_file():
        return None
    return GoldProject(project_dir.resolve(), home / "dbt", warehouse_profile(warehouse_url))


def prepared_gold_project(settings: WmgSettings) -> GoldProject | None:
    """The gold project of the settings' config folder, its manifest up to date (None when
    there is none)."""
    project = find_gold_project(settings.config_dir, settings.home, settings.warehouse)
    if project is not None:
        prepare(project)
    return project


def dbt_executable() -> str:
    """The `dbt` beside this Python (a venv that is not on PATH), else the one on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.is_file() else "dbt"


def write_profile(project: GoldProject) -> None:
    """`$WMG_HOME/dbt/profiles.yml` for the warehouse (rewritten only when it changes)."""
    if project.own_profiles:
        return
    text = yaml.safe_dump(
        {PROFILE_NAME: {"target": project.profile.adapter,
                        "outputs": {project.profile.adapter: project.profile.output}}},
        sort_keys=False,
    )  # fmt: skip
    path = project.work_dir / "profiles.yml"
    if not path.is_file() or path.read_text() != text:
        project.work_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def fingerprint(project: GoldProject) -> str:
    """Changes when a project file, the profile or the dbt version changes."""
    from dbt.version import __version__ as dbt_version

    digest = hashlib.sha256(f"{dbt_version}\n{project.project_dir}\n".encode())
    output = dict(project.profile.output)
    if output["type"] == "duckdb":  # the parse sees the file's name (its database), not where
        output["path"] = Path(output["path"]).name
    digest.update(json.dumps(output, sort_keys=True).encode())
    for path in sorted(project_files(project.project_dir)):
        stat = path.stat()
        digest.update(
            f"{path.relative_to(project.project_dir)}:{stat.st_mtime_ns}:{stat.st_size}\n".encode()
        )
    return digest.hexdigest()


def project_files(root: Path) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIPPED_DIRS and not d.startswith(".")]
        found += [Path(dirpath, f) for f in filenames]
    return found


def prepare(project: GoldProject) -> Path:
    """The project's manifest, made by `dbt parse` when it is missing or out of date.

    Parsed into a fresh folder and moved into place, so a process loading the definitions
    meanwhile reads the old manifest or the new one, never half of one."""
    write_profile(project)
    stamp = project.target_dir / "wmg-fingerprint"
    current = fingerprint(project)
    if project.manifest_path.is_file() and stamp.is_file() and stamp.read_text() == current:
        return project.manifest_path
    shared = Path(os.environ[CACHE_ENV]) / current if os.environ.get(CACHE_ENV) else None
    fresh = project.work_dir / f"parse-{os.getpid()}"
    if shared is not None and (shared / "manifest.json").is_file():
        shutil.copytree(shared, fresh, dirs_exist_ok=True)  # parsed for another home
    try:
        completed = None if (fresh / "manifest.json").is_file() else subprocess.run(
            [dbt_executable(), "parse", "--project-dir", str(project.project_dir),
             "--profiles-dir", str(project.profiles_dir), "--target-path", str(fresh),
             "--log-path", str(fresh), "--no-use-colors"],
            env=project.env(), capture_output=True, text=True, check=False,
        )  # fmt: skip
        if completed is not None and completed.returncode != 0:
            raise GoldProjectError(
                f"{project.project_dir}: dbt parse failed:\n{dbt_errors(completed.stdout)}"
            )
        if shared is not None and completed is not None:
            keep_parse(fresh, shared)
        project.target_dir.mkdir(parents=True, exist_ok=True)
        os.replace(fresh / "manifest.json", project.manifest_path)
        if (fresh / PARTIAL_PARSE).is_file():  # each run starts from it: no full parse per run
            os.replace(fresh / PARTIAL_PARSE, project.target_dir / PARTIAL_PARSE)
        stamp.write_text(current)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    return project.manifest_path


def keep_parse(fresh: Path, shared: Path) -> None:
    """Keep a parse's manifest and cache under its fingerprint, for other homes."""
    staged = shared.with_name(f"{shared.name}.{os.getpid()}")
    staged.mkdir(parents=True, exist_ok=True)
    for name in ("manifest.json", PARTIAL_PARSE):
        if (fresh / name).is_file():
            shutil.copyfile(fresh / name, staged / name)
    try:
        staged.rename(shared)
    except OSError:  # another process kept the same parse first
        shutil.rmtree(staged, ignore_errors=True)


def dbt_errors(output: str, keep: int = 25) -> str:
    """What dbt said went wrong: its lines from "Encountered an error" on (which name the file
    and line), without timestamps."""
    lines = [re.sub(r"^\d\d:\d\d:\d\d\s+", "", line).rstrip() for line in output.splitlines()]
    starts = [i for i, line in enumerate(lines) if "Encountered an error" in line]
    wanted = lines[starts[0] + 1 :] if starts else lines
    return "\n".join([line for line in wanted if line.strip()][:keep]) or "(dbt printed nothing)"


def readable_dbt_error(message: str) -> str:
    """dagster-dbt's error of a failed `dbt build` as a line and dbt's own lines: what
    failed, where, and the path of dbt's log."""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", message)
    log_path = re.search(r"dbt debug log: (\S+?)\.?\s*$", plain, re.MULTILINE)
    head, _, parsed = plain.partition("Errors parsed from dbt logs:")
    details = [line.rstrip() for line in (parsed or head).splitlines() if line.strip()]
    where = f" (dbt's log: {log_path.group(1)})" if log_path else ""
    return "\n".join([f"dbt build failed{where}", *details] if parsed else details)
