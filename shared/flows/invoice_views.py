"""The invoice list's views (sales created/error, purchase created/error, all), paged,
each row with links that open its Business Central documents in the web client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from shared.domain.invoices import (
    PURCHASE_DONE,
    SALES_DONE,
    DocumentKind,
    InvoiceView,
    StagedInvoice,
)
from shared.flows.deps import Deps, InvoiceOptions
from shared.flows.invoice_staging import INVOICES, PARTITION, invoice_from

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
    sales_posted = invoice.sales_status in SALES_DONE and invoice.sales_status.value.startswith(
        "Posted"
    )
    purchase_posted = (
        invoice.purchase_status in PURCHASE_DONE
        and invoice.purchase_status.value.startswith("Posted")
    )
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
        "sales": {
            "status": invoice.sales_status.value,
            "documentType": invoice.sales_document_kind.value
            if invoice.sales_document_kind
            else None,
            "documentNumber": invoice.sales_document_number or None,
            "error": invoice.sales_error or None,
            "attempts": invoice.sales_attempts,
            "link": document_link(
                options,
                invoice.sales_document_kind,
                invoice.sales_document_number,
                posted=sales_posted,
            ),
        },
        "purchase": {
            "status": invoice.purchase_status.value,
            "documentType": (
                invoice.purchase_document_kind.value if invoice.purchase_document_kind else None
            ),
            "documentNumber": invoice.purchase_document_number or None,
            "error": invoice.purchase_error or None,
            "attempts": invoice.purchase_attempts,
            "link": document_link(
                options,
                invoice.purchase_document_kind,
                invoice.purchase_document_number,
                posted=purchase_posted,
            ),
        },
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
        INVOICES, partition=PARTITION, size=size, continuation=continuation, where=_WHERE[view]
    )
    rows = [invoice_row(invoice_from(entity), deps.invoice_options) for entity in page.entities]
    return InvoicePage(view, rows, page.continuation)


def count_view(deps: Deps, view: InvoiceView) -> int:
    return sum(1 for _ in deps.store.query(INVOICES, partition=PARTITION, where=_WHERE[view]))
