"""Dataverse (Dynamics 365 Sales, Project Operations) as the hub's flows use it.

Rows are plain dicts in the Web API's shape (logical column names, lookups written as
`<navigation>@odata.bind` and read as `_<column>_value`). A row is addressed by its id or
by an alternate key (`RowKey`). Writes are idempotent by construction: the hub upserts by
id or alternate key, never blindly creates.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

RowKey = str | Mapping[str, str | int]
"""A row's id (a GUID), or its alternate key: column → value."""


@dataclass(frozen=True)
class Upserted:
    """The row an upsert wrote, and whether it created it."""

    id: str
    created: bool
    row: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    """One request of a `$batch`: `path` is relative to the service root (`accounts(…)`),
    or a `$<content id>` reference to a row created earlier in the same change set."""

    method: Literal["GET", "POST", "PATCH", "PUT", "DELETE"]
    path: str
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    content_id: str | None = None


@dataclass(frozen=True)
class ChangeSet:
    """Operations that succeed or fail together (one database transaction)."""

    operations: Sequence[Operation]


@dataclass(frozen=True)
class OperationResult:
    """What one operation of a batch answered; `error` is set when it failed."""

    status: int
    headers: Mapping[str, str]
    body: Any = None
    error: Exception | None = None

    @property
    def entity_id(self) -> str | None:
        """The id of the row a create or upsert wrote (from `OData-EntityId`)."""
        location = next(
            (value for name, value in self.headers.items() if name.lower() == "odata-entityid"),
            None,
        )
        if not location or "(" not in location:
            return None
        return location.rsplit("(", 1)[1].rstrip(")")


@dataclass(frozen=True)
class Change:
    """One row of a change-tracking read: `updated` (created or changed, with its columns)
    or `deleted` (only its id)."""

    kind: Literal["updated", "deleted"]
    id: str
    row: Mapping[str, Any] = field(default_factory=dict)


class ChangeFeed(Protocol):
    """Changed rows, streamed; once iterated to the end, `delta_link` resumes after them."""

    delta_link: str | None

    def __iter__(self) -> Iterator[Change]: ...


class Dataverse(Protocol):
    """Rows of one Dataverse environment.

    Reads raise NotFound for a missing row; writes raise RejectedError (the data was
    refused: too long, wrong type, unknown column), ConflictError (a duplicate, or changed
    since read), DependencyNotSynced (a row it refers to does not exist yet: transient),
    ThrottledError (service protection limits), AuthError.
    """

    def get(
        self,
        entity_set: str,
        key: RowKey,
        *,
        select: Sequence[str] = (),
        expand: str | None = None,
        annotations: bool = False,
    ) -> dict[str, Any]: ...

    def rows(
        self,
        entity_set: str,
        *,
        filter: str | None = None,
        select: Sequence[str] = (),
        expand: str | None = None,
        order_by: str | None = None,
        annotations: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Every matching row, one page in memory at a time."""
        ...

    def create(self, entity_set: str, values: Mapping[str, Any]) -> str:
        """Create a row (its id may be in `values`); returns its id."""
        ...

    def upsert(
        self,
        entity_set: str,
        key: RowKey,
        values: Mapping[str, Any],
        *,
        mode: Literal["upsert", "create", "update"] = "upsert",
    ) -> Upserted:
        """Create the row with this key, or update it: one request either way."""
        ...

    def delete(self, entity_set: str, key: RowKey, *, etag: str = "*") -> None: ...

    def execute(
        self, items: Sequence[Operation | ChangeSet], *, continue_on_error: bool = False
    ) -> list[OperationResult]:
        """Operations and change sets in `$batch` requests of at most 1,000 operations each
        (a change set is never split), one result per operation, in order. Without
        `continue_on_error` the first failure stops the batch: its result carries the error
        and later ones are absent. A failed change set leaves nothing of itself behind: its
        failing operation carries the error, the others answer 424 with the same error."""
        ...

    def changes(
        self, entity_set: str, *, select: Sequence[str], delta_link: str | None = None
    ) -> ChangeFeed:
        """Rows changed since `delta_link` (all rows on the first read), for a table with
        change tracking on."""
        ...
