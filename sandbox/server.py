"""Shared plumbing of the simulators: WSGI dispatch, error bodies, fault endpoints, serving.

Every simulator is a `Simulator` subclass: it lists its werkzeug `Rule`s (the endpoint of a
rule is the bound method that handles it) and says how its service shapes error bodies.
This module adds what all of them share:

- `POST|GET|DELETE /_sandbox/faults` on every simulator (see `sandbox.faults`),
- `on_limits`, the `GET|POST|DELETE /_sandbox/limits` handler of the simulators with
  service limits (Business Central, Dataverse),
- `GET|DELETE /_sandbox/stats`: requests served (a `$batch` counts once) and the inner
  requests of batches, also in-process as `Simulator.stats`,
- the fault step before each non-admin request: delay, then maybe a 429/503 in the
  service's own error shape; `route()` answers without counting or faults (what a
  `$batch` uses for its inner requests); a write whose answer is to be cut is carried out
  and marked `CUT_ANSWER` in its environ, and the server closes the connection unanswered,
- JSON error answers for unknown URLs (404) and wrong methods (405) in the same shape.

Serving them over HTTP (loopback sockets, threads, keep-alive) is `sandbox.serving`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from sandbox.faults import Fault, FaultInjector, FaultRequest

ADMIN_PREFIX = "/_sandbox/"
CUT_ANSWER = "sandbox.cut_answer"  # environ flag: the server drops this request's answer
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
Handler = Callable[..., Response]


class SandboxError(RuntimeError):
    """The sandbox could not start or was misused; the message says what to do."""


class ServiceError(Exception):
    """An error answer in the service's own shape (`Simulator.error_response` renders it)."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON answer (compact, UTF-8, non-ASCII kept as is like the real services)."""
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    response = Response(payload, status=status, content_type="application/json; charset=utf-8")
    response.headers.update(headers or {})
    return response


def read_json(request: Request) -> Any:
    """The request body as JSON, or None when it is empty or not JSON."""
    data = request.get_data(cache=True)
    if not data:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return None


class AdjustableLimits(Protocol):
    """A simulator's service limits, as `/_sandbox/limits` reads, changes and resets them."""

    def configure(self, **changes: Any) -> object: ...

    def reset(self) -> None: ...

    def describe(self) -> dict[str, Any]: ...


def on_limits(request: Request, *, limits: AdjustableLimits, body: type[BaseModel]) -> Response:
    """`GET|POST|DELETE /_sandbox/limits`: the settings and usage, a change, or the defaults.

    `body` is the model of a POST's body (the settings it may change); a body it refuses is
    answered 400 `InvalidLimits`, a DELETE 204.
    """
    if request.method == "DELETE":
        limits.reset()
        return Response(status=204)
    if request.method == "POST":
        try:
            changes = body.model_validate(read_json(request) or {})
        except ValidationError as exc:
            return json_response({"error": {"code": "InvalidLimits", "message": str(exc)}}, 400)
        limits.configure(**changes.model_dump(exclude_none=True))
    return json_response(limits.describe())


class RequestStats:
    """What a simulator served: requests (a `$batch` is one) and inner batch requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.inner_batch_requests = 0

    def count_request(self) -> None:
        with self._lock:
            self.requests += 1

    def count_inner(self, count: int = 1) -> None:
        with self._lock:
            self.inner_batch_requests += count

    def reset(self) -> None:
        with self._lock:
            self.requests = self.inner_batch_requests = 0

    def describe(self) -> dict[str, int]:
        with self._lock:
            return {"requests": self.requests, "innerBatchRequests": self.inner_batch_requests}


class Simulator:
    """Base of the four simulators: routing, faults, stats and error rendering."""

    name = "simulator"

    def __init__(self, faults: FaultInjector | None = None) -> None:
        self.faults = faults or FaultInjector()
        self.stats = RequestStats()
        self._map = Map(
            [
                Rule(
                    f"{ADMIN_PREFIX}faults",
                    endpoint=self._on_faults,
                    methods=["GET", "POST", "DELETE"],
                ),
                Rule(f"{ADMIN_PREFIX}stats", endpoint=self._on_stats, methods=["GET", "DELETE"]),
                *self.admin_rules(),
                *self.rules(),
            ],
            strict_slashes=False,
        )

    # --- what subclasses provide ------------------------------------------------------
    def rules(self) -> Iterable[Rule]:
        """The service's own routes."""
        return ()

    def admin_rules(self) -> Iterable[Rule]:
        """Extra `/_sandbox/...` routes (no auth, no faults)."""
        return ()

    def error_response(self, error: ServiceError) -> Response:
        """Render an error the way the service does (default: OData-style body)."""
        body = {"error": {"code": error.code, "message": error.message}}
        return json_response(body, error.status, error.headers)

    def fault_error(self, fault: Fault) -> ServiceError:
        """The error answered for an injected fault."""
        if fault.status == 429:
            return ServiceError(429, "TooManyRequests", "Rate limit is exceeded.")
        return ServiceError(fault.status, "ServiceUnavailable", "The service is unavailable.")

    # --- WSGI -------------------------------------------------------------------------
    def __call__(self, environ: Any, start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Answer one request from a client: counted, and subject to injected faults."""
        if not request.path.startswith(ADMIN_PREFIX):
            self.stats.count_request()
            fault_response = self._inject_fault()
            if fault_response is not None:
                return fault_response
            if request.method in WRITE_METHODS and self.faults.cut_answer():
                request.environ[CUT_ANSWER] = True
        return self.route(request)

    def route(self, request: Request) -> Response:
        """Answer a request without counting it or injecting faults."""
        adapter = self._map.bind_to_environ(request.environ)
        try:
            endpoint, arguments = adapter.match()
        except NotFound:
            return self.error_response(
                ServiceError(404, "NotFound", f"No resource matches '{request.path}'.")
            )
        except MethodNotAllowed:
            return self.error_response(
                ServiceError(405, "MethodNotAllowed", f"'{request.method}' is not allowed here.")
            )
        except HTTPException as exc:  # e.g. a redirect for a missing slash
            return exc.get_response(request.environ)
        try:
            return endpoint(request, **arguments)  # type: ignore[no-any-return]
        except ServiceError as error:
            return self.error_response(error)

    def _inject_fault(self) -> Response | None:
        delay, fault = self.faults.decide()
        if delay:
            time.sleep(delay)
        if fault is None:
            return None
        error = self.fault_error(fault)
        if fault.retry_after is not None:
            error.headers["Retry-After"] = str(fault.retry_after)
        return self.error_response(error)

    def _on_faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.reset()
            return Response(status=204)
        if request.method == "POST":
            try:
                self.faults.apply(FaultRequest.model_validate(read_json(request) or {}))
            except ValidationError as exc:
                return json_response({"error": {"code": "InvalidFaults", "message": str(exc)}}, 400)
        return json_response(self.faults.describe())

    def _on_stats(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.stats.reset()
            return Response(status=204)
        return json_response(self.stats.describe())
