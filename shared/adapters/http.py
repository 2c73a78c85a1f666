"""The one HTTP layer every outbound client uses.

What it handles, so adapters do not have to:
- Timeouts are always set (connect, read); a hung socket never blocks a worker.
- Retries on 408, 429, 5xx and connection errors (never on 409 / 412: a conflict needs a
  fresh read, not the same request again), honouring `Retry-After` given in seconds
  or as an HTTP date; otherwise exponential back-off with full jitter. A request gives up
  after `max_attempts` or when the next wait would exceed the retry budget, and then raises
  the transient error so the bus redelivers later (BC does not always send Retry-After).
- A cap on requests in flight per API (BC processes 5 per identity, Dataverse 52): one
  semaphore per client, and clients are built once per worker by the composition root.
- An expired or revoked bearer token (401 with a token) is refreshed once, then reported.
- HTTP status → typed error is a table (`ERROR_FOR_STATUS`), and the error message carries
  the service's own error code and message from its `{"error": {...}}` body. A refused
  credential (401 after a fresh token, 403) is an AuthError naming the settings to check
  (`credential_settings`), never a record's error.
- A write (POST, PATCH) is repeated only when the service cannot have carried it out:
  the connection was never made, or it answered 429 / 503 (refused before processing).
  When the answer is lost after sending (connection cut, read timeout, 408, 500, 502, 504)
  it raises UncertainWriteError at once: the caller reads back by key and links, since a
  second send could do the write twice or fail with "already exists".
- Every request carries a correlation id (`x-correlation-id` and `client-request-id`).
- A configured CA bundle is used even when REQUESTS_CA_BUNDLE is set in the environment.
- Secrets never reach error messages: only method, path and the service's answer do.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from shared.context import correlation_id
from shared.errors import (
    AuthError,
    ConflictError,
    ContractError,
    HubError,
    NotFound,
    RejectedError,
    ThrottledError,
    TransientError,
    UncertainWriteError,
)

log = logging.getLogger(__name__)


ERROR_FOR_STATUS: Mapping[int, type[HubError]] = {
    400: RejectedError,
    401: AuthError,
    403: AuthError,
    404: NotFound,
    408: TransientError,
    409: ConflictError,
    412: ConflictError,
    413: RejectedError,
    429: ThrottledError,
    500: TransientError,
    502: TransientError,
    503: ThrottledError,
    504: TransientError,
}


RETRY_STATUSES = frozenset({408, 429})
"""Statuses worth sending the same request again for (with every 5xx)."""
NOT_PROCESSED_STATUSES = frozenset({429, 503})
"""Statuses that say the service refused the request before doing anything with it."""
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def error_class_for(status: int) -> type[HubError]:
    """The error class for an HTTP status: the table first, then 5xx transient, else rejected."""
    if status in ERROR_FOR_STATUS:
        return ERROR_FOR_STATUS[status]
    return TransientError if status >= 500 else RejectedError


def is_retryable(status: int) -> bool:
    return status in RETRY_STATUSES or status >= 500


class AuthProvider(Protocol):
    """Adds credentials to a request and can drop cached ones after a 401."""

    def headers(self) -> dict[str, str]: ...

    def invalidate(self) -> bool:
        """Drop cached credentials; True when a retry with fresh ones may succeed."""
        ...


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often to retry a transient failure."""

    max_attempts: int = 6
    budget_seconds: float = 120.0
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before attempt `attempt + 1`: the server's word, else full jitter."""
        if retry_after is not None:
            return max(0.0, retry_after)
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return random.uniform(0, ceiling)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header given as delta-seconds or as an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def describe_error_body(response: requests.Response) -> tuple[str, str]:
    """(code, message) from the bodies BC, Dataverse, EcpPro and Entra send."""
    try:
        body = response.json()
    except ValueError:
        return "", response.text[:300].strip()
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("code") or ""), str(error.get("message") or "")
        if isinstance(error, str):  # Entra: {"error": "invalid_client", "error_description": ...}
            return error, str(body.get("error_description") or "")
    return "", str(body)[:300]


