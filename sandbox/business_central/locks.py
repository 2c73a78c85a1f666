"""Locks on documents v2.0 writes: HeaderRules and LineRules behind a lock policy.

Some unposted documents come from another system whose setup forbids users to change
them: quotes and orders from CRM (`business_central_crm_locks`) and credit memos from
Project Operations (`business_central_project_locks`). v2.0 is a user's client, so its
writes to those documents pass a `LockedHeaders` or `LockedLines`: it reads the record
the write touches (for a line, also its document), asks the policy while the document is
locked, then hands the write to HeaderRules or LineRules unchanged. A policy refuses by
raising BC's 400 `Application_DialogException` (`dialect.dialog`) with its own text;
`refuse_changes` names a changed field by the caption of the BC field behind it
(`HEADER_CAPTIONS`, `LINE_CAPTIONS`). The companion API's writes are the integration
user's and reach the rules directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from sandbox.business_central.dialect import dialog
from sandbox.business_central.documents import BY_HEADER, BY_LINES, DocumentKind
from sandbox.business_central.headers import HeaderRules
from sandbox.business_central.lines import LineRules
from sandbox.odata.store import EntityStore, Record

# v2.0 sales document property → caption of the Sales Header field behind it (BC's
# messages name a field by its caption)
HEADER_CAPTIONS = {
    "number": "No.", "externalDocumentNumber": "External Document No.",
    "documentDate": "Document Date", "orderDate": "Document Date",
    "creditMemoDate": "Document Date", "postingDate": "Posting Date", "dueDate": "Due Date",
    "requestedDeliveryDate": "Requested Delivery Date",
    "customerId": "Sell-to Customer No.", "customerNumber": "Sell-to Customer No.",
    "customerName": "Sell-to Customer Name", "billToName": "Bill-to Name",
    "billToCustomerId": "Bill-to Customer No.", "billToCustomerNumber": "Bill-to Customer No.",
    "sellToAddressLine1": "Sell-to Address", "sellToAddressLine2": "Sell-to Address 2",
    "sellToCity": "Sell-to City", "sellToCountry": "Sell-to Country/Region Code",
    "sellToState": "Sell-to County", "sellToPostCode": "Sell-to Post Code",
    "billToAddressLine1": "Bill-to Address", "billToAddressLine2": "Bill-to Address 2",
    "billToCity": "Bill-to City", "billToCountry": "Bill-to Country/Region Code",
    "billToState": "Bill-to County", "billToPostCode": "Bill-to Post Code",
    "shortcutDimension1Code": "Shortcut Dimension 1 Code",
    "shortcutDimension2Code": "Shortcut Dimension 2 Code",
    "currencyId": "Currency Code", "currencyCode": "Currency Code",
    "paymentTermsId": "Payment Terms Code", "shipmentMethodId": "Shipment Method Code",
    "salesperson": "Salesperson Code", "invoiceId": "Applies-to Doc. No.",
    "invoiceNumber": "Applies-to Doc. No.", "phoneNumber": "Sell-to Phone No.",
    "email": "Sell-to E-Mail", "customerReturnReasonId": "Reason Code",
}  # fmt: skip
# v2.0 sales document line property → caption of the Sales Line field behind it
LINE_CAPTIONS = {
    "lineType": "Type", "lineObjectNumber": "No.", "itemId": "No.", "accountId": "No.",
    "description": "Description", "description2": "Description 2",
    "unitOfMeasureId": "Unit of Measure Code", "unitOfMeasureCode": "Unit of Measure Code",
    "quantity": "Quantity", "unitPrice": "Unit Price", "discountAmount": "Line Discount Amount",
    "discountPercent": "Line Discount %", "taxCode": "VAT Prod. Posting Group",
    "shipmentDate": "Shipment Date", "itemVariantId": "Variant Code",
    "locationId": "Location Code",
}  # fmt: skip


class LockPolicy(Protocol):
    """What one lock refuses; each `check_` returns, or raises the dialog error."""

    def locked(self, header: Record) -> bool:
        """Whether writes to this document (and its lines) are checked at all."""
        ...

    def check_update(
        self, kind: DocumentKind, header: Record, changes: Mapping[str, Any]
    ) -> None: ...

    def check_delete(self, kind: DocumentKind, header: Record) -> None: ...

    def check_line_insert(
        self, kind: DocumentKind, header: Record, record: Mapping[str, Any]
    ) -> None: ...

    def check_line_update(
        self, kind: DocumentKind, header: Record, line: Record, changes: Mapping[str, Any]
    ) -> None: ...

    def check_line_delete(self, kind: DocumentKind, header: Record, line: Record) -> None: ...


class LockedHeaders:
    """v2.0's writer for a header set: HeaderRules behind `policy` (inserts pass)."""

    def __init__(self, store: EntityStore, headers: HeaderRules, policy: LockPolicy) -> None:
        self.store = store
        self.headers = headers
        self.policy = policy

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        return self.headers.insert(name, record)

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        header, _ = self.store.get(name, key)
        if self.policy.locked(header):
            self.policy.check_update(BY_HEADER[name], header, changes)
        return self.headers.update(name, key, changes, if_match=if_match)

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        header, _ = self.store.get(name, key)
        if self.policy.locked(header):
            self.policy.check_delete(BY_HEADER[name], header)
        self.headers.delete(name, key, if_match=if_match)


class LockedLines:
    """v2.0's writer for a line set: LineRules behind `policy`, locked by the line's document."""

    def __init__(self, store: EntityStore, lines: LineRules, policy: LockPolicy) -> None:
        self.store = store
        self.lines = lines
        self.policy = policy

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        kind = BY_LINES[name]
        header = self.lines.header(kind, record.get("documentId"))
        if self.policy.locked(header):
            self.policy.check_line_insert(kind, header, record)
        return self.lines.insert(name, record)

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        kind, line, header = self._line(name, key)
        if self.policy.locked(header):
            self.policy.check_line_update(kind, header, line, changes)
        return self.lines.update(name, key, changes, if_match=if_match)

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        kind, line, header = self._line(name, key)
        if self.policy.locked(header):
            self.policy.check_line_delete(kind, header, line)
        self.lines.delete(name, key, if_match=if_match)

    def _line(self, name: str, key: str) -> tuple[DocumentKind, Record, Record]:
        kind = BY_LINES[name]
        line, _ = self.store.get(name, key)
        return kind, line, self.lines.header(kind, line["documentId"])


def document_name(kind: DocumentKind, header: Mapping[str, Any]) -> str:
    """How BC's messages name a document: "Sales Quote S-QUO1001"."""
    return f"{kind.caption} {header['number']}"


def changed(new: Any, old: Any) -> bool:
    """Whether a write changes a value: numbers by value, the rest case-insensitively."""
    numbers = (int, float)
    if isinstance(new, numbers) and isinstance(old, numbers) and not isinstance(new, bool):
        return float(new) != float(old)
    return str(new).lower() != str(old).lower()


def refuse_changes(
    current: Mapping[str, Any], changes: Mapping[str, Any], fields: Iterable[str],
    captions: Mapping[str, str], where: str, reason: str,
) -> None:  # fmt: skip
    """Raise the dialog error for the first of `fields` that `changes` sets to another value.

    The message names the field by its caption in `captions` (else its v2.0 name) and
    `where` it is.
    """
    for field in fields:
        if field in changes and field in current and changed(changes[field], current[field]):
            caption = captions.get(field, field)
            raise dialog(f"You cannot change {caption} on {where}: {reason}")
