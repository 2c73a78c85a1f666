"""The hub's error tree.

    HubError
    ├── TransientError        retry later: 429, 5xx, timeouts, a parent not yet coupled.
    │                         Raised out of a queue handler so the bus redelivers, then dead-letters.
    │   └── ThrottledError    429 / 503 with an optional Retry-After.
    └── PermanentError        retrying cannot help: recorded on the staging row, message completed.
        ├── ValidationError   bad input: names the record and the field.
        ├── AuthError         credentials refused (401/403); names the settings to check.
        ├── NotFound          404 on a read by key.
        └── ConflictError     409 / 412: the record changed since it was read (stale ETag).

Messages name the record, both ids where known, and the field.
"""

from __future__ import annotations


class HubError(Exception):
    """Base of every error the hub raises on purpose."""

    code = "HubError"

    def __init__(self, message: str, *, status: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.detail = detail

    def to_dict(self) -> dict[str, object]:
        """The error as the hub's HTTP error body (`{"error": {...}}`)."""
        body: dict[str, object] = {"code": self.code, "message": self.message}
        if self.status is not None:
            body["upstreamStatus"] = self.status
        return {"error": body}


class TransientError(HubError):
    """Worth retrying later (throttling, outages, timeouts, missing parents)."""

    code = "Transient"


class ThrottledError(TransientError):
    """The service asked us to slow down; `retry_after` is in seconds when it said."""

    code = "Throttled"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 429,
        retry_after: float | None = None,
        detail: str = "",
    ) -> None:
        super().__init__(message, status=status, detail=detail)
        self.retry_after = retry_after


class PermanentError(HubError):
    """Retrying the same input cannot succeed; an operator must act."""

    code = "Permanent"


class ValidationError(PermanentError):
    """Input that breaks a rule; the message names the record and field."""

    code = "ValidationFailed"

    def __init__(
        self, message: str, *, record: str = "", field: str = "", status: int | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.record = record
        self.field = field

    def to_dict(self) -> dict[str, object]:
        body = super().to_dict()
        error = body["error"]
        assert isinstance(error, dict)
        if self.record:
            error["record"] = self.record
        if self.field:
            error["field"] = self.field
        return body


class AuthError(PermanentError):
    """A service refused our credentials; the message names the settings to check."""

    code = "AuthenticationFailed"


class NotFound(PermanentError):
    """The record asked for by key does not exist."""

    code = "NotFound"


class ConflictError(PermanentError):
    """The record changed since it was read (stale ETag) or already exists."""

    code = "Conflict"
