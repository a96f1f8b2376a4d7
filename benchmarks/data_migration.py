"""B7 copy and B8 reconcile, on a throwaway PostgreSQL server (the tests' `pg_server.py`).

B7: a table of N rows x 10 mixed columns copied from one database to another by
`wmg migrate run` (its copy time, and the whole run with the reconciliation), against the
floor — `psql -c "COPY … TO STDOUT"` piped into `psql -c "COPY … FROM STDIN"` — and dlt's
`sql_database` source (pyarrow backend) into its postgres destination, in one run.

B8: two N-row tables that differ in 10 rows (3 missing, 3 extra, 4 changed): `wmg data
reconcile` against `count(*)` plus a full-table hash aggregate on both sides, and against
pulling both tables into Python and comparing them; every difference must be found.
"""

import json
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from benchmarks.measure import run_measured
from tests.pg_server import pg_bin, running_postgres

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
COLUMNS = ("id BIGINT PRIMARY KEY, a INT, b BIGINT, c NUMERIC(12,2), d DOUBLE PRECISION, "
           "e VARCHAR(20), f TEXT, g DATE, h TIMESTAMP, i BOOLEAN")  # fmt: skip
ROWS_SQL = ("INSERT INTO {t} SELECT n, n % 1000, n * 7, (n % 100000) / 100.0, n / 3.0, "
            "'e' || (n % 5000), md5(n::text), DATE '2026-01-01' + (n % 365), "
            "TIMESTAMP '2026-01-01' + n * INTERVAL '1 second', n % 2 = 0 "
            "FROM generate_series(1, {rows}) AS s(n)")  # fmt: skip


def _timed(args: list[str] | str, env: dict[str, str] | None = None, shell: bool = False):
    return run_measured(args, env, shell)


def _databases(admin: str, names: list[str]) -> list[str]:
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())
            conn.execute(f'CREATE DATABASE "{name}"'.encode())
    return [admin.rsplit("/", 1)[0] + f"/{n}" for n in names]


def run_b7(rows: int) -> list[tuple[str, float, int, float, str]]:
    results = []
    with running_postgres() as admin:
        source, target, floor_db, dlt_db = _databases(admin, ["src", "wmg", "floor", "dlt"])
        with psycopg.connect(source, autocommit=True) as conn:
            conn.execute(f"CREATE TABLE public.t ({COLUMNS})".encode())
            conn.execute(ROWS_SQL.format(t="public.t", rows=rows).encode())
        with psycopg.connect(floor_db, autocommit=True) as conn:
            conn.execute(f"CREATE TABLE public.t ({COLUMNS})".encode())
        psql = pg_bin("psql")
        pipe = (f"{psql} -X -q '{source}' -c 'COPY public.t TO STDOUT' | "
                f"{psql} -X -q '{floor_db}' -c 'COPY public.t FROM STDIN'")  # fmt: skip
        wall, _, _, err, code = _timed(pipe, shell=True)  # type: ignore[arg-type]  # noqa: S604
        if code:
            raise RuntimeError(f"the COPY pipe failed: {err}")
        results.append(("COPY pipe (psql | psql)", wall, rows, 0.0, "the floor"))

        spec = Path(tempfile.gettempdir()) / "wmg-b7-spec.csv"
        spec.write_text("source_table#source_connection#target_table#target_connection#"
                        f"load_type\npublic.t#{source}#public.t#{target}#overwrite\n")  # fmt: skip
        wall, rss, out, err, code = _timed([str(BIN / "wmg"), "migrate", "run", str(spec),
                                            "--json"])  # fmt: skip
        if code:
            raise RuntimeError(f"wmg migrate run failed: {out[-2000:]} {err[-2000:]}")
        [table] = json.loads(out.strip().splitlines()[-1])["tables"]
        copy_s = float(table["seconds"])
        results.append(("wmg migrate run (copy)", copy_s, rows, rss, f"peak RSS {rss:.0f} MB"))
        results.append(("wmg migrate run (copy + reconcile)", wall, rows, rss,
                        f"reconciliation: {table['result']}"))  # fmt: skip

        # dlt wants a password in its URLs (the server trusts loopback: any one does)
        alchemy = source.replace("postgresql://wmg@", "postgresql+psycopg2://wmg:wmg@")
        dlt_db = dlt_db.replace("postgresql://wmg@", "postgresql://wmg:wmg@")
        script = (
            "import dlt, sys\n"
            "from dlt.sources.sql_database import sql_table\n"
            f"src = sql_table(credentials={alchemy!r}, table='t', schema='public', "
            "backend='pyarrow', chunk_size=100000)\n"
            "p = dlt.pipeline(pipeline_name='b7', destination=dlt.destinations.postgres("
            f"credentials={dlt_db!r}), dataset_name='copy', pipelines_dir=sys.argv[1])\n"
            "p.run(src, write_disposition='replace')\n"
        )  # fmt: skip
        work = Path(tempfile.gettempdir()) / "wmg-b7-dlt"
        wall, rss, out, err, code = _timed([sys.executable, "-c", script, str(work)])
        note = f"peak RSS {rss:.0f} MB" if not code else f"failed: {err.strip()[-300:]}"
        results.append(("dlt sql_database (pyarrow) → postgres", wall, rows, rss, note))
    return results


