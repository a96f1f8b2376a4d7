"""Which process runs a step, and whether it is still alive — so that a run whose process
was killed (kill -9, a lost machine) is not taken for one still loading its file.

A process is named `host:pid:start`, where `start` is the process's start time since boot
(Linux `/proc/<pid>/stat`), so a PID reused by a later process is not mistaken for it.
"""

import os
import socket
from pathlib import Path


def _stat_fields(pid: int) -> list[str]:
    """Fields 3… of `/proc/<pid>/stat` (after the name in parentheses, which may hold
    spaces), or [] where there is no such file."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    except OSError:
        return []


def _start_ticks(pid: int) -> str:
    """The process's start time in clock ticks since boot, or '' where /proc is not there."""
    fields = _stat_fields(pid)
    return fields[19] if len(fields) > 19 else ""  # field 22


def current_process() -> str:
    """This process, as `host:pid:start`."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid)}"


def process_is_gone(identity: str) -> bool:
    """True only when `identity` is a process of this host that no longer runs (or whose
    PID now belongs to another process); a process of another host is never judged."""
    host, _, rest = identity.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, owned by another user
    fields = _stat_fields(pid)
    if fields and fields[0] in ("Z", "X"):  # killed, not yet reaped by its parent
        return True
    return bool(start) and _start_ticks(pid) not in ("", start)
