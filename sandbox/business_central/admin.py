"""In-process state API of the BC simulator, for tests and the demo (no HTTP, no rules).

Writes go straight to the store, without BC's checks, so a test can arrange what the API
would refuse to create: a blocked customer, a document whose posted number is already
taken (`set_posting_number`, what BC leaves behind when posting fails after drawing the
number), a dimension value blocked after it was used. Reads return copies.

    admin = sandbox.business_central.admin
    admin.upsert("customers", {"id": ..., "number": "C00090", "displayName": "New Ltd."})
    admin.block("customers", "C00010", "All")
    admin.set_posting_number("purchaseInvoices", document_id, "PP-INV9001")
    admin.document("salesInvoices", document_id)  # header + "salesInvoiceLines" + dimensions
    admin.set_inventory("HW-DOCK", "EAST", 7)  # stock of an item at a location ("" = none)
    admin.settle("C00010", "PS-INV1001")  # a payment closes the invoice's ledger entry
    admin.settle("C00010", "PS-INV1002", 40)  # a partial payment: 40 less remains open
    admin.close_periods(date(2025, 1, 31))  # closed periods; Allow Posting From 2025-02-01
    admin.reopen_periods()  # a test's clean-up
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sandbox.business_central.accounting_periods import close_periods, reopen_periods
from sandbox.business_central.dimensions import dimension_lines
from sandbox.business_central.documents import BY_HEADER, DIMENSION_SET_LINES
from sandbox.business_central.ledgers import (
    LEDGER_ENTRIES,
    LOCATION_INVENTORIES,
    inventory_row,
    set_remaining,
)
from sandbox.catalog import stable_id
from sandbox.odata.store import EntityStore, Record


class BusinessCentralAdmin:
    """Direct access to the simulator's records."""

    def __init__(self, store: EntityStore) -> None:
        self.store = store

    def upsert(self, entity_set: str, record: Mapping[str, Any]) -> Record:
        """Create a record (a missing `id` gets a new GUID) or merge into the one with its id."""
        return self.store.upsert(entity_set, record)[0]

    def delete(self, entity_set: str, record_id: str) -> None:
        """Raises RecordNotFound."""
        self.store.delete(entity_set, record_id)

    def get(self, entity_set: str, record_id: str) -> Record:
        """Raises RecordNotFound."""
        return self.store.get(entity_set, record_id)[0]

    def by_number(self, entity_set: str, number: str) -> Record:
        """A customer, vendor, item or account by its number. Raises KeyError."""
        for row, _ in self.store.find(entity_set, "number", number):
            if row["number"] == number:
                return dict(row)
        raise KeyError(f"no {entity_set} numbered {number}")

    def add_customer(
        self, number: str, name: str, currency_code: str = "", **fields: Any
    ) -> Record:
        """A new customer with the id the seed would give it."""
        return self.upsert("customers", {
            "id": stable_id("bc", "customers", number), "number": number, "displayName": name,
            "currencyCode": currency_code, "type": "Company", "blocked": " ", **fields,
        })  # fmt: skip

    def add_dimension_value(
        self, dimension: str, code: str, name: str, *, blocked: bool = False
    ) -> Record:
        """A new value of an existing dimension (e.g. the missing cost centre CC-300)."""
        found = [row for row, _ in self.store.find("dimensions", "code", dimension)]
        if not found:
            raise KeyError(f"no dimension {dimension}")
        return self.upsert("dimensionValues", {
            "id": stable_id("bc", "dimensionValues", dimension, code), "code": code,
            "dimensionId": found[0]["id"], "dimensionCode": dimension, "displayName": name,
            "consolidationCode": "", "blocked": blocked,
        })  # fmt: skip

    def block(self, entity_set: str, number: str, blocked: Any = "All") -> Record:
        """Block a customer (" ", Ship, Invoice, All), vendor (" ", Payment, All) or item/account (bool)."""
        record = self.by_number(entity_set, number)
        return self.upsert(entity_set, {"id": record["id"], "blocked": blocked})

    def set_posting_number(self, entity_set: str, document_id: str, number: str) -> Record:
        """Assign a document's posted number ahead of posting, as a failed posting leaves it."""
        return self.upsert(entity_set, {"id": document_id, "postingNumber": number})

    def document(self, entity_set: str, document_id: str) -> Record:
        """A header with its lines (under the line set's name) and dimension set lines."""
        kind = BY_HEADER[entity_set]
        header = self.get(entity_set, document_id)
        header[DIMENSION_SET_LINES] = list(dimension_lines(self.store, document_id).values())
        lines = [dict(row) for row, _ in self.store.find(kind.line_set, "documentId", document_id)]
        for line in sorted(lines, key=lambda row: row["sequence"]):
            line[DIMENSION_SET_LINES] = list(dimension_lines(self.store, line["id"]).values())
            header.setdefault(kind.line_set, []).append(line)
        header.setdefault(kind.line_set, [])
        return header

    def documents(self, entity_set: str) -> list[Record]:
        """Every document of one kind, with lines and dimensions, by number."""
        headers = sorted(self.store.list(entity_set), key=lambda row: row["number"])
        return [self.document(entity_set, header["id"]) for header in headers]

    def set_inventory(self, item_number: str, location_code: str, quantity: float) -> Record:
        """The stock of an item at a location ("" = no location), as the item ledger sums it.

        The item's `inventory` follows; its `lastModifiedDateTime` does not (a FlowField)."""
        item = self.by_number("items", item_number)
        return self.upsert(LOCATION_INVENTORIES, inventory_row(item, location_code, quantity))

    def settle(
        self, customer_number: str, document_number: str, amount: float | None = None
    ) -> Record:
        """Apply a payment to a customer's open ledger entry: all of it (`amount` None) or
        `amount` of it, in the entry's currency. The posted invoice's `remainingAmount`
        shrinks and, once nothing remains, its status is Paid. Raises KeyError, ValueError."""
        for entry, _ in self.store.find(LEDGER_ENTRIES, "documentNumber", document_number):
            if entry["customerNumber"] == customer_number and entry["open"]:
                remaining = float(entry["remainingAmount"])
                paid = abs(remaining) if amount is None else float(amount)
                if not 0 < paid <= abs(remaining):
                    raise ValueError(f"{document_number} has {remaining} open; cannot pay {paid}")
                return set_remaining(
                    self.store, entry, remaining - paid * (1 if remaining > 0 else -1)
                )
        raise KeyError(f"no open entry {document_number} of customer {customer_number}")

    def close_periods(self, through: date) -> list[Record]:
        """Close the accounting periods ending on or before `through` (closed, date locked)
        and move Allow Posting From past them: posting before it is refused."""
        return close_periods(self.store, through)

    def reopen_periods(self) -> None:
        """Every period open again and no posting date limit (BC cannot do this)."""
        reopen_periods(self.store)
