"""`wmg ddl …`: the DDL tools on the command line (extract, validate, validate-schemas,
compare). Each prints a summary table, writes its reports (xlsx, Markdown, JSON) under
`--out`, and exits 0 when everything is fine, 1 when anything failed or differs, 2 on bad
input."""

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

ddl_app = typer.Typer(
    help="DDL tools: extract, validate and compare schemas.", no_args_is_help=True
)

Names = Annotated[str | None, typer.Option(help="comma list (default: all)")]


def _names(value: str | None) -> list[str] | None:
    return [n.strip() for n in value.split(",") if n.strip()] if value else None


def _console():
    from wmg_assets.cli import err, out

    return out, err


def _fail(message: object, code: int = 2) -> typer.Exit:
    from wmg_assets.cli import error

    error(message)
    return typer.Exit(code)


def _connect(url: str):
    from wmg_resources.databases import connect_database
    from wmg_resources.settings import redact_url

    try:
        return connect_database(url)
    except Exception as e:
        raise _fail(f"cannot connect to {redact_url(url)}: {e}") from e


def _write(report, out_dir: Path | None, stem: str) -> None:
    if out_dir is None:
        return
    from wmg_assets.migration.reports import write_reports

    paths = write_reports(report, out_dir, stem)
    _console()[1].print(f"reports: {', '.join(str(p) for p in paths.values())}")


def _table(title: str, columns: list[str], rows: list) -> None:
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    _console()[0].print(table)


@ddl_app.command("extract")
def ddl_extract(
    source: Annotated[str, typer.Option(help="database URL (or secret://name)")],
    schema: Annotated[str, typer.Option(help="schema (Teradata: database) to extract")],
    out: Annotated[Path, typer.Option(help="folder for <schema>/tables.sql, views.sql, …")],
    tables: Names = None,
    views: Names = None,
    with_dependencies: Annotated[
        bool, typer.Option(help="add what the objects read, recursively")
    ] = False,
) -> None:
    """Extract the DDL of a schema's tables and views (exit 1 if an object failed)."""
    from wmg_assets.migration.schema.extract import extract_objects, write_extraction

    db = _connect(source)
    with _console()[1].status("extracting…") as status:
        extraction = extract_objects(
            db,
            schema,
            _names(tables),
            _names(views),
            with_dependencies,
            progress=lambda name: status.update(f"extracted {name}"),
        )
    written = write_extraction(extraction, out)
    _table(
        f"{schema}: {len(extraction.objects)} object(s) extracted to {out}",
        ["object", "type", "depends on"],
        [
            (f"{o.schema}.{o.name}", o.object_type, ", ".join(o.dependent_objects))
            for o in extraction.objects
        ],
    )
    for name, reason in extraction.failures.items():
        _console()[1].print(f"[red]failed:[/] {name}: {reason}", markup=True, highlight=False)
    _console()[1].print(f"written: {', '.join(sorted(written))}")
    if extraction.failures:
        raise typer.Exit(1)


@ddl_app.command("validate")
def ddl_validate(
    path: Annotated[Path, typer.Argument(help="a DDL folder or zip")],
    target: Annotated[str, typer.Option(help="database URL to validate on")],
    dialect: Annotated[str, typer.Option(help="the DDL's dialect")] = "redshift",
    out: Annotated[Path | None, typer.Option(help="folder for the reports")] = None,
) -> None:
    """Run every CREATE TABLE / VIEW on the target in a scratch schema (always dropped);
    each failure gets its class and the database's message. Exit 1 if any failed."""
    from wmg_assets.migration.schema.ddl_files import ddl_folder, ddl_statements
    from wmg_assets.migration.schema.validate import validate_statements, validation_report

    try:
        with ddl_folder(path) as folder:
            statements = ddl_statements(folder, dialect)
    except (OSError, ValueError) as e:
        raise _fail(e) from e
    if not any(s.kind in ("TABLE", "VIEW") for s in statements):
        raise _fail(f"{path}: no CREATE TABLE or CREATE VIEW statement in its .sql files")
    db = _connect(target)
    with _console()[1].status("validating…") as status:
        results = validate_statements(db, statements, lambda n: status.update(f"ran {n}"))
    _table(
        f"{len(results)} statement(s) validated",
        ["file", "object", "status", "class", "error"],
        [
            (r.input_file, r.object_name, r.validation_status, r.error_type, r.error)
            for r in results
        ],
    )
    stamp = datetime.now().strftime("%Y%m%d_%H%M%S")
    _write(validation_report(results), out, f"ddl_validation_{stamp}")
    if any(r.validation_status == "Failed" for r in results):
        raise typer.Exit(1)


