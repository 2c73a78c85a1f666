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
from sandbox.business_central.documents import EMPTY_GUID, DocumentKind
from sandbox.business_central.lines import line_type_of
from sandbox.business_central.locks import (
    HEADER_CAPTIONS,
    LINE_CAPTIONS,
    document_name,
    refuse_changes,
)
from sandbox.odata.store import EntityStore, Record

FROM_CRM = "it comes from CRM and the CRM Integration Setup does not allow it to be modified."
Action = Callable[[str], None]

# the v2.0 header and line fields the connector writes, checked in this order
CONNECTOR_HEADER_FIELDS = (
    "customerId", "customerNumber", "sellToAddressLine1", "sellToAddressLine2", "sellToCity",
    "sellToPostCode", "sellToCountry", "documentDate", "orderDate", "postingDate",
    "requestedDeliveryDate", "salesperson", "paymentTermsId", "shipmentMethodId", "currencyId",
    "currencyCode",
)  # fmt: skip
CONNECTOR_LINE_FIELDS = (
    "lineType", "lineObjectNumber", "itemId", "accountId", "description", "description2",
    "quantity", "unitOfMeasureCode", "unitOfMeasureId", "unitPrice", "discountAmount",
    "discountPercent",
)  # fmt: skip


def _from_crm(line: Mapping[str, Any]) -> bool:
    return bool(line.get("crmLineId", EMPTY_GUID) != EMPTY_GUID and line["lineType"] != "Comment")


class CrmLock:
    """The connector's lock (a `locks.LockPolicy`): on while the header's `crmLocked` is set."""

    def locked(self, header: Record) -> bool:
        return bool(header["crmLocked"])

    def check_update(self, kind: DocumentKind, header: Record, changes: Mapping[str, Any]) -> None:
        where = document_name(kind, header)
        refuse_changes(header, changes, CONNECTOR_HEADER_FIELDS, HEADER_CAPTIONS, where, FROM_CRM)

    def check_delete(self, kind: DocumentKind, header: Record) -> None:
        raise dialog(f"You cannot delete {document_name(kind, header)}: {FROM_CRM}")

    def check_line_insert(
        self, kind: DocumentKind, header: Record, record: Mapping[str, Any]
    ) -> None:
        if line_type_of(record) != "Comment":
            raise dialog(
                f"You can only add Comment lines to {document_name(kind, header)}: {FROM_CRM}"
            )

    def check_line_update(
        self, kind: DocumentKind, header: Record, line: Record, changes: Mapping[str, Any]
    ) -> None:
        if _from_crm(line):
            where = document_name(kind, header)
            refuse_changes(line, changes, CONNECTOR_LINE_FIELDS, LINE_CAPTIONS, where, FROM_CRM)

    def check_line_delete(self, kind: DocumentKind, header: Record, line: Record) -> None:
        if _from_crm(line):
            raise dialog(
                f"You cannot delete line {line['sequence']} of {document_name(kind, header)}: "
                f"{FROM_CRM}"
            )


def require_complete(store: EntityStore, kind: DocumentKind, action: Action) -> Action:
    """`action` on a quote or order, refused while the connector is still writing it."""

    def run(document_id: str) -> None:
        header, _ = store.get(kind.header_set, document_id)
        if not header["crmComplete"]:
            raise dialog(
                f"{document_name(kind, header)} is still being written by the CRM connector."
            )
        action(document_id)

    return run
