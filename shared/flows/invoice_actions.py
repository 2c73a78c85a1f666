"""Operator actions on staged invoices: queue the legs, reprocess, force delete.

Create actions only queue work (one message per invoice, so one bad invoice never holds
up the others); message ids carry the attempt count, so pressing the button twice queues
each invoice once while a reprocessed invoice is queued again.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta

from shared.domain.invoices import (
    DocumentKind,
    ProcessInvoice,
    PurchaseStatus,
    SalesStatus,
    StagedInvoice,
)
from shared.errors import ConflictError, NotFound, ValidationError
from shared.flows.deps import Deps
from shared.flows.document_writes import end_write, forget_writes, writes_of
from shared.flows.invoice_purchase import purchase_eligibility
from shared.flows.invoice_staging import iter_headers, load_header, save_invoice
from shared.ports.bus import OutgoingMessage
from shared.registry import Queue


@dataclass(frozen=True)
class Queued:
    queue: str
    invoice_ids: list[str]
    accepted: int


def queue_sales(deps: Deps, invoice_ids: Sequence[str] = (), *, correlation_id: str = "") -> Queued:
    """Queue the sales leg for the given invoices (all of them when none given) that are New."""
    if invoice_ids:
        candidates = [load_header(deps.store, i) for i in invoice_ids]
    else:
        candidates = list(iter_headers(deps.store, SalesStatus=SalesStatus.NEW.value))
    chosen = [i for i in candidates if i.sales.status is SalesStatus.NEW]
    return _send(deps, Queue.INVOICE_SALES, "sales", chosen, correlation_id)


def eligible_for_purchase(deps: Deps) -> list[StagedInvoice]:
    """Every staged invoice the purchase leg would process now."""
    options = deps.invoice_options
    return [
        invoice
        for status in (PurchaseStatus.NEW, PurchaseStatus.ERROR)
        for invoice in iter_headers(deps.store, PurchaseStatus=status.value)
        if not purchase_eligibility(invoice, options)
    ]


def queue_purchase(deps: Deps, *, correlation_id: str = "") -> Queued:
    """Queue the purchase leg for every eligible invoice (not only a selection)."""
    return _send(
        deps, Queue.INVOICE_PURCHASE, "purchase", eligible_for_purchase(deps), correlation_id
    )


def _send(
    deps: Deps, queue: Queue, leg: str, invoices: list[StagedInvoice], correlation: str
) -> Queued:
    messages = [
        OutgoingMessage(
            body=ProcessInvoice(
                invoice_id=i.id, leg=leg, correlation_id=correlation
            ).model_dump_json(),
            message_id=f"{leg}:{i.id}:{(i.sales if leg == 'sales' else i.purchase).attempts}",
        )
        for i in invoices
    ]
    accepted = deps.bus.send(queue, messages) if messages else 0
    return Queued(queue, [i.id for i in invoices], accepted)


def reprocess_sales(deps: Deps, invoice_id: str) -> StagedInvoice:
    """Clear the sales link and send the sales leg back to New.

    The header stays marked processed while its purchase document still exists, so the
    purchase link survives. If the old sales document still exists in Business Central,
    the next run links it again rather than creating a second one.
    """
    invoice = load_header(deps.store, invoice_id)
    invoice.sales.clear(SalesStatus.NEW)
    invoice.sales.generation += 1
    invoice.processed = _purchase_document_exists(deps, invoice)
    return save_invoice(deps.store, invoice)


def reprocess_purchase(deps: Deps, invoice_id: str) -> StagedInvoice:
    """Clear the purchase link and send the purchase leg back to New.

    Raises ValidationError while the purchase document still exists unposted (force-delete
    it first) and always for a posted one (it must be handled by hand in BC).
    """
    invoice = load_header(deps.store, invoice_id)
    kind = invoice.purchase.document_kind
    if invoice.purchase.document_id and kind is not None:
        document = deps.bc.get_document(kind, invoice.purchase.document_id)
        if document is not None and document.posted:
            raise ValidationError(
                f"{invoice.label}: posted {kind.value.lower()} {document.number} cannot be "
                "reprocessed; handle it in Business Central first",
                record=invoice.label,
                field="Purchase Document No.",
            )
        if document is not None:
            raise ValidationError(
                f"{invoice.label}: {kind.value.lower()} {document.number} still exists; "
                "force-delete it before reprocessing",
                record=invoice.label,
                field="Purchase Document No.",
            )
    invoice.purchase.clear(PurchaseStatus.NEW)
    invoice.purchase.generation += 1
    invoice.processed = bool(invoice.sales.document_id)
    for written in writes_of(deps, invoice.id):  # handled by the operator: start afresh
        end_write(deps, written, invoice.id)
    return save_invoice(deps.store, invoice)


def force_delete(deps: Deps, invoice_id: str) -> list[str]:
    """Delete the invoice's unposted purchase document (clearing its posting number).

    Every staged invoice whose lines were on it is marked Error with what happened and
    loses the link, so Reprocess Purchase can recreate them. Returns those invoice ids.
    """
    invoice = load_header(deps.store, invoice_id)
    kind = invoice.purchase.document_kind
    document = (
        deps.bc.get_document(kind, invoice.purchase.document_id)
        if kind is not None and invoice.purchase.document_id
        else None
    )
    if document is None or kind is None:
        raise ValidationError(
            f"{invoice.label}: has no purchase document in Business Central to delete",
            record=invoice.label,
            field="Purchase Document No.",
        )
    if document.posted:
        raise ValidationError(
            f"{invoice.label}: {document.number} is posted; posted documents cannot be deleted",
            record=invoice.label,
            field="Purchase Document No.",
        )
    deps.bc.force_delete_purchase_document(document)
    forget_writes(deps, document.id)
    affected = list(iter_headers(deps.store, PurchaseDocumentId=document.id))
    for linked in affected:
        # The link goes with the document: the hub's ids are deterministic, so a stale link
        # would point at the document the next attempt creates under the same id.
        linked.purchase.clear(PurchaseStatus.ERROR)
        linked.purchase.error = (
            f"{_name(kind)} {document.number} was force-deleted on "
            f"{deps.clock():%Y-%m-%d %H:%M} UTC; run Reprocess Purchase to create it again"
        )
        linked.processed = bool(linked.sales.document_id)
        save_invoice(deps.store, linked)
    return [linked.id for linked in affected]


def _purchase_document_exists(deps: Deps, invoice: StagedInvoice) -> bool:
    kind = invoice.purchase.document_kind
    if not invoice.purchase.document_id or kind is None:
        return False
    return deps.bc.get_document(kind, invoice.purchase.document_id) is not None


def _name(kind: DocumentKind) -> str:
    return kind.value.lower()


def note_dead_letter(
    deps: Deps, invoice_id: str, leg: str, queue: str, error: str, failing_for: timedelta
) -> None:
    """Say on the invoice that its message is going to the dead-letter queue, and how to
    replay it. The leg's status stays as it is: nothing about the invoice itself is wrong."""
    with suppress(NotFound, ConflictError):  # gone, or moved on meanwhile: nothing to say
        invoice = load_header(deps.store, invoice_id)
        target = invoice.sales if leg == "sales" else invoice.purchase
        hours = failing_for.total_seconds() / 3600
        target.error = (
            f"dead-lettered after failing for {hours:.1f} h: {error}. Once the cause is fixed, "
            f"replay it: POST /api/dead-letters/{queue}/replay or hub dead-letters replay {queue}"
        )
        save_invoice(deps.store, invoice)
