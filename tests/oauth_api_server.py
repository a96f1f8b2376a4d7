"""An OAuth 2.0-protected JSON API on 127.0.0.1 for the API extraction tests — a real HTTP
server (standard library), standing in for a vendor API that cannot be reached from here.

- `POST /oauth/token`: client credentials by HTTP basic auth → a new bearer token.
- `GET /v1/contacts?page=N`: page N of `pages` pages of `per_page` nested records, with a
  `next` link; refuses (401) a missing, unknown or revoked token.
- Faults, each on the first request for a page: `rate_limited` pages answer 429 with
  `Retry-After: 1`, `failing` pages answer 500; once `revoke_after` is served, every token
  issued so far is revoked (an expiry in the middle of a run).

`log` keeps every request: (monotonic time, path, status).
"""

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class OAuthApi:
    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        pages: int = 5,
        per_page: int = 10,
        rate_limited: frozenset[int] = frozenset(),
        failing: frozenset[int] = frozenset(),
        revoke_after: int | None = None,
    ) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.pages, self.per_page = pages, per_page
        self.rate_limited, self.failing, self.revoke_after = rate_limited, failing, revoke_after
        self.tokens: dict[str, bool] = {}  # token → valid
        self.requested: dict[int, int] = {}  # page → requests seen
        self.log: list[tuple[float, str, int]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def page(self, n: int) -> dict:
        records = [
            {"id": (n - 1) * self.per_page + i, "name": f"contact {n}.{i}",
             "address": {"city": f"city {i}", "geo": {"lat": 50.0 + i}}, "tags": ["a", str(n)]}
            for i in range(self.per_page)
        ]  # fmt: skip
        return {"data": records, "next": f"/v1/contacts?page={n + 1}" if n < self.pages else None}

    def __enter__(self) -> "OAuthApi":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _answer(self, status: int, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)
                with api.lock:
                    api.log.append((time.monotonic(), self.path, status))

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                expected = base64.b64encode(f"{api.client_id}:{api.client_secret}".encode())
                if self.headers.get("Authorization") != f"Basic {expected.decode()}":
                    self._answer(401, {"error": "invalid_client"})
                    return
                with api.lock:
                    token = f"token-{len(api.tokens) + 1}"
                    api.tokens[token] = True
                self._answer(200, {"access_token": token, "token_type": "Bearer",
                                   "expires_in": 3600})  # fmt: skip

            def do_GET(self) -> None:
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                if not api.tokens.get(token):
                    self._answer(401, {"error": "invalid_token"})
                    return
                n = int(parse_qs(urlsplit(self.path).query).get("page", ["1"])[0])
                with api.lock:
                    api.requested[n] = api.requested.get(n, 0) + 1
                    first = api.requested[n] == 1
                if first and n in api.rate_limited:
                    self._answer(429, {"error": "slow down"}, {"Retry-After": "1"})
                elif first and n in api.failing:
                    self._answer(500, {"error": "boom"})
                else:
                    self._answer(200, api.page(n))
                    if n == api.revoke_after:
                        with api.lock:
                            api.tokens = dict.fromkeys(api.tokens, False)

        return Handler
