"""The seed's two cross-account steps (`../shared/reference/wmg-modules.md` §2), with the other
account's secrets and S3 reached through STS `AssumeRole` (`wmg_resources/aws_accounts.py`):

- **PostgreSQL** (`PostgresCrossAccount`: `source_secret`, `target_secret`, `schema_name`):
  the schema's base tables are discovered from `information_schema`; each is copied as a
  spec row (`copy.py`: the target created if missing, overwritten in one transaction,
  reconciled) through a temporary S3 prefix that is emptied afterwards, also when the copy
  fails midway.
- **Redshift** (`RedshiftCrossAccount`): CSV mode (`config_path`, `#`-separated rows of
  `source_table` — e.g. a datashare's `shared_db.schema.table` —, `source_columns`,
  `source_filter`, `target_table`, `secret_name`, `load_type` append|overwrite) or schema mode
  (`source_schema`, `target_schema`, `secret_name`: the tables discovered from the target
  schema). Each row is one `INSERT … SELECT` on the cluster (overwrite: `DELETE` first, in
  the same transaction); rows that fail are written to `error_output_path` as JSON lines.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from wmg_assets.migration.data.migrate import MigrationRun, run_specs
from wmg_assets.migration.data.specs import InvalidRow, TableSpec, read_specs
from wmg_assets.migration.schema.ddl_text import dotted_name_sql, quoted
from wmg_resources.aws_accounts import AwsAccount
from wmg_resources.s3_staging import S3Staging, split_s3_uri

log = logging.getLogger(__name__)

BASE_TABLES_SQL = (
    "SELECT table_name FROM information_schema.tables WHERE table_schema = {p} "
    "AND table_type = 'BASE TABLE' ORDER BY table_name"
)


def base_tables(db: Any, schema: str) -> list[str]:
    """The schema's base tables (no views), by name."""
    _, rows = db.query(BASE_TABLES_SQL.format(p=db.param), [schema])
    return [r[0] for r in rows]


def _secret_connection(name: str, account: AwsAccount) -> Any:
    from wmg_resources.databases import connect_database, secret_url

    return connect_database(secret_url(name, account.client("secretsmanager")))


class PostgresCrossAccount(BaseModel):
    """Parameters of the PostgreSQL cross-account copy (module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source_secret: str = Field(min_length=1, description="the source database's secret")
    target_secret: str = Field(min_length=1, description="the target database's secret")
    schema_name: str = Field(min_length=1, description="the schema copied, same on both")
    staging_location: str = Field(pattern=r"^s3://", description="temporary s3://bucket/prefix")
    source_account: AwsAccount = AwsAccount()
    target_account: AwsAccount = AwsAccount()
    staging_account: AwsAccount | None = None  # default: the target's account
    load_type: Literal["append", "overwrite"] = "overwrite"


def run_postgres_cross_account(
    step: PostgresCrossAccount,
    on_table: Callable[[TableSpec], Callable[[int], None] | None] | None = None,
) -> MigrationRun:
    """Copy every base table of the schema, each through its own temporary S3 prefix."""
    accounts = {"source": step.source_account, "target": step.target_account}
    secrets = {"source": step.source_secret, "target": step.target_secret}
    s3_session = (step.staging_account or step.target_account).session()
    s3 = (step.staging_account or step.target_account).client("s3", s3_session)
    split_s3_uri(step.staging_location)
    discovery = _secret_connection(step.source_secret, step.source_account)
    try:
        tables = base_tables(discovery, step.schema_name)
    finally:
        discovery.close()
    log.info("%s: %d base tables to copy", step.schema_name, len(tables))
    specs = [
        TableSpec(
            source_table=f"{step.schema_name}.{t}",
            source_connection="secret:source",
            target_table=f"{step.schema_name}.{t}",
            target_connection="secret:target",
            load_type=step.load_type,
        )
        for t in tables
    ]

    def connect(reference: str) -> Any:
        side = reference.removeprefix("secret:")
        return _secret_connection(secrets[side], accounts[side])

    return run_specs(specs, [], on_table, connect_url=connect,
                     staging=lambda: S3Staging(s3, step.staging_location))  # fmt: skip


class RedshiftCopyRow(BaseModel):
    """One row of the Redshift step's CSV mode."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    source_table: str = Field(min_length=1)
    source_columns: str = "*"
    source_filter: str = "1=1"
    target_table: str = Field(min_length=1)
    secret_name: str = Field(min_length=1)
    load_type: Literal["append", "overwrite"] = "append"

    @model_validator(mode="before")
    @classmethod
    def _defaults_for_blanks(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v not in ("", None)}
        return data

    @property
    def columns(self) -> list[str] | None:
        listed = [c.strip() for c in self.source_columns.split(",") if c.strip()]
        return None if listed in ([], ["*"]) else listed


def _name_sql(name: str) -> str:
    return dotted_name_sql(name, "redshift")


