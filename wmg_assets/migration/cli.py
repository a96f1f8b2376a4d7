"""`wmg ddl …`: the DDL tools on the command line (extract, validate, validate-schemas,
compare), and the helpers every migration command shares (`files_cli.py`, `data_cli.py`).
Each prints a summary table, writes its reports (xlsx, Markdown, JSON) under `--out`, and
exits 0 when everything is fine, 1 when anything failed or differs, 2 on bad input."""

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


def consoles():
    from wmg_assets.cli import err, out

    return out, err


def fail(message: object, code: int = 2) -> typer.Exit:
    from wmg_assets.cli import error

    error(message)
    return typer.Exit(code)


def connect_or_exit(url: str):
    from wmg_resources.databases import connect_database
    from wmg_resources.settings import redact_url

    try:
        return connect_database(url)
    except Exception as e:
        raise fail(f"cannot connect to {redact_url(url)}: {e}") from e


def write_report_files(report, out_dir: Path | None, stem: str) -> None:
    if out_dir is None:
        return
    from wmg_assets.migration.reports import write_reports

    paths = write_reports(report, out_dir, stem)
    consoles()[1].print(f"reports: {', '.join(str(p) for p in paths.values())}")


def print_table(title: str, columns: list[str], rows: list) -> None:
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    consoles()[0].print(table)


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

    db = connect_or_exit(source)
    with consoles()[1].status("extracting…") as status:
        extraction = extract_objects(
            db,
            schema,
            _names(tables),
            _names(views),
            with_dependencies,
            progress=lambda name: status.update(f"extracted {name}"),
        )
    written = write_extraction(extraction, out)
    print_table(
        f"{schema}: {len(extraction.objects)} object(s) extracted to {out}",
        ["object", "type", "depends on"],
        [
            (f"{o.schema}.{o.name}", o.object_type, ", ".join(o.dependent_objects))
            for o in extraction.objects
        ],
    )
    for name, reason in extraction.failures.items():
        consoles()[1].print(f"[red]failed:[/] {name}: {reason}", markup=True, highlight=False)
    consoles()[1].print(f"written: {', '.join(sorted(written))}")
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
        raise fail(e) from e
    if not any(s.kind in ("TABLE", "VIEW") for s in statements):
        raise fail(f"{path}: no CREATE TABLE or CREATE VIEW statement in its .sql files")
    db = connect_or_exit(target)
    with consoles()[1].status("validating…") as status:
        results = validate_statements(db, statements, lambda n: status.update(f"ran {n}"))
    print_table(
        f"{len(results)} statement(s) validated",
        ["file", "object", "status", "class", "error"],
        [
            (r.input_file, r.object_name, r.validation_status, r.error_type, r.error)
            for r in results
        ],
    )
    stamp = datetime.now().strftime("%Y%m%d_%H%M%S")
    write_report_files(validation_report(results), out, f"ddl_validation_{stamp}")
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
            raise fail(e) from e
        stem = f"ddl_validation_{datetime.now():%d_%m_%Y}"
    elif source_schema and target_schema:
        entries = [
            BatchEntry(source_schema, _names(target_schema) or [], _names(tables), _names(views))
        ]
        stem = f"ddl_validation_{source_schema}_to_{'_'.join(_names(target_schema) or [])}"
    else:
        raise fail("give --source-schema and --target-schema, or --config")
    db = connect_or_exit(target)
    comparisons = []
    for entry in entries:
        source = read_source_schema(db, entry.source_schema).only(entry.tables, entry.views)
        for name in entry.target_schemas:
            theirs = read_source_schema(db, name).only(entry.tables, entry.views)
            comparisons.append(compare_schemas(source, theirs, sides_for("source", "target")))
    report = schema_validation_report(comparisons)
    print_table(
        "schema validation",
        [*VALIDATION_COLUMNS[:4], "Overall Status"],
        [(*r[:4], r[-2]) for r in report.tables[0].rows],
    )
    write_report_files(report, out, stem)
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
    dbs = [connect_or_exit(spec) if is_database_url(spec) else None for spec in (source, target)]
    dialects = [
        db.dialect if db is not None else d
        for db, d in zip(dbs, (source_dialect, target_dialect), strict=True)
    ]
    dialects = [d or next((o for o in dialects if o), "postgres") for d in dialects]
    try:
        mine = load_side(source, schema, dialects[0], dbs[0])
        theirs = load_side(target, into, dialects[1], dbs[1])
    except (OSError, ValueError) as e:
        raise fail(e) from e
    mine, theirs = in_terms_of(mine, dialects[1]), in_terms_of(theirs, dialects[0])
    comparison = compare_schemas(
        mine.schema.only(_names(tables), _names(views)),
        theirs.schema.only(_names(tables), _names(views)),
        sides_for(*(dialects if mine.kind == theirs.kind == "files" else (mine.kind, theirs.kind))),
    )
    plan = plan_changes(comparison, dialects[1] if dialects[1] != "teradata" else "redshift", into)
    _print_comparison(comparison, plan)
    write_report_files(
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
    out, _ = consoles()
    if comparison.matched:
        out.print(f"Matched: {len(comparison.status)} object(s), no difference")
        return
    print_table(
        "differences",
        ["object", "column/constraint", "description"],
        [(d.object, d.item, d.description) for d in comparison.differences],
    )
    out.print("-- plan (shown, not applied; --apply runs it):")
    for step in plan:
        out.print(f"-- MANUAL: {step.sql}" if step.manual else step.sql, markup=False)


def _apply(db, plan) -> None:
    if db is None:
        raise fail("--apply needs a database as the target")
    manual = [s for s in plan if s.manual]
    if manual:
        raise fail(f"{len(manual)} change(s) cannot be made in place; nothing applied", 1)
    try:
        with db.transaction():
            for step in plan:
                db.execute(step.sql)
    except Exception as e:
        raise fail(f"the plan failed and was rolled back: {e}", 1) from e
    consoles()[0].print(f"applied {len(plan)} statement(s) in one transaction")


def demo_ddl(warehouse_url: str, schema: str, out_dir: Path) -> None:
    """`wmg demo`'s last step: the warehouse schema's DDL extracted to `out_dir`, then the
    files compared with the live schema (they match: nothing changed in between)."""
    from wmg_assets.migration.schema.compare import compare_schemas, sides_for
    from wmg_assets.migration.schema.extract import extract_objects, write_extraction
    from wmg_assets.migration.schema.sides import load_side

    db = connect_or_exit(warehouse_url)
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
    consoles()[0].print(
        f"ddl: {len(extraction.objects)} object(s) of {schema} extracted to {out_dir}; "
        f"compared with the warehouse: {verdict} (wmg ddl compare {out_dir} <url> --schema "
        f"{schema})"
    )
