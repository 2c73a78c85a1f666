"""The hub's error tree: three kinds, each with one meaning for queues, records and HTTP.

    HubError
    ├── TransientError        kind "transient": the same work will succeed later.
    │   ├── ThrottledError    429 / 503, with Retry-After when the service gave one.
    │   ├── ConflictError     409 / 412: changed (or created) since it was read; read again.
    │   ├── UncertainWriteError  a write's answer was lost: it may have been done; read again.
    │   └── DependencyNotSynced  a row it refers to does not exist (yet): its parent first.
    ├── RecordError           kind "record": this record's data breaks a rule.
    │   ├── ValidationError   the hub's own checks refused it (bad input; names record and field).
    │   ├── RejectedError     the target system refused it (BC's 400 about the document).
    │   └── NotFound          the record asked for by key does not exist.
    └── FatalError            kind "fatal": the flow cannot run until a setting is fixed.
        ├── AuthError         a service refused the hub's credentials (401 / 403).
        ├── ConfigurationError a setting is missing or invalid.
        └── ContractError     an upstream answer broke its documented contract.

What each kind means where it is caught:
- transient: raised out of a queue handler, so the bus redelivers and finally dead-letters;
  recorded on the staging row as "will retry"; HTTP 503 (409 for a conflict).
- record: recorded on the staging row with a readable message naming the record and the
  field; the message is completed and waits for Reprocess; HTTP 400 / 404 / 422.
- fatal: never written onto a record. The message is not completed (redelivered, then
  dead-lettered if it persists); the flow's status row records the failure and the
  settings to fix; HTTP 502 (500 for configuration). Once fixed, records proceed by
  themselves. `settings` names what to check.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import ClassVar


class ErrorKind(StrEnum):
    TRANSIENT = "transient"
    RECORD = "record"
    FATAL = "fatal"


class HubError(Exception):
    """Base of every error the hub raises on purpose."""

    code: ClassVar[str] = "HubError"
    kind: ClassVar[ErrorKind]

    def __init__(self, message: str, *, status: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.detail = detail

    def to_dict(self) -> dict[str, object]:
        """The error as the hub's HTTP error body (`{"error": {...}}`)."""
        body: dict[str, object] = {
            "code": self.code,
            "kind": self.kind.value,
            "message": self.message,
        }
        body.update((name, value) for name, value in self.details().items() if value)
        if self.status is not None:
            body["upstreamStatus"] = self.status
        return {"error": body}

    def details(self) -> dict[str, object]:
        """What a kind adds to the error body (empty values are left out)."""
        return {}


class TransientError(HubError):
    """Worth retrying later (throttling, outages, timeouts, a parent not synced yet)."""

    code = "Transient"
    kind = ErrorKind.TRANSIENT


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


class ConflictError(TransientError):
    """The record changed, or was created, since it was read (stale ETag, key taken).

    Transient: reading it again and redoing the work resolves it. Retrying the same
    request blindly does not, so the HTTP layer never repeats a 409 or 412 by itself.
    """

    code = "Conflict"


class UncertainWriteError(TransientError):
    """A write was sent and its answer lost (connection cut, timeout, a gateway's 5xx).

    The service may have carried it out. Sending it again blindly could do it twice (or
    fail with "already exists"), so it is never repeated: the caller reads the target
    again by its key and links or completes what is there.
    """

    code = "UncertainWrite"


class DependencyNotSynced(TransientError):
    """The record refers to one the target does not hold yet (a parent not synced so far).

    Transient: the parent's own sync creates it, and the next attempt succeeds.
    """

    code = "DependencyNotSynced"


class RecordError(HubError):
    """This record cannot be processed as it is; an operator must fix it and reprocess."""

    code = "RecordError"
    kind = ErrorKind.RECORD

    def __init__(
        self,
        message: str,
        *,
        record: str = "",
        field: str = "",
        status: int | None = None,
        detail: str = "",
    ) -> None:
        super().__init__(message, status=status, detail=detail)
        self.record = record
        self.field = field

    def details(self) -> dict[str, object]:
        return {"record": self.record, "field": self.field}


class ValidationError(RecordError):
    """Input that breaks one of the hub's rules; the message names the record and field."""

    code = "ValidationFailed"


class RejectedError(RecordError):
    """The target system refused this record (e.g. Business Central's 400 about a document)."""

    code = "Rejected"


class NotFound(RecordError):
    """The record asked for by key does not exist."""

    code = "NotFound"


class FatalError(HubError):
    """The flow cannot run until a setting is fixed; `settings` names which to check."""

    code = "Fatal"
    kind = ErrorKind.FATAL

    def __init__(
        self,
        message: str,
        *,
        settings: Sequence[str] = (),
        status: int | None = None,
        detail: str = "",
    ) -> None:
        super().__init__(message, status=status, detail=detail)
        self.settings = tuple(settings)

    def details(self) -> dict[str, object]:
        return {"settings": list(self.settings)}


class AuthError(FatalError):
    """A service refused the hub's credentials; `settings` names the ones to check."""

    code = "AuthenticationFailed"


class ConfigurationError(FatalError):
    """A setting is missing or invalid; `settings` names it."""

    code = "ConfigurationInvalid"


class ContractError(FatalError):
    """An upstream answer broke its documented contract (a missing field, a wrong shape)."""

    code = "UpstreamContractBroken"


ERROR_CLASSES: tuple[type[HubError], ...] = (
    TransientError,
    ThrottledError,
    ConflictError,
    UncertainWriteError,
    DependencyNotSynced,
    ValidationError,
    RejectedError,
    NotFound,
    AuthError,
    ConfigurationError,
    ContractError,
)
"""The concrete classes the hub raises (the README's error table lists each)."""
