"""Starting a worker in the background: by `wmg worker start`, or by any `wmg` command when
`WMG_WORKER=auto` and none serves its home yet. Standard library only (a command imports this
before anything heavy)."""

import os
import subprocess
import sys
import time
from pathlib import Path

from wmg_assets.worker.protocol import private_folder, socket_path

DEFAULT_IDLE_SECONDS = 3600.0
STARTING_STALE_SECONDS = 300.0
"""A start marker older than this is from a worker that died while it started."""


def server_command(home: Path, idle_seconds: float) -> list[str]:
    return [sys.executable, "-m", "wmg_assets.worker.server", "--home", str(home),
            "--idle-seconds", str(idle_seconds)]  # fmt: skip


def starting_marker(home: Path) -> Path:
    """Exists from a worker's spawn until it listens (or gives up): one start at a time."""
    return socket_path(home).with_name(socket_path(home).name + ".starting")


def spawn_once(
    home: Path, idle_seconds: float = DEFAULT_IDLE_SECONDS
) -> "subprocess.Popen[bytes] | None":
    """Start a worker for `home` in the background (its output in `<home>/worker.log`)
    unless another start is under way (None)."""
    marker = starting_marker(home)
    private_folder(marker.parent)
    for _ in range(2):
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            break
        except FileExistsError:
            try:
                age = time.time() - marker.stat().st_mtime
            except FileNotFoundError:
                continue
            if age < STARTING_STALE_SECONDS:
                return None
            marker.unlink(missing_ok=True)
    else:
        return None
    home.mkdir(parents=True, exist_ok=True)
    with (home / "worker.log").open("ab") as log_file:
        return subprocess.Popen(server_command(home, idle_seconds), stdin=subprocess.DEVNULL,
                                stdout=log_file, stderr=log_file, start_new_session=True,
                                cwd=home)  # fmt: skip
