"""One error style for every config kind (issue 17): a misspelt field names the file, its
line and the closest valid field; and a broken non-feed file never stops a feed's ingest."""

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import CONFIG_DIR, SAMPLE_DIR
from wmg_assets.cli import app
from wmg_assets.datamart.config import load_datamarts
from wmg_assets.feeds.config import FeedConfigError
from wmg_assets.migration.config import load_sql_codebases
from wmg_assets.migration.elt.steps import load_elt_jobs

# (folder under config/, sample file, a field of it, the misspelling written instead)
TYPOS = [
    ("datamart", "account_metadata.yaml", "lag_seconds", "lag_second", load_datamarts),
    ("elt", "sample_orders.yaml", "restart", "restrat", load_elt_jobs),
    ("migration/sql", "sales_etl.yaml", "targets", "target", load_sql_codebases),
]


def misspell(config: Path, folder: str, name: str, field: str, typo: str) -> tuple[Path, int]:
    path = config / folder / name
    lines = path.read_text().splitlines(keepends=True)
    line = next(i for i, text in enumerate(lines, 1) if text.startswith(f"{field}:"))
    lines[line - 1] = lines[line - 1].replace(f"{field}:", f"{typo}:", 1)
    path.write_text("".join(lines))
    return path, line


@pytest.mark.parametrize(("folder", "name", "field", "typo", "loader"), TYPOS)
def test_a_misspelt_field_names_file_line_and_the_closest_field(
    tmp_path: Path, folder: str, name: str, field: str, typo: str, loader
) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    path, line = misspell(config, folder, name, field, typo)
    with pytest.raises(FeedConfigError) as e:  # the kind the definitions leave out, warned
        loader(config / folder)
    message = str(e.value)
    assert f"{path.name}:{line}" in message and typo in message, message
    assert f"did you mean `{field}`?" in message, message


@pytest.mark.parametrize(("folder", "name", "field", "typo", "loader"), TYPOS[1:])
def test_a_typo_in_an_elt_or_migration_yaml_does_not_stop_a_feeds_ingest(
    wmg_env: Path,
    tmp_path: Path,
    monkeypatch,
    folder: str,
    name: str,
    field: str,
    typo: str,
    loader,
) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    path, line = misspell(config, folder, name, field, typo)
    monkeypatch.setenv("WMG_CONFIG_DIR", str(config))
    loaded = CliRunner().invoke(app, ["ingest", str(SAMPLE_DIR / "orders_2026_11_01.csv")])
    assert loaded.exit_code == 0, loaded.output
    assert "warning:" in loaded.stderr and f"{path.name}:{line}" in loaded.stderr


def test_a_typo_in_a_datamart_yaml_does_not_stop_a_feeds_ingest(
    wmg_env: Path, tmp_path: Path, monkeypatch
) -> None:
    """The feed loads, with a warning naming the broken file and its line; `datamart run`,
    which needs that file, fails naming it."""
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    path, line = misspell(config, "datamart", "account_metadata.yaml", "lag_seconds", "lag_second")
    monkeypatch.setenv("WMG_CONFIG_DIR", str(config))
    runner = CliRunner()
    loaded = runner.invoke(app, ["ingest", str(SAMPLE_DIR / "orders_2026_11_01.csv")])
    assert loaded.exit_code == 0, loaded.output
    assert "warning:" in loaded.stderr and f"{path.name}:{line}" in loaded.stderr
    ran = runner.invoke(app, ["datamart", "run", "account_metadata"])
    assert ran.exit_code == 1 and f"{path.name}:{line}: field lag_second" in ran.stderr


def test_elt_list_says_a_job_files_error_in_one_line(
    wmg_env: Path, tmp_path: Path, monkeypatch
) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    path, line = misspell(config, "elt", "sample_orders.yaml", "restart", "restrat")
    monkeypatch.setenv("WMG_CONFIG_DIR", str(config))
    listed = CliRunner().invoke(app, ["elt", "list"])
    assert isinstance(listed.exception, SystemExit) and listed.exit_code != 0  # no traceback
    assert f"{path.name}:{line}: field restrat" in listed.stderr
