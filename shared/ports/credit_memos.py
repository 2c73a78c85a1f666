"""Business Central as the Project Operations credit-notes flow needs it (product
document 001): the state of a sales invoice, the credit memos that correct it, BC's own
correction (cancel a posted invoice), deleting an invoice BC has not posted, the closed
accounting periods, and the companion API's mark and non-changeable fields
(`projectCreditMemos`, `projectCreditMemoSetup`, sandbox/BC_CUSTOM_API.md).

Creating and posting the documents themselves goes through `BcDocuments` (a credit memo
is a `NewDocument` of kind Sales Credit Memo with `applies_to_invoice_id`): one deep
insert for the header with its lines, ids chosen by the hub.

Writes raise RejectedError (BC refused), TransientError, ConflictError or AuthError.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

UNPOSTED_STATUSES = frozenset({"Draft", "In Review", " ", ""})


@dataclass(frozen=True)
class InvoiceState:
    """A sales invoice as v2.0 `salesInvoices` shows it (posted or not)."""

    id: str
    number: str
    status: str  # Draft, In Review, Open, Paid, Canceled, Corrective
    customer_number: str
    currency_code: str
    posting_date: date | None
    total_including_tax: float
    remaining_amount: float

    @property
    def posted(self) -> bool:
        return self.status not in UNPOSTED_STATUSES


@dataclass(frozen=True)
class CreditMemoState:
    """A sales credit memo (posted or not) with the companion API's Project Operations mark."""

    id: str
    number: str
    status: str  # Draft, In Review, Open, Paid, Canceled, Corrective
    invoice_id: str = ""  # the invoice it is applied to (Applies-to Doc. No.)
    project_revision_id: str = ""  # the Project Operations revision it carries out
    external_document_number: str = ""
    posting_date: date | None = None
    total_including_tax: float = 0.0
    header: Mapping[str, Any] = field(default_factory=dict)  # as BC answered it

    @property
    def posted(self) -> bool:
        return self.status not in UNPOSTED_STATUSES


class BcCreditMemos(Protocol):
    def sales_invoice(self, invoice_id: str) -> InvoiceState | None:
        """The invoice by its id (BC keeps a draft's id when it is posted); None if gone."""
        ...

    def credit_memos_for_invoice(self, invoice_id: str) -> list[CreditMemoState]:
        """Every sales credit memo applied to the invoice, posted or not."""
        ...

    def credit_memo(self, credit_memo_id: str) -> CreditMemoState | None: ...

    def credit_memo_for_revision(self, revision_id: str) -> CreditMemoState | None:
        """The credit memo marked with this Project Operations revision, if any."""
        ...

    def mark_credit_memo(self, credit_memo_id: str, revision_id: str, invoice_id: str) -> None:
        """Record on the credit memo which revision (and original PO invoice) it carries out."""
        ...

    def cancel_invoice(self, invoice_id: str) -> CreditMemoState:
        """BC's Correct Posted Sales Invoice → Cancel: a credit memo of the whole invoice,
        applied to it and posted; returns that (Corrective) credit memo."""
        ...

    def delete_unposted_invoice(self, invoice_id: str) -> None:
        """Delete a sales invoice BC has not posted (gone already: nothing to do)."""
        ...

    def customer_blocked(self, number: str) -> str:
        """The customer's Blocked as BC holds it now (" ", Ship, Invoice, All; read fresh,
        not from a cache), "" for a customer BC does not have."""
        ...

    def closed_period(self, on: date) -> str | None:
        """The name of the closed accounting period holding `on`, or None if it is open."""
        ...

    def project_dimension_value(self, dimension: str, project_name: str) -> str | None:
        """The code of the `dimension` value named `project_name` (its code or its name,
        case-insensitive), or None."""
        ...

    def set_non_changeable_fields(self, fields: Sequence[str]) -> None:
        """Which credit memo fields BC refuses to let a user change on a credit memo from
        Project Operations before it is posted (v2.0 property names; lines as `lines/<name>`)."""
        ...
