"""`wmg worker start|stop|status|serve`: the warm worker of this `WMG_HOME`."""

import os
import time
from datetime import datetime
from typing import Annotated

import typer

from wmg_assets.migration.cli import consoles, fail
from wmg_assets.worker.protocol import ask, socket_path, supported, wmg_home
from wmg_assets.worker.spawn import (
    DEFAULT_IDLE_SECONDS,
    server_command,
    spawn_once,
)

worker_app = typer.Typer(
    help="A warm worker: `wmg` commands in this WMG_HOME skip the ~4 s of imports.",
    no_args_is_help=True,
)
START_TIMEOUT_SECONDS = 180.0
STOP_TIMEOUT_SECONDS = 30.0

IdleMinutes = Annotated[float, typer.Option(help="stop after this many minutes without a command")]


def _require_support() -> None:
    if not supported():
        raise fail("the worker needs Unix sockets with peer credentials and fork (Linux)")


@worker_app.command("start")
def worker_start(idle_minutes: IdleMinutes = DEFAULT_IDLE_SECONDS / 60) -> None:
    """Start this home's worker in the background (its log: `<WMG_HOME>/worker.log`) and
    wait until it takes commands."""
    _require_support()
    out, err = consoles()
    home = wmg_home()
    running = ask(home, {"op": "status"})
    if running:
        out.print(f"a worker already serves {home} (pid {running['pid']})", markup=False)
        return
    log_path = home / "worker.log"
    process = spawn_once(home, idle_minutes * 60)  # None: another start is under way
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    with err.status("starting the worker (importing Dagster, Arrow, Iceberg, DuckDB)"):
        while (status := ask(home, {"op": "status"}, timeout=1.0)) is None:
            ended = process is not None and process.poll() is not None
            if ended or time.monotonic() > deadline:
                status = ask(home, {"op": "status"})  # another start may have won the socket
                if status is not None:
                    break
                tail = log_path.read_text(errors="replace").strip().splitlines()[-5:]
                raise fail("the worker did not start; its log says:\n" + "\n".join(tail), 1)
            time.sleep(0.1)
    out.print(f"worker ready: pid {status['pid']}, {home} (socket {status['socket']}); it "
              f"stops after {idle_minutes:g} idle minutes or `wmg worker stop`", markup=False,
              soft_wrap=True)  # fmt: skip


@worker_app.command("stop")
def worker_stop() -> None:
    """Stop this home's worker (commands it is running finish first)."""
    out, _ = consoles()
    home = wmg_home()
    answer = ask(home, {"op": "stop"})
    if answer is None:
        out.print(f"no worker serves {home}", markup=False)
        return
    pid = int(answer["stopping"])
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    out.print(f"worker stopped (pid {pid})", markup=False)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@worker_app.command("status")
def worker_status() -> None:
    """Whether a worker serves this home (exit code 1 if not), since when, and how many
    commands it ran."""
    out, _ = consoles()
    home = wmg_home()
    status = ask(home, {"op": "status"})
    if status is None:
        out.print(f"no worker serves {home} (socket {socket_path(home)})", markup=False)
        raise typer.Exit(1)
    since = datetime.fromtimestamp(status["started"]).isoformat(timespec="seconds")
    line = (f"worker pid {status['pid']} serves {status['home']} since {since}: "
            f"{status['served']} commands, {status['running']} running, "
            f"{len(status['preloaded'])} libraries preloaded")  # fmt: skip
    out.print(line, markup=False, soft_wrap=True)


@worker_app.command("serve")
def worker_serve(idle_minutes: IdleMinutes = DEFAULT_IDLE_SECONDS / 60) -> None:
    """Run this home's worker in the foreground (for a service manager or a container);
    Ctrl-C or SIGTERM stops it."""
    _require_support()
    command = server_command(wmg_home(), idle_minutes * 60)
    os.execv(command[0], command)  # noqa: S606 (the worker replaces this process)
