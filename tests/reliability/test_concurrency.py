"""Runs at the same time, as separate `wmg ingest` processes on one platform: two files of
one feed (both load, neither overwrites the other's rows, silver holds both), and two feeds
at once (each its own table). The same file twice at once is in test_defects.py (6)."""

import os
import subprocess
from pathlib import Path

from tests.reliability.harness import BIN, FEED_T, Platform
from wmg_resources.resources import build_resources
from wmg_resources.settings import load_settings


def ingest_at_once(*paths: Path) -> list[tuple[int, str]]:
    """One `wmg ingest` process per file, all started together; (exit code, stderr) each."""
    procs = [subprocess.Popen([str(BIN / "wmg"), "ingest", str(p)], env=os.environ.copy(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for p in paths]  # fmt: skip
    return [(p.wait(timeout=300), p.communicate()[1]) for p in procs]


def rows(first: int, last: int, tag: str) -> str:
    return "id,v\n" + "".join(f"{i},{tag}{i}\n" for i in range(first, last))


def test_two_files_of_one_feed_at_once_both_load(platform: Platform) -> None:
    a = platform.write("t_a.csv", rows(0, 20_000, "a"))
    b = platform.write("t_b.csv", rows(10_000, 30_000, "b"))  # overlaps a's keys 10000…19999
    results = ingest_at_once(a, b)
    assert [code for code, _ in results] == [0, 0], results
    table = dict(platform.table())
    assert len(table) == 30_000
    assert all(table[i] == f"a{i}" for i in range(10_000))
    assert all(table[i] == f"b{i}" for i in range(20_000, 30_000))
    # The overlap holds one file's rows whole: the merges never interleave.
    overlap = {table[i][0] for i in range(10_000, 20_000)}
    assert overlap in ({"a"}, {"b"})
    for name in ("t_a.csv", "t_b.csv"):
        assert platform.ledger(name) == ["SUCCESS"] and platform.where(name) == "archive"
    iceberg = build_resources(load_settings(), env_vars=False)["iceberg"]
    silver = iceberg.catalog().load_table("silver.t").scan().to_arrow()  # type: ignore[attr-defined]
    names = silver.column("file_name").to_pylist()
    assert (names.count("t_a.csv"), names.count("t_b.csv")) == (20_000, 20_000)


def test_two_feeds_at_once_each_load_their_table(platform: Platform) -> None:
    platform.feed(FEED_T.replace("t*.csv", "u*.csv").replace("t}", "u}").replace(
        "name: t", "name: u"), name="u")  # fmt: skip
    t = platform.write("t_1.csv", rows(0, 20_000, "t"))
    u = platform.write("u_1.csv", rows(0, 15_000, "u"))
    results = ingest_at_once(t, u)
    assert [code for code, _ in results] == [0, 0], results
    assert len(platform.table()) == 20_000 and len(platform.table("public.u")) == 15_000
    assert platform.ledger("t_1.csv") == ["SUCCESS"] and platform.ledger("u_1.csv") == ["SUCCESS"]
