"""What entity maps may consult while a run decides: the setup, and BC facts read once
per run (which inventory posting groups have "Create in CRM")."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.domain.crm import CrmSetup
from shared.ports.business_central import BusinessCentralRecords


@dataclass
class EntityContext:
    setup: CrmSetup
    bc: BusinessCentralRecords | None = None
    _groups: frozenset[str] | None = field(default=None, repr=False)

    def inventory_groups_for_crm(self) -> frozenset[str]:
        """Codes of the inventory posting groups whose items flow to CRM (read once)."""
        if self._groups is None:
            if self.bc is None:
                return frozenset()
            rows = self.bc.records("inventoryPostingGroupSettings", api="companion")
            self._groups = frozenset(str(r["code"]).upper() for r in rows if r.get("createInCrm"))
        return self._groups