@ddl_app.command("validate-schemas")
def ddl_validate_schemas(
    target: Annotated[str, typer.Option(help="database URL holding both schemas")],
    source_schema: Annotated[str | None, typer.Option(help="single mode: the source")] = None,
    target_schema: Annotated[str | None, typer.Option(help="single mode: comma list")] = None,
    tables: Names = None,
    views: Names = None,
    config: Annotated[Path | None, typer.Option(help="batch mode: the Excel config")] = None,
    config_sheet: Annotated[str, typer.Option(help="the config's sheet")] = "Config",
    out: Annotated[Path | None, typer.Option(help="folder for the reports")] = None,
) -> None:
    """Compare schemas of one database column by column (name, type, nullability, default,
    collation) and key by key: the Redshift DDL validator. Exit 1 unless all match."""
    from wmg_assets.migration.schema.batch import BatchEntry, read_batch_config
    from wmg_assets.migration.schema.compare import compare_schemas, sides_for
    from wmg_assets.migration.schema.extract import read_source_schema
    from wmg_assets.migration.schema.reports import (
        VALIDATION_COLUMNS,
        schema_validation_report,
    )

    if config is not None:
        try:
            entries = read_batch_config(config, config_sheet)
        except (OSError, ValueError) as e:
            raise _fail(e) from e
        stem = f"ddl_validation_{datetime.now():%d_%m_%Y}"
    elif source_schema and target_schema:
        entries = [
            BatchEntry(source_schema, _names(target_schema) or [], _names(tables), _names(views))
        ]
        stem = f"ddl_validation_{source_schema}_to_{'_'.join(_names(target_schema) or [])}"
    else:
        raise _fail("give --source-schema and --target-schema, or --config")
    db = _connect(target)
    comparisons = []
    for entry in entries:
        source = read_source_schema(db, entry.source_schema).only(entry.tables, entry.views)
        for name in entry.target_schemas:
            theirs = read_source_schema(db, name).only(entry.tables, entry.views)
            comparisons.append(compare_schemas(source, theirs, sides_for("source", "target")))
    report = schema_validation_report(comparisons)
    _table(
        "schema validation",
        [*VALIDATION_COLUMNS[:4], "Overall Status"],
        [(*r[:4], r[-2]) for r in report.tables[0].rows],
    )
    _write(report, out, stem)
    if any(not c.matched for c in comparisons):
        raise typer.Exit(1)


@ddl_app.command("compare")
def ddl_compare(
    source: Annotated[str, typer.Argument(help="DDL folder, git zip or database URL")],
    target: Annotated[str, typer.Argument(help="DDL folder, git zip or database URL")],
    schema: Annotated[str, typer.Option(help="the source's schema")],
    target_schema: Annotated[str | None, typer.Option(help="default: --schema")] = None,
    source_dialect: Annotated[str | None, typer.Option(help="of a source folder")] = None,
    target_dialect: Annotated[str | None, typer.Option(help="of a target folder")] = None,
    tables: Names = None,
    views: Names = None,
    out: Annotated[Path | None, typer.Option(help="folder for the reports")] = None,
    apply: Annotated[
        bool, typer.Option(help="run the plan on the target database (one transaction)")
    ] = False,
) -> None:
    """Compare two schemas (files or live); print the differences and the plan — the
    statements that would make the target match. Exit 0 when everything matches, else 1."""
    from wmg_assets.migration.schema.compare import compare_schemas, sides_for
    from wmg_assets.migration.schema.plan import plan_changes
    from wmg_assets.migration.schema.reports import comparison_report
    from wmg_assets.migration.schema.sides import in_terms_of, load_side
    from wmg_resources.databases import is_database_url

    into = target_schema or schema
    dbs = [_connect(spec) if is_database_url(spec) else None for spec in (source, target)]
    dialects = [
        db.dialect if db is not None else d
        for db, d in zip(dbs, (source_dialect, target_dialect), strict=True)
    ]
    dialects = [d or next((o for o in dialects if o), "postgres") for d in dialects]
    try:
        mine = load_side(source, schema, dialects[0], dbs[0])
        theirs = load_side(target, into, dialects[1], dbs[1])
    except (OSError, ValueError) as e:
        raise _fail(e) from e
    mine, theirs = in_terms_of(mine, dialects[1]), in_terms_of(theirs, dialects[0])
    comparison = compare_schemas(
        mine.schema.only(_names(tables), _names(views)),
        theirs.schema.only(_names(tables), _names(views)),
        sides_for(*(dialects if mine.kind == theirs.kind == "files" else (mine.kind, theirs.kind))),
    )
    plan = plan_changes(comparison, dialects[1] if dialects[1] != "teradata" else "redshift", into)
    _print_comparison(comparison, plan)
    _write(
        comparison_report(comparison, plan, f"DDL comparison: {schema} → {into}"),
        out,
        f"ddl_comparison_{datetime.now():%Y%m%d_%H%M%S}",
    )
    if apply and plan:
        _apply(dbs[1], plan)
        return
    if not comparison.matched:
        raise typer.Exit(1)


