"""Quarantine: input that failed validation is kept with its reason, never silently dropped."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from shared.flows.deps import Deps
from shared.ports import Entity

QUARANTINE_TABLE = "quarantine"
MAX_PAYLOAD_CHARS = 30_000  # Table Storage strings hold ~32K characters


def quarantine_message(
    deps: Deps, *, source: str, key: str, payload: str, error: str, field: str = ""
) -> str:
    """Keep a rejected message under partition `source`; returns its row key."""
    row = key or hashlib.sha256(payload.encode()).hexdigest()[:24]
    deps.store.upsert_many(
        QUARANTINE_TABLE,
        [
            Entity(
                source,
                row,
                {
                    "Source": source,
                    "Field": field,
                    "Error": error,
                    "Payload": payload[:MAX_PAYLOAD_CHARS],
                    "ReceivedOn": deps.clock(),
                },
            )
        ],
        replace=True,
    )
    return row


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
        for entity in deps.store.query(QUARANTINE_TABLE, partition=source)
    ]
    rows.sort(key=lambda row: row["receivedOn"] or "", reverse=True)
    return rows[:limit]


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else value
