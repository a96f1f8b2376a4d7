"""The reconciliation check of each file: passes when every row is accounted for across
bronze, silver, the DLQ and the merge, and fails when a row is lost (one is deleted from
silver here, through Iceberg, after the file loaded)."""

from pathlib import Path

import dagster as dg
from pyiceberg.expressions import And, EqualTo

from tests.conftest import SAMPLE_DIR
from wmg_assets.ingest import Ingestor
from wmg_checks.reconciliation import reconcile
from wmg_resources.iceberg import IcebergResource
from wmg_resources.lake import landing_key
from wmg_resources.resources import build_resources
from wmg_resources.settings import load_settings

NAME = "customers_2026_11_01.csv"


def reconciliation_of(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    [evaluation] = [e for e in result.get_asset_check_evaluations()
                    if e.check_name == "reconciliation"]  # fmt: skip
    return evaluation


def run_steps(ingestor: Ingestor, *keys: list[str]) -> dg.ExecuteInProcessResult:
    """Run some of the customers feed's assets (with their checks) for the file."""
    return ingestor.defs.resolve_job_def("customers_file_job").execute_in_process(
        instance=ingestor.instance, partition_key=NAME, raise_on_error=False,
        asset_selection=[dg.AssetKey(k) for k in keys],
    )  # fmt: skip


def test_every_row_accounted_for_then_a_lost_row_fails_the_check(wmg_env: Path) -> None:
    ingestor = Ingestor(load_settings())
    [outcome] = ingestor.ingest([SAMPLE_DIR / NAME])
    assert outcome.ok and outcome.run_id
    records = ingestor.instance.get_records_for_run(
        outcome.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    [passed] = [r.event_log_entry.dagster_event.event_specific_data for r in records  # type: ignore[union-attr]
                if r.event_log_entry.dagster_event.event_specific_data.check_name  # type: ignore[union-attr]
                == "reconciliation"]  # fmt: skip
    assert passed.passed  # type: ignore[union-attr]
    figures = {k: v.value for k, v in passed.metadata.items() if k != "mismatches"}  # type: ignore[union-attr]
    assert figures["bronze_records"] == figures["silver_rows"] == figures["rows_read"] == 20
    assert figures["dlq_rows"] == 0 and figures["rows_inserted"] == 20


def test_a_row_lost_between_the_layers_fails_the_check(wmg_env: Path) -> None:
    ingestor = Ingestor(load_settings())
    ingestor.lake.put_file(SAMPLE_DIR / NAME, landing_key(NAME))
    ingestor.instance.add_dynamic_partitions("customers_files", [NAME])
    assert run_steps(ingestor, ["bronze", "customers"], ["silver", "customers"]).success
    # Lose one row of the file in silver (an Iceberg delete, as a faulty job might), then
    # let the warehouse step load what is left.
    iceberg: IcebergResource = build_resources(load_settings(), env_vars=False)["iceberg"]  # type: ignore[assignment]
    table = iceberg.catalog().load_table("silver.customers")
    table.delete(And(EqualTo("file_name", NAME), EqualTo("_wmg_line", 5)))  # type: ignore[call-arg]
    result = run_steps(ingestor, ["warehouse", "public", "customers"])
    failed = reconciliation_of(result)
    assert not failed.passed
    assert (failed.metadata["bronze_records"].value, failed.metadata["silver_rows"].value) == (
        20, 19
    )  # fmt: skip
    assert failed.description == "bronze has 20 records but silver holds 19 rows and the DLQ 0"


def test_reconcile_names_each_mismatch() -> None:
    agree: dict[str, int | None] = {
        "bronze_records": 10, "silver_rows": 8, "dlq_rows": 2, "rows_read": 8,
        "rows_deduplicated": 1, "rows_updated": 3, "rows_inserted": 4, "rows_unchanged": 0,
    }  # fmt: skip
    assert reconcile(agree) == []
    assert reconcile({**agree, "bronze_records": None}) == []  # records unknown: not judged
    assert reconcile({**agree, "rows_inserted": 3}) == [
        "7 rows were left after the dedupe but the merge accounts for 6 "
        "(updated + inserted + unchanged + stale)"
    ]
