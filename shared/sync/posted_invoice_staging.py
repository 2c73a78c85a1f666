"""The "Sales Invoice Header Staging Table" and its lines (product document §20): the hub's
record of each BC posted sales invoice on its way to CRM.

One header row per posted invoice (partition `posted`, row = its BC No.), holding:

- BC's values the product's staging table lists (customer No., Name, Name 2, Address,
  Address 2, document, posting and due dates, salesperson, payment term, shipment
  method, shipping agent, tax amount, Amount to Customer, location, ship-to, tax area)
  plus the currency, Order No., BC status, BC id and when BC last changed it;
- what the hub did: `Status` (below), `Pending`, the CRM invoice id, the CRM order it
  came from and whether that order was set Invoiced, the credit memo that corrected it,
  the last error, attempts, correlation id, the hash of what CRM was last given;
- one line row per invoice line (partition `lines|<No.>`, row = the BC line id): Item
  No., type, Description, Description 2, Quantity, UOM, Unit Price, Line Discount
  Amount, Line Amount Excl. of Tax, Tax Amount.

Statuses: New (staged, not in CRM yet), Updated (changed in BC since it went), Created
(in CRM), Synced (CRM already had it), Canceled (cancelled or corrected in BC, and so in
CRM), Waiting (a master, the customer, an item or unit not in CRM yet, or CRM
unavailable: retried by every run), Error (CRM or the hub refused it: the message names
the field; retried by a manual run).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.errors import NotFound
from shared.ports.store import Entity, StagingStore
from shared.registry import Table
from shared.sync.staging import row_filter

PARTITION = "posted"
LINES_PARTITION = "lines|"
# staging column → the BC field (companion `crmPostedSalesInvoices`) it holds
HEADER_COLUMNS = {
    "BcId": "id", "CustomerNo": "customerNumber", "CustomerName": "customerName",
    "CustomerName2": "customerName2", "Address": "addressLine1", "Address2": "addressLine2",
    "DocumentDate": "documentDate", "PostingDate": "postingDate", "DueDate": "dueDate",
    "SalespersonCode": "salespersonCode", "PaymentTermsCode": "paymentTermsCode",
    "ShipmentMethodCode": "shipmentMethodCode", "ShippingAgentCode": "shippingAgentCode",
    "TaxAmount": "totalTaxAmount", "AmountToCustomer": "totalAmountIncludingTax",
    "LocationCode": "locationCode", "ShipToCode": "shipToCode", "TaxAreaCode": "taxAreaCode",
    "CurrencyCode": "currencyCode", "OrderNo": "orderNumber", "BcStatus": "status",
    "BcModifiedOn": "lastModifiedDateTime",
}  # fmt: skip
LINE_COLUMNS = {
    "Type": "lineType", "ItemNo": "lineObjectNumber", "Description": "description",
    "Description2": "description2", "Quantity": "quantity", "Uom": "unitOfMeasureCode",
    "UnitPrice": "unitPrice", "LineDiscountAmount": "lineDiscountAmount",
    "LineAmount": "lineAmount", "TaxAmount": "taxAmount", "Sequence": "sequence",
}  # fmt: skip


@dataclass(frozen=True)
class StagedInvoice:
    number: str
    status: str
    pending: bool
    bc: dict[str, Any] = field(default_factory=dict)  # staging column → BC value
    crm_invoice_id: str = ""
    crm_order_id: str = ""
    order_invoiced: bool = False
    canceled_by: str = ""  # the credit memo that cancelled or corrected it
    hash: str = ""  # of what CRM was last given (header, lines, state)
    error: str = ""
    notice: str = ""
    attempts: int = 0
    correlation_id: str = ""
    settled_at: datetime | None = None

    @property
    def bc_id(self) -> str:
        return str(self.bc.get("BcId") or "")

    @property
    def order_number(self) -> str:
        return str(self.bc.get("OrderNo") or "")

    @property
    def digest(self) -> str:
        """Of BC's values as last staged (header and lines)."""
        return str(self.bc.get("BcDigest") or "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number, "status": self.status, "pending": self.pending,
            "crmInvoiceId": self.crm_invoice_id, "crmOrderId": self.crm_order_id,
            "orderInvoiced": self.order_invoiced, "canceledBy": self.canceled_by,
            "error": self.error, "notice": self.notice, "attempts": self.attempts,
            "correlationId": self.correlation_id,
            "settledAt": self.settled_at.isoformat() if self.settled_at else None,
            "bc": {k: v for k, v in self.bc.items() if k != "BcDigest"},
        }  # fmt: skip


