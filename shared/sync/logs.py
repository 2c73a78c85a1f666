"""The two sync logs of the product (§3.1): "BC to CRM Log" and "CRM to BC Log".

One row per synced record and direction (partition = entity, row = the source record's
id), rewritten on each attempt: the operation, whether the target now has it ("Updated
in CRM" / "Updated in BC"), attempts, the last error, the correlation id of the run and
when. A record that waits for its parent, or failed, keeps `updated` false and counts
its attempts; the next run picks it up again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.errors import NotFound
from shared.ports.store import Entity, StagingStore
from shared.registry import Table
from shared.sync.maps import Direction

LOG_TABLES = {Direction.BC_TO_CRM: Table.BC_TO_CRM_LOG, Direction.CRM_TO_BC: Table.CRM_TO_BC_LOG}


class Operation:
    CREATE = "Create"
    UPDATE = "Update"
    COUPLE = "Couple"  # matched an existing target record by its natural key
    WAIT = "Wait"  # a record it refers to is not synced yet
    SKIP = "Skip"  # refers to a parent that is not synced in this direction
    FAIL = "Fail"
    CONFLICT = "Conflict"  # changed on both sides between two runs (two-way entities)


@dataclass(frozen=True)
class LogEntry:
    entity: str
    record_id: str
    key: str
    operation: str
    updated: bool  # "Updated in CRM" (BC → CRM) / "Updated in BC" (CRM → BC)
    target_id: str = ""
    error: str = ""
    attempts: int = 1
    correlation_id: str = ""
    at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity, "recordId": self.record_id, "key": self.key,
            "operation": self.operation, "updated": self.updated, "targetId": self.target_id,
            "error": self.error, "attempts": self.attempts,
            "correlationId": self.correlation_id,
            "at": self.at.isoformat() if self.at else None,
        }  # fmt: skip


class SyncLog:
    """One direction's log over the staging store."""

    def __init__(self, store: StagingStore, direction: Direction) -> None:
        self.store = store
        self.table = LOG_TABLES[direction]

    def write(self, entries: Sequence[LogEntry]) -> None:
        """Record attempts; a record that did not get through counts one more attempt."""
        rows = []
        for entry in entries:
            attempts = 1 if entry.updated else self._attempts(entry) + 1
            rows.append(Entity(entry.entity, entry.record_id.lower(), _data(entry, attempts)))
        self.store.upsert_many(self.table, rows, replace=True)

    def entries(self, entity: str | None = None, *, pending: bool = False) -> Iterator[LogEntry]:
        """The log (of one entity); `pending` keeps rows not yet updated in the target."""
        where = {"Updated": False} if pending else None
        for row in self.store.query(self.table, partition=entity, where=where):
            yield _entry(row)

    def _attempts(self, entry: LogEntry) -> int:
        try:
            current = self.store.get(self.table, entry.entity, entry.record_id.lower())
        except NotFound:
            return 0
        return 0 if current.data.get("Updated") else int(current.data.get("Attempts") or 0)


def pending_count(entries: Iterable[LogEntry]) -> int:
    return sum(1 for entry in entries if not entry.updated)


def _data(entry: LogEntry, attempts: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "Key": entry.key, "Operation": entry.operation, "Updated": entry.updated,
        "TargetId": entry.target_id, "Error": entry.error[:4000], "Attempts": attempts,
        "CorrelationId": entry.correlation_id,
    }  # fmt: skip
    if entry.at is not None:
        data["At"] = entry.at
    return data


def _entry(row: Entity) -> LogEntry:
    data = row.data
    at = data.get("At")
    return LogEntry(
        entity=row.partition,
        record_id=row.row,
        key=str(data.get("Key") or ""),
        operation=str(data.get("Operation") or ""),
        updated=bool(data.get("Updated")),
        target_id=str(data.get("TargetId") or ""),
        error=str(data.get("Error") or ""),
        attempts=int(data.get("Attempts") or 0),
        correlation_id=str(data.get("CorrelationId") or ""),
        at=at if isinstance(at, datetime) else None,
    )
