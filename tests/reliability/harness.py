"""A platform home for one reliability test: a config folder of the test's own feeds, the
embedded defaults (`local`: lake folder + DuckDB) or the lake folder with the PostgreSQL
test server (`postgres`), and helpers to land files and read what the platform recorded.

Everything is the real thing: files go through `Ingestor` (the code of `wmg ingest`) into
the Dagster instance, silver Iceberg tables and the warehouse."""

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from wmg_assets.ingest import Ingestor, IngestOutcome
from wmg_resources.settings import load_settings
from wmg_resources.warehouse import connect_warehouse

BIN = Path(sys.executable).parent
PLATFORM_VARIABLES = (
    "WMG_LAKE_URL", "WMG_WAREHOUSE_URL", "WMG_ENGINE", "WMG_S3_ENDPOINT_URL",
    "WMG_ICEBERG_CATALOG_URL", "WMG_ENV", "WMG_SNS_TOPIC_ARN", "WMG_SQS_QUEUE_URL",
)  # fmt: skip
"""Variables that point the platform elsewhere: unset, so a test runs on its own home."""

FEED_T = """
name: t
file_pattern: "t*.csv"
target: {schema: public, table: t}
upsert_keys: [id]
"""


@dataclass
class Platform:
    """One test's platform (see the module docstring)."""

    kind: str  # local | postgres
    home: Path
    config: Path
    files: Path

    def feed(self, yaml_text: str, name: str = "t") -> None:
        (self.config / "feeds" / f"{name}.yaml").write_text(textwrap.dedent(yaml_text))

    def write(self, name: str, content: str | bytes) -> Path:
        path = self.files / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    def ingest(self, *paths: Path, reload: bool = False) -> list[IngestOutcome]:
        return Ingestor(load_settings(), reload=reload).ingest(list(paths))

    def ingest_one(self, name: str, content: str | bytes) -> IngestOutcome:
        [outcome] = self.ingest(self.write(name, content))
        return outcome

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        with connect_warehouse(load_settings().warehouse) as wh:
            return wh.query(sql, params)[1]

    def table(self, name: str = "public.t", order: str = "id") -> list[tuple]:
        """Every row of a target table (metadata columns left out), in key order; [] when
        the table does not exist."""
        schema, table = name.split(".")
        with connect_warehouse(load_settings().warehouse) as wh:
            columns = wh.columns(schema, table)
            if columns is None:
                return []
            names = [c.name for c in columns if c.name not in ("run_date", "file_name")]
            cols = ", ".join(f'"{n}"' for n in names)
            return wh.query(f'SELECT {cols} FROM "{schema}"."{table}" ORDER BY "{order}"')[1]

    def columns(self, name: str = "public.t") -> list[str]:
        """The target's columns, metadata columns left out."""
        schema, table = name.split(".")
        with connect_warehouse(load_settings().warehouse) as wh:
            found = wh.columns(schema, table) or []
        return [c.name for c in found if c.name not in ("run_date", "file_name")]

    def audit(self, file_name: str) -> list[tuple[str, str | None]]:
        """(status, error_message) of each audit row of a file, oldest first."""
        return [
            (status, message)
            for status, message, _ in self.query(
                "SELECT status, error_message, run_end_ts FROM wmg.job_sts "
                "WHERE source_filename = ? ORDER BY run_end_ts".replace("?", self.param),
                [file_name],
            )
        ]

    def ledger(self, file_name: str) -> list[str]:
        """Statuses of the ledger rows of a file name, oldest first."""
        rows = self.query(
            "SELECT status, key, loaded_at FROM wmg.file_ledger ORDER BY loaded_at", None
        )
        return [status for status, key, _ in rows if key.rsplit("/", 1)[-1] == file_name]

    @property
    def param(self) -> str:
        return "?" if self.kind == "local" else "%s"

    @property
    def lake(self) -> Path:
        return self.home / "lake"

    def where(self, file_name: str) -> str | None:
        """The lake folder a landed file is in now: in, archive or unprocessed."""
        found = sorted(self.lake.glob(f"data/*/**/{file_name}")) + sorted(
            self.lake.glob(f"data/in/{file_name}")
        )
        return found[0].relative_to(self.lake / "data").parts[0] if found else None

    def wmg(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """The real `wmg` command in this platform's environment."""
        return subprocess.run(
            [str(BIN / "wmg"), *args], capture_output=True, text=True, timeout=timeout,
            env=os.environ.copy(), check=False,
        )  # fmt: skip


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """`folder` cannot be written, even by root (immutable where the filesystem allows)."""
    folder.mkdir(parents=True, exist_ok=True)
    root = os.geteuid() == 0
    if root:
        subprocess.run(["chattr", "+i", str(folder)], check=False, capture_output=True)
    else:
        folder.chmod(0o500)
    try:
        probe = folder / ".probe"
        try:
            probe.touch()
        except OSError:
            pass
        else:
            probe.unlink()
            pytest.skip(f"cannot make {folder} read-only on this filesystem")
        yield
    finally:
        if root:
            subprocess.run(["chattr", "-i", str(folder)], check=False, capture_output=True)
        else:
            folder.chmod(0o700)


def point_at(mp: pytest.MonkeyPatch, home: Path, config: Path) -> None:
    """Point the platform at a fresh home and config folder (both made), embedded defaults."""
    for folder in (home / "dagster", config / "feeds"):
        folder.mkdir(parents=True, exist_ok=True)
    for name, value in {
        "WMG_HOME": str(home),
        "WMG_CONFIG_DIR": str(config),
        "DAGSTER_HOME": str(home / "dagster"),
        "WMG_RETRY_DELAY_SECONDS": "0",
    }.items():
        mp.setenv(name, value)
    for name in PLATFORM_VARIABLES:
        mp.delenv(name, raising=False)


def make_platform(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, base: Path, kind: str
) -> Platform:
    """A fresh platform of `kind` under `base` with the feed `t` (FEED_T)."""
    home, config, files = base / "wmg", base / "config", base / "files"
    files.mkdir(parents=True, exist_ok=True)
    point_at(monkeypatch, home, config)
    if kind == "postgres":
        monkeypatch.setenv("WMG_ENV", "test")
        monkeypatch.setenv("WMG_WAREHOUSE_URL", request.getfixturevalue("postgres_url"))
    platform = Platform(kind, home, config, files)
    platform.feed(FEED_T)
    return platform
