"""Dagster wiring of the migration toolkit: one asset per Teradata code base,
`migration/sql/<name>`, and its DDL check; one asset per schema of a DDL source,
`migration/ddl/<source>/<schema>`, and its two checks (end of the module).

The asset converts every script of the code base for each target, writes the converted tree
and the reports to the lake (`migration/sql/<name>/<target>/…`), and reports the totals and
the findings as metadata. The check runs the converted Redshift DDL on the configured
warehouse in a scratch schema, dropped afterwards, and fails naming each statement that does
not run.
"""

import json
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from wmg_assets.migration.config import DdlSourceConfig, SqlCodebaseConfig, database_url
from wmg_assets.migration.reports import Report, to_markdown, write_reports
from wmg_assets.migration.schema.compare import compare_schemas, sides_for
from wmg_assets.migration.schema.ddl_files import ddl_statements
from wmg_assets.migration.schema.extract import extract_objects, write_extraction
from wmg_assets.migration.schema.plan import plan_changes
from wmg_assets.migration.schema.sides import in_terms_of, load_side
from wmg_assets.migration.schema.validate import validate_statements
from wmg_assets.migration.sql.codebase import (
    SOURCE_SUFFIXES,
    CodebaseConversion,
    convert_files,
    source_files,
)
from wmg_assets.migration.sql.scratch import in_scratch_schema
from wmg_resources.databases import connect_database
from wmg_resources.lake import LakeResource
from wmg_resources.warehouse import WarehouseResource

FINDINGS_SHOWN = 1000
_FINDING_FIELDS = (("target", "string"), ("file", "string"), ("line", "int"),
                   ("code", "string"), ("severity", "string"), ("message", "string"))  # fmt: skip
_FINDING_COLUMNS = dg.TableSchema(columns=[dg.TableColumn(n, k) for n, k in _FINDING_FIELDS])


def sql_asset_key(codebase: SqlCodebaseConfig) -> dg.AssetKey:
    return dg.AssetKey(["migration", "sql", codebase.name])


def output_prefix(codebase: SqlCodebaseConfig, target: str) -> str:
    return f"migration/sql/{codebase.name}/{target}"


def read_source(codebase: SqlCodebaseConfig, lake: LakeResource) -> Iterator[tuple[str, bytes]]:
    """(relative path, content) of each script of the code base: a folder, or an S3 prefix
    read with the lake's S3 client (its endpoint and region)."""
    if not codebase.is_s3:
        folder = Path(codebase.source)
        if not folder.is_dir():
            raise FileNotFoundError(f"code base {codebase.name}: {folder} is not a folder")
        for path in source_files(folder):
            yield path.relative_to(folder).as_posix(), path.read_bytes()
        return
    bucket, _, prefix = codebase.source[len("s3://") :].partition("/")
    prefix = prefix.rstrip("/") + "/" if prefix else ""
    client = lake.s3_client()
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    keys = sorted(o["Key"] for page in pages for o in page.get("Contents", []))
    for key in keys:
        if key.lower().endswith(SOURCE_SUFFIXES):
            yield key[len(prefix) :], client.get_object(Bucket=bucket, Key=key)["Body"].read()


def _ddl_statements(result: CodebaseConversion) -> list[dict]:
    """The converted CREATE statements, in file and line order, for the DDL check."""
    return [
        {"file": f.path, "line": s.line, "sql": s.output}
        for f in result.files
        for s in f.conversion.statements
        if s.output and s.output.lstrip().upper().startswith("CREATE")
    ]


def _findings_table(results: dict[str, CodebaseConversion]) -> dg.MetadataValue:
    records = [
        dg.TableRecord({"target": target, "file": f.path, "line": x.line, "code": x.code,
                        "severity": str(x.severity), "message": x.message})
        for target, result in results.items()
        for f in result.files
        for x in f.conversion.findings
    ]  # fmt: skip
    return dg.MetadataValue.table(records[:FINDINGS_SHOWN], schema=_FINDING_COLUMNS)


def _summary(results: dict[str, CodebaseConversion]) -> str:
    """Per target: the totals and the findings by construct (the reports' first table)."""
    parts = []
    for result in results.values():
        report = result.report()
        parts.append(to_markdown(Report(report.title, report.totals, report.tables[:1])))
    return "\n\n".join(parts)