class PostedInvoiceStaging:
    """The staging of posted invoices (`crmpostedinvoices`)."""

    table = Table.CRM_POSTED_INVOICES

    def __init__(self, store: StagingStore, clock: Any) -> None:
        self.store, self.clock = store, clock

    def stage(
        self, invoice: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]
    ) -> StagedInvoice:
        """Record BC's values of a posted invoice; a new invoice, or one BC changed since
        (its values or lines), is pending."""
        number = str(invoice["number"])
        values = {column: invoice.get(name) for column, name in HEADER_COLUMNS.items()}
        line_rows = {str(line["id"]).lower(): {c: line.get(n) for c, n in LINE_COLUMNS.items()}
                     for line in lines}  # fmt: skip
        digest = _digest({"header": values, "lines": line_rows})
        current = self.get(number)
        if current is not None and current.digest == digest:
            return current
        if current is not None:
            for entity in self.store.query(self.table, partition=LINES_PARTITION + number):
                if entity.row not in line_rows:
                    self.store.delete(self.table, entity.partition, entity.row)
        self.store.upsert_many(self.table, [Entity(LINES_PARTITION + number, line_id, data)
                                            for line_id, data in line_rows.items()], replace=True)  # fmt: skip
        status = "Updated" if current is not None and current.crm_invoice_id else "New"
        self.store.upsert_many(self.table, [Entity(PARTITION, number, {
            **values, "BcDigest": digest, "Status": status, "Pending": True,
            "Lines": len(line_rows), "StagedAt": self.clock(),
        })])  # fmt: skip
        return self.require(number)

    def mark_canceled(self, number: str, credit_memo: str) -> None:
        """A posted credit memo names this invoice: it is to be Canceled in CRM. Kept even
        while the invoice is not staged yet, so it is cancelled once it goes; pending again
        whatever its status was (an Error too: the timer takes it)."""
        current = self.get(number)
        if current is not None and current.canceled_by:
            return
        status = "Updated" if current is not None and current.crm_invoice_id else "New"
        self.store.upsert_many(self.table, [Entity(PARTITION, number, {
            "CanceledBy": credit_memo, "Pending": True, "Status": status})])  # fmt: skip

    def get(self, number: str) -> StagedInvoice | None:
        try:
            return _staged(self.store.get(self.table, PARTITION, number))
        except NotFound:
            return None

    def require(self, number: str) -> StagedInvoice:
        """Raises NotFound naming the invoice."""
        found = self.get(number)
        if found is None:
            raise NotFound(f"posted invoice {number} is not staged ({self.table})", record=number)
        return found

    def rows(
        self, *, pending: bool | None = None, status: str | None = None
    ) -> Iterator[StagedInvoice]:
        where = row_filter(pending=pending, status=status)
        for entity in self.store.query(self.table, partition=PARTITION, where=where):
            yield _staged(entity)

    def lines(self, number: str) -> list[dict[str, Any]]:
        """The staged lines of an invoice (BC's values), in BC's order."""
        rows = [{"id": e.row, **e.data}
                for e in self.store.query(self.table, partition=LINES_PARTITION + number)]  # fmt: skip
        return sorted(rows, key=lambda row: int(row.get("Sequence") or 0))

    def settle(self, number: str, status: str, *, error: str = "", pending: bool = False,
               correlation_id: str = "", **values: Any) -> StagedInvoice:  # fmt: skip
        """How an invoice went; `values`: CrmInvoiceId, CrmOrderId, OrderInvoiced, Hash, Notice."""
        current = self.get(number)
        attempts = (current.attempts if current else 0) + 1 if pending else 0
        self.store.upsert_many(self.table, [Entity(PARTITION, number, {
            "Status": status, "Pending": pending, "Error": error[:4000], "Attempts": attempts,
            "CorrelationId": correlation_id, "SettledAt": self.clock(), **values,
        })])  # fmt: skip
        return self.require(number)


def _digest(values: Mapping[str, Any]) -> str:
    text = json.dumps(values, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_OWN = frozenset({"Status", "Pending", "Error", "Notice", "Attempts", "CorrelationId",
                  "SettledAt", "CrmInvoiceId", "CrmOrderId", "OrderInvoiced", "CanceledBy",
                  "Hash", "StagedAt", "Lines"})  # fmt: skip


def _staged(entity: Entity) -> StagedInvoice:
    data = entity.data
    settled = data.get("SettledAt")
    return StagedInvoice(
        number=entity.row,
        status=str(data.get("Status") or ""),
        pending=bool(data.get("Pending")),
        bc={k: v for k, v in data.items() if k not in _OWN},
        crm_invoice_id=str(data.get("CrmInvoiceId") or ""),
        crm_order_id=str(data.get("CrmOrderId") or ""),
        order_invoiced=bool(data.get("OrderInvoiced")),
        canceled_by=str(data.get("CanceledBy") or ""),
        hash=str(data.get("Hash") or ""),
        error=str(data.get("Error") or ""),
        notice=str(data.get("Notice") or ""),
        attempts=int(data.get("Attempts") or 0),
        correlation_id=str(data.get("CorrelationId") or ""),
        settled_at=settled if isinstance(settled, datetime) else None,
    )
