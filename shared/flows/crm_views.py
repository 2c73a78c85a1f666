"""Read-only views of the CRM ⇄ BC connector (product document §3.1, §3.2, §3.3).

- **BC Data**: every synced master of an entity with its CRM id ("BCS CRM ID"), how its
  last sync went, and a link that opens the record in CRM.
- **CRM Data**: the staging rows of a CRM → BC entity, with their status and BC No.
- **Logs**: the BC to CRM / CRM to BC log of an entity, or all pending rows ("Updated in
  CRM" still false), and a summary per entity.
"""

from __future__ import annotations

from typing import Any

from shared.entities.registry import BY_NAME
from shared.errors import ValidationError
from shared.flows.crm_setup import effective_setup
from shared.flows.crm_to_bc import staging_of
from shared.flows.deps import Deps
from shared.sync.couplings import Couplings
from shared.sync.logs import SyncLog
from shared.sync.maps import Direction


def bc_data(deps: Deps, entity: str) -> dict[str, Any]:
    """The BC Data page of one entity: its couplings with CRM links."""
    entity_map = BY_NAME.get(entity)
    if entity_map is None:
        raise ValidationError(
            f"unknown entity '{entity}'; known: {', '.join(BY_NAME)}", field="entity"
        )
    crm_url = effective_setup(deps).crm_url
    records = []
    for coupling in Couplings(deps.store).all(entity):
        state = coupling.state(entity_map.direction)
        records.append({
            "bcId": coupling.bc_id, "key": coupling.key, "crmId": coupling.crm_id,
            "link": entity_map.target_link(crm_url, coupling.crm_id) if crm_url else "",
            "crmIdOnBcRecord": coupling.written_back, "result": state.result,
            "syncedAt": state.at.isoformat() if state.at else None, "error": state.error,
        })  # fmt: skip
    return {"entity": entity, "label": entity_map.label, "count": len(records),
            "records": sorted(records, key=lambda r: str(r["key"]))}  # fmt: skip


def sync_log(
    deps: Deps, direction: Direction, entity: str | None = None, *, pending: bool = False
) -> dict[str, Any]:
    """A direction's log: one entity's rows, or (without `entity`) a summary per entity
    plus every pending row."""
    log = SyncLog(deps.store, direction)
    if entity is not None:
        rows = [e.as_dict() for e in log.entries(entity, pending=pending)]
        return {"direction": direction.value, "entity": entity, "records": rows}
    summary: dict[str, dict[str, int]] = {}
    pending_rows = []
    for entry in log.entries():
        counts = summary.setdefault(entry.entity, {"records": 0, "pending": 0})
        counts["records"] += 1
        if not entry.updated:
            counts["pending"] += 1
            pending_rows.append(entry.as_dict())
    return {"direction": direction.value, "entities": summary, "pending": pending_rows}


def crm_data(
    deps: Deps, entity: str, *, status: str | None = None, pending: bool | None = None
) -> dict[str, Any]:
    """CRM Data: an entity's staging rows (every mapped field, status, BC No., error)."""
    entity_map, staging = staging_of(deps, entity)
    rows = [row.as_dict() for row in staging.rows(pending=pending, status=status)]
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return {"entity": entity, "label": entity_map.label, "count": len(rows), "statuses": counts,
            "records": rows}  # fmt: skip
