"""Read Dagster's migration scripts once per process, not for every SQLite database.

A local Dagster instance keeps each run's events in a SQLite database of its own. Every new
database is checked and stamped with alembic, and alembic reads all of Dagster's migration
scripts (about 90 Python files) for each check and each stamp: about 0.05 s a read, two
reads a run and nine for a `wmg ingest` in a new home. The scripts belong to the installed
Dagster and cannot change while a process runs, so `install()` makes alembic keep the
script directory it read for Dagster's migrations (any other script location is read as
alembic reads it). The warm worker stops when a library changes, so an upgrade is never
served from an old read.
"""

import threading
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory

DAGSTER_SCRIPTS = "dagster:"  # Dagster's migrations, a folder of its package
_lock = threading.Lock()
_read: dict[tuple[tuple[str, str], ...], ScriptDirectory] = {}
_original_from_config: Any = None


def _from_config(cls: type[ScriptDirectory], config: Config) -> ScriptDirectory:
    options = config.get_section(config.config_ini_section) or {}
    location = config.get_main_option("script_location") or ""
    if not location.startswith(DAGSTER_SCRIPTS):
        return _original_from_config(config)
    # The options alembic reads them with (`here`, the ini file's folder, only fills them in).
    key = tuple(sorted((k, v) for k, v in options.items() if k != "here"))
    with _lock:
        script = _read.get(key)
        if script is None:
            script = _original_from_config(config)
            script.revision_map.get_current_head()  # read the scripts now, under the lock
            _read[key] = script
        return script


def install() -> None:
    """Keep the script directory of Dagster's migrations once read (idempotent)."""
    global _original_from_config
    with _lock:
        if _original_from_config is None:
            _original_from_config = ScriptDirectory.from_config
            ScriptDirectory.from_config = classmethod(_from_config)  # type: ignore[method-assign]
