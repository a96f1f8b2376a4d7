"""`wmg migrate run` and `wmg data reconcile`: table data on the command line."""

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wmg_assets.migration.cli import connect_or_exit, consoles, fail, print_table

if TYPE_CHECKING:
    from wmg_assets.migration.data.migrate import MigrationRun

data_app = typer.Typer(help="Table data: reconcile a copy with its source.", no_args_is_help=True)


@data_app.command("reconcile")
def data_reconcile(
    source: Annotated[str, typer.Argument(help="the source database URL")],
    source_table: Annotated[str, typer.Argument(help="schema.table")],
    target: Annotated[str, typer.Argument(help="the target database URL")],
    target_table: Annotated[str, typer.Argument(help="schema.table")],
    key: Annotated[list[str], typer.Option(help="a key column (repeat for a composite key)")],
    where: Annotated[str | None, typer.Option(help="a filter on the source (SQL)")] = None,
    shown: Annotated[int, typer.Option(help="differing keys listed per kind")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="the result as JSON")] = False,
) -> None:
    """Compare a copied table with its source by checksums of key segments, bisected where
    they differ: exit 0 when they match, 1 with each differing key when they do not."""
    import json

    from wmg_assets.migration.data.reconcile import Side, reconcile_tables

    dbs = [connect_or_exit(source), connect_or_exit(target)]
    try:
        result = reconcile_tables(
            Side(dbs[0], source_table, where), Side(dbs[1], target_table), key, shown=shown
        )
    except Exception as e:  # a missing table or column: one line, exit 2
        raise fail(f"cannot reconcile {source_table} with {target_table}: {e}") from e
    finally:
        for db in dbs:
            db.close()
    out, _ = consoles()
    if as_json:
        payload = {
            "matched": result.matched,
            "source_rows": result.source_rows,
            "target_rows": result.target_rows,
            "counts": result.counts,
            "missing_in_target": result.missing_in_target,
            "missing_in_source": result.missing_in_source,
            "changed": [{"key": k, "columns": c} for k, c in result.changed],
            "columns_not_compared": result.only_in_one,
        }
        out.print(json.dumps(payload, default=str), markup=False, soft_wrap=True)
    else:
        verdict = "matched" if result.matched else "differ"
        out.print(
            f"{source_table} → {target_table}: {verdict} ({result.source_rows} source "
            f"rows, {result.target_rows} target rows, {result.queries} queries)",
            markup=False,
        )
        for name, keys in (
            ("missing in target", result.missing_in_target),
            ("missing in source", result.missing_in_source),
        ):
            for k in keys:
                out.print(f"{name}: {', '.join(map(str, k))}", markup=False)
        for k, columns in result.changed:
            out.print(f"changed: {', '.join(map(str, k))} ({', '.join(columns)})", markup=False)
    if not result.matched:
        raise typer.Exit(1)


migrate_app = typer.Typer(help="Copy tables between databases.", no_args_is_help=True)


def _progress_run(run_with: "Callable[[Callable], MigrationRun]") -> "MigrationRun":
    """Run a migration with a progress line per table (rows and rows/s) on stderr."""
    import time

    from rich.progress import Progress, TextColumn

    _, err = consoles()
    columns = (
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,.0f} rows"),
        TextColumn("{task.fields[rate]}"),
    )
    with Progress(*columns, console=err, transient=True) as bar:

        def on_table(table):
            task = bar.add_task(f"{table.source_table} → {table.target_table}", rate="")
            started = time.monotonic()

            def advance(rows: int) -> None:
                bar.advance(task, rows)
                seconds = time.monotonic() - started
                done = bar.tasks[task].completed
                bar.update(task, rate=f"{done / seconds:,.0f} rows/s" if seconds else "")

            return advance

        return run_with(on_table)


def _staging_factory(location: str | None, role_arn: str | None):
    """Each table's temporary S3 prefix under `location` (None: no staging)."""
    if location is None:
        return None
    from wmg_resources.aws_accounts import AwsAccount
    from wmg_resources.s3_staging import S3Staging, split_s3_uri

    try:
        split_s3_uri(location)
    except ValueError as e:
        raise fail(e) from e
    s3 = AwsAccount(role_arn=role_arn).client("s3")
    return lambda: S3Staging(s3, location)


STAGING_HELP = "temporary s3://bucket/prefix the rows pass through (needed with Redshift)"
ROLE_HELP = "an IAM role ARN to assume (another account)"


