"""JSON responses for HTTP triggers and the hub error → HTTP status table."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import azure.functions as func
import pydantic

from shared.context import correlation_id
from shared.errors import (
    AuthError,
    ConfigurationError,
    ConflictError,
    ContractError,
    HubError,
    NotFound,
    RejectedError,
    ThrottledError,
    TransientError,
    ValidationError,
)

log = logging.getLogger(__name__)
_ENCODED_SLASH = re.compile("%2F", re.IGNORECASE)

# Error class → HTTP status, most specific first (the README's error table shows the same).
# A fatal error is the hub's problem, not the caller's: 502 when a service refused the hub or
# broke its contract, 500 for the hub's own configuration; the body names the setting.
STATUS_FOR_ERROR: tuple[tuple[type[HubError], int], ...] = (
    (ValidationError, 400),
    (NotFound, 404),
    (RejectedError, 422),
    (ConflictError, 409),
    (ThrottledError, 503),
    (TransientError, 503),
    (AuthError, 502),
    (ContractError, 502),
    (ConfigurationError, 500),
)


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(body, default=str),
        status_code=status,
        mimetype="application/json",
        headers={"x-correlation-id": correlation_id.get() or "", **(headers or {})},
    )


def error_response(error: HubError) -> func.HttpResponse:
    status = next((code for cls, code in STATUS_FOR_ERROR if isinstance(error, cls)), 500)
    headers = {}
    retry_after = getattr(error, "retry_after", None)
    if status == 503:
        headers["Retry-After"] = str(int(retry_after or 30))
    return json_response(error.to_dict(), status, headers)


def handle_http(
    req: func.HttpRequest, handler: Callable[[], func.HttpResponse]
) -> func.HttpResponse:
    """Run `handler` under the caller's correlation id; turn errors into JSON answers."""
    token = correlation_id.set(req.headers.get("x-correlation-id") or str(uuid.uuid4()))
    try:
        return handler()
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        return error_response(ValidationError(f"{field}: {first['msg']}", field=field))
    except HubError as exc:
        log.warning("request %s %s failed: %s", req.method, _path(req.url), exc.message)
        return error_response(exc)
    except Exception:
        log.exception("request %s %s failed unexpectedly", req.method, _path(req.url))
        return json_response(
            {
                "error": {
                    "code": "InternalError",
                    "message": "unexpected error; see the logs",
                    "correlationId": correlation_id.get(),
                }
            },
            500,
        )
    finally:
        correlation_id.reset(token)


def route_key(req: func.HttpRequest, name: str) -> str:
    """A route parameter that names a record: `%2F` decoded to `/`.

    The Functions host (Kestrel) decodes a path except `%2F`, which it leaves encoded so a
    segment keeps its meaning (dotnet/aspnetcore#11544); ids that hold `/` arrive as `%2F`.
    """
    return _ENCODED_SLASH.sub("/", req.route_params[name])


def _path(url: str) -> str:
    """The URL without its query: the `code` parameter carries the function key."""
    return urlsplit(url).path
