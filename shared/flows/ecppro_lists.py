"""EcpPro lists → hub staging: a full snapshot diffed against what is staged.

gather: every record of the list from EcpPro, mapped and hashed; the staged rows' ids,
        hashes and statuses.
decide: `plan_refresh` (pure) → inserts, updates, restores, removals; unchanged rows are
        only counted, never written.
apply:  one batched upsert (transactions of ≤ 100), then the list's refresh status row.

A record that fails validation is quarantined with the field and reason, and its staged
row (if any) stays as it was: it is neither updated nor marked removed. When EcpPro
refuses the credentials nothing is written but the failure on the status row.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.domain.ecppro import (
    EcpProList,
    RefreshList,
    RefreshOutcome,
    RefreshResult,
    RowStatus,
)
from shared.errors import FatalError, HubError, ValidationError
from shared.flows.deps import Deps
from shared.flows.flow_status import tracked
from shared.flows.quarantine import Rejected, replace_quarantine
from shared.mappings.ecppro_lists import LIST_MAPPINGS
from shared.mappings.engine import apply_mapping
from shared.ports.bus import OutgoingMessage
from shared.ports.store import Entity
from shared.registry import Flow, Queue, Table

STATUS_PARTITION = "ecppro"


@dataclass(frozen=True)
class Incoming:
    """One valid EcpPro record, mapped to staging columns, with its content hash."""

    id: str
    fields: dict[str, Any]
    hash: str


@dataclass(frozen=True)
class Staged:
    """What the planner needs of a staged row."""

    id: str
    hash: str
    status: RowStatus
    first_seen: datetime | None = None


@dataclass
class RefreshPlan:
    inserts: list[Incoming] = field(default_factory=list)
    updates: list[Incoming] = field(default_factory=list)
    restores: list[Incoming] = field(default_factory=list)
    removals: list[str] = field(default_factory=list)
    unchanged: int = 0


def content_hash(fields: Mapping[str, Any]) -> str:
    """A stable hash of the mapped fields (datetimes as ISO text)."""
    canonical = json.dumps(fields, sort_keys=True, default=lambda v: v.isoformat())
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def plan_refresh(
    incoming: Mapping[str, Incoming], staged: Mapping[str, Staged], protected: Iterable[str] = ()
) -> RefreshPlan:
    """Decide what a snapshot changes. `protected` ids (quarantined now) are never removed."""
    plan = RefreshPlan()
    for record_id, record in incoming.items():
        current = staged.get(record_id)
        if current is None:
            plan.inserts.append(record)
        elif current.status is RowStatus.REMOVED:
            plan.restores.append(record)
        elif current.hash != record.hash:
            plan.updates.append(record)
        else:
            plan.unchanged += 1
    keep = set(incoming) | set(protected)
    plan.removals = sorted(
        record_id
        for record_id, current in staged.items()
        if record_id not in keep and current.status is RowStatus.ACTIVE
    )
    return plan


def map_snapshot(
    list_name: EcpProList, records: Iterable[Mapping[str, Any]]
) -> tuple[dict[str, Incoming], list[Rejected]]:
    """Validate and map a snapshot; duplicates and invalid records are rejected, not dropped."""
    mapping = LIST_MAPPINGS[list_name]
    valid: dict[str, Incoming] = {}
    rejected: list[Rejected] = []
    for position, record in enumerate(records, start=1):
        raw_id = record.get("id")
        label = f"EcpPro {list_name.value} record {raw_id or f'#{position} (no id)'}"
        try:
            fields = apply_mapping(mapping, record, record_label=label)
            digest = content_hash(fields)
            if fields["Id"] in valid:
                if valid[fields["Id"]].hash == digest:
                    continue  # the same record on two pages: a shifted page, not a conflict
                raise ValidationError(
                    f"{label}: id appears twice with different content", field="id"
                )
        except ValidationError as exc:
            key = str(raw_id) if raw_id else f"no-id-{content_hash(dict(record))[:12]}"
            if raw_id and raw_id in valid:
                key = f"{raw_id}#duplicate{position}"
            payload = json.dumps(record, default=str)
            rejected.append(Rejected(key, exc.field, exc.message, payload))
            continue
        valid[fields["Id"]] = Incoming(fields["Id"], fields, digest)
    return valid, rejected


def handle_refresh(command: RefreshList, deps: Deps) -> RefreshResult:
    """Refresh one list. Raises AuthError / TransientError after recording the failure."""
    with tracked(deps, Flow.ECPPRO_REFRESH):
        return _refresh(command, deps)


def _refresh(command: RefreshList, deps: Deps) -> RefreshResult:
    list_name = command.list
    correlation = command.correlation_id or str(uuid.uuid4())
    started = time.monotonic()
    try:
        incoming, rejected = map_snapshot(list_name, deps.ecppro.list_records(list_name.value))
    except HubError as exc:
        _record_failure(deps, list_name, correlation, exc)
        raise
    staged = _read_staged(deps, list_name)
    plan = plan_refresh(incoming, staged, protected=(r.key for r in rejected))
    _apply(deps, list_name, plan, staged, correlation)
    replace_quarantine(
        deps, f"ecppro.{list_name.value}", rejected, List=list_name.value, CorrelationId=correlation
    )
    active = sum(1 for s in staged.values() if s.status is RowStatus.ACTIVE)
    active += len(plan.inserts) + len(plan.restores) - len(plan.removals)
    result = RefreshResult(
        list=list_name,
        outcome=RefreshOutcome.SUCCEEDED_WITH_QUARANTINE if rejected else RefreshOutcome.SUCCEEDED,
        inserted=len(plan.inserts),
        updated=len(plan.updates),
        unchanged=plan.unchanged,
        removed=len(plan.removals),
        restored=len(plan.restores),
        quarantined=len(rejected),
        active=active,
        correlation_id=correlation,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    _record_success(deps, result)
    return result


def _read_staged(deps: Deps, list_name: EcpProList) -> dict[str, Staged]:
    return {
        entity.row: Staged(
            entity.row,
            str(entity.data.get("ContentHash", "")),
            RowStatus(entity.data.get("Status", RowStatus.ACTIVE)),
            entity.data.get("FirstSeenOn"),
        )
        for entity in deps.store.query(Table.ECPPRO_ROWS, partition=list_name.value)
    }


def _apply(
    deps: Deps,
    list_name: EcpProList,
    plan: RefreshPlan,
    staged: Mapping[str, Staged],
    correlation: str,
) -> None:
    now = deps.clock()
    # Rows are replaced, not merged, so a field EcpPro cleared is cleared here too.
    written = [_row(list_name, record, now, correlation, first_seen=now) for record in plan.inserts]
    written += [
        _row(list_name, record, now, correlation, first_seen=staged[record.id].first_seen or now)
        for record in [*plan.updates, *plan.restores]
    ]
    deps.store.upsert_many(Table.ECPPRO_ROWS, written, replace=True)
    removed = [
        Entity(
            list_name.value,
            record_id,
            {"Status": RowStatus.REMOVED.value, "RemovedOn": now, "CorrelationId": correlation},
        )
        for record_id in plan.removals
    ]
    deps.store.upsert_many(Table.ECPPRO_ROWS, removed)


def _row(
    list_name: EcpProList,
    record: Incoming,
    now: datetime,
    correlation: str,
    first_seen: datetime,
) -> Entity:
    data = {
        **record.fields,
        "ContentHash": record.hash,
        "Status": RowStatus.ACTIVE.value,
        "FirstSeenOn": first_seen,
        "LastChangedOn": now,
        "CorrelationId": correlation,
    }
    return Entity(list_name.value, record.id, data)


def _record_success(deps: Deps, result: RefreshResult) -> None:
    now = deps.clock()
    data = {
        "LastAttemptOn": now,
        "LastSucceededOn": now,
        "LastResult": result.outcome.value,
        "LastError": "",
        "ErrorKind": "",
        "Settings": "",
        "Inserted": result.inserted,
        "Updated": result.updated,
        "Unchanged": result.unchanged,
        "Removed": result.removed,
        "Restored": result.restored,
        "Quarantined": result.quarantined,
        "Active": result.active,
        "CorrelationId": result.correlation_id,
        "DurationMs": result.duration_ms,
    }
    deps.store.upsert_many(Table.STATUS, [Entity(STATUS_PARTITION, result.list.value, data)])


def _record_failure(deps: Deps, list_name: EcpProList, correlation: str, error: HubError) -> None:
    data = {
        "LastAttemptOn": deps.clock(),
        "LastResult": RefreshOutcome.FAILED.value,
        "LastError": error.message,
        "ErrorKind": error.kind.value,
        "Settings": ", ".join(error.settings) if isinstance(error, FatalError) else "",
        "CorrelationId": correlation,
    }
    deps.store.upsert_many(Table.STATUS, [Entity(STATUS_PARTITION, list_name.value, data)])


def refresh_all_lists(deps: Deps, *, reason: str = "timer") -> int:
    """Queue one refresh per list (the timer's fan-out); returns how many were accepted.

    Message ids are per list and minute, so a timer that fires twice (two instances, a
    restart) queues each refresh once under the bus's duplicate detection.
    """
    stamp = deps.clock().strftime("%Y%m%dT%H%M")
    messages = [
        OutgoingMessage(
            body=RefreshList(list=list_name, reason=reason).model_dump_json(),
            message_id=f"ecppro-refresh:{list_name.value}:{stamp}",
        )
        for list_name in EcpProList
    ]
    return deps.bus.send(Queue.ECPPRO_REFRESH, messages)
