"""The `wmg` side of a warm worker: hand the command to the worker of this `WMG_HOME` if one
answers, relay Ctrl-C and termination to it, and return its exit code.

Standard library only, and nothing is imported from WMG's heavy modules: when a worker runs
a command, this process does nothing else.
"""

import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from wmg_assets.worker.protocol import PROTOCOL, Channel, connect, supported, wmg_home

LOCAL_COMMANDS = frozenset({"worker", "dev"})
"""Commands that always run in the calling process: the worker's own, and `wmg dev`, which
starts long-lived servers of its own."""

OFF_VALUES = frozenset({"0", "off", "false", "no"})
RELAYED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def command_of(args: Sequence[str]) -> str | None:
    """The command named by `wmg`'s arguments (the first that is not an option)."""
    return next((a for a in args if not a.startswith("-")), None)


def worker_mode() -> str:
    """`WMG_WORKER`: off (never), auto (start one when none answers) or empty (use one)."""
    return os.environ.get("WMG_WORKER", "").strip().lower()


def wants_worker(argv: Sequence[str]) -> bool:
    return (
        supported()
        and worker_mode() not in OFF_VALUES
        and command_of(argv[1:]) not in LOCAL_COMMANDS
    )


def request(argv: Sequence[str]) -> dict:
    """What the worker's child needs to behave as this process would."""
    streams = (sys.stdin, sys.stdout, sys.stderr)
    return {
        "op": "run",
        "protocol": PROTOCOL,
        "python": sys.executable,
        "pythonpath": os.environ.get("PYTHONPATH", ""),
        "argv": list(argv),
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "encodings": [getattr(s, "encoding", None) or "utf-8" for s in streams],
    }


def forward(argv: Sequence[str]) -> int | None:
    """Run the command in this home's worker and return its exit code; None when there is no
    worker to run it (or it refused: another Python or PYTHONPATH), so it runs here. With
    `WMG_WORKER=auto`, a missing worker is started in the background for the next commands."""
    if not wants_worker(argv):
        return None
    home = wmg_home()
    channel = connect(home)
    if channel is None:
        if worker_mode() == "auto":
            from wmg_assets.worker.spawn import spawn_once

            with contextlib.suppress(OSError):  # no worker then: the command still runs
                spawn_once(home)
        return None
    try:
        channel.send(request(argv), fds=(0, 1, 2))
        started = channel.receive()
    except (OSError, ValueError):
        channel.sock.close()
        return None
    if not started or "pid" not in started:
        channel.sock.close()
        if started and started.get("notice"):
            os.write(2, f"note: {started['notice']}\n".encode())
        return None
    return _wait(channel, int(started["pid"]))


def _wait(channel: Channel, pid: int) -> int:
    """Relay signals to the command's process group until its exit code arrives."""

    def relay(signum: int, _frame: FrameType | None) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signum)

    for signum in RELAYED_SIGNALS:
        signal.signal(signum, relay)
    try:
        message = channel.receive()
    except (OSError, ValueError):
        message = None
    finally:
        channel.sock.close()
    if message is None or "exit" not in message:
        os.write(2, b"error: the worker's process for this command ended without an exit code\n")
        return 1
    return int(message["exit"])
