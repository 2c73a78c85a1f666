"""The staging store: tables of rows with optimistic concurrency (Azure Table Storage)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class Entity:
    """One staging row. Keys are the natural (unencoded) values; the store encodes them."""

    partition: str
    row: str
    data: dict[str, Any] = field(default_factory=dict)
    etag: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of rows and the token that resumes after it (None at the end)."""

    entities: list[Entity]
    continuation: str | None


class StagingStore(Protocol):
    """Tables of staging rows with optimistic concurrency."""

    def get(self, table: str, partition: str, row: str) -> Entity:
        """Read one row. Raises NotFound."""
        ...

    def query(
        self, table: str, *, partition: str | None = None, where: Mapping[str, Any] | None = None
    ) -> Iterator[Entity]:
        """Stream the rows of a table or partition whose fields equal `where` (continuation hidden)."""
        ...

    def page(
        self,
        table: str,
        *,
        partition: str,
        size: int,
        continuation: str | None = None,
        where: Mapping[str, Any] | None = None,
    ) -> Page:
        """One page of a partition, for callers that page themselves (HTTP list endpoints).

        The page may hold fewer than `size` rows even when more follow: keep going while
        `continuation` is not None.
        """
        ...

    def insert(self, table: str, entity: Entity) -> Entity:
        """Create a row. Raises ConflictError when the key exists."""
        ...

    def update(self, table: str, entity: Entity) -> Entity:
        """Replace a row if its ETag still matches (`entity.etag`, None = unconditional).

        Raises ConflictError on a stale ETag, NotFound when the row is gone.
        """
        ...

    def upsert_many(self, table: str, entities: Iterable[Entity], *, replace: bool = False) -> int:
        """Merge (or replace) rows in atomic transactions of ≤ 100 per partition; returns the count."""
        ...

    def delete(self, table: str, partition: str, row: str, *, etag: str | None = None) -> None:
        """Delete a row (a missing row is not an error). Raises ConflictError on a stale ETag."""
        ...