class HttpClient:
    """Requests to one API: base URL, credentials, timeouts, retries, in-flight cap.

    Raises the `shared.errors` class that `ERROR_FOR_STATUS` gives for a failed status;
    connection errors and timeouts raise TransientError once retries are spent.
    """

    def __init__(
        self,
        base_url: str,
        auth: AuthProvider | None = None,
        *,
        api_name: str,
        max_in_flight: int = 4,
        timeout: tuple[float, float] = (5.0, 60.0),
        retry: RetryPolicy | None = None,
        verify: str | bool = True,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        credential_settings: tuple[str, ...] = (),
        error_codes: Mapping[str, type[HubError]] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.credential_settings = credential_settings
        self.error_codes = dict(error_codes or {})  # a service's own codes that mean more
        self.auth = auth
        self.api_name = api_name
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.session = session or new_session(verify=verify)
        self._in_flight = threading.BoundedSemaphore(max_in_flight)
        self._sleep = sleep
        self.requests_sent = 0

    def url(self, path_or_url: str) -> str:
        """An absolute URL: a path is joined to the base URL, an absolute URL is kept as is."""
        if urlsplit(path_or_url).scheme:
            return path_or_url
        return urljoin(self.base_url, path_or_url.lstrip("/"))

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        data: bytes | None = None,
        keep: Collection[int] = (),
    ) -> requests.Response:
        """Send a request with retries; return the successful response (or one whose status
        is in `keep`, for a caller that reads error answers itself)."""
        url = self.url(path_or_url)
        started = time.monotonic()
        attempt, refreshed_token = 0, False
        while True:
            attempt += 1
            idempotent = method.upper() in IDEMPOTENT_METHODS
            try:
                response = self._send(method, url, params, json, headers, data)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if not idempotent and not _never_sent(exc):
                    raise self._uncertain(method, url, f"{type(exc).__name__}: {exc}") from exc
                error: HubError = TransientError(
                    f"{self.api_name} {method} {_path(url)}: {type(exc).__name__}: {exc}"
                )
            else:
                status = response.status_code
                if status < 400 or status in keep:
                    return response
                if status == 401 and self.auth is not None and not refreshed_token:
                    refreshed_token = True  # an expired or revoked token: fetch a new one, once
                    if self.auth.invalidate():
                        continue
                error = self._error(method, url, response)
                if not is_retryable(status):
                    raise error
                if not idempotent and status not in NOT_PROCESSED_STATUSES:
                    raise self._uncertain(method, url, f"answered {status}") from error
            wait = self.retry.delay(attempt, getattr(error, "retry_after", None))
            spent = time.monotonic() - started
            if attempt >= self.retry.max_attempts or spent + wait > self.retry.budget_seconds:
                raise error
            log.warning("%s; retry %d in %.1fs", error.message, attempt, wait)
            self._sleep(wait)

    def get_json(self, path_or_url: str, **kwargs: Any) -> Any:
        """GET and decode JSON. Raises ContractError when the answer is not JSON."""
        response = self.request("GET", path_or_url, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise ContractError(
                f"{self.api_name} GET {_path(response.url or self.url(path_or_url))} answered "
                f"{response.status_code} with a body that is not JSON: {response.text[:200]!r}"
            ) from None

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        json: Any,
        headers: Mapping[str, str] | None,
        data: bytes | None = None,
    ) -> requests.Response:
        request_id = correlation_id.get() or str(uuid.uuid4())
        merged = {"x-correlation-id": request_id, "client-request-id": str(uuid.uuid4())}
        if self.auth is not None:
            merged.update(self.auth.headers())
        merged.update(headers or {})
        with self._in_flight:
            self.requests_sent += 1
            return self.session.request(
                method, url, params=params, json=json, data=data, headers=merged,
                timeout=self.timeout,
            )  # fmt: skip

    def _uncertain(self, method: str, url: str, what: str) -> UncertainWriteError:
        return UncertainWriteError(
            f"{self.api_name} {method} {_path(url)}: {what}; the request may have been carried "
            "out, so it is not sent again: read the target back before writing"
        )

    def error_for(self, method: str, url: str, response: requests.Response) -> HubError:
        """The typed error a failed response stands for (what `request` would raise)."""
        return self._error(method, url, response)

    def _error(self, method: str, url: str, response: requests.Response) -> HubError:
        code, message = describe_error_body(response)
        status = response.status_code
        text = f"{self.api_name} {method} {_path(url)} answered {status}"
        if code or message:
            text += f" {code}: {message}".rstrip()
        cls = self.error_codes.get(code) or error_class_for(status)
        if issubclass(cls, ThrottledError):
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            return cls(text, status=status, retry_after=retry_after, detail=code)
        if issubclass(cls, AuthError):
            refused = "refused the hub's credentials" if status == 401 else "denied the hub access"
            if self.credential_settings:
                settings = ", ".join(self.credential_settings)
                text = f"{text.rstrip('. ')}. {self.api_name} {refused}: check {settings}"
            return cls(text, settings=self.credential_settings, status=status, detail=code)
        return cls(text, status=status, detail=code)


class _Session(requests.Session):
    """A session whose own CA bundle is not overridden by REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE.

    requests lets those environment variables win over `session.verify` (psf/requests#3829),
    which would silently drop the CA a deployment configured (HUB_CA_BUNDLE).
    """

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # type: ignore[no-untyped-def]
        merged = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if isinstance(self.verify, str) and verify in (None, True):
            merged["verify"] = self.verify
        return merged


def new_session(*, verify: str | bool = True, pool_size: int = 32) -> requests.Session:
    """A pooled session; `verify` may name a CA bundle (the sandbox CA locally)."""
    session = _Session()
    session.verify = verify
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=pool_size)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _never_sent(exc: Exception) -> bool:
    """True when the request cannot have reached the service (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def _path(url: str) -> str:
    return urlsplit(url).path
