"""What the sales and the purchase leg do alike: attempts, outcomes, posting what is owed.

A leg run is: count the attempt; decide (a document, a Fail, or nothing to do); record
the document as Created before anything else happens to it; post it when the setup says
so. TransientError is recorded on the row and raised (the bus redelivers); a refusal by
Business Central is an Error with its message. A Created document that still owes its
posting is posted by the next delivery, so a crash between create and post loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shared.domain.invoices import Leg, StagedInvoice
from shared.errors import PermanentError, TransientError
from shared.flows.deps import Deps
from shared.flows.invoice_staging import save_invoice
from shared.ports.business_central import BcDocument


@dataclass(frozen=True)
class Fail:
    """A decision not to create anything, with the message naming invoice, line and field."""

    message: str


@dataclass(frozen=True)
class Skip:
    """Nothing to do for this invoice, and why (kept on the row, status unchanged)."""

    note: str


Decision = BcDocument | Fail | Skip


def run_leg(
    invoice: StagedInvoice, leg: Leg, deps: Deps, decide: Callable[[], Decision], *, post: bool
) -> StagedInvoice:
    """Run one attempt of a leg. Raises TransientError after recording the attempt."""
    leg.attempts += 1
    try:
        decision = decide()
    except TransientError as exc:
        leg.error = f"attempt {leg.attempts} failed, will retry: {exc.message}"
        save_invoice(deps.store, invoice)
        raise
    except PermanentError as exc:
        decision = Fail(f"{invoice.label}: Business Central refused it: {exc.message}")
    if isinstance(decision, Skip):
        leg.error = decision.note
        return save_invoice(deps.store, invoice)
    if isinstance(decision, Fail):
        leg.fail(decision.message)
        return save_invoice(deps.store, invoice)
    _link(invoice, leg, decision)
    save_invoice(deps.store, invoice)
    return post_owed(invoice, leg, deps) if post else invoice


def post_owed(invoice: StagedInvoice, leg: Leg, deps: Deps) -> StagedInvoice:
    """Post the leg's Created document; a refused post keeps it Created with the reason."""
    kind = leg.document_kind
    assert kind is not None  # a Created leg always knows its document kind
    document = deps.bc.get_document(kind, leg.document_id)
    if document is None:
        leg.fail(f"{invoice.label}: {kind.value.lower()} {leg.document_number} no longer "
                 "exists in Business Central")  # fmt: skip
        return save_invoice(deps.store, invoice)
    if not document.posted:
        try:
            document = deps.bc.post_document(document)
        except PermanentError as exc:
            leg.error = f"created {document.number} but posting failed: {exc.message}"
            return save_invoice(deps.store, invoice)
    _link(invoice, leg, document)
    return save_invoice(deps.store, invoice)


def _link(invoice: StagedInvoice, leg: Leg, document: BcDocument) -> None:
    leg.link(document.kind, document.id, document.number, posted=document.posted)
    invoice.processed = True
