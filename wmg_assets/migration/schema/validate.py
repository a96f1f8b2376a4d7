"""DDL validation (the WMG `DDLValidator`): every CREATE TABLE / CREATE VIEW of a DDL folder
runs on the target, in creation order, inside a scratch schema that is always dropped
afterwards: each object the DDL creates is created there instead (only its name is changed
in the statement's text), so the target's own schemas are never touched; what the DDL reads
without creating it is read where it is (a view on an existing table is checked against
it). A statement sqlglot cannot read runs as it is (its schema created if missing) in a
transaction that is rolled back, so the database still says what is wrong with it.

Each failure gets a class from the database's SQLSTATE, else from its message:

| class | SQLSTATE | message (Redshift, DuckDB, Spark) |
|---|---|---|
| Table Not Found | 42P01, 3F000 | relation / table / schema … does not exist |
| Column Not Found | 42703 | column … does not exist, cannot resolve column |
| Syntax Error | 42601 | syntax error, parser error |
| Permission Denied | 42501 | permission denied |
| Already Exists | 42P07, 42710, 42P06 | already exists |
| Unsupported Feature | 0A000, 42704 | not supported, type … does not exist |
| Other | anything else | |
"""

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from wmg_assets.migration.reports import Report, ReportTable
from wmg_assets.migration.schema.ddl_files import DdlStatement
from wmg_assets.migration.schema.ddl_text import quoted, read_dialect

log = logging.getLogger(__name__)

SQLSTATE_CLASSES = {
    "42P01": "Table Not Found",
    "3F000": "Table Not Found",
    "42703": "Column Not Found",
    "42601": "Syntax Error",
    "42501": "Permission Denied",
    "42P07": "Already Exists",
    "42710": "Already Exists",
    "42P06": "Already Exists",
    "0A000": "Unsupported Feature",
    "42704": "Unsupported Feature",
}
MESSAGE_CLASSES = [
    (
        r"column .* does not exist|cannot resolve|unresolved_column|referenced column",
        "Column Not Found",
    ),
    (
        r"type .* does not exist|not supported|not implemented|unsupported|"
        r"data_source_not_found|failed to find the data source",
        "Unsupported Feature",
    ),
    (
        r"(relation|table|schema|view) .* does not exist|table or view not found|"
        r"table_or_view_not_found|schema_not_found|with name .* does not exist",
        "Table Not Found",
    ),
    (r"syntax error|parser error|parse_syntax_error|mismatched input", "Syntax Error"),
    (r"permission denied|access denied|not authorized", "Permission Denied"),
    (r"already exists", "Already Exists"),
]


def error_class(error: BaseException | str) -> str:
    """The class of a database error (module table)."""
    state = getattr(error, "sqlstate", None)
    if isinstance(state, str) and state in SQLSTATE_CLASSES:
        return SQLSTATE_CLASSES[state]
    text = str(error).lower()
    for pattern, name in MESSAGE_CLASSES:
        if re.search(pattern, text):
            return name
    return "Other"


@dataclass(frozen=True)
class ValidationResult:
    input_file: str
    object_name: str
    query: str
    db_type: str  # the execution layer: postgres | redshift | duckdb | spark
    validation_status: str  # Success | Failed
    error: str = ""
    error_type: str = ""
    note: str = ""


def in_scratch_text(sql: str, dialect: str, created: set[str], scratch: str) -> str:
    """The statement's own text with each name of `created` (`schema.table`, lower case)
    replaced by `scratch.schema__table` (quoted): only names change, so the database judges
    exactly what was written (sqlglot's rendering would mend some syntax errors)."""
    tree = sqlglot.parse_one(sql, read=read_dialect(dialect))
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    spans = []
    for table in tree.find_all(exp.Table):
        name, db = table.this, table.args.get("db")
        if not isinstance(name, exp.Identifier) or (db is None and table.name.lower() in ctes):
            continue
        key = f"{table.db}.{table.name}".lower() if table.db else table.name.lower()
        first = db if isinstance(db, exp.Identifier) else name
        if key not in created or "start" not in first.meta or "end" not in name.meta:
            continue
        local = f"{table.db}__{table.name}" if table.db else table.name
        text = f"{quoted(scratch, dialect)}.{quoted(local, dialect)}"
        if table.db and not table.alias and table.find_ancestor(exp.Select) is not None:
            text += " AS " + sql[name.meta["start"] : name.meta["end"] + 1]  # keeps `t.col`
        spans.append((first.meta["start"], name.meta["end"] + 1, text))
    for start, end, text in sorted(spans, reverse=True):
        sql = sql[:start] + text + sql[end:]
    return sql


