"""Dagster wiring of table-data migration: one asset per row of each spec in
`$WMG_CONFIG_DIR/migration/data/*.yaml` (`name:` and `tables:`, the fields of
`data/specs.py`), `migration/data/<spec>/<target table>`, with the copy's figures as
metadata and a blocking check `reconciled` holding the differences; each copy writes an
audit row to `wmg.job_sts` (SUCCESS, or FAILED with the error)."""

from datetime import UTC, datetime

import dagster as dg

from wmg_assets.migration.data.copy import CopyResult, copy_table
from wmg_assets.migration.data.migrate import connection_url, spec_staging
from wmg_assets.migration.data.specs import TableSpec
from wmg_resources.databases import connect_database
from wmg_resources.warehouse import WarehouseResource
from wmg_resources.warehouse.audit import attempt_row, write_audit_row


def data_asset_key(name: str, spec: TableSpec) -> dg.AssetKey:
    return dg.AssetKey(["migration", "data", name, spec.target_table.replace(".", "__")])


def _differences(result: CopyResult) -> dg.MetadataValue:
    recon = result.reconciliation
    rows = []
    if recon is not None:
        rows += [
            {"kind": "missing in target", "key": str(k), "columns": ""}
            for k in recon.missing_in_target
        ]
        rows += [
            {"kind": "missing in source", "key": str(k), "columns": ""}
            for k in recon.missing_in_source
        ]
        rows += [
            {"kind": "changed", "key": str(k), "columns": ", ".join(c)} for k, c in recon.changed
        ]
    return dg.MetadataValue.table(
        [dg.TableRecord(r) for r in rows],
        schema=dg.TableSchema(
            columns=[dg.TableColumn(n, "string") for n in ("kind", "key", "columns")]
        ),
    )


def build_data_asset(name: str, spec: TableSpec) -> dg.AssetsDefinition:
    key = data_asset_key(name, spec)

    @dg.asset(
        key=key,
        group_name="migration",
        kinds={"sql"},
        description=f"`{spec.source_table}` copied into `{spec.target_table}` "
        f"({spec.load_type}), then reconciled with its source by key-segment checksums.",
        check_specs=[
            dg.AssetCheckSpec(
                "reconciled",
                asset=key,
                blocking=True,
                description="The copy equals its source: same keys, "
                "same values (checksums bisected where they differ).",
            )
        ],
    )
    def data_copy(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        started = datetime.now(UTC).replace(tzinfo=None)
        source = connect_database(connection_url(spec.source_connection))
        target = connect_database(connection_url(spec.target_connection))
        error: Exception | None = None
        try:
            with spec_staging(spec) as staging:
                result = copy_table(spec, source, target, staging=staging)
        except Exception as e:
            error = e
            raise
        finally:
            source.close()
            target.close()
            _audit(context.run_id, name, spec, started, None if error else result, error, warehouse)
        recon = result.reconciliation
        yield dg.MaterializeResult(
            metadata={
                "dagster/row_count": result.rows,
                "rows_copied": result.rows,
                "seconds": round(result.seconds, 3),
                "rows_per_second": round(result.rows_per_second),
                "load_type": spec.load_type,
                "created": result.created,
                "watermark_before": str(result.watermark_before or ""),
                "watermark_after": str(result.watermark_after or ""),
                "dagster/table_name": spec.target_table,
            }
        )
        yield dg.AssetCheckResult(
            check_name="reconciled",
            passed=recon is None or recon.matched,
            description="no key to reconcile by"
            if recon is None
            else ("matched" if recon.matched else f"differ: {recon.counts}"),
            metadata={
                "counts": dg.MetadataValue.json(recon.counts if recon else {}),
                "differences": _differences(result),
            },
        )

    return data_copy


def _audit(
    run_id: str,
    name: str,
    spec: TableSpec,
    started: datetime,
    result: CopyResult | None,
    error: Exception | None,
    warehouse: WarehouseResource,
) -> None:
    rows = result.rows if result else None
    row = attempt_row(
        run_id, f"migration/data/{name}", started, error, spec.source_table, spec.target_table, rows
    )
    with warehouse.connect() as wh:
        write_audit_row(wh, warehouse.audit_schema, row)
