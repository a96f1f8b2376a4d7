"""The seed-004 job lifecycle as an asset: `CustomerImportJob` locally (sample CSV → lake
Parquet) and in the test environment (silver.customers on S3/moto → silver.customer_import),
and a job whose rules fail: nothing written, the check red, the audit row FAILED."""

from pathlib import Path
from typing import Any

import dagster as dg
import ibis.expr.types as ir
import pyarrow.parquet as pq

from tests.conftest import SAMPLE_DIR, use_platform
from tests.test_feed_end_to_end import rows
from wmg_assets.definitions import load_definitions
from wmg_assets.ingest import Ingestor, dagster_instance
from wmg_assets.jobs.base import WmgJob, job_asset
from wmg_checks.rules import QualityRules
from wmg_resources.resources import build_resources
from wmg_resources.settings import load_settings

JOB = dg.AssetKey(["jobs", "customer_import"])


def run(defs: dg.Definitions, key: dg.AssetKey = JOB) -> dg.ExecuteInProcessResult:
    return defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=dagster_instance(load_settings()), asset_selection=[key], raise_on_error=False
    )


def audit() -> list[tuple]:
    return rows("SELECT job_id, status, records_read, records_inserted, error_message "
                "FROM wmg.job_sts WHERE job_id <> 'customers' ORDER BY run_end_ts")  # fmt: skip


def test_customer_import_locally_reads_the_sample_and_writes_the_lake(wmg_env: Path) -> None:
    result = run(load_definitions())
    assert result.success
    [materialization] = result.get_asset_materialization_events()
    outputs: Any = materialization.materialization.metadata["outputs"].value
    lake = build_resources(load_settings(), env_vars=False)["lake"]
    written = pq.read_table(lake.path(outputs[0])).to_pylist()  # type: ignore[attr-defined]
    assert len(written) == 20 and all(r["email"] == r["email"].strip().lower() for r in written)
    assert {(r["job_name"], r["job_run_id"]) for r in written} == {
        ("customer_import", result.run_id)
    }
    assert audit() == [("customer_import", "SUCCESS", 20, 20, None)]
    [check] = result.get_asset_check_evaluations()
    assert check.check_name == "rules" and check.passed


def test_customer_import_elsewhere_reads_silver_and_replaces_its_silver_table(
    request, wmg_env: Path, monkeypatch, tmp_path: Path
) -> None:
    use_platform(request, monkeypatch, tmp_path, "aws", {})  # WMG_ENV=test, S3 on moto
    assert Ingestor(load_settings()).ingest([SAMPLE_DIR / "customers_2026_11_01.csv"])[0].ok
    defs = load_definitions()
    for _ in range(2):  # the second run replaces, not appends
        assert run(defs).success
    iceberg = build_resources(load_settings(), env_vars=False)["iceberg"]
    table = iceberg.catalog().load_table("silver.customer_import").scan().to_arrow()  # type: ignore[attr-defined]
    assert table.num_rows == 20 and "job_run_id" in table.column_names
    assert [r[:4] for r in audit()] == [("customer_import", "SUCCESS", 20, 20)] * 2


BROKEN = "id,email\n1,a@example.com\n2,not-an-email\n"


class StrictJob(WmgJob):
    """A job whose rules one row of its input breaks."""

    name = "strict_job"
    rules = QualityRules(string_patterns={"email": r"^[^@]+@[^@]+\.[a-z]+$"}, on_fail="fail")
    source_csv: Path

    def extract(self) -> ir.Table:
        return self.load_data("unused", self.source_csv)

    def load(self, table: ir.Table) -> list[str]:
        return self.write_parquet(table, f"output/{self.name}")


def test_a_job_whose_rules_fail_writes_nothing(wmg_env: Path, tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text(BROKEN)
    StrictJob.source_csv = source
    settings = load_settings()
    defs = dg.Definitions.merge(
        load_definitions(), dg.Definitions(assets=[job_asset(StrictJob, settings.env.value)])
    )
    result = run(defs, dg.AssetKey(["jobs", "strict_job"]))
    assert not result.success
    [check] = result.get_asset_check_evaluations()
    assert not check.passed and check.metadata["rows_broken"].value == 1
    lake = build_resources(settings, env_vars=False)["lake"]
    assert lake.list("output") == []  # type: ignore[attr-defined]
    [(job, status, read, inserted, error)] = audit()
    assert (job, status, read, inserted) == ("strict_job", "FAILED", 2, None)
    assert "1 of 2 row(s) break the rules" in error
