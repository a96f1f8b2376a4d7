"""Random files against a plain-Python reference model of what a feed with `order_by`
promises, on DuckDB and on PostgreSQL.

Files hold duplicates of a key within and across files, versions out of order, ties, blank
`order_by` values, quotes, delimiters, line breaks and blanks in values, and sometimes lack a
column. The model, written from the README's rules alone:

- within a file, a key's row is the one with the greatest `order_by` (blank loses), then the
  later line;
- across files, a row whose `order_by` is older than the stored row's (or blank where the
  stored one is not) is stale and not applied; a tie goes to the later file;
- a file lacking a column keeps the stored value in updated rows; new rows get `''`;
- a column added by a later file is NULL in rows no file gave it for.
"""

import csv
import io
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.harness import point_at
from wmg_assets.ingest import Ingestor
from wmg_resources.settings import load_settings
from wmg_resources.warehouse import connect_warehouse

FEED = """
name: t
file_pattern: "t*.csv"
target: {schema: public, table: t}
upsert_keys: [id]
order_by: ts
"""


@dataclass(frozen=True)
class Row:
    id: int
    v: str
    ts: int | None


@dataclass(frozen=True)
class File:
    rows: list[Row]
    has_v: bool

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")  # quotes values holding \r or \n
        writer.writerow(["id", "v", "ts"] if self.has_v else ["id", "ts"])
        for r in self.rows:
            ts = "" if r.ts is None else str(r.ts)
            writer.writerow([r.id, r.v, ts] if self.has_v else [r.id, ts])
        return out.getvalue()


values = st.one_of(st.just(""), st.text(alphabet='ab ,"\n\r', max_size=4).map(lambda s: "v" + s))
rows = st.builds(Row, id=st.integers(1, 4), v=values, ts=st.one_of(st.none(), st.integers(0, 5)))
files = st.lists(
    st.builds(File, rows=st.lists(rows, min_size=1, max_size=6), has_v=st.booleans()),
    min_size=1,
    max_size=3,
)


def reference(loaded: list[File]) -> dict[int, tuple[Any, Any]]:
    """id → (v, ts) after loading `loaded` in order, by the rules in the module docstring."""
    table: dict[int, dict[str, Any]] = {}
    v_exists = False
    for f in loaded:
        best: dict[int, tuple[tuple, Row]] = {}
        for line, r in enumerate(f.rows):
            rank = (r.ts is not None, r.ts or 0, line)
            if r.id not in best or rank > best[r.id][0]:
                best[r.id] = (rank, r)
        for key, (_, r) in best.items():
            old = table.get(key)
            if old and old["ts"] is not None and (r.ts is None or r.ts < old["ts"]):
                continue  # stale
            if f.has_v:
                v = r.v
            elif old is not None:
                v = old["v"]
            else:
                v = "" if v_exists else None
            table[key] = {"v": v, "ts": r.ts}
        v_exists = v_exists or f.has_v
    return {k: (row["v"], row["ts"]) for k, row in table.items()}


@contextmanager
def fresh_platform(kind: str, server: str | None) -> Any:
    """A new home (and for PostgreSQL a new database) for one example."""
    base = Path(tempfile.mkdtemp(prefix="wmg-model-"))
    database = f"m_{uuid.uuid4().hex[:12]}" if kind == "postgres" else None
    with pytest.MonkeyPatch.context() as mp:
        point_at(mp, base / "wmg", base / "config")
        (base / "config" / "feeds" / "t.yaml").write_text(FEED)
        if database is not None and server is not None:
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{database}"'.encode())
            mp.setenv("WMG_ENV", "test")
            mp.setenv("WMG_WAREHOUSE_URL", server.rsplit("/", 1)[0] + f"/{database}")
        try:
            yield base
        finally:
            shutil.rmtree(base, ignore_errors=True)
            if database is not None and server is not None:
                with psycopg.connect(server, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'.encode())


def stored() -> dict[int, tuple[Any, Any]]:
    with connect_warehouse(load_settings().warehouse) as wh:
        names = [c.name for c in wh.columns("public", "t") or []]
        v = '"v"' if "v" in names else "NULL"
        found = wh.query(f'SELECT "id", {v}, "ts" FROM "public"."t"')[1]
    return {int(i): (v, None if ts in (None, "") else int(ts)) for i, v, ts in found}


@pytest.fixture(params=["local", "postgres"])
def kind(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    server = request.getfixturevalue("postgres_server") if request.param == "postgres" else None
    return request.param, server


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(loaded=files)
def test_random_files_give_the_reference_table(
    kind: tuple[str, str | None], loaded: list[File]
) -> None:
    with fresh_platform(*kind) as base:
        ingestor = Ingestor(load_settings())
        for number, f in enumerate(loaded):
            path = base / f"t{number}.csv"
            path.write_text(f.csv(), encoding="utf-8", newline="")
            [outcome] = ingestor.ingest([path])
            assert outcome.ok, (outcome.error, f.csv())
            assert outcome.checks["reconciliation"], f.csv()
        assert stored() == reference(loaded), [f.csv() for f in loaded]
