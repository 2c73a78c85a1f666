"""Posted sales invoices as the CRM connector reads them, and how BC cancels one.

Sales Invoice Header (table 112) fields no v2.0 page shows are kept hidden on the
`salesInvoices` records (`documents.INVOICE_HEADER_FIELDS`): Name 2, Shipping Agent
Code, Location Code, Ship-to Code and Tax Area Code. BC behaviour reproduced:

- validating Sell-to Customer No. copies the customer's Name 2, Shipping Agent Code and
  Tax Area Code (the company uses VAT: the customer's `taxAreaId` names it); a sales
  order's or quote's invoice takes the document's own values (`shipAndInvoice`,
  `makeInvoice`: Sales-Post and Sales-Quote to Invoice transfer the header fields);
- companion `crmPostedSalesInvoices` (BC_CUSTOM_API.md): an API page over table 112 with
  the fields the connector maps (product document §20), read-only (`POST`, `PATCH`,
  `DELETE` → 405); `lines` and `crmPostedSalesInvoiceLines` over table 113. Its records
  are v2.0's posted `salesInvoices` (same `id`, `number`, `lastModifiedDateTime`);
- v2.0's bound action `cancel` (resources/dynamics_salesinvoice, "cancels the
  corresponding salesInvoice"): Correct Posted Sales Invoice's cancel. It makes a
  credit memo of the invoice (its customer, lines and dimensions) naming the invoice
  (`invoiceId`/`invoiceNumber`), posts it (its ledger entry closes the invoice's) and
  marks both: the invoice `Canceled`, the credit memo `Corrective`. Refused (400
  `Application_DialogException`, nothing changes) for an invoice that is not posted
  ("The invoice cannot be found."), posted before the allowed posting dates ("... because
  it was posted in a posting period that is closed."), already canceled ("You cannot cancel this posted
  sales invoice because it has already been cancelled."), itself a correction
  ("... because it represents a correction of a credit memo.") or fully or partially
  paid or applied ("... because it is fully or partially paid.\\To reverse a paid sales
  invoice, you must manually create a sales credit memo."); posting's own checks apply.
  The invoice's `lastModifiedDateTime` moves (its status is part of the record).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sandbox.business_central.accounting_periods import CANCEL_IN_CLOSED, posting_allowed
from sandbox.business_central.crm_sales import line_amount
from sandbox.business_central.dialect import dialog
from sandbox.business_central.document_parties import code_of
from sandbox.business_central.documents import (
    INVOICE_HEADER_FIELDS,
    SALES_CREDIT_MEMO,
    SALES_INVOICE,
    Navigation,
)
from sandbox.business_central.ledgers import LEDGER_ENTRIES
from sandbox.business_central.posting import post_document
from sandbox.business_central.sales_documents import copy_document
from sandbox.business_central.schema import (
    MODIFIED,
    EntitySchema,
    Prop,
    code,
    date_,
    decimal,
    enum,
    guid,
    integer,
    text,
)
from sandbox.odata.store import EntityStore, Record, RecordNotFound

if TYPE_CHECKING:
    from sandbox.business_central.headers import HeaderRules

COMPANION_DOC = "sandbox/BC_CUSTOM_API.md"
POSTED_INVOICES, POSTED_INVOICE_LINES = "crmPostedSalesInvoices", "crmPostedSalesInvoiceLines"
LINES = "lines"
UNPOSTED = frozenset({"Draft", "In Review", " ", ""})
CANCELED, CORRECTIVE = "Canceled", "Corrective"
_CANNOT_CANCEL = "You cannot cancel this posted sales invoice because it"
_PAID = (f"{_CANNOT_CANCEL} is fully or partially paid.\\To reverse a paid sales invoice, you "
         "must manually create a sales credit memo.")  # fmt: skip

HEADER_PROPS: tuple[Prop, ...] = (
    code("number", 20), code("orderNumber", 20), code("customerNumber", 20),
    text("customerName", 100), text("customerName2", 50), text("addressLine1", 100),
    text("addressLine2", 50), date_("documentDate"), date_("postingDate"), date_("dueDate"),
    code("salespersonCode", 20), code("paymentTermsCode", 10), code("shipmentMethodCode", 10),
    code("shippingAgentCode", 10), code("locationCode", 10), code("shipToCode", 10),
    code("taxAreaCode", 20), code("currencyCode", 10), decimal("invoiceDiscountAmount"),
    decimal("totalAmountExcludingTax"), decimal("totalTaxAmount"),
    decimal("totalAmountIncludingTax"), enum("status", "invoiceEntityAggregateStatus"),
)  # fmt: skip
LINE_PROPS: tuple[Prop, ...] = (
    guid("documentId"), integer("sequence"), enum("lineType", "invoiceLineAggLineType"),
    code("lineObjectNumber", 20), text("description", 100), text("description2", 50),
    decimal("quantity"), code("unitOfMeasureCode", 10), decimal("unitPrice"),
    decimal("lineDiscountAmount"), decimal("lineAmount"), decimal("amountExcludingTax"),
    decimal("taxAmount"), decimal("amountIncludingTax"),
)  # fmt: skip
HEADER_SCHEMA = EntitySchema(POSTED_INVOICES, "crmPostedSalesInvoice", HEADER_PROPS,
                             navigations=(LINES,), doc=COMPANION_DOC)  # fmt: skip
LINE_SCHEMA = EntitySchema(POSTED_INVOICE_LINES, "crmPostedSalesInvoiceLine", LINE_PROPS,
                           modified=False, doc=COMPANION_DOC)  # fmt: skip
NAVIGATIONS = {(POSTED_INVOICES, LINES): Navigation(POSTED_INVOICE_LINES, "documentId")}


def posted_invoice_sets() -> list[tuple[EntitySchema, list[Record]]]:
    """Registered without rows: views of the posted v2.0 invoices and their lines."""
    return [(HEADER_SCHEMA, []), (LINE_SCHEMA, [])]


# --- the companion page ------------------------------------------------------------------------
def posted_row(store: EntityStore, header: Mapping[str, Any]) -> Record:
    """A posted invoice as `crmPostedSalesInvoices` shows it."""
    same = ("number", "orderNumber", "customerNumber", "customerName", "postingDate", "dueDate",
            "currencyCode", "totalAmountExcludingTax", "totalTaxAmount",
            "totalAmountIncludingTax", "status", *INVOICE_HEADER_FIELDS)  # fmt: skip
    return {
        "id": header["id"], **{name: header[name] for name in same},
        "addressLine1": header["sellToAddressLine1"], "addressLine2": header["sellToAddressLine2"],
        "documentDate": header["invoiceDate"], "salespersonCode": header["salesperson"],
        "paymentTermsCode": code_of(store, "paymentTerms", header["paymentTermsId"]),
        "shipmentMethodCode": code_of(store, "shipmentMethods", header["shipmentMethodId"]),
        "invoiceDiscountAmount": header["discountAmount"], MODIFIED: header[MODIFIED],
    }  # fmt: skip


def posted_line_row(line: Mapping[str, Any]) -> Record:
    """A posted invoice line as `crmPostedSalesInvoiceLines` shows it."""
    same = ("id", "documentId", "sequence", "lineType", "lineObjectNumber", "description",
            "description2", "quantity", "unitOfMeasureCode", "unitPrice", "amountExcludingTax",
            "amountIncludingTax")  # fmt: skip
    return {**{name: line[name] for name in same}, "lineDiscountAmount": line["discountAmount"],
            "lineAmount": line_amount(line), "taxAmount": line["totalTaxAmount"]}  # fmt: skip


def _posted(header: Mapping[str, Any]) -> bool:
    return header["status"] not in UNPOSTED


def posted_rows(store: EntityStore) -> list[tuple[Record, str]]:
    return [(posted_row(store, row), etag)
            for row, etag in store.snapshot(SALES_INVOICE.header_set) if _posted(row)]  # fmt: skip


def posted_lookup(store: EntityStore, key: str) -> tuple[Record, str] | None:
    try:
        header, etag = store.get(SALES_INVOICE.header_set, key)
    except RecordNotFound:
        return None
    return (posted_row(store, header), etag) if _posted(header) else None


def posted_line_rows(store: EntityStore) -> list[tuple[Record, str]]:
    posted = {row["id"] for row, _ in store.snapshot(SALES_INVOICE.header_set) if _posted(row)}
    return [(posted_line_row(row), etag) for row, etag in store.snapshot(SALES_INVOICE.line_set)
            if row["documentId"] in posted]  # fmt: skip


def posted_lines_of(store: EntityStore, document_id: str) -> list[tuple[Record, str]]:
    """The `lines` of one posted invoice (none for an unposted one)."""
    if posted_lookup(store, document_id) is None:
        return []
    rows = store.find(SALES_INVOICE.line_set, "documentId", document_id)
    return [(posted_line_row(row), etag) for row, etag in rows]


def posted_line_lookup(store: EntityStore, key: str) -> tuple[Record, str] | None:
    try:
        line, etag = store.get(SALES_INVOICE.line_set, key)
    except RecordNotFound:
        return None
    if posted_lookup(store, str(line["documentId"])) is None:
        return None
    return posted_line_row(line), etag


# --- cancel --------------------------------------------------------------------------------------
def cancel_invoice(store: EntityStore, headers: HeaderRules, invoice_id: str) -> None:
    """v2.0 `salesInvoices({id})/Microsoft.NAV.cancel` (see the module docstring)."""
    invoice, _ = store.get(SALES_INVOICE.header_set, invoice_id)
    if not _posted(invoice):
        raise dialog("The invoice cannot be found.")
    if not posting_allowed(store, invoice["postingDate"]):
        raise dialog(CANCEL_IN_CLOSED)
    if invoice["status"] == CANCELED:
        raise dialog(f"{_CANNOT_CANCEL} has already been cancelled.")
    if invoice["status"] == CORRECTIVE:
        raise dialog(f"{_CANNOT_CANCEL} represents a correction of a credit memo.")
    entries = [row for row, _ in store.find(LEDGER_ENTRIES, "documentNumber", invoice["number"])
               if row["documentType"] == "Invoice"]  # fmt: skip
    if any(round(float(e["remainingAmount"]), 2) != round(float(e["amount"]), 2) for e in entries):
        raise dialog(_PAID)
    credit = copy_document(store, headers, SALES_INVOICE, invoice_id, SALES_CREDIT_MEMO,
                           {"invoiceId": invoice_id})  # fmt: skip
    post_document(store, SALES_CREDIT_MEMO, credit["id"], f"Credit Memo {credit['number']}")
    store.update(SALES_CREDIT_MEMO.header_set, credit["id"], {"status": CORRECTIVE})
    store.update(SALES_INVOICE.header_set, invoice_id, {"status": CANCELED})
