"""The `wmg` command: demo, ingest, query and dev."""

import errno
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from wmg_assets.migration.cli import ddl_app
from wmg_assets.migration.data_cli import data_app, migrate_app
from wmg_assets.migration.elt_cli import elt_app
from wmg_assets.migration.files_cli import code_app, docs_app
from wmg_assets.migration.glue_cli import glue_app
from wmg_assets.worker.cli import worker_app

if TYPE_CHECKING:
    from wmg_resources.settings import WmgSettings


def load_settings() -> "WmgSettings":
    """The settings, imported when a command needs them (pydantic-settings takes a quarter
    of a second to import, and `wmg sql convert` must start fast)."""
    from wmg_resources.settings import load_settings as load

    return load()


def redact_url(url: str) -> str:
    from wmg_resources.settings import redact_url as redact

    return redact(url)


app = typer.Typer(
    help="WMG Platform: file feeds to Iceberg and the warehouse, on Dagster.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,  # `main` prints one line; --debug the traceback
)
_DEBUG = {"on": False}
# Wide enough for the tables when output is piped (rich assumes 80 columns then).
# File names, headers and values are user data: never read as markup, emoji or highlights.
out = Console(width=None if sys.stdout.isatty() else 160, emoji=False, highlight=False)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160, emoji=False,
              highlight=False)  # fmt: skip


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            out.print(f"wmg-platform {version('wmg-platform')}", markup=False)
        except PackageNotFoundError:
            out.print("wmg-platform (not installed as a package)", markup=False)
        raise typer.Exit()


@app.callback()
def _main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="print the traceback of an unexpected error")
    ] = False,
) -> None:
    """WMG Platform: file feeds to Iceberg and the warehouse, on Dagster."""
    _DEBUG["on"] = debug


def error(message: object) -> None:
    """One `error:` line; the message is printed as it is (it may quote file content)."""
    err.print(f"[red]error:[/] {escape(str(message))}", soft_wrap=True)


SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_data"
USER_OS_ERRORS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT}


def _status(outcome) -> str:
    if not outcome.ok:
        return "[red]failed[/]"
    if outcome.already_loaded_in:
        return f"[yellow]already loaded in run {escape(outcome.already_loaded_in[:8])}[/]"
    return "[green]ok[/]"


def _outcome_table(outcomes: list) -> Table:
    table = Table(title="Feed runs", header_style="bold")
    numeric = ("read", "inserted", "updated", "unchanged", "step s")
    for name in ("feed", "file", *numeric[:4], "target", numeric[4], "status"):
        table.add_column(name, justify="right" if name in numeric else "left")
    for o in outcomes:
        c = o.counts
        table.add_row(
            Text(o.feed),
            Text(o.file),
            *(
                str(c.get(k, ""))
                for k in ("rows_read", "rows_inserted", "rows_updated", "rows_unchanged")
            ),
            Text(o.target),
            f"{sum(o.seconds.values()):.1f}" if o.seconds else "",
            _status(o),
        )
    return table


def _run_ingest(paths: list[Path], feed: str | None, reload: bool = False) -> list:
    from wmg_assets.feeds.config import FeedConfigError
    from wmg_assets.ingest import Ingestor

    settings = load_settings()

    def warn(e: Exception) -> None:
        err.print(f"[yellow]warning:[/] {escape(str(e))} (left out of this run; wmg check "
                  "lists every error)", soft_wrap=True)  # fmt: skip

    try:
        ingestor = Ingestor(settings, reload=reload, on_config_error=warn, tracebacks=_DEBUG["on"])
    except FeedConfigError as e:
        error(e)
        raise typer.Exit(2) from e
    from wmg_assets.ingest_progress import ingest_display

    if ingestor.dev_server is not None:
        err.print(f"runs launched through wmg dev at {ingestor.dev_server.url}", markup=False)
    with ingest_display(err) as display:
        ingestor.on_run_log = display.step
        return ingestor.ingest(
            paths, feed, on_start=lambda p, f: display.file(f"loading {p.name} into {f.name}")
        )


