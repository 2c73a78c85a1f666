"""Quarantine: input that failed validation is kept with its reason, never silently dropped."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.flows.deps import Deps
from shared.ports.store import Entity
from shared.registry import Table

MAX_PAYLOAD_CHARS = 30_000  # Table Storage strings hold ~32K characters


@dataclass(frozen=True)
class Rejected:
    """Input that failed validation: its key, the offending field, why, and the raw payload."""

    key: str
    field: str
    error: str
    payload: str


def quarantine_entity(source: str, rejected: Rejected, now: datetime, **extra: Any) -> Entity:
    """The quarantine row of one rejected input (partition = where it came from)."""
    data = {
        "Source": source,
        "Field": rejected.field,
        "Error": rejected.error,
        "Payload": rejected.payload[:MAX_PAYLOAD_CHARS],
        "ReceivedOn": now,
        **extra,
    }
    return Entity(source, rejected.key, data)


def quarantine_message(
    deps: Deps, *, source: str, key: str, payload: str, error: str, field: str = ""
) -> str:
    """Keep a rejected message under partition `source`; returns its row key."""
    row = key or hashlib.sha256(payload.encode()).hexdigest()[:24]
    entity = quarantine_entity(source, Rejected(row, field, error, payload), deps.clock())
    deps.store.upsert_many(Table.QUARANTINE, [entity], replace=True)
    return row


def replace_quarantine(deps: Deps, source: str, rejected: list[Rejected], **extra: Any) -> None:
    """Make `rejected` the whole quarantine of `source`: earlier rows that now pass go."""
    current = {r.key for r in rejected}
    for old in deps.store.query(Table.QUARANTINE, partition=source):
        if old.row not in current:
            deps.store.delete(Table.QUARANTINE, source, old.row)
    now = deps.clock()
    deps.store.upsert_many(
        Table.QUARANTINE,
        [quarantine_entity(source, r, now, **extra) for r in rejected],
        replace=True,
    )


def list_quarantine(
    deps: Deps, *, source: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Kept records, newest first: where from, which field, why, and the payload."""
    rows = [
        {
            "source": entity.partition,
            "key": entity.row,
            "field": entity.data.get("Field", ""),
            "error": entity.data.get("Error", ""),
            "receivedOn": _iso(entity.data.get("ReceivedOn")),
            "payload": entity.data.get("Payload", ""),
        }
        for entity in deps.store.query(Table.QUARANTINE, partition=source)
    ]
    rows.sort(key=lambda row: row["receivedOn"] or "", reverse=True)
    return rows[:limit]


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else value