def build_sql_codebase_asset(codebase: SqlCodebaseConfig) -> dg.AssetsDefinition:
    key = sql_asset_key(codebase)
    targets = ", ".join(codebase.targets)

    @dg.asset(
        key=key,
        group_name="migration",
        kinds={"sql", *codebase.targets},
        description=(codebase.description or f"The Teradata code base `{codebase.name}`.")
        + f"\n\nConverted from `{codebase.source}` for {targets}: the converted tree and "
        f"report.md/xlsx/json are in the lake under `migration/sql/{codebase.name}/`.",
    )
    def sql_codebase(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
        sources = list(read_source(codebase, lake))
        results: dict[str, CodebaseConversion] = {}
        for target in codebase.targets:
            prefix = output_prefix(codebase, target)
            lake.delete_prefix(prefix + "/")  # a script removed from the source goes too

            def write(path: str, sql: str, prefix: str = prefix) -> None:
                lake.put_bytes(sql.encode(), f"{prefix}/{path}")

            result = convert_files(sources, target, codebase.options(), codebase.source, write)
            with tempfile.TemporaryDirectory() as scratch:
                for path in write_reports(result.report(), Path(scratch)).values():
                    lake.put_file(path, f"{prefix}/{path.name}")
            if target == "redshift":
                ddl = json.dumps(_ddl_statements(result), indent=1).encode()
                lake.put_bytes(ddl, f"{prefix}/ddl.json")
            context.log.info("%s: %s", target, result.totals())
            results[target] = result
        first = next(iter(results.values()))
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": first.totals()["statements"],
                "files": len(sources),
                "totals": dg.MetadataValue.json({t: r.totals() for t, r in results.items()}),
                "findings": _findings_table(results),
                "report": dg.MetadataValue.md(_summary(results)),
                "output": dg.MetadataValue.path(lake.uri(f"migration/sql/{codebase.name}")),
            }
        )

    return sql_codebase


def build_ddl_check(codebase: SqlCodebaseConfig) -> dg.AssetChecksDefinition:
    """The converted Redshift DDL, run on the warehouse in a scratch schema."""

    @dg.asset_check(
        asset=sql_asset_key(codebase),
        name="ddl_runs_on_warehouse",
        description="Runs the converted Redshift CREATE statements on the configured warehouse "
        "in a scratch schema (dropped afterwards); fails naming each one that does not run.",
    )
    def ddl_runs_on_warehouse(
        lake: LakeResource, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        if "redshift" not in codebase.targets:
            return dg.AssetCheckResult(passed=True, metadata={"skipped": "no redshift target"})
        ddl = json.loads(lake.read_bytes(f"{output_prefix(codebase, 'redshift')}/ddl.json"))
        scratch = f"wmg_scratch_{codebase.name}_{uuid.uuid4().hex[:8]}"
        failed: list[dict] = []
        with warehouse.connect() as wh:
            wh.execute(f'CREATE SCHEMA "{scratch}"')
            try:
                for statement in ddl:
                    try:
                        with wh.transaction():
                            wh.execute(in_scratch_schema(statement["sql"], scratch, wh.dialect))
                    except Exception as e:  # the statement does not run: that is the finding
                        failed.append({**statement, "error": str(e).strip().splitlines()[0]})
            finally:
                wh.execute(f'DROP SCHEMA IF EXISTS "{scratch}" CASCADE')
        named = "; ".join(f"{f['file']} line {f['line']}: {f['error']}" for f in failed)
        summary = f"{len(failed)} of {len(ddl)} statements do not run: {named}"
        return dg.AssetCheckResult(
            passed=not failed,
            description=summary if failed else f"all {len(ddl)} statements run",
            metadata={
                "statements": len(ddl),
                "failed": len(failed),
                "warehouse": wh.dialect,
                "failures": dg.MetadataValue.json(failed),
            },
        )

    return ddl_runs_on_warehouse


# -- DDL: migration/ddl/<source>/<schema> and its two checks --------------------------------

_DIFFERENCE_COLUMNS = dg.TableSchema(
    columns=[dg.TableColumn(n, "string") for n in ("object", "item", "description")]
)


def ddl_asset_key(source: DdlSourceConfig, schema: str) -> dg.AssetKey:
    return dg.AssetKey(["migration", "ddl", source.name, schema])


def ddl_prefix(source: DdlSourceConfig, schema: str) -> str:
    return f"migration/ddl/{source.name}/{schema}"


def build_ddl_asset(source: DdlSourceConfig, schema: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=ddl_asset_key(source, schema),
        group_name="migration",
        kinds={"sql"},
        description=(source.description or f"The DDL of schema `{schema}` of `{source.name}`.")
        + f"\n\nExtracted{' with its dependencies' if source.with_dependencies else ''} into "
        f"the lake under `{ddl_prefix(source, schema)}/`: `<schema>/tables.sql`, `views.sql`, "
        "`extracted_ddl.zip` and the lineage (xlsx, md, json).",
    )
    def ddl_extract(
        context: dg.AssetExecutionContext, lake: LakeResource, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        db = connect_database(database_url(source.source, warehouse.url))
        try:
            extraction = extract_objects(db, schema, source.tables, source.views,
                                         source.with_dependencies)  # fmt: skip
            dialect = db.dialect
        finally:
            db.close()
        prefix = ddl_prefix(source, schema)
        lake.delete_prefix(prefix + "/")
        with tempfile.TemporaryDirectory() as scratch:
            for name, path in write_extraction(extraction, Path(scratch)).items():
                lake.put_file(path, f"{prefix}/{name}")
        manifest = {"dialect": dialect, "schema": schema}
        lake.put_bytes(json.dumps(manifest).encode(), f"{prefix}/extraction.json")
        for name, reason in extraction.failures.items():
            context.log.error("%s: not extracted: %s", name, reason)
        lineage = [
            dg.TableRecord({"object": f"{o.schema}.{o.name}", "type": o.object_type,
                            "depends_on": ", ".join(o.dependent_objects)})
            for o in extraction.objects
        ]  # fmt: skip
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": len(extraction.objects),
                "tables": sum(o.object_type == "Table" for o in extraction.objects),
                "views": sum(o.object_type == "View" for o in extraction.objects),
                "failed": len(extraction.failures),
                "failures": dg.MetadataValue.json(extraction.failures),
                "lineage": dg.MetadataValue.table(lineage),
                "output": dg.MetadataValue.path(lake.uri(prefix)),
            }
        )

    return ddl_extract


