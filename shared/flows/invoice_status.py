"""Documents the hub created and someone then posted, or deleted, in Business Central.

A Created leg whose document is now posted takes the posted status and number (as the
product does when posting happens in BC); one whose document is gone keeps its status
and says so, so an operator can Reprocess it. Documents shared by several invoices (a
reused purchase document) are read once per run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shared.domain.invoices import Leg, StagedInvoice
from shared.flows.deps import Deps
from shared.flows.flow_status import tracked
from shared.flows.invoice_staging import iter_headers, save_invoice
from shared.ports.business_central import BcDocument
from shared.registry import Flow


@dataclass(frozen=True)
class StatusSync:
    checked: int = 0
    posted: int = 0
    missing: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"checked": self.checked, "posted": self.posted, "missing": self.missing}


_LEGS: tuple[tuple[str, Callable[[StagedInvoice], Leg]], ...] = (
    ("SalesStatus", lambda invoice: invoice.sales),
    ("PurchaseStatus", lambda invoice: invoice.purchase),
)


def sync_statuses(deps: Deps) -> StatusSync:
    """Check every Created leg against Business Central. Raises TransientError from BC."""
    with tracked(deps, Flow.INVOICE_STATUS_SYNC):
        return _sync(deps)


def _sync(deps: Deps) -> StatusSync:
    seen: dict[str, BcDocument | None] = {}
    checked = posted = missing = 0
    for column, leg_of in _LEGS:
        for invoice in iter_headers(deps.store, **{column: "Created"}):
            leg = leg_of(invoice)
            if not leg.document_id or leg.document_kind is None:
                continue
            if leg.document_id not in seen:
                seen[leg.document_id] = deps.bc.get_document(leg.document_kind, leg.document_id)
            document = seen[leg.document_id]
            checked += 1
            if document is None:
                missing += 1
                leg.error = (
                    f"{leg.document_kind.value.lower()} {leg.document_number} no longer exists in "
                    "Business Central; reprocess to create it again"
                )
                save_invoice(deps.store, invoice)
            elif document.posted:
                posted += 1
                leg.link(document.kind, document.id, document.number, posted=True)
                save_invoice(deps.store, invoice)
    return StatusSync(checked, posted, missing)
