"""B3: the CDC datamart's incremental run against its full run, on a PostgreSQL source.

One table of `rows` rows (id, status, amount, updated_at) in a throwaway PostgreSQL server;
a full load, then 1% of the rows changed and an incremental load, twice: the changed rows
spread evenly over the table (every 100th id), then clustered (the newest 1% of ids, the
usual CDC case). Target (issue 18): each incremental run costs at most 10% of the full one.
Then the steady state: many spread incremental runs in a row (see `_sequence`).
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

TARGET = 0.10

CONFIG = DatamartConfig.model_validate({
    "database_name": "bench", "lag_seconds": 0,
    "tables": [{"name": "account", "incremental_field": "updated_at", "keys": ["id"]}],
})  # fmt: skip


def _load(
    load_type: str, url: str, lake: LakeResource, iceberg: IcebergResource
) -> tuple[float, int]:
    """Seconds of one datamart run, and the rows it read."""
    start = time.perf_counter()
    result = run_datamart(CONFIG, load_type, source_url=url, lake=lake, iceberg=iceberg,
                          run_id=load_type)  # fmt: skip
    return time.perf_counter() - start, result.tables["account"].rows_read


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
        warm = Path(tmp) / "warm-up"  # the first run pays the imports: not measured
        warm.mkdir()
        _load("full", url, LakeResource(url=str(warm / "lake")),
              IcebergResource(kind="sql", uri=f"sqlite:///{warm}/catalog.db"))  # fmt: skip
        results = []
        for layout, where in (("evenly spread", "id % 100 = 0"),
                              ("clustered", f"id > {rows - rows // 100}")):  # fmt: skip
            home = Path(tmp) / layout.replace(" ", "_")  # a new datamart each time
            lake = LakeResource(url=str(home / "lake"))
            iceberg = IcebergResource(kind="sql", uri=f"sqlite:///{home}/catalog.db")
            home.mkdir()

            full_s, full_read = _load("full", url, lake, iceberg)
            with psycopg.connect(url, autocommit=True) as con:
                changed = con.execute(
                    "UPDATE account SET status = 'changed', "  # type: ignore[arg-type]
                    f"updated_at = TIMESTAMP '2027-01-01' WHERE {where}"
                ).rowcount
            inc_s, inc_read = _load("incremental", url, lake, iceberg)
            with psycopg.connect(url, autocommit=True) as con:  # the source as it was
                con.execute(
                    "UPDATE account SET status = 'open', updated_at = TIMESTAMP '2026-11-01' "
                    "+ id * INTERVAL '1 second' WHERE status = 'changed'"
                )
            ratio = inc_s / full_s
            results += [
                Result("B3", f"wmg datamart full (then {layout})", full_read, full_s,
                       full_read / full_s, 0, note=f"{full_read:,} rows read"),
                Result("B3", f"wmg datamart incremental ({layout})", inc_read, inc_s,
                       inc_read / inc_s, 0,
                       note=f"{changed:,} rows changed (1%, {layout}), {inc_read:,} read; "
                       f"{ratio:.1%} of full (target ≤ {TARGET:.0%}: "
                       f"{'met' if ratio <= TARGET else 'NOT met'})"),
            ]  # fmt: skip
        results.append(_sequence(url, Path(tmp) / "sequence", rows))
    return results


SEQUENCE_RUNS = 25


def _sequence(url: str, home: Path, rows: int) -> Result:
    """Steady state: SEQUENCE_RUNS incremental runs after one full load, each changing another
    evenly spread 1% of the ids (`id % 100 = run`), so position deletes pile up and the data
    files cross REWRITE_AT once on the way: the mean and the slowest run."""
    lake = LakeResource(url=str(home / "lake"))
    iceberg = IcebergResource(kind="sql", uri=f"sqlite:///{home}/catalog.db")
    home.mkdir()
    full_s, _ = _load("full", url, lake, iceberg)
    times = []
    for run in range(1, SEQUENCE_RUNS + 1):
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(
                "UPDATE account SET status = 'changed', "  # type: ignore[arg-type]
                f"updated_at = TIMESTAMP '2027-01-01' + {run} * INTERVAL '1 second' "
                f"WHERE id % 100 = {run}"
            )
        times.append(_load("incremental", url, lake, iceberg)[0])
    mean = sum(times) / len(times)
    return Result("B3", f"wmg datamart incremental ({SEQUENCE_RUNS} runs, spread)",
                  rows // 100, mean, rows // 100 / mean, 0,
                  note=f"mean of {SEQUENCE_RUNS} runs of a new 1% each: {mean / full_s:.1%} of "
                  f"a {full_s:.2f} s full load; slowest {max(times):.2f} s "
                  f"({max(times) / full_s:.1%}); target ≤ {TARGET:.0%}: "
                  f"{'met' if mean / full_s <= TARGET else 'NOT met'}")  # fmt: skip
