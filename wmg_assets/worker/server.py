"""The worker process: import the heavy libraries once, then fork a child per `wmg` command.

Run as `python -m wmg_assets.worker.server --home DIR` (what `wmg worker start` and `wmg
worker serve` do). It imports third-party libraries only, never WMG's own modules: a child
imports those fresh (0.1 to 0.2 s), so it sees the code and the configuration as they are now,
and no module-level state (a console made for another terminal) leaks between commands.
"""

import argparse
import contextlib
import importlib
import logging
import os
import select
import signal
import socket
import stat
import sys
import tempfile
import time
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from wmg_assets.worker.protocol import (
    PROTOCOL,
    Channel,
    ask,
    peer_uid,
    private_folder,
    socket_path,
)
from wmg_assets.worker.spawn import DEFAULT_IDLE_SECONDS, starting_marker

log = logging.getLogger("wmg.worker")

PRELOAD = (
    "dagster", "dagster._core.storage.runs.sqlite", "dagster._core.storage.event_log.sqlite",
    "dagster._core.storage.root", "dagster._core.storage.sqlite_storage",
    "dagster._core.storage.local_compute_log_manager", "dagster._core.storage.schedules",
    "pyarrow.dataset", "pyarrow.csv", "pyarrow.parquet", "pyarrow.compute",
    "pyiceberg.catalog.sql", "pyiceberg.io.pyarrow", "pyiceberg.table",
    "pyiceberg.avro.decoder_fast", "duckdb", "ibis.backends.duckdb",
    "ibis.backends.duckdb.converter", "ibis.formats.pandas", "ibis.formats.pyarrow",
    "pandera.ibis", "pandera.strategies", "phonenumbers", "sqlglot.dialects.redshift",
    "sqlglot.dialects.teradata", "pydantic_settings", "tenacity", "typer", "rich.console",
    "rich.progress", "rich.table", "yaml", "boto3", "upath", "fsspec",
    "watchdog.observers.polling",
)  # fmt: skip
"""What `wmg ingest` imports beyond WMG's own modules (the third-party modules a child
imported after a preload, listed from `sys.modules`)."""

_REAP_SECONDS = 1.0
_REQUEST_SECONDS = 2.0  # a caller sends its request as soon as it connects


class _Stop(Exception):
    """SIGTERM or SIGINT reached the worker: stop accepting commands."""


def preload(modules: Sequence[str] = PRELOAD) -> list[str]:
    """Import the libraries; one that is missing or fails is skipped (a child imports what
    it needs itself)."""
    loaded = []
    for name in modules:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except Exception as e:  # an optional library: the child will import or miss it
            log.warning("not preloaded: %s (%s: %s)", name, type(e).__name__, e)
    return loaded


class Worker:
    """The accept loop of one home's worker."""

    def __init__(self, home: Path, idle_seconds: float) -> None:
        self.home = home
        self.idle_seconds = idle_seconds
        self.path = socket_path(home)
        self.started = time.time()
        self.last_request = time.monotonic()
        self.served = 0
        self.children: set[int] = set()
        self.preloaded: list[str] = []
        self.libraries: list[tuple[str, int]] = []
        self.listener: socket.socket | None = None

    def bind(self) -> None:
        private_folder(self.path.parent)
        if self.path.is_socket() or self.path.exists():
            if ask(self.home, {"op": "status"}, timeout=2.0) is not None:
                raise SystemExit(f"a worker already serves {self.home} at {self.path}")
            self.path.unlink()  # a stale socket: its worker is gone
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)
        try:
            listener.bind(str(self.path))
        except OSError as e:  # another worker bound it since the look above
            raise SystemExit(f"cannot listen at {self.path}: {e}") from e
        finally:
            os.umask(old_umask)
        listener.listen(64)
        self.listener = listener

    def serve(self) -> None:
        began = time.perf_counter()
        self.preloaded = preload()
        self.libraries = library_stamp()
        seconds = time.perf_counter() - began
        log.info("imported %d libraries in %.1f s", len(self.preloaded), seconds)
        try:
            self.bind()
        finally:
            starting_marker(self.home).unlink(missing_ok=True)
        assert self.listener is not None
        log.info("serving %s at %s (pid %d)", self.home, self.path, os.getpid())

        def stop(_signum: int, _frame: Any) -> None:
            raise _Stop

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while not self._idle_too_long():
                readable, _, _ = select.select([self.listener], [], [], _REAP_SECONDS)
                self._reap()
                if readable and not self._accept():
                    break
        except _Stop:
            log.info("stopping on a signal")
        finally:
            self._close()

    def _idle_too_long(self) -> bool:
        idle = time.monotonic() - self.last_request
        return not self.children and idle > self.idle_seconds

    def _reap(self) -> None:
        for pid in list(self.children):
            try:
                done, _status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                self.children.discard(pid)

    def _accept(self) -> bool:
        """Answer one connection; False when the worker must stop (asked to, or its libraries
        changed)."""
        assert self.listener is not None
        conn, _ = self.listener.accept()
        conn.settimeout(_REQUEST_SECONDS)  # one stuck caller must not hold up the others
        channel = Channel(conn)
        try:
            if peer_uid(conn) != os.getuid():
                log.warning("refused a connection from another user")
                return True
            message = channel.receive(max_fds=3)
            if message is None:
                return True
            op = message.get("op")
            if op == "status":
                channel.send(self.status())
            elif op == "stop":
                channel.send({"stopping": os.getpid()})
                return False
            elif op == "run":
                self.last_request = time.monotonic()  # idle: no command (status is not one)
                return self._run(channel, message)
            else:
                channel.send({"refused": f"unknown request {op!r}"})
        except (OSError, ValueError) as e:
            log.warning("a request failed: %s", e)
        finally:
            for fd in channel.fds:
                os.close(fd)
            conn.close()
        return True

    def status(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "home": str(self.home),
            "socket": str(self.path),
            "python": sys.executable,
            "started": self.started,
            "served": self.served,
            "running": len(self.children),
            "idle_seconds": self.idle_seconds,
            "preloaded": self.preloaded,
            "wmg_modules": sorted(m for m in sys.modules if m.startswith("wmg_")),
        }

    def _run(self, channel: Channel, request: dict[str, Any]) -> bool:
        """Fork a child for the command; False when the worker must stop (its libraries
        changed on disk: what it imported is no longer what a new process would import)."""
        if library_stamp() != self.libraries:
            notice = ("the wmg worker stopped: its libraries changed since it started "
                      "(`wmg worker start` again)")  # fmt: skip
            log.info("%s", notice)
            channel.send({"refused": "libraries changed", "notice": notice})
            return False
        refusal = self._refusal(request, channel.fds)
        if refusal:
            channel.send({"refused": refusal})
            return True
        pid = os.fork()
        if pid == 0:
            assert self.listener is not None
            self.listener.close()
            run_child(channel, request)
        self.children.add(pid)
        self.served += 1
        return True

    @staticmethod
    def _refusal(request: dict[str, Any], fds: list[int]) -> str | None:
        if request.get("protocol") != PROTOCOL:
            return f"protocol {request.get('protocol')} (the worker speaks {PROTOCOL})"
        if request.get("python") != sys.executable:
            return f"another Python ({request.get('python')}; the worker runs {sys.executable})"
        if request.get("pythonpath", "") != os.environ.get("PYTHONPATH", ""):
            return "another PYTHONPATH"
        if len(fds) != 3:
            return "stdin, stdout and stderr were not passed"
        return None

    def _close(self) -> None:
        if self.listener is not None:
            self.listener.close()
            self.path.unlink(missing_ok=True)
        log.info("stopped after %d commands", self.served)