def _report(outcomes: list, as_json: bool = False) -> None:
    if as_json:
        import dataclasses
        import json

        payload = [{**dataclasses.asdict(o), "ok": o.ok} for o in outcomes]
        out.print(json.dumps(payload, default=str), markup=False, soft_wrap=True)
    else:
        out.print(_outcome_table(outcomes))
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        error(o.error)
    if failed:
        raise typer.Exit(1)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="CSV files to land and load")],
    feed: Annotated[str | None, typer.Option(help="feed name (default: by file_pattern)")] = None,
    reload: Annotated[
        bool, typer.Option(help="load even if the same content was loaded before")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="the outcomes as JSON")] = False,
) -> None:
    """Land files in the lake and load each through its feed into the warehouse.

    A file whose content its feed already loaded is not loaded again (shown as "already
    loaded in run …"); --reload loads it anyway."""
    _report(_run_ingest(paths, feed, reload), as_json)


@app.command()
def demo(
    sample_dir: Annotated[Path, typer.Option(help="folder of sample CSV files")] = SAMPLE_DIR,
) -> None:
    """Load the sample files of every feed into the local warehouse and show what happened."""
    files = sorted(sample_dir.glob("*.csv"))
    if not files:
        error(f"no CSV files in {sample_dir}")
        raise typer.Exit(2)
    settings = load_settings()
    out.print(
        f"WMG_HOME={settings.home}  warehouse={redact_url(settings.warehouse)}  "
        f"engine={settings.engine}"
    )
    outcomes = _run_ingest(files, None)
    _report(outcomes)
    gold = _refresh_gold(settings)
    if gold:
        out.print("gold: " + ", ".join(f"gold.{name} ({rows} rows)" for name, rows in gold.items()))
    if settings.source_url is None and (settings.config_dir / "datamart").is_dir():
        from wmg_assets.datamart.sample import create_sample_source

        source = settings.home / "source.duckdb"
        if not source.exists():
            create_sample_source(source)
        _run_datamart("account_metadata", "incremental")
    from wmg_assets.migration.cli import demo_ddl

    demo_ddl(settings.warehouse, "public", settings.home / "ddl")


datamart_app = typer.Typer(help="The CDC datamart: load, full or incremental.")
app.add_typer(datamart_app, name="datamart")


def _datamart_table(name: str, loaded: dict) -> Table:
    table = Table(title=f"datamart {name}", header_style="bold")
    for column in ("table", "load", "rows read", "changed", "rows"):
        table.add_column(column, justify="left" if column in ("table", "load") else "right")
    for asset, m in sorted(loaded.items()):
        cells = [m.get(k, "") for k in ("rows_read", "rows_changed", "dagster/row_count")]
        table.add_row(Text(asset), str(m.get("table_load", "join")), *map(str, cells))
    return table


def _run_datamart(name: str, load_type: str) -> None:
    from wmg_assets.ingest import Ingestor

    with out.status(f"loading datamart {name} ({load_type})"):
        try:
            loaded = Ingestor(load_settings(), tracebacks=_DEBUG["on"]).run_datamart(
                name, load_type
            )
        except (LookupError, RuntimeError, ValueError) as e:  # ValueError: a config's error
            error(e)
            raise typer.Exit(1) from e
    out.print(_datamart_table(name, loaded))
    first = next(iter(loaded.values()), {})
    note = " (empty increment: nothing committed)" if first.get("skipped") else ""
    out.print(f"load: {first.get('load_type')}  watermark: {first.get('watermark_after')}{note}")


@datamart_app.command("run")
def datamart_run(
    name: Annotated[str, typer.Argument(help="the datamart's database_name")],
    load_type: Annotated[str, typer.Option(help="full or incremental")] = "incremental",
) -> None:
    """Load a datamart: mirror its source tables and rebuild its joins."""
    if load_type not in ("full", "incremental"):
        error(f"--load-type is full or incremental, not {load_type!r}")
        raise typer.Exit(2)
    _run_datamart(name, load_type)