class _Rollback(Exception):
    pass


def validate_statements(
    db, statements: list[DdlStatement], progress: Callable[[str], None] | None = None
) -> list[ValidationResult]:
    """Run each CREATE TABLE / VIEW in a scratch schema on `db` (module docstring)."""
    dialect = db.dialect
    scratch = f"wmg_validate_{uuid.uuid4().hex[:10]}"
    results = []
    ordered = _creation_order(statements)
    created = {".".join(p for p in (s.schema, s.name) if p).lower() for s in ordered if s.name}
    db.execute(f"CREATE SCHEMA {quoted(scratch, dialect)}")
    try:
        for statement in ordered:
            name = ".".join(p for p in (statement.schema, statement.name) if p) or "?"
            results.append(_run(db, statement, scratch, dialect, name, created))
            if progress:
                progress(name)
    finally:
        db.execute(f"DROP SCHEMA IF EXISTS {quoted(scratch, dialect)} CASCADE")
    return results


def _creation_order(statements: list[DdlStatement]) -> list[DdlStatement]:
    creates = [s for s in statements if s.kind in ("TABLE", "VIEW")]
    return sorted(creates, key=lambda s: s.kind == "VIEW")  # tables first, file order kept


def _run(
    db, statement: DdlStatement, scratch: str, dialect: str, name: str, created: set[str]
) -> ValidationResult:
    def result(error: BaseException | None) -> ValidationResult:
        message = "" if error is None else " ".join(str(error).split())
        return ValidationResult(
            statement.file,
            name.lower(),
            statement.sql,
            dialect,
            "Success" if error is None else "Failed",
            message,
            "" if error is None else error_class(error),
        )

    try:
        moved = in_scratch_text(statement.sql, dialect, created, scratch)
    except ParseError:  # sqlglot cannot read it: the database says why, undone
        try:
            with db.transaction():
                if statement.schema:  # so the database judges the statement, not the schema
                    db.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted(statement.schema, dialect)}")
                db.execute(statement.sql)
                raise _Rollback
        except _Rollback:
            return result(None)
        except Exception as e:
            return result(e)
    try:
        db.execute(moved)
    except Exception as e:
        if dialect == "spark" and _NO_ICEBERG.search(str(e)) and _USING_ICEBERG.search(moved):
            return _run_as_parquet(db, moved, result)
        log.info("%s: %s", name, e)
        return result(e)
    return result(None)


_USING_ICEBERG = re.compile(r"\bUSING\s+iceberg\b", re.IGNORECASE)
_NO_ICEBERG = re.compile(r"data source: iceberg|DATA_SOURCE_NOT_FOUND", re.IGNORECASE)


def _run_as_parquet(db, sql: str, result) -> "ValidationResult":
    """A Spark without the Iceberg runtime (local Spark here: no jar can be fetched)
    checks the statement as a Parquet table, and the result says so."""
    try:
        db.execute(_USING_ICEBERG.sub("USING parquet", sql))
    except Exception as e:
        return result(e)
    from dataclasses import replace

    note = "validated as a Parquet table: this Spark has no Iceberg runtime"
    return replace(result(None), note=note)


def validation_report(results: list[ValidationResult], title: str = "DDL validation") -> Report:
    """The seed's report: File Name, Object Name, Query, Execution Layer, Validation Status,
    Formatted Error, Error Type (and a Note where the check was weaker than asked)."""
    rows = [
        (r.input_file, r.object_name, r.query, r.db_type, r.validation_status, r.error,
         r.error_type, r.note)
        for r in results
    ]  # fmt: skip
    failed = [r for r in results if r.validation_status == "Failed"]
    by_class: dict[str, int] = {}
    for r in failed:
        by_class[r.error_type] = by_class.get(r.error_type, 0) + 1
    return Report(
        title=title,
        totals={
            "statements": len(results),
            "succeeded": len(results) - len(failed),
            "failed": len(failed),
            **{f"failed: {k}": v for k, v in sorted(by_class.items())},
        },
        tables=[
            ReportTable(
                "Validation Report",
                [
                    "File Name",
                    "Object Name",
                    "Query",
                    "Execution Layer",
                    "Validation Status",
                    "Formatted Error",
                    "Error Type",
                    "Note",
                ],
                rows,
            )
        ],
        data={"results": [r.__dict__ for r in results]},
    )
