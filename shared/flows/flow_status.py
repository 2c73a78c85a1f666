"""Each flow's status row: when it last worked, and what stops it when it cannot.

A fatal error (credentials refused, a setting missing, an upstream contract broken) is
never written onto a staged record: it is recorded here, with the settings to fix, and
raised again so the message is redelivered. The row is one per flow in the `syncstatus`
table (partition `flow`), read by `GET /api/status` and `hub status`.

A success is written at most once a minute per worker and flow (and at once after this
worker saw the flow fail), so healthy traffic does not pay a write per message. The flow
counts as failing while its last failure is newer than its last success.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from shared.errors import FatalError
from shared.flows.deps import Deps
from shared.ports.store import Entity, StagingStore
from shared.registry import Flow, Table

PARTITION = "flow"
HEALTHY_WRITE_SECONDS = 60.0

# Per store (one per worker): flow → (monotonic time of the last write, it recorded a success).
_written: weakref.WeakKeyDictionary[StagingStore, dict[Flow, tuple[float, bool]]] = (
    weakref.WeakKeyDictionary()
)
_written_lock = threading.Lock()


@contextmanager
def tracked(deps: Deps, flow: Flow) -> Iterator[None]:
    """Record the block's outcome on the flow's status row; fatal errors are raised again."""
    try:
        yield
    except FatalError as exc:
        record_fatal(deps, flow, exc)
        raise
    record_healthy(deps, flow)


def record_fatal(deps: Deps, flow: Flow, error: FatalError) -> None:
    data = {
        "LastFailedOn": deps.clock(),
        "LastError": error.message,
        "ErrorCode": error.code,
        "Settings": ", ".join(error.settings),
    }
    deps.store.upsert_many(Table.STATUS, [Entity(PARTITION, flow.value, data)])
    _remember(deps.store, flow, healthy=False)


def record_healthy(deps: Deps, flow: Flow) -> None:
    with _written_lock:
        last = _written.get(deps.store, {}).get(flow)
    if last is not None and last[1] and time.monotonic() - last[0] < HEALTHY_WRITE_SECONDS:
        return
    data = {"LastSucceededOn": deps.clock()}
    deps.store.upsert_many(Table.STATUS, [Entity(PARTITION, flow.value, data)])
    _remember(deps.store, flow, healthy=True)


def flow_statuses(deps: Deps) -> list[dict[str, Any]]:
    """Every flow's row: healthy or failing, since when, and the settings to fix."""
    rows = {
        entity.row: entity.data for entity in deps.store.query(Table.STATUS, partition=PARTITION)
    }
    return [_status(flow, rows.get(flow.value, {})) for flow in Flow]


def _status(flow: Flow, data: dict[str, Any]) -> dict[str, Any]:
    succeeded, failed = data.get("LastSucceededOn"), data.get("LastFailedOn")
    failing = failed is not None and (succeeded is None or failed > succeeded)
    state = "failing" if failing else ("healthy" if succeeded is not None else "not run")
    return {
        "flow": flow.value,
        "state": state,
        "lastSucceededOn": _iso(succeeded),
        "lastFailedOn": _iso(failed),
        "lastError": data.get("LastError") or None,
        "errorCode": data.get("ErrorCode") or None,
        "settings": [s for s in str(data.get("Settings") or "").split(", ") if s],
    }


def _remember(store: StagingStore, flow: Flow, *, healthy: bool) -> None:
    with _written_lock:
        _written.setdefault(store, {})[flow] = (time.monotonic(), healthy)


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else None
