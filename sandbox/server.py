"""Shared plumbing of the simulators: WSGI dispatch, error bodies, fault endpoints, serving.

Every simulator is a `Simulator` subclass: it lists its werkzeug `Rule`s (the endpoint of a
rule is the bound method that handles it) and says how its service shapes error bodies.
This module adds what all of them share:

- `POST|GET|DELETE /_sandbox/faults` on every simulator (see `sandbox.faults`),
- the fault step before each non-admin request: delay, then maybe a 429/503 in the
  service's own error shape,
- JSON error answers for unknown URLs (404) and wrong methods (405) in the same shape,
- `bind_loopback` + `ServerThread`: a threaded werkzeug server on 127.0.0.1 in a daemon
  thread; a taken port is a `SandboxError` naming it, never a hang or an exit.

Unlike the real services, werkzeug closes the connection after every answer (no
keep-alive), so each request pays a loopback connect (and a TLS handshake on the token
endpoint); benchmarks should compare runs against the sandbox with each other only.
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

from sandbox.faults import Fault, FaultInjector, FaultRequest

LOOPBACK = "127.0.0.1"
ADMIN_PREFIX = "/_sandbox/"
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


class Simulator:
    """Base of the four simulators: routing, faults and error rendering."""

    name = "simulator"

    def __init__(self, faults: FaultInjector | None = None) -> None:
        self.faults = faults or FaultInjector()
        self._map = Map(
            [
                Rule(
                    f"{ADMIN_PREFIX}faults",
                    endpoint=self._on_faults,
                    methods=["GET", "POST", "DELETE"],
                ),
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
        if not request.path.startswith(ADMIN_PREFIX):
            fault_response = self._inject_fault()
            if fault_response is not None:
                return fault_response
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


class _QuietRequestHandler(WSGIRequestHandler):
    """Request lines go to the `sandbox` logger at DEBUG instead of stderr."""

    def log(self, type: str, message: str, *args: Any) -> None:
        logging.getLogger("sandbox.http").debug(message, *args)


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
            request_handler=_QuietRequestHandler,
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
