"""Watermarks: how far each entity's sync has read its source, per direction.

The next run reads what changed after the watermark minus a small overlap (clocks and
commit order are not exact), and the hash comparison drops what it re-reads. A watermark
only moves after the run's writes succeeded, and never past a record that still waits
for its parent or failed transiently.
"""

from __future__ import annotations

from datetime import datetime

from shared.errors import NotFound
from shared.ports.store import Entity, StagingStore
from shared.registry import Table
from shared.sync.maps import Direction


class Watermarks:
    def __init__(self, store: StagingStore) -> None:
        self.store = store

    def get(self, direction: Direction, entity: str) -> datetime | None:
        try:
            row = self.store.get(Table.WATERMARKS, direction.value, entity)
        except NotFound:
            return None
        since = row.data.get("Since")
        return since if isinstance(since, datetime) else None

    def advance(self, direction: Direction, entity: str, since: datetime, at: datetime) -> None:
        """Move the watermark forward (never back)."""
        current = self.get(direction, entity)
        if current is not None and current >= since:
            return
        self.store.upsert_many(
            Table.WATERMARKS, [Entity(direction.value, entity, {"Since": since, "UpdatedAt": at})]
        )

    def token(self, direction: Direction, entity: str) -> str | None:
        """A source's own resume point (a Dataverse delta link), when it has one."""
        try:
            row = self.store.get(Table.WATERMARKS, direction.value, f"{entity}|token")
        except NotFound:
            return None
        return str(row.data.get("Token") or "") or None

    def keep_token(self, direction: Direction, entity: str, token: str, at: datetime) -> None:
        self.store.upsert_many(
            Table.WATERMARKS,
            [Entity(direction.value, f"{entity}|token", {"Token": token, "UpdatedAt": at})],
        )

    def reset(self, direction: Direction, entity: str) -> None:
        """Read everything again on the next run (a full resync; hashes keep it cheap)."""
        self.store.delete(Table.WATERMARKS, direction.value, entity)
        self.store.delete(Table.WATERMARKS, direction.value, f"{entity}|token")
