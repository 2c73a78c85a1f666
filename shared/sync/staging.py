"""CRM Data (product document §3.3): CRM records staged for BC, visible and actionable.

One table per CRM → BC entity ("CRM Customers", "CRM Person Contacts", "CRM Ship-to
Addresses"), one row per CRM record (row key = CRM id) holding:

- the CRM values the entity's map reads (`Source`, as read from Dataverse) and the BC
  values they map to (`Fields`, once mapped), so the operator sees what will be written;
- `Status`: New, Updated (changed in CRM since), Created / Coupled (in BC), Synced (BC
  already holds these values), Waiting (a
  master it refers to is not in BC yet, or BC was unavailable: retried), Error (refused:
  the message names the field; waits for a fix in CRM or a manual Create in BC),
  Conflict, Skipped (outside the map's filter), Deleted in CRM; `Pending` marks rows a
  Create in BC should take;
- the BC id and No. once created, the last error, attempts, correlation id and times.

Staging is fed from Dataverse's change tracking (`stage`); the engine then reads pending
rows as its source (`StagedSource`) and reports back how each went (`settle`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.errors import NotFound, ValidationError
from shared.ports.store import Entity, StagingStore
from shared.sync.maps import EntityMap, Row
from shared.sync.runner import Outcome
from shared.sync.sides import parse_modified

PARTITION = "staged"

# Outcome of an engine run → (Status, still pending)
_SETTLED = {
    "Created": ("Created", False), "Updated": ("Updated", False),
    "Coupled": ("Coupled", False), "Waiting": ("Waiting", True), "Error": ("Error", True),
    "Conflict": ("Conflict", False), "Filtered": ("Skipped", False),
}  # fmt: skip


@dataclass(frozen=True)
class StagedRow:
    crm_id: str
    status: str
    pending: bool
    source: dict[str, Any]
    fields: dict[str, Any]
    bc_id: str = ""
    bc_number: str = ""
    error: str = ""
    attempts: int = 0
    crm_modified: str = ""
    staged_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "crmId": self.crm_id, "status": self.status, "pending": self.pending,
            "bcId": self.bc_id, "bcNo": self.bc_number, "error": self.error,
            "attempts": self.attempts, "crmModifiedOn": self.crm_modified,
            "stagedAt": self.staged_at.isoformat() if self.staged_at else None,
            "fields": self.fields, "crm": self.source,
        }  # fmt: skip


class CrmStaging:
    """The staging table of one CRM → BC entity."""

    def __init__(self, store: StagingStore, table: str, clock: Any) -> None:
        self.store, self.table, self.clock = store, table, clock

    def stage(self, rows: Iterable[Row], deleted: Iterable[str] = ()) -> int:
        """Record CRM's latest values (each row has its `id` and `modifiedon`); a row with
        the same values as staged is left alone. Answers how many rows changed."""
        now, entities = self.clock(), []
        for row in rows:
            crm_id = str(row["id"]).lower()
            current = self._get(crm_id)
            source = {k: v for k, v in row.items() if k != "id" and not k.startswith("@")}
            if current is not None and current.source == source:
                continue
            status = "Updated" if current is not None and current.bc_id else "New"
            entities.append(Entity(PARTITION, crm_id, {
                "Source": json.dumps(source, default=str), "Status": status, "Pending": True,
                "CrmModifiedOn": str(row.get("modifiedon") or ""), "StagedAt": now,
            }))  # fmt: skip
        for crm_id in deleted:
            if self._get(crm_id.lower()) is not None:
                entities.append(Entity(PARTITION, crm_id.lower(), {
                    "Status": "Deleted in CRM", "Pending": False, "StagedAt": now}))  # fmt: skip
        if entities:
            self.store.upsert_many(self.table, entities)
        return len(entities)

    def rows(
        self, *, pending: bool | None = None, status: str | None = None
    ) -> Iterator[StagedRow]:
        where = row_filter(pending=pending, status=status)
        for entity in self.store.query(self.table, partition=PARTITION, where=where):
            yield _row(entity)

    def get(self, crm_id: str) -> StagedRow:
        """Raises NotFound naming the record."""
        found = self._get(crm_id.lower())
        if found is None:
            raise NotFound(f"{crm_id} is not in the CRM Data staging ({self.table})",
                           record=crm_id)  # fmt: skip
        return found

    def settle(self, outcomes: Sequence[Outcome], correlation_id: str = "") -> None:
        now, entities = self.clock(), []
        for outcome in outcomes:
            if outcome.status == "Unchanged":  # BC already holds these values
                data: dict[str, Any] = {"Pending": False, "Status": "Synced", "Error": ""}
                if outcome.bc_id:
                    data.update(BcId=outcome.bc_id, BcNo=outcome.bc_key)
            else:
                status, pending = _SETTLED.get(outcome.status, (outcome.status, False))
                data = {"Status": status, "Pending": pending, "Error": outcome.error[:4000],
                        "CorrelationId": correlation_id, "SettledAt": now}  # fmt: skip
                if outcome.bc_id:
                    data.update(BcId=outcome.bc_id, BcNo=outcome.bc_key)
                if outcome.payload:
                    data["Fields"] = json.dumps(dict(outcome.payload), default=str)
                if pending:
                    current = self._get(outcome.source_id.lower())
                    data["Attempts"] = (current.attempts if current else 0) + 1
                elif status != "Conflict":
                    data["Attempts"] = 0
            entities.append(Entity(PARTITION, outcome.source_id.lower(), data))
        if entities:
            self.store.upsert_many(self.table, entities)

    def mark_pending(self, crm_ids: Sequence[str]) -> list[str]:
        """Create in BC for chosen rows (also those in Error). Raises ValidationError
        naming an id that is not staged."""
        missing = [i for i in crm_ids if self._get(i.lower()) is None]
        if missing:
            raise ValidationError(
                f"not in the CRM Data staging ({self.table}): {', '.join(missing)}",
                field="ids",
            )
        self.store.upsert_many(self.table, [Entity(PARTITION, i.lower(), {"Pending": True})
                                            for i in crm_ids])  # fmt: skip
        return [i.lower() for i in crm_ids]

    def _get(self, crm_id: str) -> StagedRow | None:
        try:
            return _row(self.store.get(self.table, PARTITION, crm_id))
        except NotFound:
            return None


def row_filter(*, pending: bool | None, status: str | None) -> dict[str, Any] | None:
    """The store filter for staged rows: pending or not, of one status (None: any)."""
    where: dict[str, Any] = {}
    if pending is not None:
        where["Pending"] = pending
    if status is not None:
        where["Status"] = status
    return where or None


class StagedSource:
    """The engine's source for a CRM → BC entity: pending staged rows (all of them, or
    the chosen ones; rows in Error only when chosen, or when `errors` is set)."""

    def __init__(
        self, staging: CrmStaging, *, ids: Sequence[str] | None = None, errors: bool = False,
        correlation_id: str = "",
    ) -> None:  # fmt: skip
        self.staging, self.ids, self.errors = staging, ids, errors
        self.correlation_id = correlation_id

    def changed(self, entity: EntityMap, since: datetime | None) -> Iterator[Row]:
        chosen = {i.lower() for i in self.ids} if self.ids is not None else None
        for row in self.staging.rows(pending=True):
            if chosen is not None and row.crm_id not in chosen:
                continue
            if row.status == "Error" and chosen is None and not self.errors:
                continue  # a refused row waits for a fix in CRM or a manual Create in BC
            yield {**row.source, "id": row.crm_id, "modifiedon": row.crm_modified}

    def modified(self, row: Row) -> datetime | None:
        return parse_modified(row.get("modifiedon"))

    def settle(self, entity: EntityMap, outcomes: Sequence[Outcome]) -> None:
        self.staging.settle(outcomes, self.correlation_id)


def _row(entity: Entity) -> StagedRow:
    data = entity.data
    staged = data.get("StagedAt")
    return StagedRow(
        crm_id=entity.row,
        status=str(data.get("Status") or ""),
        pending=bool(data.get("Pending")),
        source=json.loads(str(data["Source"])) if data.get("Source") else {},
        fields=json.loads(str(data["Fields"])) if data.get("Fields") else {},
        bc_id=str(data.get("BcId") or ""),
        bc_number=str(data.get("BcNo") or ""),
        error=str(data.get("Error") or ""),
        attempts=int(data.get("Attempts") or 0),
        crm_modified=str(data.get("CrmModifiedOn") or ""),
        staged_at=staged if isinstance(staged, datetime) else None,
    )
