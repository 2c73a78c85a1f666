"""Project Operations invoices and their revisions as BC documents (product document 001).

The parameters of the product's Dataverse integration setup, the status machines of the
two stagings ("BC Invoice Stagings": the project invoices; "Dataverse Credit Memos": what
a confirmed revision takes back) and the bodies of their HTTP actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

# Project Operations invoice columns (Dataverse `invoice`, sandbox/DATAVERSE_SIMULATOR.md)
PO_DRAFT, PO_CONFIRMED, PO_PAID = 192350000, 192350002, 192350003  # msdyn_projectinvoicestatus
CHARGEABLE = 192350001  # msdyn_billingtype of a line detail that is billed


class CorrectMode(StrEnum):
    """Correct Posted Invoice (Dataverse integration setup, tab Sales)."""

    CANCEL_INVOICE = "Cancel invoice"  # the credit memo is posted by the hub
    CREATE_CREDIT_MEMO = "Create credit memo"  # left unposted: the user posts it


@dataclass(frozen=True)
class CreditNoteSetup:
    allow_partial: bool = True
    auto_confirm: bool = False
    integration_active: bool = False
    correct_mode: CorrectMode = CorrectMode.CANCEL_INVOICE
    revenue_account: str = ""
    dimension: str = "PROJECT"
    non_changeable_fields: tuple[str, ...] = ()


class InvoiceStatus(StrEnum):
    """BC Invoice Staging: a confirmed project invoice on its way to BC."""

    NEW = "New"  # staged; the BC invoice is not written yet (or waits for a master)
    CREATED = "Created in BC"  # an unposted BC sales invoice
    POSTED = "Posted in BC"
    CREDITED = "Credited"  # a revision took all or part of it back with a credit memo
    CANCELLED = "Cancelled"  # revised before BC posted it: the BC invoice was deleted
    ERROR = "Error"


class CreditMemoStatus(StrEnum):
    """Dataverse Credit Memos: one confirmed revision of a project invoice."""

    NEW = "New"  # staged, waits for Correct Invoice
    CREATED = "Created"  # an unposted BC credit memo (Create credit memo mode)
    POSTED = "Posted"  # a posted BC credit memo (or BC's own cancel)
    DELETED = "Deleted"  # the BC invoice was not posted: deleted (cancel transactions)
    NOTHING = "Nothing to credit"  # the revision kept every quantity
    REFUSED = "Refused"  # a business rule refused it: the message says which
    ERROR = "Error"  # BC refused the write


DATAVERSE_INVOICE_STATUS = {  # bcs_status of bcs_bcinvoicestaging
    InvoiceStatus.NEW: 100000000, InvoiceStatus.CREATED: 100000001,
    InvoiceStatus.POSTED: 100000002, InvoiceStatus.CREDITED: 100000003,
    InvoiceStatus.CANCELLED: 100000004, InvoiceStatus.ERROR: 100000005,
}  # fmt: skip
INTEGRATION_STATUS = {  # bcs_bcintegrationstatus of the Project Operations invoice
    "Pending": 100000000, "Created": 100000001, "Posted": 100000002, "Credited": 100000003,
    "Cancelled": 100000004, "Error": 100000005,
}  # fmt: skip


class ProcessRequest(BaseModel):
    """Process Confirmed Invoices: these Project Operations invoice ids, or every
    confirmed one not processed yet."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ids: list[str] = Field(default_factory=list, max_length=5000)


class CorrectRequest(BaseModel):
    """Correct Invoice: these revisions (Credit Note Invoice IDs), or every staged one
    waiting for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ids: list[str] = Field(default_factory=list, max_length=5000)


class CorrectMessage(BaseModel):
    """Queue message: correct the invoice this confirmed revision revises."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    revision_id: str = Field(min_length=1, max_length=64)
    correlation_id: str = Field("", max_length=200)
