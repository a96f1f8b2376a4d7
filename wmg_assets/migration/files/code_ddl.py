"""The code base comparator's optional DDL step: the tables named in a `table_name,target`
CSV (target `redshift`, or `iceberg` / empty = iceberg), their DDL in the git code base
(`src/<domain>/**.sql`) compared with the live warehouse by the DDL comparator. Iceberg
tables are listed as not compared (no Iceberg catalog is read here; validate their DDL with
`wmg ddl validate --target spark://…`). A table that fails is logged and reported; the rest
goes on."""

import csv
import io
import logging

from wmg_assets.migration.files.trees import FileTree
from wmg_assets.migration.reports import ReportTable
from wmg_assets.migration.schema.compare import compare_schemas, sides_for
from wmg_assets.migration.schema.ddl_text import schemas_from_ddl
from wmg_assets.migration.schema.extract import read_source_schema
from wmg_assets.migration.schema.model import Schema

log = logging.getLogger(__name__)
COLUMNS = ["Table Name", "Column/Constraint", "Description"]


def read_table_targets(text: str) -> list[tuple[str, str]]:
    """(`schema.table`, `redshift` | `iceberg`) per CSV row; an empty target is iceberg."""
    rows = csv.DictReader(io.StringIO(text))
    if rows.fieldnames is None or "table_name" not in rows.fieldnames:
        raise ValueError("the table CSV needs a header `table_name,target`")
    return [((r["table_name"] or "").strip(), (r.get("target") or "iceberg").strip().lower()
             or "iceberg") for r in rows if (r["table_name"] or "").strip()]  # fmt: skip


def compare_code_ddl(git: FileTree, domain: str, tables: list[tuple[str, str]], db) -> ReportTable:
    """The DDL Comparison sheet for the CSV's tables (module docstring)."""
    code = git.under(f"src/{domain}")
    text = ";\n".join(
        code.files[p]().decode("utf-8", errors="replace") for p in sorted(code.files)
        if p.lower().endswith(".sql")
    )  # fmt: skip
    found = schemas_from_ddl(text, db.dialect, "public") if text else {}
    rows: list[tuple[str, str, str]] = []
    for name, target in tables:
        if target != "redshift":
            rows.append((name, "", f"Not compared: {target} table (no Iceberg catalog read)"))
            continue
        schema, _, table = name.rpartition(".")
        schema = schema or "public"
        mine = found.get(schema.lower())
        if mine is None or table.lower() not in mine.tables:
            rows.append((name, "", "Missing in GIT"))
            continue
        try:
            live = read_source_schema(db, schema).only([table], [])
        except Exception as e:  # logged and reported; the other tables go on
            log.error("%s: DDL not compared: %s", name, e)
            rows.append((name, "", f"Failed: {e}"))
            continue
        ours = Schema(mine.name, mine.dialect, tables={table.lower(): mine.tables[table.lower()]})
        comparison = compare_schemas(ours, live, sides_for("files", db.dialect))
        rows += [(name, d.item, d.description) for d in comparison.differences]
        if comparison.matched:
            rows.append((name, "", "Matched"))
    return ReportTable("Code Comparison DDL", COLUMNS, rows)
