"""`wmg migrate run` and `wmg data reconcile`: table data on the command line."""

from pathlib import Path
from typing import Annotated

import typer

from wmg_assets.migration.cli import connect_or_exit, consoles, fail, print_table

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


@migrate_app.command("run")
def migrate_run(
    spec: Annotated[Path, typer.Argument(help="the spec: a `#`-separated CSV or a YAML file")],
    as_json: Annotated[bool, typer.Option("--json", help="the outcome as JSON")] = False,
) -> None:
    """Copy every table of the spec (append, overwrite or incremental) and reconcile it with
    its source. Invalid rows are reported and skipped. Exit 0 when every row copied and
    matched, 1 otherwise, 2 when the spec cannot be read."""
    import json
    import time

    from rich.progress import Progress, TextColumn

    from wmg_assets.migration.data.migrate import run_specs
    from wmg_assets.migration.data.specs import read_specs

    try:
        specs, invalid = read_specs(spec)
    except (OSError, ValueError) as e:
        raise fail(e) from e
    out, err = consoles()
    for row in invalid:
        err.print(f"invalid: {row}", markup=False)
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

        run = run_specs(specs, invalid, on_table)
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
