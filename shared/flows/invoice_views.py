"""The invoice list's views (sales created/error, purchase created/error, all), paged,
each row with links that open its Business Central documents in the web client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from shared.domain.invoices import DocumentKind, InvoiceView, Leg, StagedInvoice
from shared.flows.deps import Deps, InvoiceOptions
from shared.flows.invoice_staging import PARTITION, invoice_from
from shared.registry import Table

# Business Central page ids: (document kind, posted) → page.
_PAGES = {
    (DocumentKind.SALES_INVOICE, False): 43,
    (DocumentKind.SALES_CREDIT_MEMO, False): 44,
    (DocumentKind.PURCHASE_INVOICE, False): 51,
    (DocumentKind.PURCHASE_CREDIT_MEMO, False): 52,
    (DocumentKind.SALES_INVOICE, True): 132,
    (DocumentKind.SALES_CREDIT_MEMO, True): 134,
    (DocumentKind.PURCHASE_INVOICE, True): 138,
    (DocumentKind.PURCHASE_CREDIT_MEMO, True): 140,
}
_WHERE = {
    InvoiceView.SALES_CREATED: {"SalesView": "created"},
    InvoiceView.SALES_ERROR: {"SalesView": "error"},
    InvoiceView.PURCHASE_CREATED: {"PurchaseView": "created"},
    InvoiceView.PURCHASE_ERROR: {"PurchaseView": "error"},
    InvoiceView.PURCHASE_NOT_APPLICABLE: {"PurchaseView": "not-applicable"},
    InvoiceView.ALL: None,
}


def document_link(
    options: InvoiceOptions, kind: DocumentKind | None, number: str, *, posted: bool
) -> str | None:
    """A web client URL that opens the document, or None when there is none."""
    if kind is None or not number:
        return None
    page = _PAGES[(kind, posted)]
    company = f"company={quote(options.company_name)}&" if options.company_name else ""
    document_filter = quote(f"'No.' IS '{number}'")
    return f"{options.web_client_url.rstrip('/')}/?{company}page={page}&filter={document_filter}"


def invoice_row(invoice: StagedInvoice, options: InvoiceOptions) -> dict[str, Any]:
    return {
        "id": invoice.id,
        "invoiceNumber": invoice.invoice_number,
        "customerNumber": invoice.customer_number,
        "postingDate": invoice.posting_date.isoformat() if invoice.posting_date else None,
        "currencyCode": invoice.currency_code,
        "total": invoice.total,
        "vendorNumber": invoice.vendor_number,
        "vendorInvoiceNumber": invoice.vendor_invoice_number,
        "processed": invoice.processed,
        "sales": leg_row(invoice.sales, options),
        "purchase": leg_row(invoice.purchase, options),
    }


def leg_row(leg: Leg, options: InvoiceOptions) -> dict[str, Any]:
    posted = leg.status.value.startswith("Posted")
    return {
        "status": leg.status.value,
        "documentType": leg.document_kind.value if leg.document_kind else None,
        "documentNumber": leg.document_number or None,
        "error": leg.error or None,
        "attempts": leg.attempts,
        "link": document_link(options, leg.document_kind, leg.document_number, posted=posted),
    }


@dataclass(frozen=True)
class InvoicePage:
    view: InvoiceView
    rows: list[dict[str, Any]]
    continuation: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "view": self.view.value,
            "count": len(self.rows),
            "items": self.rows,
            "continuation": self.continuation,
        }


def read_view(
    deps: Deps, view: InvoiceView, *, size: int = 50, continuation: str | None = None
) -> InvoicePage:
    page = deps.store.page(
        Table.INVOICES,
        partition=PARTITION,
        size=size,
        continuation=continuation,
        where=_WHERE[view],
    )
    rows = [invoice_row(invoice_from(entity), deps.invoice_options) for entity in page.entities]
    return InvoicePage(view, rows, page.continuation)
