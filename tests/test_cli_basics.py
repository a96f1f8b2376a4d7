"""What a newcomer types first: `wmg --version`, `wmg query` with its row limit and SQL from
stdin, `wmg plan` on a missing file — answered in one line, no traceback."""

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.fresh_process import run_fresh
from wmg_assets.cli import app


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("wmg-platform 0.")


def test_shell_completion_completes_the_commands() -> None:
    """The bash completion script that `wmg --install-completion` installs, run as bash would:
    `wmg fe<TAB>` completes to `feeds`."""
    import os
    import subprocess
    import sys

    wmg = str(Path(sys.executable).with_name("wmg"))
    script = subprocess.run([wmg, "--show-completion", "bash"], capture_output=True, text=True)
    assert script.returncode == 0 and "_wmg_completion" in script.stdout
    completed = subprocess.run(
        [wmg], capture_output=True, text=True,
        env={**os.environ, "_WMG_COMPLETE": "complete_bash", "COMP_WORDS": "wmg fe",
             "COMP_CWORD": "1"},
    )  # fmt: skip
    assert completed.stdout.split() == ["feeds"]


def test_query_prints_at_most_the_limit_and_reads_stdin(wmg_env: Path) -> None:
    runner = CliRunner()
    limited = runner.invoke(app, ["query", "SELECT * FROM range(250) AS t(i)", "--csv"])
    assert limited.exit_code == 0, limited.output
    lines = [line for line in limited.stdout.splitlines() if line]
    assert lines[0] == "i" and len(lines) == 101  # the header and the default 100 rows
    assert "the first 100 rows; --limit 0 prints all" in limited.stderr
    whole = runner.invoke(
        app, ["query", "-", "--csv", "--limit", "0"], input="SELECT * FROM range(250) AS t(i);\n"
    )
    assert whole.exit_code == 0 and len(whole.stdout.splitlines()) == 251
    ddl = runner.invoke(app, ["query", "CREATE TABLE t AS SELECT 1 AS x", "--limit", "5"])
    assert ddl.exit_code == 0, ddl.output  # not a query to wrap: run as it is
    assert runner.invoke(app, ["query", "SELECT 1", "--limit", "-1"]).exit_code == 2