def insert_select_sql(row: RedshiftCopyRow, columns: list[str]) -> list[str]:
    """The statements of one row, run in one transaction: `DELETE` (overwrite), then
    `INSERT INTO target (cols) SELECT cols FROM source WHERE filter`."""
    names = ", ".join(quoted(c, "redshift") for c in columns)
    target = _name_sql(row.target_table)
    statements = [f"DELETE FROM {target}"] if row.load_type == "overwrite" else []
    statements.append(f"INSERT INTO {target} ({names}) SELECT {names} FROM "
                      f"{_name_sql(row.source_table)} WHERE {row.source_filter}")  # fmt: skip
    return statements


class RedshiftCrossAccount(BaseModel):
    """Parameters of the Redshift cross-account copy: CSV mode or schema mode."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    config_path: str | None = None
    config_file_sep: str = "#"
    source_schema: str | None = None
    target_schema: str | None = None
    secret_name: str | None = None
    error_output_path: str | None = Field(default=None, pattern=r"^s3://")
    account: AwsAccount = AwsAccount()

    @model_validator(mode="after")
    def _one_mode(self) -> "RedshiftCrossAccount":
        schema_mode = self.source_schema and self.target_schema and self.secret_name
        if not self.config_path and not schema_mode:
            raise ValueError("configure config_path (CSV mode) or source_schema, target_schema "
                             "and secret_name (schema mode)")  # fmt: skip
        return self


@dataclass
class RedshiftRun:
    copied: list[tuple[RedshiftCopyRow, int]] = field(default_factory=list)
    failed: list[tuple[RedshiftCopyRow, str]] = field(default_factory=list)
    invalid: list[InvalidRow] = field(default_factory=list)
    error_file: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failed and not self.invalid


def _rows(step: RedshiftCrossAccount, connect: Callable[[str], Any]) -> RedshiftRun:
    if step.config_path:
        rows, invalid = read_specs(Path(step.config_path), RedshiftCopyRow, step.config_file_sep)
        return RedshiftRun(invalid=invalid, copied=[(r, -1) for r in rows])
    assert step.source_schema and step.target_schema and step.secret_name
    tables = base_tables(connect(step.secret_name), step.target_schema)
    rows = [
        RedshiftCopyRow(
            source_table=f"{step.source_schema}.{t}",
            target_table=f"{step.target_schema}.{t}",
            secret_name=step.secret_name,
        )
        for t in tables
    ]
    return RedshiftRun(copied=[(r, -1) for r in rows])


def run_redshift_cross_account(step: RedshiftCrossAccount) -> RedshiftRun:
    """Run every row (module docstring); the failed ones go to `error_output_path`."""
    session = step.account.session()
    connections: dict[str, Any] = {}

    def connect(secret: str) -> Any:
        if secret not in connections:
            from wmg_resources.databases import connect_database, secret_url

            url = secret_url(secret, step.account.client("secretsmanager", session))
            connections[secret] = connect_database(url)
        return connections[secret]

    try:
        planned = _rows(step, connect)
        for row in planned.invalid:
            log.error("Redshift copy %s: skipped", row)
        run = RedshiftRun(invalid=planned.invalid)
        for row, _ in planned.copied:
            try:
                db = connect(row.secret_name)
                columns = row.columns or _target_columns(db, row.target_table)
                with db.transaction():
                    counts = [db.execute(sql) for sql in insert_select_sql(row, columns)]
                run.copied.append((row, counts[-1]))
                log.info("%s → %s: %d rows", row.source_table, row.target_table, counts[-1])
            except Exception as e:  # reported, written to the error output; the others go on
                log.error("%s → %s failed: %s", row.source_table, row.target_table, e)
                run.failed.append((row, str(e).strip().splitlines()[0] if str(e) else repr(e)))
    finally:
        for db in connections.values():
            db.close()
    if run.failed and step.error_output_path:
        run.error_file = _write_errors(run.failed, step.error_output_path,
                                       step.account.client("s3", session))  # fmt: skip
    return run


COLUMNS_SQL = (
    "SELECT column_name FROM information_schema.columns WHERE table_schema = {p} "
    "AND table_name = {p} ORDER BY ordinal_position"
)


def _target_columns(db: Any, table: str) -> list[str]:
    """The target table's columns, in order (a row without `source_columns` copies all)."""
    schema, _, name = table.rpartition(".")
    _, rows = db.query(COLUMNS_SQL.format(p=db.param), [schema.split(".")[-1] or "public", name])
    if not rows:
        raise LookupError(f"{table}: no such target table")
    return [r[0] for r in rows]


def _write_errors(failed: list[tuple[RedshiftCopyRow, str]], location: str, s3: Any) -> str:
    """The failed rows as JSON lines under `location`; the object's URI."""
    bucket, prefix = split_s3_uri(location)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    key = f"{prefix}/failed_rows_{stamp}.json".lstrip("/")
    lines = [json.dumps({**row.model_dump(), "error": error}) for row, error in failed]
    s3.put_object(Bucket=bucket, Key=key, Body=("\n".join(lines) + "\n").encode())
    return f"s3://{bucket}/{key}"