sql_app = typer.Typer(help="Teradata SQL conversion to Redshift or Spark SQL.")
app.add_typer(sql_app, name="sql")
app.add_typer(ddl_app, name="ddl")
app.add_typer(code_app, name="code")
app.add_typer(docs_app, name="docs")
app.add_typer(data_app, name="data")
app.add_typer(migrate_app, name="migrate")
app.add_typer(elt_app, name="elt")
app.add_typer(worker_app, name="worker")
app.add_typer(glue_app, name="glue")


@sql_app.command("convert")
def sql_convert(
    path: Annotated[
        str, typer.Argument(help="a .sql/.bteq file, a folder (a code base), or - for stdin")
    ],
    target: Annotated[str, typer.Option(help="redshift or spark")] = "redshift",
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="for a folder: where the converted tree goes")
    ] = None,
    catalog: Annotated[
        str | None, typer.Option(help="spark: qualify tables as <catalog>.<schema>.<table>")
    ] = None,
    external_schema: Annotated[
        list[str] | None,
        typer.Option(help="redshift: a schema of Iceberg tables, read as ext_<schema>"),
    ] = None,
) -> None:
    """Convert Teradata SQL (and BTEQ scripts) to the target's SQL.

    A file (or -) goes to standard output. A folder (every .sql, .bteq and .btq under it)
    goes to the same layout under --out, with report.md, report.xlsx and report.json there.
    Every statement either converts with Teradata's meaning or is flagged: one
    `UNSUPPORTED: <code> <message> (line L)` line per error on standard error, exit 3."""
    from wmg_assets.migration.sql import ConversionOptions
    from wmg_assets.migration.sql.codebase import read_script

    options = ConversionOptions(catalog=catalog, external_schemas=frozenset(external_schema or []))
    if path != "-" and Path(path).is_dir():
        _convert_codebase(Path(path), out_dir, target, options)
        return
    from wmg_assets.migration.sql import convert

    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        conversion = convert(read_script(data), target, options)
    except (OSError, ValueError) as e:
        error(e)
        raise typer.Exit(2) from e
    sys.stdout.write(conversion.output)
    for found in conversion.errors:
        sys.stderr.write(found.line_text() + "\n")
    if conversion.errors:
        raise typer.Exit(3)