def _print_comparison(comparison, plan) -> None:
    out, _ = _console()
    if comparison.matched:
        out.print(f"Matched: {len(comparison.status)} object(s), no difference")
        return
    _table(
        "differences",
        ["object", "column/constraint", "description"],
        [(d.object, d.item, d.description) for d in comparison.differences],
    )
    out.print("-- plan (shown, not applied; --apply runs it):")
    for step in plan:
        out.print(f"-- MANUAL: {step.sql}" if step.manual else step.sql, markup=False)


def _apply(db, plan) -> None:
    if db is None:
        raise _fail("--apply needs a database as the target")
    manual = [s for s in plan if s.manual]
    if manual:
        raise _fail(f"{len(manual)} change(s) cannot be made in place; nothing applied", 1)
    try:
        with db.transaction():
            for step in plan:
                db.execute(step.sql)
    except Exception as e:
        raise _fail(f"the plan failed and was rolled back: {e}", 1) from e
    _console()[0].print(f"applied {len(plan)} statement(s) in one transaction")


code_app = typer.Typer(help="Compare a deployed code base with git.", no_args_is_help=True)
docs_app = typer.Typer(
    help="Validate a domain's documents against templates.", no_args_is_help=True
)


def _tree(spec: str):
    """A folder, zip or s3:// prefix (read with the lake resource's S3 client)."""
    from wmg_assets.migration.files.trees import read_tree

    client = None
    if spec.startswith("s3://"):
        from wmg_assets.cli import load_settings
        from wmg_resources.resources import build_resources

        client = build_resources(load_settings(), env_vars=False)["lake"].s3_client
    try:
        return read_tree(spec, client)
    except (OSError, ValueError) as e:
        raise _fail(e) from e


@code_app.command("compare")
def code_compare(
    git: Annotated[str, typer.Argument(help="the git code base: a zip or a folder")],
    deployed: Annotated[str, typer.Argument(help="the deployed domain: s3://… or a folder")],
    domain: Annotated[str | None, typer.Option(help="default: the last folder of DEPLOYED")] = None,
    tables_csv: Annotated[
        Path | None, typer.Option(help="`table_name,target` CSV: also compare their DDL")
    ] = None,
    target: Annotated[str | None, typer.Option(help="with --tables-csv: the warehouse URL")] = None,
    out: Annotated[Path | None, typer.Option(help="folder for the reports")] = None,
) -> None:
    """Compare each file of a deployed domain with `src/<domain>/` in git: match ratio,
    differing lines, files missing on either side; with --tables-csv, the DDL of those
    tables in git against the warehouse too. Exit 1 unless all match."""
    from dataclasses import replace

    from wmg_assets.migration.files.code_compare import code_comparison_report, compare_code
    from wmg_assets.migration.files.code_ddl import compare_code_ddl, read_table_targets

    git_tree = _tree(git)
    try:
        result = compare_code(git_tree, _tree(deployed), domain)
        tables = read_table_targets(tables_csv.read_text()) if tables_csv else None
    except (OSError, ValueError) as e:
        raise _fail(e) from e
    report = code_comparison_report(result)
    ddl_matched = True
    if tables is not None:
        if target is None:
            raise _fail("--tables-csv needs --target (the warehouse URL)")
        db = _connect(target)
        try:
            sheet = compare_code_ddl(git_tree, result.domain, tables, db)
        finally:
            db.close()
        ddl_matched = all(
            str(r[2]) == "Matched" or str(r[2]).startswith("Not compared") for r in sheet.rows
        )
        report = replace(report, tables=[*report.tables, sheet])
    _table(
        f"code comparison: {result.domain}",
        ["file", "match ratio", "fully matched"],
        [(f.path, f.match_ratio, "Yes" if f.fully_matched else "No") for f in result.files]
        + [(p, "", m) for p, m in result.missing]
        + [(p, "", f"failed: {r}") for p, r in result.failed],
    )
    _write(report, out, f"code_comparison_{result.domain}")
    if not result.matched or not ddl_matched:
        raise typer.Exit(1)


