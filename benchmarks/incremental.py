"""B3: the CDC datamart's incremental run against its full run, on a PostgreSQL source.

One table of `rows` rows (id, status, amount, updated_at) in a throwaway PostgreSQL server;
a full load, then 1% of the rows changed and an incremental load. Target: the incremental
run costs at most 5% of the full one.
"""

import tempfile
import time
from pathlib import Path

import psycopg

from benchmarks.run import Result
from tests.pg_server import running_postgres
from wmg_assets.datamart.config import DatamartConfig
from wmg_assets.datamart.load import run_datamart
from wmg_resources.iceberg import IcebergResource
from wmg_resources.lake import LakeResource

CONFIG = DatamartConfig.model_validate({
    "database_name": "bench", "lag_seconds": 0,
    "tables": [{"name": "account", "incremental_field": "updated_at", "keys": ["id"]}],
})  # fmt: skip


def run_b3(rows: int) -> list[Result]:
    with running_postgres() as url, tempfile.TemporaryDirectory(prefix="wmg-b3-") as tmp:
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(
                "CREATE TABLE account AS SELECT g AS id, 'open' AS status, "
                "(g %% 1000) / 10.0 AS amount, "
                "TIMESTAMP '2026-11-01' + g * INTERVAL '1 second' AS updated_at "
                "FROM generate_series(1, %s) AS g",
                [rows],
            )
            con.execute("ALTER TABLE account ADD PRIMARY KEY (id)")
            con.execute("CREATE INDEX ON account (updated_at)")
        lake = LakeResource(url=str(Path(tmp) / "lake"))
        iceberg = IcebergResource(kind="sql", uri=f"sqlite:///{tmp}/catalog.db")

        def load(load_type: str) -> tuple[float, int]:
            start = time.perf_counter()
            result = run_datamart(CONFIG, load_type, source_url=url, lake=lake, iceberg=iceberg,
                                  run_id=load_type)  # fmt: skip
            return time.perf_counter() - start, result.tables["account"].rows_read

        full_s, full_read = load("full")
        with psycopg.connect(url, autocommit=True) as con:
            changed = con.execute(
                "UPDATE account SET status = 'changed', updated_at = TIMESTAMP '2027-01-01' "
                "WHERE id % 100 = 0"
            ).rowcount
        inc_s, inc_read = load("incremental")
    ratio = inc_s / full_s
    return [
        Result("B3", "wmg datamart full", full_read, full_s, full_read / full_s, 0,
               note=f"{full_read:,} rows read"),
        Result("B3", "wmg datamart incremental", inc_read, inc_s, inc_read / inc_s, 0,
               note=f"{changed:,} rows changed (1%), {inc_read:,} read; {ratio:.1%} of full "
               f"(target ≤ 5%: {'met' if ratio <= 0.05 else 'NOT met'})"),
    ]  # fmt: skip
