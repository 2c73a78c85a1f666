"""Run BC to CRM Data Sync (product document §3.1, §3.4): the masters through the engine.

One handler for the three ways in: the timer every 2 minutes (only the entities whose
"Auto Synchronize" toggle is on, and only while the integration is enabled), the HTTP
action Power Automate calls and the CLI (the entities asked for, or all). Entities run
in registry order, parents first, each under a lease so the timer and a manual run never
sync the same entity at once. The flow's status row records a fatal error (a CRM GUID or
URL not set up, credentials refused) with the setting to fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from shared.domain.crm import CrmSetup
from shared.entities.context import EntityContext
from shared.entities.registry import BY_NAME, entities
from shared.flows.crm_setup import (
    DISABLED,
    check_defaults,
    crm_ports,
    enabled_setup,
)
from shared.flows.deps import Deps
from shared.flows.flow_status import tracked
from shared.flows.locks import hold_lock
from shared.registry import Flow
from shared.sync.maps import Direction
from shared.sync.runner import MapResult, SyncEngine, SyncRun
from shared.sync.sides import BcSource, BcWriteBack, DataverseTarget


@dataclass
class SyncReport:
    """What one run did, per entity."""

    direction: Direction
    results: list[MapResult] = field(default_factory=list)
    skipped: str = ""  # why nothing ran (integration disabled)

    @property
    def written(self) -> int:
        return sum(r.written for r in self.results)

    def as_dict(self) -> dict[str, Any]:
        return {
            "direction": self.direction.value,
            "written": self.written,
            "entities": [r.as_dict() for r in self.results],
            **({"skipped": self.skipped} if self.skipped else {}),
        }


def run_bc_to_crm(
    deps: Deps,
    names: Iterable[str] | None = None,
    *,
    automatic: bool = False,
    full: bool = False,
    correlation_id: str = "",
) -> SyncReport:
    """Sync BC masters to CRM. `automatic` (the timer) keeps the auto-sync entities and
    does nothing while the integration is disabled; a manual run of a disabled
    integration is refused naming CRM_INTEGRATION_ENABLED."""
    report = SyncReport(Direction.BC_TO_CRM)
    setup = enabled_setup(deps, automatic=automatic)
    if setup is None:
        report.skipped = DISABLED
        return report
    with tracked(deps, Flow.CRM_BC_TO_CRM):
        engine = SyncEngine(_bc_to_crm_run(deps, setup, correlation_id))
        chosen = [e for e in entities(Direction.BC_TO_CRM, names)
                  if not automatic or setup.auto(e.auto_sync)]  # fmt: skip
        needed = {setting: None for entity in chosen for setting in entity.setup}
        if needed:
            check_defaults(deps, setup, needed)
        for entity in chosen:
            with hold_lock(deps, f"crm-sync|{entity.name}", wait=5.0):
                report.results.append(engine.sync(entity, full=full))
    return report


def _bc_to_crm_run(deps: Deps, setup: CrmSetup, correlation_id: str) -> SyncRun:
    dataverse, bc = crm_ports(deps)
    return SyncRun(
        store=deps.store,
        direction=Direction.BC_TO_CRM,
        source=BcSource(bc),
        target=DataverseTarget(dataverse),
        write_back=BcWriteBack(bc),
        context=EntityContext(setup, bc),
        clock=deps.clock,
        correlation_id=correlation_id,
        overlap=timedelta(seconds=deps.crm_sync_overlap_seconds),
        maps=BY_NAME,
    )