def _convert_codebase(folder: Path, out_dir: Path | None, target: str, options) -> None:
    """`wmg sql convert DIR --out OUT`: the tree, the reports, a progress bar on stderr."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from wmg_assets.migration.reports import write_reports
    from wmg_assets.migration.sql.codebase import convert_folder, source_files

    if out_dir is None:
        error("converting a folder needs --out OUTDIR for the converted tree and the reports")
        raise typer.Exit(2)
    if out_dir.resolve() == folder.resolve():
        error("--out must not be the source folder: the converted files would replace it")
        raise typer.Exit(2)
    progress = Progress(TextColumn("converting"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.description}"), console=Console(stderr=True),
                        transient=False)  # fmt: skip
    try:
        with progress:
            task = progress.add_task("", total=len(source_files(folder)))
            result = convert_folder(
                folder, out_dir, target, options,
                on_file=lambda p: progress.update(task, advance=1, description=p),
            )  # fmt: skip
        reports = write_reports(result.report(), out_dir)
    except (OSError, ValueError) as e:
        error(e)
        raise typer.Exit(2) from e
    totals = result.totals()
    for f in result.files:
        for found in f.conversion.errors:
            sys.stderr.write(f"{f.path}: {found.line_text()}\n")
    err.print(Text(
        f"{totals['files']} files, {totals['statements']} statements: {totals['converted']} "
        f"converted, {totals['converted_with_warnings']} with warnings, {totals['flagged']} "
        f"flagged; report in {reports['md']}"
    ))  # fmt: skip
    if totals["errors"]:
        raise typer.Exit(3)


silver_app = typer.Typer(help="Silver Iceberg tables.")
app.add_typer(silver_app, name="silver")


@silver_app.command("register")
def silver_register(
    feed: Annotated[str, typer.Argument(help="the feed whose silver table to register")],
) -> None:
    """Register a feed's silver table in the Iceberg catalog again from the lake's latest
    metadata (after the catalog was lost or reset); its data files are not touched."""
    from wmg_assets.feeds.pipeline import register_silver_table
    from wmg_resources.resources import build_resources

    resources = build_resources(load_settings(), env_vars=False)
    try:
        uri = register_silver_table(resources["iceberg"], resources["lake"], feed)  # type: ignore[arg-type]
    except Exception as e:  # no metadata, or already registered: the message says which
        error(e)
        raise typer.Exit(1) from e
    out.print(Text(f"registered silver.{feed} from {uri}"))


@app.command()
def plan(
    path: Annotated[Path, typer.Argument(help="CSV file to plan for (not landed, not loaded)")],
    feed: Annotated[str | None, typer.Option(help="feed name (default: by file_pattern)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the plan as JSON")] = False,
) -> None:
    """Show the schema changes (DDL) that ingesting a file would apply now; change nothing."""
    from rich.markdown import Markdown

    from wmg_assets.feeds.config import feed_for_file, feeds_of
    from wmg_assets.feeds.pipeline import plan_file
    from wmg_resources.errors import InputError
    from wmg_resources.resources import build_resources

    if not path.is_file():
        error(f"{path}: no such file")
        raise typer.Exit(1)
    settings = load_settings()
    resources = build_resources(settings, env_vars=False)
    try:
        chosen = feed_for_file(feeds_of(settings), path.name, feed)
        with out.status(f"planning {path.name} for {chosen.name}"):
            used = {k: resources[k] for k in ("lake", "engine", "iceberg", "warehouse")}
            result = plan_file(chosen, path, **used)  # type: ignore[arg-type]
    except (LookupError, InputError) as e:
        error(e)
        raise typer.Exit(1) from e
    target = f"{chosen.target.schema}.{chosen.target.table}"
    if as_json:
        import json

        statements = [s.sql for s in result.plan.statements(result.dialect)]
        payload = {
            "file": path.name,
            "feed": chosen.name,
            "target": target,
            "rows_read": result.rows_read,
            "changes_table": result.plan.changes_table,
            "statements": statements,
        }
        out.print(json.dumps(payload), markup=False, soft_wrap=True)
        return
    out.print(f"Plan for {path.name} → {target} ({result.rows_read} rows):")
    out.print(Markdown(result.plan_markdown))


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL to run on the warehouse, or - for stdin")],
    csv: Annotated[bool, typer.Option("--csv", help="print CSV instead of a table")] = False,
    limit: Annotated[int, typer.Option(help="rows printed at most (0: all)")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="the rows as JSON objects")] = False,
) -> None:
    """Run SQL on the configured warehouse and print the rows (at most `--limit`)."""
    from wmg_resources.warehouse import connect_warehouse

    if sql == "-":
        sql = sys.stdin.read()
    if limit < 0:
        error("--limit is 0 (all rows) or more")
        raise typer.Exit(2)
    settings = load_settings()
    try:
        with connect_warehouse(settings.warehouse, settings.duckdb_memory_limit) as wh:
            names, rows = wh.query(
                f"SELECT * FROM ({sql.strip().rstrip(';')}) AS wmg_query LIMIT {limit + 1}"
                if limit and _is_select(sql)
                else sql
            )
    except Exception as e:  # the driver's message is the useful part
        error(f"{type(e).__name__}: {e}")
        raise typer.Exit(1) from e
    more = bool(limit) and len(rows) > limit
    rows = rows[:limit] if limit else rows
    if more:
        err.print(f"(the first {limit} rows; --limit 0 prints all)", markup=False)
    if as_json:
        import json

        records = [dict(zip(names, r, strict=True)) for r in rows]
        out.print(json.dumps(records, default=str), markup=False, soft_wrap=True)
        return
    if csv:
        import csv as csv_module

        writer = csv_module.writer(sys.stdout)
        writer.writerow(names)
        writer.writerows(rows)
        return
    table = Table(header_style="bold")
    for name in names:
        table.add_column(name)
    for row in rows:
        table.add_row(*(Text("NULL" if v is None else str(v)) for v in row))
    out.print(table)


feeds_app = typer.Typer(help="The file feeds of the config folder.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")


def _feeds():
    from wmg_assets.feeds.config import FeedConfigError, feeds_of

    settings = load_settings()
    folder = settings.config_dir / "feeds"
    try:
        feeds = feeds_of(settings)
    except FeedConfigError as e:
        error(e)
        raise typer.Exit(1) from e
    if not feeds:
        error(
            f"no feed in {folder} (WMG_CONFIG_DIR={settings.config_dir}; working directory "
            f"{Path.cwd()})"
        )
        raise typer.Exit(1)
    return feeds


@feeds_app.command("list")
def feeds_list() -> None:
    """Each feed: its file pattern, target table and upsert keys."""
    table = Table(header_style="bold")
    for column in ("feed", "file pattern", "target", "upsert keys", "schedule"):
        table.add_column(column)
    for feed in _feeds():
        table.add_row(
            Text(feed.name),
            Text(feed.file_pattern),
            Text(f"{feed.target.schema}.{feed.target.table}"),
            Text(", ".join(feed.upsert_keys)),
            Text(feed.schedule or ""),
        )
    out.print(table)


@feeds_app.command("show")
def feeds_show(name: Annotated[str, typer.Argument(help="the feed's name")]) -> None:
    """One feed's whole configuration, defaults filled in, as YAML."""
    import yaml

    feeds = _feeds()
    feed = next((f for f in feeds if f.name == name), None)
    if feed is None:
        error(f"no feed {name!r}; the feeds: {', '.join(f.name for f in feeds)}")
        raise typer.Exit(1)
    text = yaml.safe_dump(feed.model_dump(mode="json", by_alias=True), sort_keys=False)
    out.print(Text(text.rstrip()))