CHANGES = [
    "DELETE FROM public.b WHERE id IN (11, 2222222, 4999999)",
    "INSERT INTO public.b (id, a, e) VALUES (-1, 1, 'x'), (-2, 2, 'y'), (-3, 3, 'z')",
    "UPDATE public.b SET e = 'changed' WHERE id = 100",
    "UPDATE public.b SET c = c + 0.01 WHERE id = 200000",
    "UPDATE public.b SET h = h + INTERVAL '1 microsecond' WHERE id = 3000000",
    "UPDATE public.b SET f = NULL WHERE id = 4000000",
]


def run_b8(rows: int) -> list[tuple[str, float, int, float, str]]:
    results = []
    with running_postgres() as admin:
        [url] = _databases(admin, ["recon"])
        with psycopg.connect(url, autocommit=True) as conn:
            for table in ("public.a", "public.b"):
                conn.execute(f"CREATE TABLE {table} ({COLUMNS})".encode())
                conn.execute(ROWS_SQL.format(t=table, rows=rows).encode())
            for change in CHANGES:
                conn.execute(change.replace("4999999", str(rows - 1)).replace(
                    "4000000", str(rows * 4 // 5)).replace("3000000", str(rows * 3 // 5))
                    .replace("2222222", str(rows // 2)).encode())  # fmt: skip
            conn.execute(b"VACUUM ANALYZE")
        wall, rss, out, _, code = _timed([str(BIN / "wmg"), "data", "reconcile", url, "public.a",
                                          url, "public.b", "--key", "id", "--json"])  # fmt: skip
        found = json.loads(out.strip().splitlines()[-1])
        total = sum(found["counts"].values())
        results.append(("wmg data reconcile", wall, rows, rss,
                        f"found {total} of 10 (exit {code}): {found['counts']}"))  # fmt: skip

        scan = (
            "SELECT count(*), sum(('x' || substr(md5(t::text), 1, 8))::bit(32)::int::bigint) "
            "FROM {table} t"
        )
        with psycopg.connect(url, autocommit=True) as conn:
            start = time.perf_counter()
            for table in ("public.a", "public.b"):
                conn.execute(scan.format(table=table).encode()).fetchall()
            seconds = time.perf_counter() - start
            results.append(("count(*) + full hash aggregate, both sides", seconds, rows, 0.0,
                            "finds only that they differ"))  # fmt: skip
            start = time.perf_counter()
            a = {r[0]: r for r in conn.execute(b"SELECT * FROM public.a").fetchall()}
            b = {r[0]: r for r in conn.execute(b"SELECT * FROM public.b").fetchall()}
            differ = len(a.keys() ^ b.keys()) + sum(a[k] != b[k] for k in a.keys() & b.keys())
            results.append(("pull both tables, compare in Python", time.perf_counter() - start,
                            rows, 0.0, f"found {differ} of 10"))  # fmt: skip
    return results