def test_plan_on_a_missing_file_is_one_line(wmg_env: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["plan", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1
    assert "nope.csv: no such file" in result.output and "Traceback" not in result.output


def test_feeds_list_and_show(wmg_env: Path, tmp_path: Path, monkeypatch) -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["feeds", "list"])
    assert listed.exit_code == 0, listed.output
    assert "customers" in listed.output and "public.customers" in listed.output
    shown = runner.invoke(app, ["feeds", "show", "customers"])
    assert (
        shown.exit_code == 0 and "upsert_keys:" in shown.output and "file_pattern:" in shown.output
    )
    missing = runner.invoke(app, ["feeds", "show", "nope"])
    assert missing.exit_code == 1 and "no feed 'nope'" in missing.output
    monkeypatch.setenv("WMG_CONFIG_DIR", str(tmp_path / "empty"))
    nowhere = runner.invoke(app, ["feeds", "list"])
    assert nowhere.exit_code == 1 and f"WMG_CONFIG_DIR={tmp_path / 'empty'}" in nowhere.output


def test_ingest_query_status_and_gold_refresh(wmg_env: Path) -> None:
    """One set of loads for the commands that read them: `ingest --json` (and the run's
    tags), `query --json`, a no-op run's tag, `status`, `gold refresh`."""
    import json

    import dagster as dg

    from tests.conftest import SAMPLE_DIR

    runner = CliRunner()
    empty = runner.invoke(app, ["status"])
    assert empty.exit_code == 0 and "no loads yet" in empty.output
    customers = str(SAMPLE_DIR / "customers_2026_11_01.csv")
    files = [customers, str(SAMPLE_DIR / "orders_2026_11_01.csv")]
    loaded = runner.invoke(app, ["ingest", *files, "--json"])
    assert loaded.exit_code == 0, loaded.output
    outcome, _ = json.loads(loaded.stdout.strip().splitlines()[-1])
    assert (outcome["feed"], outcome["ok"], outcome["counts"]["rows_inserted"]) == (
        "customers",
        True,
        20,
    )
    rows = runner.invoke(app, ["query", "SELECT count(*) AS n FROM public.customers", "--json"])
    assert json.loads(rows.stdout) == [{"n": 20}]
    instance = dg.DagsterInstance.get()
    run = instance.get_run_by_id(outcome["run_id"])
    assert run is not None
    assert {k: run.tags.get(k) for k in ("wmg/source", "wmg/feed", "wmg/file")} == {
        "wmg/source": "cli",
        "wmg/feed": "customers",
        "wmg/file": "customers_2026_11_01.csv",
    }
    again = runner.invoke(app, ["ingest", customers, "--json"])
    [noop] = json.loads(again.stdout.strip().splitlines()[-1])
    assert noop["already_loaded_in"] == outcome["run_id"]
    noop_run = instance.get_run_by_id(noop["run_id"])
    assert noop_run is not None and noop_run.tags.get("wmg/outcome") == "already_loaded"
    assert run.tags.get(".dagster/repository") == "__repository__@wmg"  # under its job in the UI
    logged = [e.user_message for e in instance.all_logs(noop["run_id"]) if e.dagster_event is None]
    assert logged[0].startswith("customers_2026_11_01.csv: already loaded in run "), logged
    latest = runner.invoke(app, ["status", "--feed", "customers", "--json"])
    statuses = json.loads(latest.stdout)
    assert [(r["job_id"], r["status"]) for r in statuses][-1] == ("customers", "SUCCESS")
    assert statuses[-1]["records_inserted"] == 20
    refreshed = runner.invoke(app, ["gold", "refresh"])
    assert refreshed.exit_code == 0, refreshed.output
    assert (
        "customers_per_country" in refreshed.output and "order_totals_per_day" in refreshed.output
    )


def test_check_validates_configs_and_reaches_systems(
    wmg_env: Path, tmp_path: Path, monkeypatch
) -> None:
    import shutil

    from tests.conftest import CONFIG_DIR

    runner = CliRunner()
    fine = runner.invoke(app, ["check"])
    assert fine.exit_code == 0, fine.output
    assert "ok   config feeds/: 2 defined" in fine.output and "ok   warehouse:" in fine.output
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    feed = config / "feeds" / "customers.yaml"
    feed.write_text(feed.read_text().replace("upsert_keys:", "upsert_key:"))
    monkeypatch.setenv("WMG_CONFIG_DIR", str(config))
    monkeypatch.setenv("WMG_WAREHOUSE_URL", "postgresql://nobody@127.0.0.1:1/none")
    broken = runner.invoke(app, ["check"])
    assert broken.exit_code == 1
    assert "FAIL config feeds/:" in broken.output and "did you mean `upsert_keys`?" in broken.output
    assert "FAIL warehouse:" in broken.output and "ok   config gold/" in broken.output


def test_plan_as_json_lists_the_ddl(wmg_env: Path) -> None:
    import json

    from tests.conftest import SAMPLE_DIR

    result = CliRunner().invoke(
        app, ["plan", str(SAMPLE_DIR / "customers_2026_11_01.csv"), "--json"]
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout.strip().splitlines()[-1])
    assert (plan["feed"], plan["target"], plan["rows_read"], plan["changes_table"]) == (
        "customers",
        "public.customers",
        20,
        True,
    )
    assert any(s.startswith("CREATE TABLE") for s in plan["statements"])


def test_feeds_new_writes_a_feed_that_checks_and_loads_its_sample(
    wmg_env: Path, tmp_path: Path, monkeypatch
) -> None:
    """`wmg feeds new` from a semicolon file with a leading-zero code and a blank amount:
    the YAML names the delimiter and the key candidate, `wmg check` accepts it, and
    `wmg ingest` loads the sample with the codes as written."""
    import yaml

    monkeypatch.setenv("WMG_CONFIG_DIR", str(tmp_path / "config"))
    sample = tmp_path / "shop_2024-01-31.csv"
    sample.write_text(
        "Order ID;Amount;Order Date;Zip\n1;10.50;2024-01-01;00123\n2;7;2024-01-02;04567\n"
        "3;;2024-01-03;99999\n"
    )
    runner = CliRunner()
    made = runner.invoke(app, ["feeds", "new", "shop", "--from", str(sample)])
    assert made.exit_code == 0, made.output
    written = tmp_path / "config" / "feeds" / "shop.yaml"
    feed = yaml.safe_load(written.read_text())
    assert feed["upsert_keys"] == ["order_id"] and feed["csv"]["delimiter"] == ";"
    assert feed["file_pattern"] == "shop*.csv" and feed["target"] == {
        "schema": "public",
        "table": "shop",
    }
    assert "#   zip         string" in written.read_text()  # 00123 stays text
    assert "Key candidates (present and unique in the sample): order_id; also: zip" in (
        written.read_text())  # fmt: skip
    again = runner.invoke(app, ["feeds", "new", "shop", "--from", str(sample)])
    assert again.exit_code == 1 and "exists (--force replaces it)" in again.output
    checked = runner.invoke(app, ["check"])
    assert "ok   config feeds/: 1 defined" in checked.output, checked.output
    loaded = runner.invoke(app, ["ingest", str(sample)])
    assert loaded.exit_code == 0, loaded.output
    rows = runner.invoke(app, ["query", "SELECT order_id, zip FROM public.shop ORDER BY 1",
                               "--csv"])  # fmt: skip
    assert rows.stdout.splitlines() == ["order_id,zip", "1,00123", "2,04567", "3,99999"]


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(tmp_path: Path) -> None:
    """`wmg status` against a warehouse that is not there: the real command prints one
    `error:` line naming the error; with --debug, the traceback."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "WMG_HOME": str(tmp_path / "home"),
           "WMG_WAREHOUSE_URL": "postgresql://nobody@127.0.0.1:1/none"}  # fmt: skip
    command = [sys.executable, "-m", "wmg_assets.cli"]
    plain = subprocess.run([*command, "status"], env=env, capture_output=True, text=True)
    assert plain.returncode == 1
    assert plain.stderr.startswith("error: OperationalError: connection failed")
    assert "(run with --debug for the traceback)" in plain.stderr
    assert "Traceback" not in plain.stderr + plain.stdout
    debug = subprocess.run([*command, "--debug", "status"], env=env, capture_output=True,
                           text=True)  # fmt: skip
    assert debug.returncode == 1 and "Traceback (most recent call last)" in debug.stderr


def test_a_broken_gold_project_does_not_stop_a_feeds_ingest(
    wmg_env: Path, tmp_path: Path, monkeypatch
) -> None:
    """The feed loads (ingests never load the dbt project); `gold refresh` and `check`, which
    need it, fail with dbt's message naming the file."""
    import shutil

    from tests.conftest import CONFIG_DIR, SAMPLE_DIR

    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    models = config / "gold" / "models" / "gold.yml"
    broken = models.read_text().replace("  - name: order_totals_per_day", "  - name: [", 1)
    models.write_text(broken)
    monkeypatch.setenv("WMG_CONFIG_DIR", str(config))
    runner = CliRunner()
    loaded = runner.invoke(app, ["ingest", str(SAMPLE_DIR / "orders_2026_11_01.csv")])
    assert loaded.exit_code == 0, loaded.output
    refreshed = runner.invoke(app, ["gold", "refresh"])
    assert refreshed.exit_code == 1
    assert "gold refresh failed" in refreshed.stderr and "gold.yml" in refreshed.stderr
    checked = runner.invoke(app, ["check"])
    assert checked.exit_code == 1 and "FAIL config gold/" in checked.output


def test_an_ingest_loads_the_feeds_definitions_alone(wmg_env: Path) -> None:
    """`wmg ingest` runs a feed's job: the asset modules of APIs, datamarts, migration and ELT
    (and what only they import) stay unimported, while `wmg datamart run` in the same
    process still finds its assets."""
    from tests.conftest import SAMPLE_DIR

    probe = (
        "import json, sys\nfrom wmg_assets.ingest import Ingestor\n"
        "from wmg_resources.settings import load_settings\n"
        "ingestor = Ingestor(load_settings())\n"
        f"[outcome] = ingestor.ingest([__import__('pathlib').Path({str(SAMPLE_DIR)!r}) / "
        "'orders_2026_11_01.csv'])\n"
        "others = ('wmg_assets.api.assets', 'wmg_assets.datamart.load', 'wmg_resources.api',"
        " 'wmg_assets.migration.assets', 'wmg_assets.migration.elt_assets', 'authlib')\n"
        "print(json.dumps([outcome.error, sorted(set(others) & set(sys.modules))]))\n"
        "keys = ingestor.defs.resolve_asset_graph().get_all_asset_keys()\n"
        "print(json.dumps(sorted(k.to_user_string() for k in keys if 'account' in str(k))))\n"
    )
    first, second = run_fresh(probe)[-2:]
    assert json.loads(first) == [None, []]
    assert json.loads(second), "the full definitions hold the datamart's assets"


def test_a_bad_file_fails_in_a_few_lines_and_the_run_keeps_the_stack(wmg_env: Path) -> None:
    """The real `wmg ingest` of a file with a stray quote: the console says which file and
    line in a handful of lines, with no stack trace (Dagster's console logger
    printed ~110 lines of stack for it); --debug prints the stacks; the run's event log (the
    UI) keeps the failure's stack either way."""
    import os
    import subprocess
    import sys

    import dagster as dg

    from tests.conftest import SAMPLE_DIR

    rows = (SAMPLE_DIR / "orders_2026_11_01.csv").read_text().splitlines()
    bad = wmg_env.parent / "orders_bad.csv"
    bad.write_text("\n".join([rows[0], rows[1], rows[2].replace(",", ',"', 1)]) + "\n")
    command = [sys.executable, "-m", "wmg_assets.cli"]
    plain = subprocess.run([*command, "ingest", "--json", str(bad)], env=dict(os.environ),
                           capture_output=True, text=True)  # fmt: skip
    assert plain.returncode == 1
    assert "orders_bad.csv, line 3" in plain.stderr
    assert "Stack Trace" not in plain.stderr and "Traceback" not in plain.stderr
    assert len(plain.stderr.splitlines()) < 12, plain.stderr
    [outcome] = json.loads(plain.stdout.strip().splitlines()[-1])
    with dg.DagsterInstance.get() as instance:
        failures = [e.dagster_event for e in instance.all_logs(outcome["run_id"])
                    if e.dagster_event is not None and e.dagster_event.is_step_failure]  # fmt: skip
    [failure] = failures
    assert failure.step_failure_data.error is not None
    assert "raw_csv.py" in str(failure.step_failure_data.error.to_string())
    debug = subprocess.run([*command, "--debug", "ingest", str(bad)], env=dict(os.environ),
                           capture_output=True, text=True)  # fmt: skip
    assert debug.returncode == 1 and "Stack Trace:" in debug.stderr


def test_without_stack_keeps_the_message_and_the_error_line() -> None:
    from wmg_resources.console_logger import without_stack

    text = (
        'job - run - step - STEP_FAILURE - Execution of step "s" failed.\n\n'
        "Failure: a.csv, line 3, column 'x': bad\n\nStack Trace:\n  File \"x.py\"\n\n"
        "The above exception was caused by the following exception:\nInputError: …"
    )
    assert without_stack(text) == ('job - run - step - STEP_FAILURE - Execution of step "s" '
                                   "failed. Failure: a.csv, line 3, column 'x': bad")  # fmt: skip
    assert without_stack("one line\n\ntwo paragraphs") == "one line\n\ntwo paragraphs"
