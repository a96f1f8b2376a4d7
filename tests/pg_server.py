"""A throwaway PostgreSQL server on 127.0.0.1 from the machine's binaries (trust auth), for
the tests' fixture and the benchmarks alike."""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if not found:
        raise FileNotFoundError(f"PostgreSQL server binary {name!r} not found: run scripts/setup")
    return found


@contextmanager
def running_postgres() -> Iterator[str]:
    """Start a server in a fresh data folder; yields its admin URL; stops and removes it."""
    # Not under pytest's tmp root: that is private to root, and the server runs as postgres.
    base = Path(tempfile.mkdtemp(prefix="wmg-pg-"))
    data = base / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(base, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run(
        [*as_user, pg_bin("initdb"), "-D", str(data), "-U", "wmg", "--auth=trust", "-E", "UTF8",
         "--no-locale"],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        [*as_user, pg_bin("pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w", "-o",
         f"-p {port} -h 127.0.0.1 -k {base} -c fsync=off -c full_page_writes=off", "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        yield f"postgresql://wmg@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_user, pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)
