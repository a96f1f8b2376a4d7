"""Dagster wiring of the migration toolkit: one asset per Teradata code base,
`migration/sql/<name>`, and its DDL check.

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

from wmg_assets.migration.config import SqlCodebaseConfig
from wmg_assets.migration.reports import Report, to_markdown, write_reports
from wmg_assets.migration.sql.codebase import (
    SOURCE_SUFFIXES,
    CodebaseConversion,
    convert_files,
    source_files,
)
from wmg_assets.migration.sql.scratch import in_scratch_schema
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
