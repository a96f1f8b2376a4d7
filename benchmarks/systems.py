"""The systems compared in B1, each run as its own process: `python -m benchmarks.systems
SYSTEM BASE DELTA WORKDIR` loads BASE then DELTA with an upsert by `record_id` (latest
`updated_at` wins) into a DuckDB file under WORKDIR, and prints the table's location."""

import sys
from pathlib import Path

DECIMALS = [f"dec_{i}" for i in range(5)]


def floor(base: Path, delta: Path, work: Path, lake: bool = False) -> str:
    """Hand-written DuckDB SQL doing the same work: the physical reference.

    With `lake`, each file's typed rows are also written once to Parquet, as a medallion
    platform must (its silver copy): the floor of any system that keeps a lake.
    """
    import duckdb

    con = duckdb.connect(str(work / "floor.duckdb"))
    types = {c: "DECIMAL(38,18)" for c in DECIMALS}

    def read(path: Path) -> str:
        return f"read_csv('{path}', header=true, types={types!r})"

    con.execute(f"CREATE TABLE t AS SELECT * FROM {read(base)}")
    if lake:
        con.execute(f"COPY t TO '{work / 'base.parquet'}' (FORMAT parquet)")
        con.execute(f"CREATE TEMP TABLE raw_d AS SELECT * FROM {read(delta)}")
        con.execute(f"COPY raw_d TO '{work / 'delta.parquet'}' (FORMAT parquet)")
    delta_rows = "raw_d" if lake else read(delta)
    con.execute(
        f"CREATE TEMP TABLE d AS SELECT * FROM {delta_rows} "
        "QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY updated_at DESC) = 1"
    )
    existing = {r[0] for r in con.execute("SELECT column_name FROM (DESCRIBE t)").fetchall()}
    for name, dtype in con.execute("SELECT column_name, column_type FROM (DESCRIBE d)").fetchall():
        if name not in existing:
            con.execute(f'ALTER TABLE t ADD COLUMN "{name}" {dtype}')
    con.execute("BEGIN")
    con.execute("DELETE FROM t USING d WHERE t.record_id = d.record_id")
    con.execute("INSERT INTO t BY NAME SELECT * FROM d")
    con.execute("COMMIT")
    return f"{work / 'floor.duckdb'}::main.t"


def dlt_merge(base: Path, delta: Path, work: Path) -> str:
    """dlt's merge with the same primary key into DuckDB, fed Arrow batches from pyarrow's
    streaming CSV reader (decimals typed exactly, as the floor has them).

    dlt's own `read_csv_duckdb` reader fails with DuckDB 2.0 (it calls the removed
    `fetchmany`), so Arrow — dlt's documented fast path — is the fastest reader that works.
    """
    import dlt  # pyright: ignore[reportMissingImports]  (the `bench` extra)
    import pyarrow as pa
    import pyarrow.csv as pacsv

    pipeline = dlt.pipeline(
        pipeline_name="bench", destination=dlt.destinations.duckdb(str(work / "dlt.duckdb")),
        dataset_name="bench", pipelines_dir=str(work / "dlt_pipelines"),
    )  # fmt: skip
    types = {c: pa.decimal128(38, 18) for c in DECIMALS}

    def batches(path: Path):
        reader = pacsv.open_csv(
            path, read_options=pacsv.ReadOptions(block_size=16 << 20),
            convert_options=pacsv.ConvertOptions(column_types=types),
        )  # fmt: skip
        for batch in reader:
            yield pa.Table.from_batches([batch])

    for path in (base, delta):
        resource = dlt.resource(
            batches(path), name="bench", write_disposition="merge", primary_key="record_id",
            columns={"updated_at": {"dedup_sort": "desc"}},
        )  # fmt: skip
        pipeline.run(resource)
    return f"{work / 'dlt.duckdb'}::bench.bench"


def floor_lake(base: Path, delta: Path, work: Path) -> str:
    return floor(base, delta, work, lake=True)


SYSTEMS = {"floor": floor, "floor+lake": floor_lake, "dlt": dlt_merge}

if __name__ == "__main__":
    name, base, delta, work = sys.argv[1:5]
    location = SYSTEMS[name](Path(base), Path(delta), Path(work))
    sys.stdout.write(location + "\n")
