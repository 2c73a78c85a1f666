"""Open customer ledger entries and stock per location: what API v2.0 cannot show.

Both are served read-only by the companion API (BC_CUSTOM_API.md): `customerLedgerEntries`
(table 21 "Cust. Ledger Entry", open entries only) and `locationInventories` (item ledger
remaining quantity summed by item and location, "" for stock without a location). BC
behaviour reproduced:

- posting a sales invoice or credit memo writes one customer ledger entry (entry numbers
  1, 2, 3 ...): document type, posted number, posting and due date, "Invoice S-INV1001"
  as description, the amount including tax (negative for a credit memo), in the
  document's currency and in LCY,
- a credit memo that names the invoice it corrects (`invoiceId`/`invoiceNumber`, BC's
  Applies-to Doc. No.) is applied to it on posting: both remaining amounts shrink by the
  smaller of the two and an entry at zero is closed (and leaves the open list),
- the posted document follows its entry (the Sales Invoice and Sales Cr. Memo
  aggregators' SetStatusOptionFromCustLedgerEntry): `status` Paid once the entry is
  closed, by a payment or an applied credit memo (Canceled and Corrective stay), and
  v2.0 `salesInvoices.remainingAmount` of a posted invoice is its entry's remaining
  amount, computed on read (a FlowField: the invoice's `lastModifiedDateTime` and ETag
  move only when its status changes),
- LCY amounts use the sandbox company's fixed exchange rates (`EXCHANGE_RATES`, GBP per
  unit of the currency); the customer's `balanceDue` is the sum of its open entries in LCY.

Posting does not move stock (the simulator keeps no item ledger); the admin API sets it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.business_central.documents import SALES_CREDIT_MEMO, SALES_INVOICE, DocumentKind
from sandbox.business_central.schema import (
    EntitySchema,
    boolean,
    code,
    date_,
    decimal,
    enum,
    guid,
    integer,
    text,
)
from sandbox.business_central.seed import master_id
from sandbox.catalog import STOCK_ITEMS, stable_id
from sandbox.odata.store import EntityStore, Record

LEDGER_ENTRIES = "customerLedgerEntries"
LOCATION_INVENTORIES = "locationInventories"
EXCHANGE_RATES = {"": 1.0, "EUR": 0.85, "USD": 0.79, "CAD": 0.57, "DKK": 0.114}
COMPANION_DOC = "sandbox/BC_CUSTOM_API.md"
_FOLLOWERS = {"Invoice": SALES_INVOICE, "Credit Memo": SALES_CREDIT_MEMO}
_OWN_STATUS = frozenset({"Draft", "In Review", "Canceled", "Corrective"})  # not the entry's

LEDGER_ENTRIES_SCHEMA = EntitySchema(
    LEDGER_ENTRIES, "customerLedgerEntry", (
        integer("entryNumber"), guid("customerId"), code("customerNumber", 20),
        date_("postingDate"), enum("documentType", "genJournalDocumentType"),
        code("documentNumber", 20), text("description", 100), code("currencyCode", 10),
        decimal("amount"), decimal("remainingAmount"), decimal("remainingAmountLCY"),
        date_("dueDate"), boolean("open"),
    ), doc=COMPANION_DOC,
)  # fmt: skip

LOCATION_INVENTORIES_SCHEMA = EntitySchema(
    LOCATION_INVENTORIES, "locationInventory", (
        guid("itemId"), code("itemNumber", 20), guid("locationId"), code("locationCode", 10),
        decimal("quantity"),
    ), modified=False, doc=COMPANION_DOC,
)  # fmt: skip


def inventory_key(item_id: str, location_code: str) -> str:
    return stable_id("bc", LOCATION_INVENTORIES, item_id.lower(), location_code)


def inventory_row(item: Mapping[str, Any], location_code: str, quantity: float) -> Record:
    return {
        "id": inventory_key(str(item["id"]), location_code), "itemId": item["id"],
        "itemNumber": item["number"], "locationCode": location_code,
        "locationId": master_id("locations", location_code), "quantity": quantity,
    }  # fmt: skip


def inventory_rows() -> list[Record]:
    return [
        inventory_row({"id": master_id("items", stock.code), "number": stock.code}, where, qty)
        for stock in STOCK_ITEMS
        for where, qty in stock.stock
    ]


def open_entries(store: EntityStore) -> list[tuple[Record, str]]:
    """The companion API's view: open entries only."""
    return [(row, etag) for row, etag in store.snapshot(LEDGER_ENTRIES) if row["open"]]