@feeds_app.command("new")
def feeds_new(
    name: Annotated[str, typer.Argument(help="the new feed's name ([a-z][a-z0-9_]*)")],
    sample: Annotated[Path, typer.Option("--from", help="a sample CSV file of the feed")],
    schema: Annotated[str, typer.Option(help="the warehouse schema of its table")] = "public",
    force: Annotated[bool, typer.Option(help="replace an existing feed file")] = False,
) -> None:
    """Write a feed's YAML from a sample file: cleaned columns, the types they would load
    as and key candidates (comments); then `wmg plan SAMPLE --feed NAME` shows the table."""
    from wmg_assets.feeds.config import FeedConfigError, load_feed
    from wmg_assets.feeds.scaffold import feed_yaml, profile_sample
    from wmg_resources.errors import InputError

    if not sample.is_file():
        error(f"{sample}: no such file")
        raise typer.Exit(1)
    folder = load_settings().config_dir / "feeds"
    path = folder / f"{name}.yaml"
    if path.exists() and not force:
        error(f"{path} exists (--force replaces it)")
        raise typer.Exit(1)
    try:
        profile = profile_sample(sample.read_bytes(), sample.name)
    except (InputError, ValueError) as e:  # pyarrow's parse errors are ValueErrors
        error(f"{sample}: {e}")
        raise typer.Exit(1) from e
    text = feed_yaml(name, profile, schema)
    folder.mkdir(parents=True, exist_ok=True)
    draft = folder / f".{name}.yaml.new"
    draft.write_text(text, encoding="utf-8")
    try:
        load_feed(draft)  # the model's own checks (name, schema) before it is a feed
    except FeedConfigError as e:
        draft.unlink()
        error(str(e).replace(str(draft), str(path)))
        raise typer.Exit(1) from e
    draft.replace(path)
    out.print(Text(text.rstrip()))
    out.print(f"wrote {escape(str(path))}; next: wmg plan {escape(str(sample))} --feed {name}",
              soft_wrap=True)  # fmt: skip


gold_app = typer.Typer(help="The gold tables.", no_args_is_help=True)
app.add_typer(gold_app, name="gold")


