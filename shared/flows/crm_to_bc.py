"""CRM → BC through the CRM Data staging (product document §3.3, §4, §5, §10).

1. **Stage**: what changed in CRM since the last read (Dataverse change tracking; the
   delta link is kept per entity) lands in the entity's staging table ("CRM Customers",
   "CRM Person Contacts", "CRM Ship-to Addresses"). A delta link CRM no longer accepts
   (older than its retention) starts a full read; staging ignores rows it already holds.
2. **Create in BC**: the engine takes the pending staged rows, maps and validates them,
   writes BC (new records by POST with the id the hub chose, changes by PATCH), writes the
   BC customer No. back to the account, and reports each row's outcome on it.

The timer (`%CRM_CRM_TO_BC_SCHEDULE%`) stages every entity and creates in BC the ones
whose "Auto Synchronize … in BC" toggle is on; otherwise Create in BC is the operator's
action (HTTP for Power Automate, CLI), for chosen rows or every pending one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from shared.domain.crm import CrmSetup
from shared.entities.context import EntityContext
from shared.entities.registry import BY_NAME, entities
from shared.errors import RejectedError, ValidationError
from shared.flows.crm_setup import DISABLED, crm_ports, effective_setup, enabled_setup
from shared.flows.deps import Deps
from shared.flows.flow_status import tracked
from shared.flows.locks import hold_lock
from shared.registry import Flow
from shared.sync.maps import Direction, EntityMap
from shared.sync.runner import MapResult, SyncEngine, SyncRun
from shared.sync.sides import BcTarget, DataverseChanges, DataverseWriteBack
from shared.sync.staging import CrmStaging, StagedSource
from shared.sync.watermarks import Watermarks

INVALID_DELTA_TOKEN = "0x80072515"


@dataclass
class CrmToBcReport:
    staged: dict[str, int] = field(default_factory=dict)
    results: list[MapResult] = field(default_factory=list)
    skipped: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "staged": self.staged,
            "written": sum(r.written for r in self.results),
            "entities": [r.as_dict() for r in self.results],
            **({"skipped": self.skipped} if self.skipped else {}),
        }


def staging_of(deps: Deps, name: str) -> tuple[EntityMap, CrmStaging]:
    """A CRM → BC entity and its staging table. Raises ValidationError naming it."""
    entity = BY_NAME.get(name)
    if entity is None or not entity.staging:
        staged = [e.name for e in entities(Direction.CRM_TO_BC)]
        raise ValidationError(
            f"'{name}' has no CRM Data staging; known: {', '.join(staged)}", field="entity"
        )
    return entity, CrmStaging(deps.store, entity.staging, deps.clock)


def stage_crm_changes(deps: Deps, names: Iterable[str] | None = None) -> dict[str, int]:
    """Stage what changed in CRM; answers entity → rows staged (new, changed or deleted)."""
    dataverse, _ = crm_ports(deps)
    watermarks, changes = Watermarks(deps.store), DataverseChanges(dataverse)
    staged: dict[str, int] = {}
    for entity in entities(Direction.CRM_TO_BC, names):
        token = watermarks.token(Direction.CRM_TO_BC, entity.name)
        try:
            rows, deleted, link = changes.read(entity, token)
        except RejectedError as error:
            if error.detail != INVALID_DELTA_TOKEN:
                raise
            rows, deleted, link = changes.read(entity, None)  # expired: read everything
        staged[entity.name] = staging_of(deps, entity.name)[1].stage(rows, deleted)
        if link:
            watermarks.keep_token(Direction.CRM_TO_BC, entity.name, link, deps.clock())
    return staged


def create_in_bc(
    deps: Deps,
    name: str,
    ids: Sequence[str] | None = None,
    *,
    errors: bool = False,
    correlation_id: str = "",
) -> MapResult:
    """Create in BC: the chosen staged rows (also those in Error), or every pending one
    (those in Error too with `errors`). Raises ValidationError naming an unknown row."""
    entity, staging = staging_of(deps, name)
    setup = effective_setup(deps)
    if ids:
        staging.mark_pending(ids)
    source = StagedSource(staging, ids=ids or None, errors=errors, correlation_id=correlation_id)
    engine = SyncEngine(_run(deps, setup, source, correlation_id))
    with hold_lock(deps, f"crm-sync|{entity.name}", wait=5.0):
        return engine.sync(entity, full=True)


def run_crm_to_bc(
    deps: Deps,
    names: Iterable[str] | None = None,
    *,
    automatic: bool = False,
    correlation_id: str = "",
) -> CrmToBcReport:
    """Stage CRM's changes, then create in BC: the timer only for entities whose
    "Auto Synchronize … in BC" is on; a manual run for the entities asked for."""
    report = CrmToBcReport()
    setup = enabled_setup(deps, automatic=automatic)
    if setup is None:
        report.skipped = DISABLED
        return report
    chosen = list(names) if names is not None else None
    with tracked(deps, Flow.CRM_TO_BC):
        report.staged = stage_crm_changes(deps, chosen)
        for entity in entities(Direction.CRM_TO_BC, chosen):
            if automatic and not setup.auto(entity.auto_sync):
                continue
            report.results.append(create_in_bc(deps, entity.name, correlation_id=correlation_id))
    return report


def _run(deps: Deps, setup: CrmSetup, source: StagedSource, correlation_id: str) -> SyncRun:
    dataverse, bc = crm_ports(deps)
    return SyncRun(
        store=deps.store,
        direction=Direction.CRM_TO_BC,
        source=source,
        target=BcTarget(bc),
        write_back=DataverseWriteBack(dataverse),
        context=EntityContext(setup, bc),
        clock=deps.clock,
        correlation_id=correlation_id,
        overlap=timedelta(0),
        maps=BY_NAME,
    )