@migrate_app.command("run")
def migrate_run(
    spec: Annotated[Path, typer.Argument(help="the spec: a `#`-separated CSV or a YAML file")],
    staging: Annotated[str | None, typer.Option(help=STAGING_HELP)] = None,
    staging_role: Annotated[str | None, typer.Option(help=ROLE_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the outcome as JSON")] = False,
) -> None:
    """Copy every table of the spec (append, overwrite or incremental) and reconcile it with
    its source. Invalid rows are reported and skipped. Exit 0 when every row copied and
    matched, 1 otherwise, 2 when the spec cannot be read."""
    from wmg_assets.migration.data.migrate import run_specs
    from wmg_assets.migration.data.specs import read_specs

    try:
        specs, invalid = read_specs(spec)
    except (OSError, ValueError) as e:
        raise fail(e) from e
    _, err = consoles()
    for row in invalid:
        err.print(f"invalid: {row}", markup=False)
    prefix = _staging_factory(staging, staging_role)
    _report(_progress_run(lambda on_table: run_specs(specs, invalid, on_table, staging=prefix)),
            as_json)  # fmt: skip


@migrate_app.command("postgres-cross-account")
def migrate_postgres_cross_account(
    source_secret: Annotated[str, typer.Option(help="the source database's secret")],
    target_secret: Annotated[str, typer.Option(help="the target database's secret")],
    schema_name: Annotated[str, typer.Option("--schema", help="the schema copied")],
    staging: Annotated[str, typer.Option(help="temporary s3://bucket/prefix")],
    source_role: Annotated[str | None, typer.Option(help=ROLE_HELP)] = None,
    target_role: Annotated[str | None, typer.Option(help=ROLE_HELP)] = None,
    load_type: Annotated[str, typer.Option(help="overwrite or append")] = "overwrite",
    as_json: Annotated[bool, typer.Option("--json", help="the outcome as JSON")] = False,
) -> None:
    """Copy every base table of a PostgreSQL schema to another account's database through a
    temporary S3 prefix (emptied afterwards), each table reconciled: the seed's
    postgres_cross_account_data_migration."""
    from pydantic import ValidationError

    from wmg_assets.migration.data.cross_account import (
        PostgresCrossAccount,
        run_postgres_cross_account,
    )
    from wmg_resources.aws_accounts import AwsAccount

    try:
        step = PostgresCrossAccount(
            source_secret=source_secret, target_secret=target_secret, schema_name=schema_name,
            staging_location=staging, source_account=AwsAccount(role_arn=source_role),
            target_account=AwsAccount(role_arn=target_role), load_type=load_type,  # type: ignore[arg-type]
        )  # fmt: skip
    except ValidationError as e:
        raise fail(e) from e
    _report(_progress_run(lambda on_table: run_postgres_cross_account(step, on_table)), as_json)


@migrate_app.command("redshift-cross-account")
def migrate_redshift_cross_account(
    config: Annotated[Path | None, typer.Option(help="CSV mode: the rows' file")] = None,
    separator: Annotated[str, typer.Option(help="the CSV's separator")] = "#",
    source_schema: Annotated[str | None, typer.Option(help="schema mode: from")] = None,
    target_schema: Annotated[str | None, typer.Option(help="schema mode: into")] = None,
    secret_name: Annotated[str | None, typer.Option(help="schema mode: the cluster's")] = None,
    role: Annotated[str | None, typer.Option(help=ROLE_HELP)] = None,
    error_output_path: Annotated[str | None, typer.Option(help="s3:// for failed rows")] = None,
) -> None:
    """Insert-select tables on a Redshift cluster reached with another account's secret (CSV
    mode or schema mode), failed rows written to S3 as JSON: the seed's
    redshift_cross_account_data_migration. Exit 1 when a row failed or was invalid."""
    from pydantic import ValidationError

    from wmg_assets.migration.data.cross_account import (
        RedshiftCrossAccount,
        run_redshift_cross_account,
    )
    from wmg_resources.aws_accounts import AwsAccount

    try:
        step = RedshiftCrossAccount(
            config_path=str(config) if config else None, config_file_sep=separator,
            source_schema=source_schema, target_schema=target_schema, secret_name=secret_name,
            error_output_path=error_output_path, account=AwsAccount(role_arn=role),
        )  # fmt: skip
    except ValidationError as e:
        raise fail(e.errors()[0]["msg"]) from e
    run = run_redshift_cross_account(step)
    print_table(
        f"{len(run.copied)} copied, {len(run.failed)} failed, {len(run.invalid)} invalid"
        + (f"; failed rows in {run.error_file}" if run.error_file else ""),
        ["source", "target", "load", "rows", "result"],
        [(r.source_table, r.target_table, r.load_type, n, "copied") for r, n in run.copied]
        + [(r.source_table, r.target_table, r.load_type, "", f"failed: {e}") for r, e in run.failed]
        + [("", "", "", "", f"invalid: {i}") for i in run.invalid],
    )
    if not run.ok:
        raise typer.Exit(1)


def _report(run: "MigrationRun", as_json: bool) -> None:
    """The run's table (or JSON); exit 1 unless every row copied and matched."""
    import json

    out, _ = consoles()
    rows = []
    for r in run.results:
        verdict = (
            "no key: not reconciled"
            if r.reconciliation is None
            else "matched"
            if r.reconciliation.matched
            else f"differ {r.reconciliation.counts}"
        )
        rows.append(
            (
                r.spec.source_table,
                r.spec.target_table,
                r.spec.load_type,
                r.rows,
                f"{r.seconds:.2f}",
                f"{r.rows_per_second:,.0f}",
                verdict,
            )
        )
    rows += [
        (s.source_table, s.target_table, s.load_type, "", "", "", f"failed: {why}")
        for s, why in run.failed
    ]
    if as_json:
        out.print(
            json.dumps(
                {
                    "tables": [
                        dict(
                            zip(
                                [
                                    "source",
                                    "target",
                                    "load_type",
                                    "rows",
                                    "seconds",
                                    "rows_per_second",
                                    "result",
                                ],
                                r,
                                strict=True,
                            )
                        )
                        for r in rows
                    ],
                    "invalid": [str(i) for i in run.invalid],
                    "succeeded": len(run.results),
                    "failed": len(run.failed),
                    "skipped": len(run.invalid),
                }
            ),
            markup=False,
            soft_wrap=True,
        )
    else:
        print_table(
            f"{len(run.results)} copied, {len(run.failed)} failed, {len(run.invalid)} invalid",
            ["source", "target", "load", "rows", "seconds", "rows/s", "reconciliation"],
            rows,
        )
    if not run.ok:
        raise typer.Exit(1)