def _refresh_gold(settings) -> dict[str, int]:
    """`dbt build` of the gold project in one Dagster run, dbt's progress as the status line;
    on failure, what dbt said (the model or test, its file, the database's message)."""
    import contextlib
    import io

    from wmg_assets.ingest import Ingestor

    class DbtLines(io.TextIOBase):  # dagster-dbt writes dbt's log lines to sys.stdout
        def write(self, text: str) -> int:
            for line in Text.from_ansi(text).plain.splitlines():
                if line.strip():
                    status.update(f"gold: {line.strip()[:100]}")
            return len(text)

    out.file = sys.stdout  # the status line stays on the terminal
    try:
        with (
            out.status("gold: preparing the dbt project") as status,
            contextlib.redirect_stdout(DbtLines()),
        ):
            ingestor = Ingestor(settings, tracebacks=_DEBUG["on"])
            ingestor.on_run_log = lambda line: status.update(f"gold: {line[:100]}")
            return ingestor.refresh_gold()
    except Exception as e:  # a line, then dbt's own lines (parse errors and failed builds)
        first, *details = str(e).splitlines() or [repr(e)]
        error(f"gold refresh failed: {first}")
        for line in details:
            err.print(f"  {line}", markup=False, highlight=False)
        raise typer.Exit(1) from e
    finally:
        out.file = None  # type: ignore[assignment]  # back to following sys.stdout


@gold_app.command("refresh")
def gold_refresh() -> None:
    """Build every gold model of the dbt project and run its dbt tests (`dbt build`, one run
    recorded in the instance)."""
    settings = load_settings()
    rows = _refresh_gold(settings)
    if not rows:
        out.print(
            f"no gold project: {settings.config_dir / 'gold'} has no dbt_project.yml",
            markup=False,
        )
        return
    table = Table(title="gold", header_style="bold")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in sorted(rows.items()):
        table.add_row(Text(name), str(count))
    out.print(table)


@app.command()
def status(
    feed: Annotated[str | None, typer.Option(help="only this feed's loads")] = None,
    limit: Annotated[int, typer.Option(help="latest rows shown")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="the rows as JSON")] = False,
) -> None:
    """The latest loads and failures from the audit table (`wmg.job_sts`), newest first."""
    from wmg_resources.warehouse import connect_warehouse
    from wmg_resources.warehouse.dialect import qualified

    settings = load_settings()
    columns = [
        "run_end_ts",
        "job_id",
        "source_filename",
        "target_table_name",
        "status",
        "records_read",
        "records_inserted",
        "records_updated",
        "error_message",
    ]
    with connect_warehouse(settings.warehouse, settings.duckdb_memory_limit) as wh:
        table = qualified(settings.audit_schema, "job_sts", wh.dialect)
        exists = wh.columns(settings.audit_schema, "job_sts")
        if not exists:
            out.print(
                f"no loads yet (no {settings.audit_schema}.job_sts in the warehouse)", markup=False
            )
            return
        where, params = ("", []) if feed is None else (f" WHERE job_id = {wh.param}", [feed])
        _, rows = wh.query(
            f"SELECT {', '.join(columns)} FROM {table}{where} "
            f"ORDER BY run_end_ts DESC LIMIT {max(1, limit)}",
            params,
        )
    if as_json:
        import json

        records = [dict(zip(columns, r, strict=True)) for r in rows]
        out.print(json.dumps(records, default=str), markup=False, soft_wrap=True)
        return
    shown = Table(title=f"latest loads{f' of {feed}' if feed else ''}", header_style="bold")
    for name in ("ended", "job", "file", "target", "status", "read", "inserted", "updated"):
        shown.add_column(
            name, justify="right" if name in ("read", "inserted", "updated") else "left"
        )
    for r in rows:
        mark = "[green]SUCCESS[/]" if r[4] == "SUCCESS" else "[red]FAILED[/]"
        shown.add_row(
            Text(str(r[0])[:19]),
            Text(str(r[1])),
            Text(str(r[2] or "")),
            Text(str(r[3] or "")),
            mark,
            *(Text("" if v is None else str(v)) for v in r[5:8]),
        )
    out.print(shown)
    for r in rows:
        if r[4] != "SUCCESS" and r[8]:
            error(f"{r[2] or r[1]}: {str(r[8]).splitlines()[0]}")


