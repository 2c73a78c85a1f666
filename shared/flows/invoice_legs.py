"""What the sales and the purchase leg do alike: attempts, applying a plan, outcomes, posting.

A leg run is: count the attempt; gather, plan (pure) and apply; record the document as
Created before anything else happens to it; post it when the setup says so.
Errors by kind (see `shared.errors`):
- transient: recorded on the row as "will retry" and raised (the bus redelivers);
- record: the leg is Error with a message naming the invoice (BC's refusal included);
- fatal: raised untouched, nothing written on the invoice (the flow's status row has it).
A Created document that still owes its posting is posted by the next delivery, so a crash
between create and post loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from shared.domain.invoices import Leg, StagedInvoice
from shared.errors import RecordError, TransientError
from shared.flows.deps import Deps
from shared.flows.invoice_plans import AddLines, Create, Fail, Link, Plan, Skip
from shared.flows.invoice_staging import save_invoice
from shared.ports.business_central import BcDocument

Outcome = BcDocument | Skip | Fail


def apply_plan(plan: Plan, deps: Deps) -> Outcome:
    """Carry out a plan in Business Central; returns the document, or the Skip / Fail."""
    if isinstance(plan, Link):
        return plan.document
    if isinstance(plan, Create):
        return deps.bc.create_document(plan.document)
    if isinstance(plan, AddLines):
        return deps.bc.add_lines(plan.document, plan.lines, plan.fixes)
    return plan


def run_leg(
    invoice: StagedInvoice,
    leg: Leg,
    deps: Deps,
    step: Callable[[], Outcome],
    *,
    post: bool,
    after_link: Callable[[BcDocument], None] = lambda document: None,
    hold_posting: Callable[[BcDocument], str] = lambda document: "",
) -> StagedInvoice:
    """Run one attempt of a leg. Raises TransientError after recording the attempt."""
    leg.attempts += 1
    try:
        outcome = step()
    except TransientError as exc:
        leg.error = f"attempt {leg.attempts} failed, will retry: {exc.message}"
        save_invoice(deps.store, invoice)
        raise
    except RecordError as exc:
        outcome = Fail(f"{invoice.label}: Business Central refused it: {exc.message}", exc.field)
    if isinstance(outcome, Skip):
        leg.not_applicable(outcome.note)
        return save_invoice(deps.store, invoice)
    if isinstance(outcome, Fail):
        leg.fail(outcome.message)
        return save_invoice(deps.store, invoice)
    _link(invoice, leg, outcome)
    save_invoice(deps.store, invoice)
    after_link(outcome)
    return post_owed(invoice, leg, deps, hold_posting) if post else invoice


def post_owed(
    invoice: StagedInvoice,
    leg: Leg,
    deps: Deps,
    hold_posting: Callable[[BcDocument], str] = lambda document: "",
) -> StagedInvoice:
    """Post the leg's Created document; a refused post keeps it Created with the reason.

    `hold_posting` says why the document must not be posted yet ("" when it may be).
    """
    kind = leg.document_kind
    assert kind is not None  # a Created leg always knows its document kind
    document = deps.bc.get_document(kind, leg.document_id)
    if document is None:
        leg.fail(f"{invoice.label}: {kind.value.lower()} {leg.document_number} no longer "
                 "exists in Business Central")  # fmt: skip
        return save_invoice(deps.store, invoice)
    if not document.posted:
        held = hold_posting(document)
        if held:
            leg.error = f"created {document.number}; posting waits: {held}"
            return save_invoice(deps.store, invoice)
        try:
            document = deps.bc.post_document(document)
        except RecordError as exc:
            leg.error = f"created {document.number} but posting failed: {exc.message}"
            return save_invoice(deps.store, invoice)
    _link(invoice, leg, document)
    return save_invoice(deps.store, invoice)


def _link(invoice: StagedInvoice, leg: Leg, document: BcDocument) -> None:
    leg.link(document.kind, document.id, document.number, posted=document.posted)
    invoice.processed = True
