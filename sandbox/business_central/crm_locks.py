"""Documents from CRM as users meet them in API v2.0: the lock and "still being written".

The connector's "Do Not Allow to Modify" (`crmLocked` on `crmSalesQuotes`/`crmSalesOrders`,
the product's setup fields 4 and 5) and "CRM Complete" (`crmComplete`), as
BC_CUSTOM_API.md ("Locked documents", `crmComplete`) describes them. v2.0 is a user's
client, so its writes to a locked quote or order are checked here; the companion API's
writes are the connector's integration user's and never are (they reach `HeaderRules`
and `LineRules` directly). Reproduced, through `salesQuotes`/`salesOrders`, their lines
and v2.0's `$batch` (each inner request goes through the same writers):

- PATCH of a header field the connector writes (customer, sell-to address, dates,
  salesperson, payment terms, shipment method, currency) to another value → 400
  `Application_DialogException` "You cannot change Payment Terms Code on Sales Quote
  S-QUO1001: it comes from CRM and the CRM Integration Setup does not allow it to be
  modified." (the BC field's caption); v2.0-only fields (external document no., phone,
  e-mail, ship-to and bill-to fields, …) and dimensions stay writable,
- a line from CRM (a `crmLineId`) that is not a Comment: PATCH changing its type,
  number, description(s), quantity, unit, unit price or line discount → the same refusal
  naming the line's field; DELETE → "You cannot delete line 10000 of Sales Quote
  S-QUO1001: it comes from CRM …"; its dimensions may change,
- DELETE of the document → "You cannot delete Sales Quote S-QUO1001: it comes from CRM …",
- POST of a line that is not a Comment → "You can only add Comment lines to Sales Quote
  S-QUO1001: it comes from CRM …"; Comment lines may be added, changed and deleted,
- while `crmComplete` is false, v2.0's `makeOrder`, `makeInvoice` (quotes) and
  `shipAndInvoice` (orders) → 400 "Sales Quote S-QUO1001 is still being written by the
  CRM connector." (the simulator has no `release` action).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sandbox.business_central.dialect import dialog
from sandbox.business_central.documents import BY_HEADER, BY_LINES, EMPTY_GUID, DocumentKind
from sandbox.business_central.headers import HeaderRules
from sandbox.business_central.lines import LineRules, line_type_of
from sandbox.odata.store import EntityStore, Record

FROM_CRM = "it comes from CRM and the CRM Integration Setup does not allow it to be modified."
Action = Callable[[str], None]

# v2.0 header field → caption of the Sales Header field the connector writes
HEADER_CAPTIONS = {
    "customerId": "Sell-to Customer No.", "customerNumber": "Sell-to Customer No.",
    "sellToAddressLine1": "Sell-to Address", "sellToAddressLine2": "Sell-to Address 2",
    "sellToCity": "Sell-to City", "sellToPostCode": "Sell-to Post Code",
    "sellToCountry": "Sell-to Country/Region Code", "documentDate": "Document Date",
    "orderDate": "Document Date", "postingDate": "Posting Date",
    "requestedDeliveryDate": "Requested Delivery Date", "salesperson": "Salesperson Code",
    "paymentTermsId": "Payment Terms Code", "shipmentMethodId": "Shipment Method Code",
    "currencyId": "Currency Code", "currencyCode": "Currency Code",
}  # fmt: skip
# v2.0 line field → caption of the Sales Line field the connector writes
LINE_CAPTIONS = {
    "lineType": "Type", "lineObjectNumber": "No.", "itemId": "No.", "accountId": "No.",
    "description": "Description", "description2": "Description 2", "quantity": "Quantity",
    "unitOfMeasureCode": "Unit of Measure Code", "unitOfMeasureId": "Unit of Measure Code",
    "unitPrice": "Unit Price", "discountAmount": "Line Discount Amount",
    "discountPercent": "Line Discount %",
}  # fmt: skip


def _document(kind: DocumentKind, header: Mapping[str, Any]) -> str:
    return f"{kind.caption} {header['number']}"


def _changed(new: Any, old: Any) -> bool:
    numbers = (int, float)
    if isinstance(new, numbers) and isinstance(old, numbers) and not isinstance(new, bool):
        return float(new) != float(old)
    return str(new).lower() != str(old).lower()


def _refuse_changes(
    kind: DocumentKind, header: Mapping[str, Any], current: Mapping[str, Any],
    changes: Mapping[str, Any], captions: Mapping[str, str],
) -> None:  # fmt: skip
    for field, caption in captions.items():
        if field in changes and field in current and _changed(changes[field], current[field]):
            raise dialog(f"You cannot change {caption} on {_document(kind, header)}: {FROM_CRM}")


def _from_crm(line: Mapping[str, Any]) -> bool:
    return bool(line.get("crmLineId", EMPTY_GUID) != EMPTY_GUID and line["lineType"] != "Comment")


class LockedHeaderRules:
    """v2.0's writer for `salesQuotes`/`salesOrders`: HeaderRules behind the lock."""

    def __init__(self, store: EntityStore, headers: HeaderRules) -> None:
        self.store = store
        self.headers = headers

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        return self.headers.insert(name, record)

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        header, _ = self.store.get(name, key)
        if header["crmLocked"]:
            _refuse_changes(BY_HEADER[name], header, header, changes, HEADER_CAPTIONS)
        return self.headers.update(name, key, changes, if_match=if_match)

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        header, _ = self.store.get(name, key)
        if header["crmLocked"]:
            raise dialog(f"You cannot delete {_document(BY_HEADER[name], header)}: {FROM_CRM}")
        self.headers.delete(name, key, if_match=if_match)


class LockedLineRules:
    """v2.0's writer for `salesQuoteLines`/`salesOrderLines`: LineRules behind the lock."""

    def __init__(self, store: EntityStore, lines: LineRules) -> None:
        self.store = store
        self.lines = lines

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        kind = BY_LINES[name]
        header = self.lines.header(kind, record.get("documentId"))
        if header["crmLocked"] and line_type_of(record) != "Comment":
            raise dialog(f"You can only add Comment lines to {_document(kind, header)}: {FROM_CRM}")
        return self.lines.insert(name, record)

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        kind, line, header = self._line(name, key)
        if header["crmLocked"] and _from_crm(line):
            _refuse_changes(kind, header, line, changes, LINE_CAPTIONS)
        return self.lines.update(name, key, changes, if_match=if_match)

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        kind, line, header = self._line(name, key)
        if header["crmLocked"] and _from_crm(line):
            raise dialog(
                f"You cannot delete line {line['sequence']} of {_document(kind, header)}: "
                f"{FROM_CRM}"
            )
        self.lines.delete(name, key, if_match=if_match)

    def _line(self, name: str, key: str) -> tuple[DocumentKind, Record, Record]:
        kind = BY_LINES[name]
        line, _ = self.store.get(name, key)
        return kind, line, self.lines.header(kind, line["documentId"])


def require_complete(store: EntityStore, kind: DocumentKind, action: Action) -> Action:
    """`action` on a quote or order, refused while the connector is still writing it."""

    def run(document_id: str) -> None:
        header, _ = store.get(kind.header_set, document_id)
        if not header["crmComplete"]:
            raise dialog(f"{_document(kind, header)} is still being written by the CRM connector.")
        action(document_id)

    return run