def library_stamp() -> list[tuple[str, int]]:
    """The import path's folders and their modification times: installing, upgrading or
    removing a library changes its site-packages folder's."""
    stamp = []
    for entry in sys.path:
        with contextlib.suppress(OSError):
            info = os.stat(entry or ".")
            if stat.S_ISDIR(info.st_mode):
                stamp.append((entry, info.st_mtime_ns))
    return stamp


def run_child(channel: Channel, request: dict[str, Any]) -> NoReturn:
    """In the forked child: become the caller's process (terminal, directory, environment,
    arguments), run the `wmg` command, send its exit code, and end."""
    code = 1
    try:
        channel.sock.settimeout(None)  # the exit code is sent whenever the command ends
        os.setpgid(0, 0)  # the caller relays Ctrl-C to this group (and the command's children)
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        channel.send({"pid": os.getpid()})
        _take_streams(channel.fds, request["encodings"])
        channel.fds = []
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        tempfile.tempdir = None  # TMPDIR is the caller's
        logging.getLogger().handlers.clear()
        sys.argv = list(request["argv"])
        sys.modules["__main__"] = _main_module(sys.argv[0])
        from wmg_assets.cli import run_to_exit_code

        code = run_to_exit_code()
    except BaseException as e:  # the child must always report and end
        with contextlib.suppress(OSError):
            os.write(2, f"error: the wmg worker could not run the command: {e}\n".encode())
    finally:
        with contextlib.suppress(OSError):
            channel.send({"exit": code})
        os._exit(code)


def _main_module(script: str) -> types.ModuleType:
    """A `__main__` like the `wmg` script's (the worker's own names `python -m
    wmg_assets.worker.server`, which Click would print in usage lines)."""
    main = types.ModuleType("__main__")
    main.__file__ = script
    main.__package__ = None
    return main


def _take_streams(fds: list[int], encodings: list[str]) -> None:
    """The caller's stdin, stdout and stderr become this process's fds 0, 1 and 2 and Python's
    streams, buffered as Python buffers them for a terminal or a file."""
    for target, fd in enumerate(fds):
        if fd != target:
            os.dup2(fd, target)
            os.close(fd)
    stdin = open(0, encoding=encodings[0], closefd=False)  # noqa: SIM115 (the process's)
    stdout = open(1, "w", encoding=encodings[1], closefd=False,  # noqa: SIM115
                  buffering=1 if os.isatty(1) else -1)  # fmt: skip
    stderr = open(2, "w", encoding=encodings[2], errors="backslashreplace",  # noqa: SIM115
                  closefd=False, buffering=1)  # fmt: skip
    sys.stdin = sys.__stdin__ = stdin
    sys.stdout = sys.__stdout__ = stdout
    sys.stderr = sys.__stderr__ = stderr


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m wmg_assets.worker.server")
    parser.add_argument("--home", type=Path, required=True, help="the WMG_HOME served")
    parser.add_argument("--idle-seconds", type=float, default=DEFAULT_IDLE_SECONDS,
                        help="stop after this long without a command")  # fmt: skip
    args = parser.parse_args(argv)
    if sys.path and os.path.abspath(sys.path[0]) == os.getcwd():
        del sys.path[0]  # `-m` put the start folder first; a `wmg` process does not
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    log.setLevel(logging.INFO)  # the worker's own lines; libraries' warnings only
    Worker(args.home.expanduser().resolve(), args.idle_seconds).serve()
    logging.shutdown()
    os._exit(0)  # the socket is gone; tearing down the preloaded modules would take ~2 s


if __name__ == "__main__":
    main()