def _config_checks(settings) -> list[tuple[str, Any]]:
    """(what, a loader to call) for every config kind of the config folder."""
    from wmg_assets.api.config import load_api_sources
    from wmg_assets.datamart.config import load_datamarts
    from wmg_assets.feeds.config import feeds_of
    from wmg_assets.gold.project import prepared_gold_project
    from wmg_assets.migration.config import load_ddl_sources, load_sql_codebases
    from wmg_assets.migration.data.specs import load_data_specs
    from wmg_assets.migration.elt.steps import load_elt_jobs

    c = settings.config_dir
    return [
        ("config feeds/", lambda: feeds_of(settings)),
        ("config gold/", lambda: gold_summary(prepared_gold_project(settings))),
        ("config datamart/", lambda: load_datamarts(c / "datamart")),
        ("config apis/", lambda: load_api_sources(c / "apis")),
        ("config migration/sql/", lambda: load_sql_codebases(c / "migration" / "sql")),
        ("config migration/ddl/", lambda: load_ddl_sources(c / "migration" / "ddl")),
        ("config migration/data/", lambda: load_data_specs(c / "migration" / "data")),
        ("config elt/", lambda: load_elt_jobs(c / "elt")),
    ]


def gold_summary(project) -> str:
    """What `wmg check` says of the gold dbt project: its models and tests, the dbt target."""
    import json

    if project is None:
        return "no dbt project (gold/dbt_project.yml)"
    nodes = json.loads(project.manifest_path.read_text())["nodes"].values()
    kinds = [n["resource_type"] for n in nodes]
    return (f"dbt project, {kinds.count('model')} models, {kinds.count('test')} tests, "
            f"target {project.profile.adapter}")  # fmt: skip


def _system_checks(settings) -> list[tuple[str, Any]]:
    """(what, a probe) for every system the settings name."""
    from wmg_resources.resources import build_resources
    from wmg_resources.warehouse import connect_warehouse

    resources = build_resources(settings, env_vars=False)

    def warehouse() -> str:
        with connect_warehouse(settings.warehouse, settings.duckdb_memory_limit) as wh:
            wh.query("SELECT 1")
        return redact_url(settings.warehouse)

    def lake() -> str:
        resources["lake"].list_page("", limit=1)  # type: ignore[attr-defined]
        return settings.lake

    def catalog() -> str:
        resources["iceberg"].catalog().list_namespaces()  # type: ignore[attr-defined]
        return f"{settings.catalog_kind} catalog"

    probes: list[tuple[str, Any]] = [
        ("lake", lake),
        ("warehouse", warehouse),
        ("iceberg catalog", catalog),
    ]
    if settings.engine == "spark":

        def spark() -> str:
            resources["engine"].spark_session.sql("SELECT 1").collect()  # type: ignore[attr-defined]
            return settings.spark_remote or "local Spark"

        probes.append(("spark", spark))
    if settings.aws_endpoint or settings.lake.startswith("s3://"):

        def aws() -> str:
            import boto3

            sts = boto3.client(
                "sts", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint
            )
            return f"account {sts.get_caller_identity()['Account']}"

        probes.append(("aws", aws))
    return probes


@app.command()
def check() -> None:
    """Validate every config file and reach every configured system, one line each; exit 1
    when any fails."""
    settings = load_settings()
    failed = 0
    out.print(f"config folder: {settings.config_dir.resolve()} (WMG_CONFIG_DIR)", markup=False,
              soft_wrap=True)  # fmt: skip
    for what, probe in [*_config_checks(settings), *_system_checks(settings)]:
        try:
            found = probe()
        except Exception as e:  # each check reports its own failure, the others go on
            failed += 1
            lines = str(e).strip().splitlines() or [type(e).__name__]
            shown = lines if what.startswith("config") else lines[:1]  # a config: each problem
            out.print(Text.assemble(("FAIL ", "red"), f"{what}: {shown[0]}"), soft_wrap=True)
            for line in shown[1:]:
                out.print(Text(f"     {line}"), soft_wrap=True)
            continue
        detail = f"{len(found)} defined" if isinstance(found, list) else str(found)
        out.print(Text.assemble(("ok   ", "green"), f"{what}: {detail}"), soft_wrap=True)
    if failed:
        raise typer.Exit(1)


