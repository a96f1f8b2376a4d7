"""Dagster's migration scripts are read once per process (`dagster_migrations.install`):
every new SQLite database of a run is still stamped at Dagster's head revision."""

from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from dagster._core.storage.event_log.sqlite import sqlite_event_log
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import check_alembic_revision, get_alembic_config

from wmg_assets import dagster_migrations


def test_each_run_database_is_stamped_at_head_from_one_read(tmp_path: Path) -> None:
    dagster_migrations.install()
    dagster_migrations.install()  # a second install changes nothing
    config = get_alembic_config(sqlite_event_log.__file__)
    first = ScriptDirectory.from_config(config)
    assert ScriptDirectory.from_config(get_alembic_config(sqlite_event_log.__file__)) is first
    storage = SqliteEventLogStorage(str(tmp_path))
    heads = []
    for run_id in ("run-a", "run-b"):
        with storage.run_connection(run_id) as conn:
            heads.append(check_alembic_revision(config, conn))
    head = first.get_current_head()
    assert head and heads == [(head, head), (head, head)]


def test_other_script_folders_are_read_as_alembic_reads_them(tmp_path: Path) -> None:
    dagster_migrations.install()
    (tmp_path / "versions").mkdir()
    (tmp_path / "script.py.mako").write_text("")
    config = Config()
    config.set_main_option("script_location", str(tmp_path))
    first = ScriptDirectory.from_config(config)
    (tmp_path / "versions" / "0001_first.py").write_text(
        'revision = "0001"\ndown_revision = None\nbranch_labels = None\ndepends_on = None\n'
    )
    assert ScriptDirectory.from_config(config) is not first
    assert ScriptDirectory.from_config(config).get_current_head() == "0001"