def _extracted(lake: LakeResource, prefix: str, scratch: Path) -> tuple[Path, str]:
    """The extracted DDL files copied from the lake into `scratch`, and their dialect."""
    for obj in lake.list(prefix):
        relative = obj.key[len(prefix) + 1 :]
        if relative.endswith(".sql"):
            (scratch / relative).parent.mkdir(parents=True, exist_ok=True)
            (scratch / relative).write_bytes(lake.read_bytes(obj.key))
    manifest = json.loads(lake.read_bytes(f"{prefix}/extraction.json"))
    return scratch, manifest["dialect"]


def build_ddl_source_checks(source: DdlSourceConfig, schema: str) -> list[dg.AssetChecksDefinition]:
    key = ddl_asset_key(source, schema)
    into = source.target_schema(schema)

    @dg.asset_check(
        asset=key,
        name="ddl_valid_on_target",
        description=f"Runs every extracted CREATE TABLE / VIEW on the target ({source.target}) "
        "in a scratch schema, dropped afterwards; fails with each failing statement, its error "
        "class and the database's message.",
    )
    def ddl_valid_on_target(
        lake: LakeResource, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        with tempfile.TemporaryDirectory() as scratch:
            folder, dialect = _extracted(lake, ddl_prefix(source, schema), Path(scratch))
            statements = ddl_statements(folder, dialect)
            db = connect_database(database_url(source.target, warehouse.url))
            try:
                results = validate_statements(db, statements)
            finally:
                db.close()
        failed = [r for r in results if r.validation_status == "Failed"]
        records = [dg.TableRecord({"object": r.object_name, "item": r.error_type,
                                   "description": r.error}) for r in failed]  # fmt: skip
        return dg.AssetCheckResult(
            passed=not failed,
            description=f"{len(failed)} of {len(results)} statements fail on the target",
            metadata={"statements": len(results), "failed": len(failed),
                      "failures": dg.MetadataValue.table(records, schema=_DIFFERENCE_COLUMNS)},
        )  # fmt: skip

    @dg.asset_check(
        asset=key,
        name="ddl_matches_target",
        description=f"Compares the extracted DDL with schema `{into}` of the target "
        f"({source.target}); fails with every difference and the plan that would fix them.",
    )
    def ddl_matches_target(lake: LakeResource, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        db = connect_database(database_url(source.target, warehouse.url))
        try:
            with tempfile.TemporaryDirectory() as scratch:
                folder, dialect = _extracted(lake, ddl_prefix(source, schema), Path(scratch))
                mine = in_terms_of(load_side(str(folder), schema, dialect), db.dialect)
            theirs = load_side("", into, db=db)
        finally:
            db.close()
        comparison = compare_schemas(mine.schema, theirs.schema, sides_for("files", db.dialect))
        plan = plan_changes(comparison, db.dialect, into)
        records = [dg.TableRecord({"object": d.object, "item": d.item,
                                   "description": d.description})
                   for d in comparison.differences]  # fmt: skip
        return dg.AssetCheckResult(
            passed=comparison.matched,
            description=f"{len(comparison.differences)} difference(s) with {into}",
            metadata={
                "objects": len(comparison.status),
                "differences": dg.MetadataValue.table(records, schema=_DIFFERENCE_COLUMNS),
                "plan": dg.MetadataValue.md("```sql\n" + "\n".join(s.sql for s in plan) + "\n```"),
            },
        )

    return [ddl_valid_on_target, ddl_matches_target]