@docs_app.command("validate")
def docs_validate(
    templates: Annotated[str, typer.Argument(help="the templates: a folder or s3://…")],
    documents: Annotated[str, typer.Argument(help="the domain's documents: folder or s3://…")],
    domain: Annotated[
        str | None, typer.Option(help="default: the last folder of DOCUMENTS")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="folder for the reports")] = None,
) -> None:
    """Check that a domain has every template document, sheet and header column.
    Exit 1 unless everything is MATCHED."""
    from wmg_assets.migration.files.domain_docs import documents_report, validate_documents

    domain_name = domain or documents.rstrip("/").rsplit("/", 1)[-1]
    checks = validate_documents(_tree(templates), _tree(documents), domain_name)
    _table(
        f"documents of {domain_name}",
        ["template", "document", "sheet", "status", "missing"],
        [
            (c.template_file, c.domain_file, c.sheet_name, c.status, ", ".join(c.missing))
            for c in checks
        ],
    )
    _write(
        documents_report(checks, domain_name),
        out,
        f"{domain_name}_validation_report_{datetime.now():%Y%m%d_%H%M%S}",
    )
    if any(c.status != "MATCHED" for c in checks):
        raise typer.Exit(1)


def demo_ddl(warehouse_url: str, schema: str, out_dir: Path) -> None:
    """`wmg demo`'s last step: the warehouse schema's DDL extracted to `out_dir`, then the
    files compared with the live schema (they match: nothing changed in between)."""
    from wmg_assets.migration.schema.compare import compare_schemas, sides_for
    from wmg_assets.migration.schema.extract import extract_objects, write_extraction
    from wmg_assets.migration.schema.sides import load_side

    db = _connect(warehouse_url)
    try:
        extraction = extract_objects(db, schema)
        write_extraction(extraction, out_dir)
        files = load_side(str(out_dir), schema, db.dialect)
        comparison = compare_schemas(
            files.schema, load_side("", schema, db=db).schema, sides_for("files", db.dialect)
        )
    finally:
        db.close()
    verdict = "Matched" if comparison.matched else f"{len(comparison.differences)} difference(s)"
    _console()[0].print(
        f"ddl: {len(extraction.objects)} object(s) of {schema} extracted to {out_dir}; "
        f"compared with the warehouse: {verdict} (wmg ddl compare {out_dir} <url> --schema "
        f"{schema})"
    )


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

    dbs = [_connect(source), _connect(target)]
    try:
        result = reconcile_tables(
            Side(dbs[0], source_table, where), Side(dbs[1], target_table), key, shown=shown
        )
    except Exception as e:  # a missing table or column: one line, exit 2
        raise _fail(f"cannot reconcile {source_table} with {target_table}: {e}") from e
    finally:
        for db in dbs:
            db.close()
    out, _ = _console()
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
        raise _fail(e) from e
    out, err = _console()
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
        _table(
            f"{len(run.results)} copied, {len(run.failed)} failed, {len(run.invalid)} invalid",
            ["source", "target", "load", "rows", "seconds", "rows/s", "reconciliation"],
            rows,
        )
    if not run.ok:
        raise typer.Exit(1)
