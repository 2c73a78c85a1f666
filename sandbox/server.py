"""Shared plumbing of the simulators: WSGI dispatch, error bodies, fault endpoints, serving.

Every simulator is a `Simulator` subclass: it lists its werkzeug `Rule`s (the endpoint of a
rule is the bound method that handles it) and says how its service shapes error bodies.
This module adds what all of them share:

- `POST|GET|DELETE /_sandbox/faults` on every simulator (see `sandbox.faults`),
- `GET|DELETE /_sandbox/stats`: requests served (a `$batch` counts once) and the inner
  requests of batches, also in-process as `Simulator.stats`,
- the fault step before each non-admin request: delay, then maybe a 429/503 in the
  service's own error shape; `route()` answers without counting or faults (what a
  `$batch` uses for its inner requests),
- JSON error answers for unknown URLs (404) and wrong methods (405) in the same shape,
- `bind_loopback` + `ServerThread`: a threaded werkzeug server on 127.0.0.1 in a daemon
  thread; a taken port is a `SandboxError` naming it, never a hang or an exit.

Connections are persistent (HTTP/1.1 keep-alive) as with the real services: werkzeug's
own handler closes every connection because it cannot know whether the application read
the request body, so `_KeepAliveHandler` bounds the body by its Content-Length, drains
what the application left and always answers with a Content-Length. Idle connections
close after `KEEP_ALIVE_SECONDS`.
"""

from __future__ import annotations

import errno
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import LimitedStream

from sandbox.faults import Fault, FaultInjector, FaultRequest

LOOPBACK = "127.0.0.1"
ADMIN_PREFIX = "/_sandbox/"
KEEP_ALIVE_SECONDS = 30
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


class _KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1 with persistent connections; request lines go to the `sandbox` logger."""

    protocol_version = "HTTP/1.1"
    timeout = KEEP_ALIVE_SECONDS

    def log(self, type: str, message: str, *args: Any) -> None:
        logging.getLogger("sandbox.http").debug(message, *args)

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and
        # the client's delayed ACK hold every answer on a kept-alive connection ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def make_environ(self) -> Any:
        environ = super().make_environ()
        if not environ.get("wsgi.input_terminated"):  # chunked input is already bounded
            length = int(environ.get("CONTENT_LENGTH") or 0)
            environ["wsgi.input"] = LimitedStream(self.rfile, length)  # type: ignore[arg-type]
            environ["wsgi.input_terminated"] = True
        return environ

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        status, headers, body = _call_app(self.server.app, environ)
        while environ["wsgi.input"].read(65536):  # what the app left of the body
            pass
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        if int(code) not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and int(code) not in (204, 304):
            self.wfile.write(body)


def _call_app(app: Any, environ: Any) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run a WSGI app to completion: status line, headers and the whole body."""
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return lambda data: chunks.append(data)

    chunks: list[bytes] = []
    try:
        iterable = app(environ, start_response)
        try:
            chunks.extend(iterable)
        finally:
            if hasattr(iterable, "close"):
                iterable.close()
    except Exception:
        logging.getLogger("sandbox.http").exception("the simulator failed on a request")
        body = b'{"error":{"code":"InternalServerError","message":"The simulator failed."}}'
        return "500 INTERNAL SERVER ERROR", [("Content-Type", "application/json")], body
    return started[0], started[1], b"".join(chunks)


def bind_loopback(port: int, service: str) -> socket.socket:
    """A listening socket on 127.0.0.1:`port` (0 = a free port).

    Raises SandboxError naming the port and service when the port is taken.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((LOOPBACK, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise SandboxError(
                f"port {port} for the {service} simulator is already in use: stop what "
                "listens there or choose another port (0 picks a free one)"
            ) from exc
        raise SandboxError(f"cannot listen on {LOOPBACK}:{port} for {service}: {exc}") from exc
    return sock


class ServerThread:
    """A simulator served by a threaded werkzeug server in a background thread."""

    def __init__(
        self, app: Simulator, sock: socket.socket, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self.port: int = sock.getsockname()[1]
        server: BaseWSGIServer = make_server(
            LOOPBACK,
            self.port,
            app,
            threaded=True,
            request_handler=_KeepAliveHandler,
            ssl_context=ssl_context,
            fd=sock.fileno(),
        )
        sock.close()  # werkzeug duplicated the descriptor
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox-{app.name}",
            daemon=True,
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, close the socket and wait for the serving thread."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()
