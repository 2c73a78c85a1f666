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

from sandbox.business_central.dialect import dialog
from sandbox.business_central.documents import DocumentKind
from sandbox.business_central.locks import (
    HEADER_CAPTIONS,
    LINE_CAPTIONS,
    document_name,
    refuse_changes,
)
from sandbox.business_central.project_credit_memos import is_marked, non_changeable
from sandbox.odata.store import EntityStore, Record

FROM_PROJECT = (
    "it comes from Project Operations and the Dataverse Integration Setup does not allow it "
    "to be changed."
)
UNPOSTED = frozenset({"Draft", "In Review"})

# One field shown twice (an id and its code or number): locking one locks both.
TWINS = (
    {"customerId", "customerNumber"}, {"billToCustomerId", "billToCustomerNumber"},
    {"currencyId", "currencyCode"}, {"invoiceId", "invoiceNumber"},
    {"itemId", "accountId", "lineObjectNumber", "lineType"},
    {"unitOfMeasureId", "unitOfMeasureCode"}, {"discountAmount", "discountPercent"},
)  # fmt: skip


def _with_twins(names: frozenset[str]) -> set[str]:
    return set(names).union(*(twins for twins in TWINS if twins & names))


class ProjectLock:
    """The Project Operations lock (a `locks.LockPolicy`) on marked, unposted credit memos."""

    def __init__(self, store: EntityStore) -> None:
        self.store = store

    def locked(self, header: Record) -> bool:
        return header["status"] in UNPOSTED and is_marked(header)

    def check_update(self, kind: DocumentKind, header: Record, changes: Mapping[str, Any]) -> None:
        fields, _ = non_changeable(self.store)
        refuse_changes(header, changes, sorted(_with_twins(fields)), HEADER_CAPTIONS,
                       document_name(kind, header), FROM_PROJECT)  # fmt: skip

    def check_delete(self, kind: DocumentKind, header: Record) -> None:
        if any(non_changeable(self.store)):
            raise dialog(f"You cannot delete {document_name(kind, header)}: {FROM_PROJECT}")

    def check_line_insert(
        self, kind: DocumentKind, header: Record, record: Mapping[str, Any]
    ) -> None:
        if non_changeable(self.store)[1]:
            raise dialog(f"You cannot add lines to {document_name(kind, header)}: {FROM_PROJECT}")

    def check_line_update(
        self, kind: DocumentKind, header: Record, line: Record, changes: Mapping[str, Any]
    ) -> None:
        _, fields = non_changeable(self.store)
        where = f"line {line['sequence']} of {document_name(kind, header)}"
        refuse_changes(line, changes, sorted(_with_twins(fields)), LINE_CAPTIONS, where,
                       FROM_PROJECT)  # fmt: skip

    def check_line_delete(self, kind: DocumentKind, header: Record, line: Record) -> None:
        if non_changeable(self.store)[1]:
            raise dialog(
                f"You cannot delete line {line['sequence']} of {document_name(kind, header)}: "
                f"{FROM_PROJECT}"
            )
