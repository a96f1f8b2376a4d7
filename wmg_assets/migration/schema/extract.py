"""DDL extraction (the WMG Teradata / Redshift / PostgreSQL object extractors as one):
the named tables and views of a schema (all of them when none is named), optionally with
everything they depend on, recursively — what a view reads, what a foreign key points to,
in other schemas too — in creation order. One object that cannot be read is logged and
reported; the rest goes on.

Written as the seed lays it out: `<out>/<schema>/tables.sql` and `views.sql`, each DDL
after a `-- DDL for <schema>.<object>` line, comments stripped outside quotes; all of it in
`<out>/extracted_ddl.zip`; and the lineage (object, type, what it depends on, creation
order) as `lineage.xlsx` / `.md` / `.json`.
"""

import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wmg_assets.migration.reports import Report, ReportTable, write_reports
from wmg_assets.migration.schema.catalog import Catalog, read_schema, show_ddl
from wmg_assets.migration.schema.ddl_text import create_table_sql, create_view_sql
from wmg_assets.migration.schema.model import Schema, Table, qualified
from wmg_assets.migration.schema.sqltext import strip_comments
from wmg_assets.migration.schema.teradata import read_teradata_schema

log = logging.getLogger(__name__)


def read_source_schema(db: Catalog, schema: str) -> Schema:
    """A schema's model, with the DDL text where the database writes it (Redshift's and
    Teradata's `SHOW TABLE` / `SHOW VIEW`)."""
    if db.dialect == "teradata":
        return read_teradata_schema(db, schema)
    model = read_schema(db, schema)
    if db.dialect == "redshift":
        for kind, objects in (("table", model.tables), ("view", model.views)):
            for key, obj in objects.items():
                try:
                    model.ddl[key] = show_ddl(db, kind, schema, obj.name)
                except Exception as e:  # the model still describes it; its DDL is written
                    log.warning(
                        "%s.%s: SHOW %s failed (%s); DDL written from the catalog",
                        schema,
                        obj.name,
                        kind.upper(),
                        e,
                    )
    return model


@dataclass(frozen=True)
class ExtractedObject:
    schema: str
    name: str
    object_type: str  # Table | View
    ddl: str
    dependent_objects: tuple[str, ...]  # what it reads / references, as schema.object


@dataclass
class Extraction:
    objects: list[ExtractedObject] = field(default_factory=list)  # in creation order
    failures: dict[str, str] = field(default_factory=dict)  # schema.object → why
    schemas: dict[str, Schema] = field(default_factory=dict)  # the models read


def extract_objects(
    db: Catalog,
    schema: str,
    tables: list[str] | None = None,
    views: list[str] | None = None,
    with_dependencies: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Extraction:
    """The objects asked for (module docstring), in creation order."""
    result = Extraction()

    def model(name: str) -> Schema:
        if name.lower() not in result.schemas:
            try:
                found = read_source_schema(db, name)
            except Exception as e:
                log.error("schema %s not read: %s", name, e)
                found = Schema(name, db.dialect, failures={name: str(e)})
            result.schemas[name.lower()] = found
            for obj, reason in found.failures.items():
                result.failures[qualified(name, obj)] = reason
        return result.schemas[name.lower()]

    home = model(schema)
    if tables is None and views is None:
        wanted = [qualified(schema, k) for k in (*home.tables, *home.views)]
    else:
        wanted = [qualified(schema, n) for n in (*(tables or []), *(views or []))]
    ordered: list[str] = []
    asked = set(wanted)

    def visit(key: str, path: tuple[str, ...]) -> None:
        if key in ordered or key in path:
            return
        schema_name, name = key.rsplit(".", 1)
        obj = model(schema_name).object(name)
        if obj is None:
            if key not in result.failures:
                log.error("%s: not found in the catalog; the rest goes on", key)
                result.failures[key] = "not found"
            return
        for dependency in obj.reads:  # what it needs comes first (and in, if asked)
            if with_dependencies or dependency in asked:
                visit(dependency, (*path, key))
        ordered.append(key)

    for key in wanted:
        visit(key, ())
    tables_first = sorted(ordered, key=lambda k: _is_view(result, k))  # stable: order kept
    for key in tables_first:
        schema_name, name = key.rsplit(".", 1)
        owner = result.schemas[schema_name]
        obj = owner.object(name)
        assert obj is not None
        is_table = isinstance(obj, Table)
        text = owner.ddl.get(name) or (
            create_table_sql(obj, db.dialect) if is_table else create_view_sql(obj, db.dialect)  # type: ignore[arg-type]
        )
        result.objects.append(
            ExtractedObject(
                obj.schema,
                obj.name,
                "Table" if is_table else "View",
                strip_comments(text).rstrip(";") + ";",
                obj.reads,
            )
        )
        if progress:
            progress(key)
    return result


def _is_view(result: Extraction, key: str) -> bool:
    schema_name, name = key.rsplit(".", 1)
    return name in result.schemas[schema_name].views


def write_extraction(extraction: Extraction, out: Path) -> dict[str, Path]:
    """The seed's layout under `out` (module docstring); the paths written, by name."""
    out.mkdir(parents=True, exist_ok=True)
    files: dict[Path, list[str]] = {}
    for obj in extraction.objects:
        path = out / obj.schema / ("tables.sql" if obj.object_type == "Table" else "views.sql")
        files.setdefault(path, []).append(f"-- DDL for {obj.schema}.{obj.name}\n{obj.ddl}\n")
    written: dict[str, Path] = {}
    for path, parts in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(parts), encoding="utf-8")
        written[str(path.relative_to(out))] = path
    archive = out / "extracted_ddl.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for name, path in sorted(written.items()):
            z.write(path, name)
    written["extracted_ddl.zip"] = archive
    for kind, path in write_reports(lineage_report(extraction), out, "lineage").items():
        written[f"lineage.{kind}"] = path
    return written


def lineage_report(extraction: Extraction) -> Report:
    rows = [
        (f"{o.schema}.{o.name}", o.object_type, ", ".join(o.dependent_objects), i)
        for i, o in enumerate(extraction.objects, 1)
    ]
    failed = [(name, reason) for name, reason in sorted(extraction.failures.items())]
    return Report(
        title="DDL extraction",
        totals={
            "tables": sum(o.object_type == "Table" for o in extraction.objects),
            "views": sum(o.object_type == "View" for o in extraction.objects),
            "failed": len(failed),
        },
        tables=[
            ReportTable(
                "Lineage",
                ["Object Name", "Object Type", "Dependent Objects", "Creation Order"],
                rows,
            ),
            ReportTable("Failed Objects", ["Object Name", "Error"], failed),
        ],
        data={"objects": [o.__dict__ for o in extraction.objects], "failures": extraction.failures},
    )
