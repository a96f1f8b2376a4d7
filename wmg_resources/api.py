"""An HTTP JSON API behind OAuth 2.0 client credentials (seed 004's "API client").

- The access token is fetched from `token_url` with the client id and secret (HTTP basic
  auth, `grant_type=client_credentials`) by Authlib's OAuth 2.0 session, which keeps it and
  fetches a new one shortly before it expires; an answer 401 (a revoked token) fetches a new
  one too, once per request.
- 429 and 5xx answers, timeouts and dropped connections are retried with exponential backoff,
  waiting what `Retry-After` says when the API says it (seconds or an HTTP date).
- Pages follow the `next` link of each answer until there is none.

The secret comes from `dg.EnvVar` (or the caller's Secrets Manager lookup) and is never logged.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, cast
from urllib.parse import urljoin

import dagster as dg
import requests
import tenacity
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session

log = logging.getLogger(__name__)

TOKEN_MARGIN_SECONDS = 30.0  # fetch a new token this long before the old one expires


class ApiError(RuntimeError):
    """The API refused a request for good (4xx other than 401/429), or retries ran out."""


class RetryableError(ApiError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds to wait: a number of seconds, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    url: str
    body: bytes  # the answer as received
    document: dict[str, Any]


@dataclass
class ClientStats:
    requests: int = 0
    retries: int = 0
    tokens_fetched: int = 0
    waited_seconds: float = 0.0


class ApiResource(dg.ConfigurableResource):
    """One API: where it is, how to get a token, how hard to retry."""

    base_url: str
    token_url: str
    client_id: str
    client_secret: str
    scope: str | None = None
    max_attempts: int = 6
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 60.0
    timeout_seconds: float = 30.0

    def client(self) -> "ApiClient":
        return ApiClient(self)


class ApiClient:
    """A session against one API; `stats` counts requests, retries, tokens and waiting."""

    def __init__(self, config: ApiResource) -> None:
        self.config = config
        self.session = OAuth2Session(
            config.client_id, config.client_secret, scope=config.scope,
            token_endpoint=config.token_url, grant_type="client_credentials",
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106 (a method name)
            leeway=int(TOKEN_MARGIN_SECONDS),
            update_token=lambda token, **_: self._fetched(token),
        )  # fmt: skip
        self.stats = ClientStats()
        self._token_status: int | None = None  # the token endpoint's last HTTP status
        cast(requests.Session, self.session).hooks["response"].append(self._note_token_status)

    def _note_token_status(self, response: requests.Response, *_: Any, **__: Any) -> None:
        if response.url.split("?", 1)[0] == self.config.token_url:
            self._token_status = response.status_code

    # -- token ------------------------------------------------------------------------

    def token(self) -> str:
        """The access token in use, fetched first if there is none or it is about to expire
        (Authlib's session keeps it)."""
        if not self.session.token:
            self._fetch_token()
        else:
            self.session.ensure_active_token()
        return self.session.token["access_token"]

    def _fetch_token(self) -> None:
        c = self.config
        try:
            token = self.session.fetch_token(timeout=c.timeout_seconds)
        except (requests.ConnectionError, requests.Timeout) as e:
            raise RetryableError(f"POST {c.token_url}: {type(e).__name__}") from e
        except OAuthError as e:  # the token endpoint refused: not retried
            raise ApiError(
                f"token request to {c.token_url} answered {self._token_status}: {e.error}"
            ) from e
        self._fetched(token)

    def _fetched(self, token: dict[str, Any]) -> None:
        self.stats.tokens_fetched += 1
        log.info("fetched an access token from %s (expires in %ss)", self.config.token_url,
                 token.get("expires_in", "?"))  # fmt: skip

    # -- requests ---------------------------------------------------------------------

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.request(method, url, timeout=self.config.timeout_seconds, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as e:
            raise RetryableError(f"{method} {url}: {type(e).__name__}") from e

    def _get_once(self, url: str) -> requests.Response:
        self.stats.requests += 1
        self.token()
        response = self._send("GET", url)
        if response.status_code == 401:  # revoked: one new token, one more try
            log.info("%s answered 401: fetching a new token", url)
            self._fetch_token()
            response = self._send("GET", url)
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryableError(
                f"GET {url} answered {response.status_code}",
                retry_after_seconds(response.headers.get("Retry-After")),
            )
        if response.status_code >= 400:
            raise ApiError(f"GET {url} answered {response.status_code}: {response.text[:200]}")
        return response

    def _wait(self, state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        c = self.config
        if isinstance(error, RetryableError) and error.retry_after is not None:
            seconds = min(error.retry_after, c.max_backoff_seconds)
        else:
            seconds = min(
                c.backoff_seconds * 2 ** (state.attempt_number - 1), c.max_backoff_seconds
            )
        self.stats.retries += 1
        self.stats.waited_seconds += seconds
        log.warning("%s; retrying in %.1f s (attempt %d of %d)", error, seconds,
                    state.attempt_number + 1, c.max_attempts)  # fmt: skip
        return seconds

    def get(self, url: str) -> requests.Response:
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.config.max_attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception_type(RetryableError),
            reraise=True,
        )
        return retrying(self._get_once, url)

    def pages(self, path: str, next_field: str = "next") -> Iterator[Page]:
        """Every page from `path` on, following each answer's `next_field` link."""
        url: str | None = urljoin(self.config.base_url, path)
        number = 0
        while url:
            number += 1
            response = self.get(url)
            document = response.json()
            yield Page(number, url, response.content, document)
            link = document.get(next_field)
            url = urljoin(url, link) if link else None
