"""Where a worker's socket lives and the messages on it: length-prefixed JSON, with the
caller's stdin, stdout and stderr passed alongside the request (SCM_RIGHTS).

Standard library only: the client side runs before anything heavy is imported.
"""

import json
import os
import socket
import struct
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

PROTOCOL = 1
"""Bumped when a message changes; a worker refuses a client of another protocol."""

_LENGTH = struct.Struct("!I")
_MAX_MESSAGE = 64 * 1024 * 1024
_SOCKET_PATH_LIMIT = 100  # sun_path holds 108 bytes on Linux
_CREDENTIALS = struct.Struct("3i")  # struct ucred: pid, uid, gid


def supported() -> bool:
    """Whether this system can run a worker: Unix sockets with peer credentials and fork."""
    return hasattr(socket, "SO_PEERCRED") and hasattr(os, "fork") and sys.platform != "win32"


def wmg_home(env: Mapping[str, str] = os.environ) -> Path:
    """`WMG_HOME` as the settings resolve it (default `.wmg` under the working directory)."""
    return Path(env.get("WMG_HOME", ".wmg")).expanduser().resolve()


def socket_path(home: Path) -> Path:
    """The worker's socket for a home: `<home>/worker.sock`, or, when that path is too long
    for a Unix socket, a file named after the home in a private folder of the temp dir."""
    path = home / "worker.sock"
    if len(os.fsencode(path)) < _SOCKET_PATH_LIMIT:
        return path
    import hashlib  # imported here: every `wmg` start reaches this function
    import tempfile

    digest = hashlib.sha256(os.fsencode(home)).hexdigest()[:20]
    return Path(tempfile.gettempdir()) / f"wmg-{os.getuid()}" / f"{digest}.sock"


def private_folder(path: Path) -> None:
    """Create the socket's folder if needed; refuse one another user owns or can write to."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if info.st_uid != os.getuid() or info.st_mode & 0o022:
        raise PermissionError(f"{path} must be owned by this user and not writable by others")


def peer_uid(sock: socket.socket) -> int:
    """The user id of the process at the other end of a Unix socket (from the kernel)."""
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _CREDENTIALS.size)
    return _CREDENTIALS.unpack(raw)[1]


class Channel:
    """Messages over one connection. Reads keep what arrived past a message for the next,
    and collect any file descriptors passed with the bytes."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.fds: list[int] = []
        self._buffer = b""

    def send(self, message: Mapping[str, Any], fds: Sequence[int] = ()) -> None:
        body = json.dumps(message).encode()
        frame = _LENGTH.pack(len(body)) + body
        sent = socket.send_fds(self.sock, [frame], list(fds)) if fds else 0
        if sent < len(frame):  # sendall of nothing still sends: EPIPE if the peer is done
            self.sock.sendall(frame[sent:])

    def receive(self, max_fds: int = 0) -> dict[str, Any] | None:
        """The next message, or None when the other end closed the connection."""
        while True:
            if len(self._buffer) >= _LENGTH.size:
                (length,) = _LENGTH.unpack_from(self._buffer)
                if length > _MAX_MESSAGE:
                    raise ValueError(f"a worker message of {length} bytes is too long")
                end = _LENGTH.size + length
                if len(self._buffer) >= end:
                    body, self._buffer = self._buffer[_LENGTH.size : end], self._buffer[end:]
                    return json.loads(body)
            if max_fds:
                data, fds, _flags, _address = socket.recv_fds(self.sock, 1 << 16, max_fds)
                self.fds.extend(fds)
            else:
                data = self.sock.recv(1 << 16)
            if not data:
                return None
            self._buffer += data


def connect(home: Path, timeout: float | None = None) -> Channel | None:
    """A channel to the worker of a home, or None when none answers there (no socket, a
    stale one, or one another user's process holds)."""
    path = socket_path(home)
    if not path.is_socket():
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(str(path))
        if peer_uid(sock) != os.getuid():
            sock.close()
            return None
    except OSError:
        sock.close()
        return None
    return Channel(sock)


def ask(home: Path, message: Mapping[str, Any], timeout: float = 5.0) -> dict[str, Any] | None:
    """One request and its answer (status, stop), or None when no worker answers."""
    channel = connect(home, timeout)
    if channel is None:
        return None
    try:
        channel.send(message)
        return channel.receive()
    except (OSError, ValueError):
        return None
    finally:
        channel.sock.close()
