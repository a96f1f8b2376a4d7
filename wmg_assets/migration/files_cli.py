"""`wmg code compare` and `wmg docs validate`: the file-level checks on the command line."""

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from wmg_assets.migration.cli import connect_or_exit, fail, print_table, write_report_files

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
        raise fail(e) from e


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
        raise fail(e) from e
    report = code_comparison_report(result)
    ddl_matched = True
    if tables is not None:
        if target is None:
            raise fail("--tables-csv needs --target (the warehouse URL)")
        db = connect_or_exit(target)
        try:
            sheet = compare_code_ddl(git_tree, result.domain, tables, db)
        finally:
            db.close()
        ddl_matched = all(
            str(r[2]) == "Matched" or str(r[2]).startswith("Not compared") for r in sheet.rows
        )
        report = replace(report, tables=[*report.tables, sheet])
    print_table(
        f"code comparison: {result.domain}",
        ["file", "match ratio", "fully matched"],
        [(f.path, f.match_ratio, "Yes" if f.fully_matched else "No") for f in result.files]
        + [(p, "", m) for p, m in result.missing]
        + [(p, "", f"failed: {r}") for p, r in result.failed],
    )
    write_report_files(report, out, f"code_comparison_{result.domain}")
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
    print_table(
        f"documents of {domain_name}",
        ["template", "document", "sheet", "status", "missing"],
        [
            (c.template_file, c.domain_file, c.sheet_name, c.status, ", ".join(c.missing))
            for c in checks
        ],
    )
    write_report_files(
        documents_report(checks, domain_name),
        out,
        f"{domain_name}_validation_report_{datetime.now():%Y%m%d_%H%M%S}",
    )
    if any(c.status != "MATCHED" for c in checks):
        raise typer.Exit(1)
