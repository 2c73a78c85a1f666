"""Credit memos from Project Operations as users meet them in API v2.0: the lock.

The Dataverse Integration Setup's "Sales Credit Memo Non-changeable fields" (companion
`projectCreditMemoSetup`, product document 001) apply to an unposted sales credit memo
the integration marked with a Project Operations revision (`projectCreditMemos`'
`projectRevisionId`). v2.0 is a user's client, so its writes are checked here; the
companion API's are the integration user's and never are. Reproduced, through
`salesCreditMemos`, `salesCreditMemoLines` and v2.0's `$batch` (each inner request goes
through the same writers), each refusal a 400 `Application_DialogException`:

- PATCH changing a non-changeable header field to another value → "You cannot change
  Posting Date on Sales Credit Memo S-CR1001: it comes from Project Operations and the
  Dataverse Integration Setup does not allow it to be changed." (the Sales Header
  field's caption; a property and its id/code twin are one field: `customerId` and
  `customerNumber` are both Sell-to Customer No.); writing the current value passes,
- PATCH changing a non-changeable line field (`lines/quantity`) → "You cannot change
  Quantity on line 10000 of Sales Credit Memo S-CR1001: it comes from …",
- while any `lines/…` field is non-changeable: DELETE of a line → "You cannot delete line
  10000 of Sales Credit Memo S-CR1001: …", POST of a line → "You cannot add lines to
  Sales Credit Memo S-CR1001: …",
- while any field is non-changeable: DELETE of the credit memo → "You cannot delete Sales
  Credit Memo S-CR1001: …".
Credit memos without the mark, and posted ones (BC's own rules refuse those), are not
checked. Dimensions stay writable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.business_central.crm_locks import _changed
from sandbox.business_central.dialect import dialog
from sandbox.business_central.documents import SALES_CREDIT_MEMO
from sandbox.business_central.headers import HeaderRules
from sandbox.business_central.lines import LineRules
from sandbox.business_central.project_credit_memos import is_marked, non_changeable
from sandbox.odata.store import EntityStore, Record

FROM_PROJECT = (
    "it comes from Project Operations and the Dataverse Integration Setup does not allow it "
    "to be changed."
)
UNPOSTED = frozenset({"Draft", "In Review"})

# v2.0 salesCreditMemo property → caption of the Sales Header field behind it
HEADER_CAPTIONS = {
    "number": "No.", "externalDocumentNumber": "External Document No.",
    "creditMemoDate": "Document Date", "postingDate": "Posting Date", "dueDate": "Due Date",
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
# v2.0 salesCreditMemoLine property → caption of the Sales Line field behind it
LINE_CAPTIONS = {
    "lineType": "Type", "lineObjectNumber": "No.", "itemId": "No.", "accountId": "No.",
    "description": "Description", "description2": "Description 2",
    "unitOfMeasureId": "Unit of Measure Code", "unitOfMeasureCode": "Unit of Measure Code",
    "quantity": "Quantity", "unitPrice": "Unit Price", "discountAmount": "Line Discount Amount",
    "discountPercent": "Line Discount %", "taxCode": "VAT Prod. Posting Group",
    "shipmentDate": "Shipment Date", "itemVariantId": "Variant Code",
    "locationId": "Location Code",
}  # fmt: skip
# One field shown twice (an id and its code or number): locking one locks both.
TWINS = (
    {"customerId", "customerNumber"}, {"billToCustomerId", "billToCustomerNumber"},
    {"currencyId", "currencyCode"}, {"invoiceId", "invoiceNumber"},
    {"itemId", "accountId", "lineObjectNumber", "lineType"},
    {"unitOfMeasureId", "unitOfMeasureCode"}, {"discountAmount", "discountPercent"},
)  # fmt: skip


def _with_twins(names: frozenset[str]) -> set[str]:
    return set(names).union(*(twins for twins in TWINS if twins & names))


def _document(header: Mapping[str, Any]) -> str:
    return f"{SALES_CREDIT_MEMO.caption} {header['number']}"


def _locked(header: Mapping[str, Any]) -> bool:
    return header["status"] in UNPOSTED and is_marked(header)


def _refuse_changes(
    current: Mapping[str, Any], changes: Mapping[str, Any], locked: set[str],
    captions: Mapping[str, str], where: str,
) -> None:  # fmt: skip
    for field in sorted(locked):
        if field in changes and field in current and _changed(changes[field], current[field]):
            caption = captions.get(field, field)
            raise dialog(f"You cannot change {caption} on {where}: {FROM_PROJECT}")


class ProjectLockedHeaderRules:
    """v2.0's writer for `salesCreditMemos`: HeaderRules behind the Project Operations lock."""

    def __init__(self, store: EntityStore, headers: HeaderRules) -> None:
        self.store = store
        self.headers = headers

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        return self.headers.insert(name, record)

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        header, _ = self.store.get(name, key)
        if _locked(header):
            fields, _ = non_changeable(self.store)
            _refuse_changes(header, changes, _with_twins(fields), HEADER_CAPTIONS,
                            _document(header))  # fmt: skip
        return self.headers.update(name, key, changes, if_match=if_match)

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        header, _ = self.store.get(name, key)
        if _locked(header) and any(non_changeable(self.store)):
            raise dialog(f"You cannot delete {_document(header)}: {FROM_PROJECT}")
        self.headers.delete(name, key, if_match=if_match)


class ProjectLockedLineRules:
    """v2.0's writer for `salesCreditMemoLines`: LineRules behind the lock."""

    def __init__(self, store: EntityStore, lines: LineRules) -> None:
        self.store = store
        self.lines = lines

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        header = self.lines.header(SALES_CREDIT_MEMO, record.get("documentId"))
        if _locked(header) and non_changeable(self.store)[1]:
            raise dialog(f"You cannot add lines to {_document(header)}: {FROM_PROJECT}")
        return self.lines.insert(name, record)

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        line, header = self._line(name, key)
        if _locked(header):
            _, fields = non_changeable(self.store)
            where = f"line {line['sequence']} of {_document(header)}"
            _refuse_changes(line, changes, _with_twins(fields), LINE_CAPTIONS, where)
        return self.lines.update(name, key, changes, if_match=if_match)

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        line, header = self._line(name, key)
        if _locked(header) and non_changeable(self.store)[1]:
            raise dialog(
                f"You cannot delete line {line['sequence']} of {_document(header)}: {FROM_PROJECT}"
            )
        self.lines.delete(name, key, if_match=if_match)

    def _line(self, name: str, key: str) -> tuple[Record, Record]:
        line, _ = self.store.get(name, key)
        return line, self.lines.header(SALES_CREDIT_MEMO, line["documentId"])
