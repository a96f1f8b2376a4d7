"""A step written as a class (the seed's `GlueELTStep.executeFlow` shape), for the tests."""

from wmg_assets.migration.elt.executor import Executor
from wmg_assets.migration.elt.params import Params
from wmg_assets.migration.elt.steps import Step


class SummariseOrders(Step):
    """Three statements on the local DuckDB; the second reads a table the test creates late."""

    def execute_flow(self, executor: Executor, params: Params) -> None:
        day = params.get("day", "2026-12-01")
        executor.execute_query("INSERT INTO log VALUES ('summary.1')", db_type="duckdb")
        executor.execute_query(
            f"CREATE TABLE summary AS SELECT '{day}' AS day, count(*) AS n FROM orders",
            db_type="duckdb",
        )
        executor.execute_query("INSERT INTO log VALUES ('summary.3')", db_type="duckdb")
