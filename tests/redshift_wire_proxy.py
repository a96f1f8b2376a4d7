"""A fake Redshift endpoint for tests: a TCP proxy in front of PostgreSQL.

Nothing here can reach a live Redshift cluster, so the real `redshift_connector` driver is
pointed at this proxy instead. It makes PostgreSQL acceptable to the driver by changing
only what the two disagree on at connection time:

- the driver's startup message carries Redshift-only parameters (`driver_version`,
  `os_version`, …) that PostgreSQL rejects: only `user`, `database`, `application_name` and
  `client_encoding` are forwarded;
- PostgreSQL reports `server_version` as `15.18 (Debian …)`, which the driver cannot parse:
  it is shortened to `15.18`.

Everything else (queries, binds, results, errors) passes through unchanged.
"""

import socket
import struct
import threading

FORWARDED = {b"user", b"database", b"application_name", b"client_encoding"}
SSL_REQUEST = 80877103


def _read_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _startup(client: socket.socket) -> bytes:
    """The client's startup message, rewritten; answers an SSL request with 'N' first."""
    while True:
        length = struct.unpack("!i", _read_exact(client, 4))[0]
        body = _read_exact(client, length - 4)
        if struct.unpack("!i", body[:4])[0] == SSL_REQUEST:
            client.sendall(b"N")
            continue
        parts = body[4:].split(b"\0")
        pairs = [(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2) if parts[i]]
        kept = b"".join(k + b"\0" + v + b"\0" for k, v in pairs if k in FORWARDED) + b"\0"
        payload = body[:4] + kept
        return struct.pack("!i", len(payload) + 4) + payload


def _client_to_server(client: socket.socket, server: socket.socket) -> None:
    try:
        while chunk := client.recv(65536):
            server.sendall(chunk)
    except OSError:
        pass
    finally:
        server.close()


def _server_to_client(server: socket.socket, client: socket.socket) -> None:
    try:
        while True:
            kind = _read_exact(server, 1)
            length = struct.unpack("!i", _read_exact(server, 4))[0]
            body = _read_exact(server, length - 4)
            if kind == b"S" and body.startswith(b"server_version\0"):
                version = body[len(b"server_version\0") : -1].split(b" ")[0]
                body = b"server_version\0" + version + b"\0"
            client.sendall(kind + struct.pack("!i", len(body) + 4) + body)
    except (OSError, ConnectionError):
        pass
    finally:
        client.close()


class RedshiftWireProxy:
    """Listens on 127.0.0.1 and forwards each connection to PostgreSQL at `upstream`."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        try:
            startup = _startup(client)
            server = socket.create_connection(self.upstream)
            server.sendall(startup)
        except (OSError, ConnectionError):
            client.close()
            return
        threading.Thread(target=_client_to_server, args=(client, server), daemon=True).start()
        _server_to_client(server, client)

    def close(self) -> None:
        self.listener.close()