def _is_select(sql: str) -> bool:
    """A query whose rows can be limited by wrapping it (not DDL, DML, SHOW, …)."""
    from wmg_assets.migration.schema.sqltext import split_statements

    statements = split_statements(sql)
    head = statements[0].lstrip("(").split(None, 1)[0].upper() if len(statements) == 1 else ""
    return head in ("SELECT", "WITH", "VALUES", "FROM", "TABLE")


DEV_WORKSPACE = """load_from:
  - python_module:
      module_name: wmg_assets.definitions
      location_name: wmg
"""


@app.command()
def dev(port: Annotated[int, typer.Option(help="UI port")] = 3000) -> None:
    """Start `dagster dev` (UI and daemon) on this project, with DAGSTER_HOME set.

    Turn on `wmg_lake_sensor` in the UI (Automation) and drop files into the lake's
    `data/in/`: each one is loaded by its feed's job and shows as a partition. It runs this
    environment's own Dagster (no PATH needed), names the code location `wmg`, and stops
    every process it started on Ctrl-C or SIGTERM."""
    import signal
    import subprocess

    from wmg_assets.ingest import prepare_dagster_home

    home = prepare_dagster_home(load_settings())
    workspace = home / "workspace.yaml"
    workspace.write_text(DEV_WORKSPACE)
    dagster = Path(sys.executable).parent / "dagster"
    args = [str(dagster) if dagster.exists() else "dagster", "dev", "-w", str(workspace),
            "-h", "127.0.0.1", "-p", str(port)]  # fmt: skip

    def default_signals() -> None:  # a background start ignores them; Dagster needs them
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    child = subprocess.Popen(args, preexec_fn=default_signals)
    from wmg_assets.ui_runs import record_dev_server

    # `wmg` commands launch their runs through this server while it is up (see ui_runs)
    dev_file = record_dev_server(home, port, os.getpid())

    def stop(signum: int, _frame: object) -> None:
        child.send_signal(signal.SIGINT)  # dagster dev stops its webserver, daemon and code

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        code = child.wait()
    except KeyboardInterrupt:
        code = child.wait()
    finally:
        dev_file.unlink(missing_ok=True)
    raise typer.Exit(code if code >= 0 else 0)


def main() -> None:
    """The `wmg` command, in this process. An error the commands did not turn into a message
    is one line naming it (no traceback) unless `--debug` is given.

    Once the command is done, the process ends without the interpreter's teardown: every
    file, connection and run record is closed or committed by then, and tearing down the
    modules Dagster, pyarrow and DuckDB load took about 2 s of every `wmg` command."""
    os._exit(run_to_exit_code())


def run_to_exit_code() -> int:
    """Run the command named by sys.argv and flush what it wrote; its exit code (what a
    warm worker's child reports before it ends the same way)."""
    import logging
    import traceback

    try:
        run_command()
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if isinstance(e.code, str):
            err.print(e.code, markup=False)
    except BaseException:  # --debug: the traceback
        traceback.print_exc()
        code = 1
    logging.shutdown()
    if "multiprocessing.util" in sys.modules:  # dbt's semaphores: release them as exit would
        sys.modules["multiprocessing.util"]._exit_function()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    return code


def run_command() -> None:
    """The command named by sys.argv (raises SystemExit with its exit code); `main` runs it
    and ends the process."""
    try:
        app()
    except OSError as e:  # a read-only or full disk, a missing folder: say where, in one line
        if e.errno not in USER_OS_ERRORS:
            _unexpected(e)
        where = f" {e.filename}" if e.filename else ""
        error(f"cannot write{where}: {e.strerror or e} (check WMG_HOME and free space)")
        sys.exit(1)
    except KeyboardInterrupt:
        error("interrupted")
        sys.exit(130)
    except Exception as e:
        _unexpected(e)


def _unexpected(e: BaseException) -> None:
    if _DEBUG["on"]:
        raise e
    text = str(e).strip().splitlines()
    error(f"{type(e).__name__}: {text[0] if text else ''} (run with --debug for the traceback)")
    sys.exit(1)


if __name__ == "__main__":
    main()
