"""Bound actions of sales quotes and orders: what turns them into other documents.

From the resource pages `dynamics_salesquote` (`send`, `makeInvoice`, `makeOrder`) and
`dynamics_salesorder` (`shipAndInvoice`): POST `.../{set}({id})/Microsoft.NAV.<action>`
with an empty body → 204 No Content. BC behaviour reproduced:

- `send` marks the quote sent (`status` "Sent", `sentDate` now); the simulator sends no
  e-mail,
- `makeOrder` and `makeInvoice` create an order (S-ORD…) or a draft invoice with the
  quote's customer, addresses, terms, lines and dimensions, then delete the quote, as
  BC does with a quote it converted; the new document's dates are today's, and an order
  keeps the quote's No. as "Quote No." (`quoteNumber` in the companion `crmSalesOrders`),
- `shipAndInvoice` posts the order as BC posts a sales order: a posted sales invoice
  (PS-INV…, `status` Open) with the order's header, lines and dimensions, its
  `orderId`/`orderNumber` naming the order, the order's document and posting dates, and a
  customer ledger entry described "Order S-ORD1001"; the fully shipped and invoiced order
  is deleted. An invoice made of a quote or order carries its Name 2, Shipping Agent
  Code, Location Code and Ship-to Code (hidden fields, shown by `crmPostedSalesInvoices`).
  Posting's checks apply ("There is nothing to post.", a blocked customer,
  lines without quantity, mandatory dimensions), and a refusal changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.business_central.dimensions import (
    copy_dimension_lines,
    delete_dimension_lines,
    dimension_lines,
    sync_shortcuts,
)
from sandbox.business_central.documents import (
    SALES_INVOICE,
    SALES_ORDER,
    SALES_QUOTE,
    DocumentKind,
    header_schema,
    line_schema,
)
from sandbox.business_central.headers import HeaderRules
from sandbox.business_central.posting import post_document
from sandbox.odata.store import EntityStore, Record, utc_now

# The Sales Header fields v2.0 hides that an invoice made of a quote or order carries over.
CARRIED = ("customerName2", "shippingAgentCode", "locationCode", "shipToCode")
# Never copied: keys, numbers and links, dates (set anew), and what BC computes.
_NOT_COPIED = frozenset({
    "id", "documentId", "sequence", "number", "status", "documentDate", "orderDate",
    "invoiceDate", "postingDate", "dueDate", "discountPercent", "shipQuantity",
    "invoiceQuantity", "validUntilDate",
})  # fmt: skip


def _writable(schema_props: Any, record: Record) -> Record:
    names = {prop.name for prop in schema_props if not prop.read_only} - _NOT_COPIED
    return {name: value for name, value in record.items() if name in names}


def copy_document(
    store: EntityStore, headers: HeaderRules, source: DocumentKind, source_id: str,
    target: DocumentKind, dates: Record | None = None,
) -> Record:  # fmt: skip
    """A new unposted `target` document with the source's header, lines and dimensions."""
    header, _ = store.get(source.header_set, source_id)
    lines = sorted((row for row, _ in store.find(source.line_set, "documentId", source_id)),
                   key=lambda row: row["sequence"])  # fmt: skip
    body = {**_writable(header_schema(target).all_props, header), **(dates or {}),
            target.line_set: [_writable(line_schema(target).all_props, line) for line in lines]}  # fmt: skip
    created, _ = headers.insert(target.header_set, body)
    _replace_dimensions(store, header["id"], target.caption, created["id"])
    new_lines = sorted((row for row, _ in store.find(target.line_set, "documentId", created["id"])),
                       key=lambda row: row["sequence"])  # fmt: skip
    for old, new in zip(lines, new_lines, strict=True):
        _replace_dimensions(store, old["id"], target.line_caption, new["id"])
    sync_shortcuts(store, target, created["id"])
    return store.get(target.header_set, created["id"])[0]


def _replace_dimensions(store: EntityStore, source_id: str, caption: str, target_id: str) -> None:
    delete_dimension_lines(store, target_id)
    copy_dimension_lines(store, list(dimension_lines(store, source_id).values()), caption,
                         target_id)  # fmt: skip


def send_quote(store: EntityStore, quote_id: str) -> None:
    store.update(SALES_QUOTE.header_set, quote_id, {"status": "Sent", "sentDate": utc_now()})


def carry_header_fields(source: Mapping[str, Any]) -> Record:
    """The hidden Sales Header fields an invoice takes from the quote or order it is made
    of (TransferFields), where the invoice would otherwise take the customer's."""
    return {name: source[name] for name in CARRIED if name in source}


def make_from_quote(
    store: EntityStore, headers: HeaderRules, target: DocumentKind, quote_id: str
) -> None:
    quote, _ = store.get(SALES_QUOTE.header_set, quote_id)
    created = copy_document(store, headers, SALES_QUOTE, quote_id, target)
    if target is SALES_ORDER:  # Sales-Quote to Order keeps the quote's No. as "Quote No."
        store.update(SALES_ORDER.header_set, created["id"], {"quoteNumber": quote["number"]})
    else:
        store.update(SALES_INVOICE.header_set, created["id"], carry_header_fields(quote))
    headers.delete(SALES_QUOTE.header_set, quote_id)


def ship_and_invoice(store: EntityStore, headers: HeaderRules, order_id: str) -> None:
    order, _ = store.get(SALES_ORDER.header_set, order_id)
    dates = {"invoiceDate": order["orderDate"], "postingDate": order["postingDate"]}
    invoice = copy_document(store, headers, SALES_ORDER, order_id, SALES_INVOICE, dates)
    store.update(SALES_INVOICE.header_set, invoice["id"], {
        "orderId": order["id"], "orderNumber": order["number"], **carry_header_fields(order)})  # fmt: skip
    post_document(store, SALES_INVOICE, invoice["id"], f"Order {order['number']}")
    headers.delete(SALES_ORDER.header_set, order_id)
