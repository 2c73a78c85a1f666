"""Quarantine: input that failed validation is kept with its reason, never silently dropped."""

from __future__ import annotations

import hashlib

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
