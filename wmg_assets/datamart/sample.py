"""A sample source for the datamart: seed 003's six tables with realistic relations, in a
DuckDB file (`wmg demo` makes it at `$WMG_HOME/source.duckdb`).

queue ← account → account_metadata, account_risk, settlement_transaction, adjustment
"""

import random
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

PREFIX = "account_metadata_datamart_public_"

DDL = {
    "queue": "id BIGINT PRIMARY KEY, name VARCHAR, updated_at TIMESTAMP",
    "account": "id BIGINT PRIMARY KEY, queue_id BIGINT, status VARCHAR, updated_at TIMESTAMP",
    "account_metadata": (
        "id BIGINT PRIMARY KEY, account_id BIGINT, plan VARCHAR, region VARCHAR, "
        "updated_at TIMESTAMP"
    ),
    "settlement_transaction": (
        "id BIGINT PRIMARY KEY, account_id BIGINT, amount DECIMAL(18,2), created_at TIMESTAMP"
    ),
    "account_risk": "id BIGINT PRIMARY KEY, account_id BIGINT, score INTEGER, updated_at TIMESTAMP",
    "adjustment": (
        "id BIGINT PRIMARY KEY, account_id BIGINT, amount DECIMAL(18,2), reason VARCHAR, "
        "updated_at TIMESTAMP"
    ),
}


def table_name(short: str) -> str:
    return f"{PREFIX}{short}"


def create_sample_source(
    path: Path, accounts: int = 200, seed: int = 7, start: datetime = datetime(2026, 11, 1)
) -> dict[str, int]:
    """Make (or remake) the six tables in the DuckDB file `path`; rows per table."""
    rnd = random.Random(seed)  # noqa: S311 (sample data, not secrets)

    def ts() -> datetime:
        return start + timedelta(seconds=rnd.randrange(0, 20 * 86400))

    queues = [(q, f"queue {q}", ts()) for q in range(1, 6)]
    account = [(a, rnd.randrange(1, 6), rnd.choice(["open", "closed", "frozen"]), ts())
               for a in range(1, accounts + 1)]  # fmt: skip
    metadata = [(a, a, rnd.choice(["basic", "pro"]), rnd.choice(["eu", "us", "apac"]), ts())
                for a in range(1, accounts + 1)]  # fmt: skip
    risk = [(a, a, rnd.randrange(0, 100), ts()) for a in range(1, accounts + 1) if a % 4]
    settlements = [(s, rnd.randrange(1, accounts + 1), round(rnd.uniform(1, 500), 2), ts())
                   for s in range(1, accounts * 3 + 1)]  # fmt: skip
    adjustments = [(j, rnd.randrange(1, accounts + 1), round(rnd.uniform(-50, 50), 2),
                    rnd.choice(["refund", "fee", "correction"]), ts())
                   for j in range(1, accounts // 2 + 1)]  # fmt: skip
    rows = {"queue": queues, "account": account, "account_metadata": metadata,
            "account_risk": risk, "settlement_transaction": settlements,
            "adjustment": adjustments}  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        for short, ddl in DDL.items():
            name = table_name(short)
            con.execute(f'CREATE OR REPLACE TABLE "{name}" ({ddl})')
            if rows[short]:  # through Arrow: one statement, not one per row
                columns = [c.split()[0] for c in ddl.split(", ") if c.split()[0] != "PRIMARY"]
                batch = pa.table(dict(zip(columns, zip(*rows[short], strict=True), strict=True)))
                con.register("sample_rows", batch)
                con.execute(f'INSERT INTO "{name}" SELECT * FROM sample_rows')
                con.unregister("sample_rows")
    return {table_name(k): len(v) for k, v in rows.items()}
