"""Dagster's migration scripts are read once per process (`dagster_migrations.install`):
every new SQLite database of a run is still stamped at Dagster's head revision."""

import sqlite3
from pathlib import Path

import dagster as dg
from alembic.config import Config
from alembic.script import ScriptDirectory

from wmg_assets import dagster_migrations

DAGSTER_SCRIPTS = Path(dg.__file__).parent / "_core" / "storage" / "alembic"


def dagster_config() -> Config:
    """The alembic configuration Dagster's SQLite storages use (their alembic.ini)."""
    config = Config()
    config.set_main_option("script_location", "dagster:_core/storage/alembic")
    return config


@dg.asset
def one() -> int:
    return 1


def test_each_run_database_is_stamped_at_head_from_one_read(tmp_path: Path) -> None:
    dagster_migrations.install()
    dagster_migrations.install()  # a second install changes nothing
    first = ScriptDirectory.from_config(dagster_config())
    assert ScriptDirectory.from_config(dagster_config()) is first
    head = ScriptDirectory(str(DAGSTER_SCRIPTS)).get_current_head()  # read apart from the cache
    assert head and first.get_current_head() == head
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        runs = [dg.materialize([one], instance=instance).run_id for _ in range(2)]
    stamps = {}
    for run_id in runs:
        [database] = tmp_path.rglob(f"{run_id}.db")
        with sqlite3.connect(database) as conn:
            stamps[run_id] = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    assert stamps == {run_id: [(head,)] for run_id in runs}


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
