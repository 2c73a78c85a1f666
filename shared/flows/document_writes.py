"""Documents being written: which invoices are still putting lines on which BC document.

An invoice with many lines reaches Business Central in several transactions. Until the
last one is in, its row here (partition = BC document id, row = staged invoice id) says
so, and nobody posts that document: a purchase document shared by several invoices is
posted only once no invoice is half-way through adding its lines. The row is written
before the first transaction and deleted once the invoice has recorded the document; a
write that stopped half-way (a crash, a refused line) keeps it until the invoice is
reprocessed and completes, or the document is force-deleted.
"""

from __future__ import annotations

from shared.domain.invoices import StagedInvoice
from shared.flows.deps import Deps
from shared.ports.store import Entity
from shared.registry import Table


def begin_write(deps: Deps, document_id: str, invoice: StagedInvoice) -> None:
    row = Entity(document_id, invoice.id, {"InvoiceId": invoice.id, "InvoiceNumber": invoice.invoice_number,
                                           "StartedOn": deps.clock()})  # fmt: skip
    deps.store.upsert_many(Table.DOCUMENT_WRITES, [row], replace=True)


def writes_of(deps: Deps, invoice_id: str) -> list[str]:
    """The documents the invoice started putting lines on and has not finished."""
    return [
        entity.partition
        for entity in deps.store.query(Table.DOCUMENT_WRITES, where={"InvoiceId": invoice_id})
    ]


def end_write(deps: Deps, document_id: str, invoice_id: str) -> None:
    deps.store.delete(Table.DOCUMENT_WRITES, document_id, invoice_id)


def writes_in_progress(deps: Deps, document_id: str, *, besides: str = "") -> list[str]:
    """EcpPro invoice numbers still adding lines to the document (other than `besides`)."""
    return sorted(
        str(entity.data.get("InvoiceNumber") or entity.row)
        for entity in deps.store.query(Table.DOCUMENT_WRITES, partition=document_id)
        if entity.row != besides
    )


def forget_writes(deps: Deps, document_id: str) -> None:
    """The document is gone (force-deleted): nothing is being written to it any more."""
    for entity in deps.store.query(Table.DOCUMENT_WRITES, partition=document_id):
        deps.store.delete(Table.DOCUMENT_WRITES, document_id, entity.row)
