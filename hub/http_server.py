"""HTTP triggers served on loopback with werkzeug, like the host's `/api/<route>` endpoints.

A request is routed (404 with a JSON body for unknown paths, 405 with `Allow` for a known path
and another method), authorized against the function's auth level before anything runs (401,
function not executed), turned into a `func.HttpRequest`, and the function's `func.HttpResponse`
into the reply. An unhandled exception answers 500 with the invocation id only: the traceback
goes to the log, never to the caller.

As the Functions host (Kestrel) does:
- the path is decoded before routing except `%2F`, which stays encoded inside its segment,
  so `items/a%2Fb` reaches `items/{id}` with id `a%2Fb`;
- a body over 100 MB is refused with 413 before it is read (Content-Length), or as soon as
  it passes 100 MB (chunked).
Paths and ids are written to the log with control characters escaped (`\r\n`), so a caller
cannot forge log lines.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

import azure.functions as func
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from hub.functions_index import HttpFunction
from hub.host_errors import HostError
from hub.host_invoke import Invoker, printable
from hub.host_keys import KEY_HEADER, KEY_QUERY_PARAMETER, HostKeys
from hub.host_routes import Router

logger = logging.getLogger("hub.host")
# How often the server loop checks for a shutdown request (bounds how long stop() takes).
SHUTDOWN_POLL_SECONDS = 0.05
MAX_BODY_BYTES = 100 * 1024 * 1024  # Azure Functions' HTTP request length limit
_ENCODED_SLASH = re.compile("%2F", re.IGNORECASE)
_KEY_IN_QUERY = re.compile(rf"(?<=[?&]{KEY_QUERY_PARAMETER}=)[^&\s]*", re.IGNORECASE)


def redact_keys(text: str) -> str:
    """`text` with the value of every `code=` query parameter replaced by `***`."""
    return _KEY_IN_QUERY.sub("***", text)


class _RequestLogHandler(WSGIRequestHandler):
    """Access log lines without host keys (werkzeug's would print `?code=<key>`)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logger.info('HTTP %s "%s" %s', self.address_string(), redact_keys(self.requestline), code)


def host_path(environ: dict[str, Any]) -> str:
    """The request path as the Functions host routes it: decoded, except `%2F`."""
    raw = str(environ.get("RAW_URI") or environ.get("PATH_INFO") or "/").split("?", 1)[0]
    raw = raw.encode("latin-1").decode("utf-8", "replace")  # WSGI carries the bytes as latin-1
    return "%2F".join(unquote(piece) for piece in _ENCODED_SLASH.split(raw))


def json_response(status: int, payload: dict[str, Any], **headers: str) -> Response:
    return Response(
        json.dumps(payload), status=status, headers=headers, mimetype="application/json"
    )


def to_function_request(request: Request, route_params: dict[str, str]) -> func.HttpRequest:
    """The `func.HttpRequest` the worker would build (repeated values joined with commas)."""
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    params = {name: ",".join(request.args.getlist(name)) for name in request.args}
    return func.HttpRequest(
        request.method,
        request.url,
        headers=headers,
        params=params,
        route_params=route_params,
        body=request.get_data(),
    )


def to_response(value: Any) -> Response:
    """The reply for what a function returned. Raises TypeError for an unsupported return."""
    if value is None:
        return Response(status=204)
    if isinstance(value, str | bytes):
        value = func.HttpResponse(value)
    if not isinstance(value, func.HttpResponse):
        raise TypeError(f"an HTTP function returned {type(value).__name__}, not func.HttpResponse")
    response = Response(value.get_body(), status=value.status_code)
    for name, header in value.headers.items():
        response.headers[name] = header
    if "Content-Type" not in value.headers:
        mimetype = value.mimetype
        charset = f"; charset={value.charset}" if mimetype.startswith("text/") else ""
        response.headers["Content-Type"] = mimetype + charset
    return response


def _listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket listening on host:port (0: a free port). Raises HostError."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(128)
    except OSError as exc:
        listener.close()
        raise HostError(f"cannot listen for HTTP on {host}:{port}: {exc.strerror or exc}") from exc
    return listener


class HttpServer:
    """The HTTP triggers of an index behind one threaded werkzeug server."""

    def __init__(
        self,
        functions: list[HttpFunction],
        invoker: Invoker,
        keys: HostKeys,
        *,
        host: str = "127.0.0.1",
        port: int = 7071,
        route_prefix: str = "api",
    ) -> None:
        self._router = Router(functions, route_prefix)
        self._invoker = invoker
        self._keys = keys
        self._host, self._requested_port = host, port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise HostError("the HTTP server is not started (call start() first)")
        return int(self._server.port)

    def start(self) -> None:
        """Bind the port and serve in a background thread. Raises HostError if it cannot bind."""
        with _listening_socket(self._host, self._requested_port) as listener:
            # werkzeug would print and sys.exit() on a taken port: hand it a bound socket instead.
            self._server = make_server(
                self._host,
                listener.getsockname()[1],
                self.wsgi_app,
                threaded=True,
                request_handler=_RequestLogHandler,
                fd=listener.fileno(),
            )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
            name="http-server",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting requests (requests in progress are waited for by the invoker)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def wsgi_app(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        response = self.handle(Request(environ))
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        """Route, authorize, invoke and convert one request."""
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return _too_large()
        request.max_content_length = MAX_BODY_BYTES  # a chunked body is cut off at the limit
        path = host_path(request.environ)
        match = self._router.match(path, request.method)
        if match.function is None:
            if match.allowed_methods:
                return json_response(
                    405,
                    {"error": f"method {request.method} is not allowed on {path}"},
                    Allow=", ".join(match.allowed_methods),
                )
            return json_response(404, {"error": f"no function serves {path}"})
        presented = request.args.get(KEY_QUERY_PARAMETER) or request.headers.get(KEY_HEADER)
        if not self._keys.allows(match.function.auth_level, presented):
            return json_response(
                401, {"error": f"a valid {match.function.auth_level.value} key is required"}
            )
        return self._invoke(match.function, request, match.route_params)

    def _invoke(self, function: HttpFunction, request: Request, params: dict[str, str]) -> Response:
        try:
            trigger_input = to_function_request(request, params)
        except RequestEntityTooLarge:
            return _too_large()
        path = printable(host_path(request.environ))
        result = self._invoker.invoke(
            function,
            trigger_input,
            reason=f"This HTTP triggered function was called ({request.method} {path}).",
        )
        if result.succeeded:
            try:
                return to_response(result.value)
            except TypeError:
                logger.exception("Function '%s' (Id=%s)", function.name, result.invocation_id)
        return json_response(
            500, {"error": "Internal Server Error", "invocationId": result.invocation_id}
        )


def _too_large() -> Response:
    # werkzeug closes the connection after it: the unread body never reaches a next request.
    return json_response(
        413, {"error": f"the request body is over {MAX_BODY_BYTES // (1024 * 1024)} MB"}
    )