def entry_caption(kind: DocumentKind) -> str:
    return "Credit Memo" if kind.is_credit else "Invoice"


def to_lcy(currency_code: str, amount: float) -> float:
    return round(amount * EXCHANGE_RATES.get(currency_code, 1.0), 2)


def add_customer_entry(
    store: EntityStore, kind: DocumentKind, header: Mapping[str, Any], description: str
) -> Record:
    """The ledger entry of a posted sales invoice or credit memo (applied when it can be)."""
    sign = -1 if kind.is_credit else 1
    amount = sign * float(header["totalAmountIncludingTax"])
    caption = entry_caption(kind)
    entry, _ = store.insert(LEDGER_ENTRIES, {
        "entryNumber": store.next_number("customer ledger entry", 1),
        "customerId": header["customerId"], "customerNumber": header["customerNumber"],
        "postingDate": header["postingDate"], "documentType": caption,
        "documentNumber": header["number"], "description": description,
        "currencyCode": header["currencyCode"], "amount": amount, "remainingAmount": amount,
        "remainingAmountLCY": to_lcy(header["currencyCode"], amount),
        "dueDate": header["dueDate"], "open": amount != 0,
    })  # fmt: skip
    follow_entry(store, entry)
    if kind.is_credit and header.get("invoiceNumber"):
        return apply_entries(store, entry, str(header["invoiceNumber"]))
    return entry


def apply_entries(store: EntityStore, credit: Record, invoice_number: str) -> Record:
    """Apply a credit memo's entry to the open entry of the invoice it corrects."""
    invoices = [
        row for row, _ in store.find(LEDGER_ENTRIES, "documentNumber", invoice_number)
        if row["documentType"] == "Invoice" and row["open"]
        and row["customerId"] == credit["customerId"]
    ]  # fmt: skip
    if not invoices:
        return credit
    invoice = invoices[0]
    applied = min(float(invoice["remainingAmount"]), -float(credit["remainingAmount"]))
    for entry, change in ((invoice, -applied), (credit, applied)):
        set_remaining(store, entry, float(entry["remainingAmount"]) + change)
    return store.get(LEDGER_ENTRIES, credit["id"])[0]


def set_remaining(store: EntityStore, entry: Mapping[str, Any], remaining: float) -> Record:
    """An entry's remaining amount after an application; at zero it is closed."""
    remaining = round(remaining, 2)
    updated, _ = store.update(LEDGER_ENTRIES, entry["id"], {
        "remainingAmount": remaining, "open": remaining != 0,
        "remainingAmountLCY": to_lcy(entry["currencyCode"], remaining),
    })  # fmt: skip
    follow_entry(store, updated)
    return updated


def follow_entry(store: EntityStore, entry: Mapping[str, Any]) -> None:
    """The posted invoice's or credit memo's status after its entry changed: Paid once
    closed, Open while open; Canceled and Corrective are the document's own."""
    kind = _FOLLOWERS.get(str(entry["documentType"]))
    if kind is None:
        return
    status = "Open" if entry["open"] else "Paid"
    for header, _ in store.find(kind.header_set, "number", entry["documentNumber"]):
        if (header["number"] == entry["documentNumber"]
                and header["customerId"] == entry["customerId"]
                and header["status"] not in _OWN_STATUS and header["status"] != status):  # fmt: skip
            store.update(kind.header_set, header["id"], {"status": status})


def invoice_entry(store: EntityStore, invoice: Mapping[str, Any]) -> Record | None:
    """The customer ledger entry of a posted sales invoice (None for a draft)."""
    if invoice["status"] in ("Draft", "In Review"):
        return None
    for entry, _ in store.find(LEDGER_ENTRIES, "documentNumber", invoice["number"]):
        if entry["documentType"] == "Invoice" and entry["customerId"] == invoice["customerId"]:
            return entry
    return None


def with_remaining_amount(store: EntityStore, invoice: Mapping[str, Any]) -> Record:
    """A sales invoice with `remainingAmount` as v2.0 shows it: a posted one's open amount."""
    entry = invoice_entry(store, invoice)
    if entry is None:
        return dict(invoice)
    return {**invoice, "remainingAmount": float(entry["remainingAmount"])}


def invoice_view(store: EntityStore) -> list[tuple[Record, str]]:
    return [(with_remaining_amount(store, row), etag)
            for row, etag in store.snapshot(SALES_INVOICE.header_set)]  # fmt: skip


def ledger_sets() -> list[tuple[EntitySchema, list[Record]]]:
    return [(LEDGER_ENTRIES_SCHEMA, []), (LOCATION_INVENTORIES_SCHEMA, inventory_rows())]
