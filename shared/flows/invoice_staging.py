"""Staged EcpPro invoices in Table Storage: rows ↔ `StagedInvoice`, reads and guarded writes.

Headers live in `invoices` (one partition, row key = EcpPro invoice id), lines in
`invoicelines` (partition = invoice id, so one invoice's lines are written atomically).
Every header write is guarded by its ETag: two workers touching one invoice never
overwrite each other silently; the loser gets ConflictError and its message is retried.
`SalesView` / `PurchaseView` (new, created, error) are stored so the views are one
equality query each.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from shared.domain.invoices import (
    PURCHASE_DONE,
    SALES_DONE,
    DocumentKind,
    PurchaseStatus,
    SalesStatus,
    StagedInvoice,
    StagedLine,
)
from shared.errors import NotFound
from shared.ports import Entity, StagingStore

INVOICES = "invoices"
INVOICE_LINES = "invoicelines"
PARTITION = "ecppro"

_HEADER_COLUMNS = {
    "invoice_number": "InvoiceNumber",
    "customer_number": "CustomerNumber",
    "customer_name": "CustomerName",
    "currency_code": "CurrencyCode",
    "total": "Total",
    "vendor_number": "VendorNumber",
    "vendor_invoice_number": "VendorInvoiceNumber",
    "cost_centre": "CostCentre",
    "tenant_id": "TenantId",
    "sales_document_id": "SalesDocumentId",
    "sales_document_number": "SalesDocumentNumber",
    "sales_error": "SalesError",
    "sales_attempts": "SalesAttempts",
    "purchase_document_id": "PurchaseDocumentId",
    "purchase_document_number": "PurchaseDocumentNumber",
    "purchase_error": "PurchaseError",
    "purchase_attempts": "PurchaseAttempts",
    "processed": "Processed",
    "correlation_id": "CorrelationId",
}
_LINE_COLUMNS = {
    "line_no": "LineNo",
    "number": "Number",
    "description": "Description",
    "quantity": "Quantity",
    "unit_price": "UnitPrice",
    "unit_cost": "UnitCost",
    "amount": "Amount",
}


def view_of(status: SalesStatus | PurchaseStatus) -> str:
    if status in SALES_DONE or status in PURCHASE_DONE:
        return "created"
    return "error" if status in (SalesStatus.ERROR, PurchaseStatus.ERROR) else "new"


def header_entity(invoice: StagedInvoice, **extra: Any) -> Entity:
    data: dict[str, Any] = {
        column: getattr(invoice, name) for name, column in _HEADER_COLUMNS.items()
    }
    data.update(
        PostingDate=_iso(invoice.posting_date),
        DueDate=_iso(invoice.due_date),
        LineCount=len(invoice.lines),
        SalesStatus=invoice.sales_status.value,
        SalesView=view_of(invoice.sales_status),
        SalesDocumentKind=invoice.sales_document_kind.value if invoice.sales_document_kind else "",
        PurchaseStatus=invoice.purchase_status.value,
        PurchaseView=view_of(invoice.purchase_status),
        PurchaseDocumentKind=(
            invoice.purchase_document_kind.value if invoice.purchase_document_kind else ""
        ),
        **extra,
    )
    return Entity(PARTITION, invoice.id, data, invoice.etag)


def line_entities(invoice: StagedInvoice) -> list[Entity]:
    return [
        Entity(
            invoice.id,
            f"{line.line_no:010d}",
            {column: getattr(line, name) for name, column in _LINE_COLUMNS.items()},
        )
        for line in invoice.lines
    ]


def invoice_from(entity: Entity, lines: Iterable[Entity] = ()) -> StagedInvoice:
    data = entity.data
    values = {name: data.get(column) for name, column in _HEADER_COLUMNS.items()}
    invoice = StagedInvoice(
        id=entity.row,
        invoice_number=str(values.pop("invoice_number") or ""),
        customer_number=str(values.pop("customer_number") or ""),
        posting_date=_date(data.get("PostingDate")),
        due_date=_date(data.get("DueDate")),
        currency_code=str(values.pop("currency_code") or ""),
        total=float(values.pop("total") or 0),
        lines=[_line(line.data) for line in lines],
        sales_status=SalesStatus(data.get("SalesStatus", SalesStatus.NEW)),
        sales_document_kind=_kind(data.get("SalesDocumentKind")),
        purchase_status=PurchaseStatus(data.get("PurchaseStatus", PurchaseStatus.NEW)),
        purchase_document_kind=_kind(data.get("PurchaseDocumentKind")),
        etag=entity.etag,
    )
    for name, value in values.items():
        default = getattr(invoice, name)
        setattr(invoice, name, type(default)(value) if value is not None else default)
    return invoice


def load_invoice(store: StagingStore, invoice_id: str) -> StagedInvoice:
    """Header and lines. Raises NotFound naming the invoice id."""
    try:
        header = store.get(INVOICES, PARTITION, invoice_id)
    except NotFound:
        raise NotFound(f"no staged EcpPro invoice with id {invoice_id}") from None
    return invoice_from(header, store.query(INVOICE_LINES, partition=invoice_id))


def save_invoice(store: StagingStore, invoice: StagedInvoice, **extra: Any) -> StagedInvoice:
    """Write the header if it did not change meanwhile (ConflictError otherwise)."""
    saved = store.update(INVOICES, header_entity(invoice, **extra))
    invoice.etag = saved.etag
    return invoice


def iter_headers(store: StagingStore, **where: Any) -> Iterator[StagedInvoice]:
    """Headers only (no lines), filtered by column equality."""
    for entity in store.query(INVOICES, partition=PARTITION, where=where or None):
        yield invoice_from(entity)


def _line(data: dict[str, Any]) -> StagedLine:
    def number(column: str) -> float | None:
        value = data.get(column)
        return None if value is None else float(value)

    return StagedLine(
        line_no=int(data["LineNo"]),
        number=str(data.get("Number") or ""),
        description=str(data.get("Description") or ""),
        quantity=float(data.get("Quantity") or 0),
        unit_price=number("UnitPrice"),
        unit_cost=number("UnitCost"),
        amount=number("Amount"),
    )


def _kind(value: Any) -> DocumentKind | None:
    return DocumentKind(value) if value else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None
