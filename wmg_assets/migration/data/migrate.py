"""Run a migration spec: each valid row copied and reconciled in turn (one connection per
distinct connection string, kept for the run); a row that fails is reported and the others
go on. The outcome counts the rows that succeeded, failed and were invalid."""

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from wmg_assets.migration.config import database_url
from wmg_assets.migration.data.copy import CopyResult, copy_table
from wmg_assets.migration.data.specs import InvalidRow, TableSpec
from wmg_resources.s3_staging import S3Staging

log = logging.getLogger(__name__)


def connection_url(reference: str) -> str:
    """`secret:<name>` → `secret://<name>`; `env:VAR` → its value; a URL as it is."""
    if reference.startswith("secret:") and not reference.startswith("secret://"):
        return "secret://" + reference[len("secret:") :]
    return database_url(reference, warehouse_url="")


def spec_staging(spec: TableSpec,
                 default: Callable[[], AbstractContextManager[S3Staging | None]] | None = None,
                 ) -> AbstractContextManager[S3Staging | None]:  # fmt: skip
    """The temporary S3 prefix of one copy: the spec's `staging_location` (this account's
    credentials), else the run's default, else none."""
    if spec.staging_location:
        from wmg_resources.aws_accounts import AwsAccount

        return S3Staging(AwsAccount().client("s3"), spec.staging_location)
    return default() if default else nullcontext()


@dataclass
class MigrationRun:
    results: list[CopyResult] = field(default_factory=list)
    failed: list[tuple[TableSpec, str]] = field(default_factory=list)
    invalid: list[InvalidRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            not self.failed
            and not self.invalid
            and all(r.reconciliation is None or r.reconciliation.matched for r in self.results)
        )


def run_specs(specs: list[TableSpec], invalid: list[InvalidRow],
              on_table: Callable[[TableSpec], Callable[[int], None] | None] | None = None,
              connect_url: Callable[[str], Any] | None = None,
              staging: Callable[[], AbstractContextManager[S3Staging | None]] | None = None,
              ) -> MigrationRun:  # fmt: skip
    """Copy and reconcile every spec (module docstring). `connect_url` opens a connection
    from a spec's connection reference (default: by URL, secrets in this account);
    `staging` gives each table its temporary S3 prefix (default: none)."""
    from wmg_resources.databases import connect_database

    run = MigrationRun(invalid=list(invalid))
    for row in invalid:
        log.error("spec %s: skipped", row)
    connections: dict[str, Any] = {}
    opener = connect_url or (lambda reference: connect_database(connection_url(reference)))

    def connect(reference: str) -> Any:
        if reference not in connections:
            connections[reference] = opener(reference)
        return connections[reference]

    try:
        for spec in specs:
            try:
                source, target = connect(spec.source_connection), connect(spec.target_connection)
                progress = on_table(spec) if on_table else None
                with spec_staging(spec, staging) as prefix:
                    result = copy_table(spec, source, target, progress, staging=prefix)
            except Exception as e:  # reported; the other tables go on
                log.error("%s → %s failed: %s", spec.source_table, spec.target_table, e)
                run.failed.append((spec, str(e).strip().splitlines()[0] if str(e) else repr(e)))
                continue
            run.results.append(result)
    finally:
        for db in connections.values():
            db.close()
    return run
