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
    Leg,
    PurchaseStatus,
    SalesStatus,
    StagedInvoice,
    StagedLine,
)
from shared.errors import NotFound
from shared.ports.store import Entity, StagingStore
from shared.registry import Table

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
    "processed": "Processed",
    "correlation_id": "CorrelationId",
    "content_hash": "ContentHash",
    "line_count": "LineCount",
    "imported_on": "ImportedOn",
    "updated_on": "UpdatedOn",
}
# Columns the import keeps for itself; they are not part of an invoice's content.
BOOKKEEPING_COLUMNS = frozenset({"Processed", "CorrelationId", "ContentHash", "LineCount",
                                 "ImportedOn", "UpdatedOn"})  # fmt: skip
# Each leg's columns carry its prefix: SalesStatus, PurchaseDocumentNumber, ...
_LEG_COLUMNS = {
    "document_id": "DocumentId",
    "document_number": "DocumentNumber",
    "error": "Error",
    "attempts": "Attempts",
    "generation": "Generation",
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
    """The view column a status belongs to (each view is one equality query)."""
    if status in SALES_DONE or status in PURCHASE_DONE:
        return "created"
    if status is PurchaseStatus.NOT_APPLICABLE:
        return "not-applicable"
    return "error" if status in (SalesStatus.ERROR, PurchaseStatus.ERROR) else "new"


def header_entity(invoice: StagedInvoice, **extra: Any) -> Entity:
    data: dict[str, Any] = {
        column: getattr(invoice, name) for name, column in _HEADER_COLUMNS.items()
    }
    data.update(PostingDate=_iso(invoice.posting_date), DueDate=_iso(invoice.due_date),
                **_leg_columns("Sales", invoice.sales),
                **_leg_columns("Purchase", invoice.purchase), **extra)  # fmt: skip
    return Entity(PARTITION, invoice.id, data, invoice.etag)


def _leg_columns(prefix: str, leg: Leg) -> dict[str, Any]:
    columns = {prefix + column: getattr(leg, name) for name, column in _LEG_COLUMNS.items()}
    columns[f"{prefix}Status"] = leg.status.value
    columns[f"{prefix}View"] = view_of(leg.status)
    columns[f"{prefix}DocumentKind"] = leg.document_kind.value if leg.document_kind else ""
    return columns


def _leg(
    prefix: str, data: dict[str, Any], status: type[SalesStatus] | type[PurchaseStatus]
) -> Leg:
    return Leg(
        status=status(data.get(f"{prefix}Status") or "New"),
        document_kind=_kind(data.get(f"{prefix}DocumentKind")),
        document_id=str(data.get(f"{prefix}DocumentId") or ""),
        document_number=str(data.get(f"{prefix}DocumentNumber") or ""),
        error=str(data.get(f"{prefix}Error") or ""),
        attempts=int(data.get(f"{prefix}Attempts") or 0),
        generation=int(data.get(f"{prefix}Generation") or 0),
    )


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
    return StagedInvoice(
        id=entity.row,
        invoice_number=str(data.get("InvoiceNumber") or ""),
        customer_number=str(data.get("CustomerNumber") or ""),
        posting_date=_date(data.get("PostingDate")),
        due_date=_date(data.get("DueDate")),
        currency_code=str(data.get("CurrencyCode") or ""),
        total=float(data.get("Total") or 0),
        vendor_number=str(data.get("VendorNumber") or ""),
        vendor_invoice_number=str(data.get("VendorInvoiceNumber") or ""),
        cost_centre=str(data.get("CostCentre") or ""),
        customer_name=str(data.get("CustomerName") or ""),
        tenant_id=str(data.get("TenantId") or ""),
        lines=[_line(line.data) for line in lines],
        sales=_leg("Sales", data, SalesStatus),
        purchase=_leg("Purchase", data, PurchaseStatus),
        processed=bool(data.get("Processed")),
        correlation_id=str(data.get("CorrelationId") or ""),
        content_hash=str(data.get("ContentHash") or ""),
        line_count=int(data.get("LineCount") or 0),
        imported_on=data.get("ImportedOn"),
        updated_on=data.get("UpdatedOn"),
        etag=entity.etag,
    )


def load_header(store: StagingStore, invoice_id: str) -> StagedInvoice:
    """The header only (no lines): enough for status changes. Raises NotFound."""
    try:
        return invoice_from(store.get(Table.INVOICES, PARTITION, invoice_id))
    except NotFound:
        raise NotFound(f"no staged EcpPro invoice with id {invoice_id}") from None


def load_invoice(store: StagingStore, invoice_id: str) -> StagedInvoice:
    """Header and lines. Raises NotFound naming the invoice id."""
    invoice = load_header(store, invoice_id)
    invoice.lines = [
        _line(line.data) for line in store.query(Table.INVOICE_LINES, partition=invoice_id)
    ]
    return invoice


def save_invoice(store: StagingStore, invoice: StagedInvoice, **extra: Any) -> StagedInvoice:
    """Write the header if it did not change meanwhile (ConflictError otherwise)."""
    saved = store.update(Table.INVOICES, header_entity(invoice, **extra))
    invoice.etag = saved.etag
    return invoice


def iter_headers(store: StagingStore, **where: Any) -> Iterator[StagedInvoice]:
    """Headers only (no lines), filtered by column equality."""
    for entity in store.query(Table.INVOICES, partition=PARTITION, where=where or None):
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
