"""Seed 004's example job, on the platform: customers cleaned, validated and loaded."""

from pathlib import Path
from typing import Any

import ibis.expr.types as ir

from wmg_assets.jobs.base import WmgJob
from wmg_assets.transforms.common import EMAIL_PATTERN, add_processing_metadata, clean_email
from wmg_checks.rules import QualityRules

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "customers_2026_11_01.csv"


class CustomerImportJob(WmgJob):
    """Customers with a valid email, cleaned and stamped with the run: from the sample CSV
    locally (to Parquet under `output/customer_import/` in the lake), from `silver.customers`
    elsewhere (to the Iceberg table `silver.customer_import`)."""

    name = "customer_import"
    rules = QualityRules(
        required_columns=["customer_id", "email", "first_name", "last_name"],
        unique_columns=["customer_id", "email"],
        string_patterns={"email": EMAIL_PATTERN},
        on_fail="dlq",
    )

    def extract(self) -> ir.Table:
        return self.load_data("customers", SAMPLE)

    def transform(self, table: ir.Table) -> ir.Table:
        t: Any = table.rename(email="e_mail") if "e_mail" in table.columns else table
        cleaned = t.mutate(email=clean_email(t.email)).filter(lambda r: r.email.notnull())
        return add_processing_metadata(cleaned, self.name, self.run_id)

    def load(self, table: ir.Table) -> list[str]:
        if self.environment == "local":
            return self.write_parquet(table, f"output/{self.name}")
        return [self.replace_silver(table, self.name)]
