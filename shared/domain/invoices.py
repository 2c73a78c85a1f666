"""EcpPro invoices in staging: the two legs' status machines, document kinds and records.

Sales leg:    New → Created | Posted Sales Invoice | Posted Sales Credit Memo, or → Error
Purchase leg: New → Created | Posted Purchase Invoice | Posted Purchase Credit Memo, or → Error;
              Not Applicable when no line has a Unit Cost (nothing to purchase).
Reprocess Sales / Reprocess Purchase send a leg back to New (the rules live in the flows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SalesStatus(StrEnum):
    NEW = "New"
    CREATED = "Created"
    POSTED_INVOICE = "Posted Sales Invoice"
    POSTED_CREDIT_MEMO = "Posted Sales Credit Memo"
    ERROR = "Error"


class PurchaseStatus(StrEnum):
    NEW = "New"
    CREATED = "Created"
    POSTED_INVOICE = "Posted Purchase Invoice"
    POSTED_CREDIT_MEMO = "Posted Purchase Credit Memo"
    ERROR = "Error"
    NOT_APPLICABLE = "Not Applicable"


SALES_DONE = frozenset(
    {SalesStatus.CREATED, SalesStatus.POSTED_INVOICE, SalesStatus.POSTED_CREDIT_MEMO}
)
PURCHASE_DONE = frozenset(
    {PurchaseStatus.CREATED, PurchaseStatus.POSTED_INVOICE, PurchaseStatus.POSTED_CREDIT_MEMO}
)


class DocumentKind(StrEnum):
    """The four Business Central documents an EcpPro invoice can become."""

    SALES_INVOICE = "Sales Invoice"
    SALES_CREDIT_MEMO = "Sales Credit Memo"
    PURCHASE_INVOICE = "Purchase Invoice"
    PURCHASE_CREDIT_MEMO = "Purchase Credit Memo"

    @property
    def is_sales(self) -> bool:
        return self in (DocumentKind.SALES_INVOICE, DocumentKind.SALES_CREDIT_MEMO)

    @property
    def is_credit(self) -> bool:
        return self in (DocumentKind.SALES_CREDIT_MEMO, DocumentKind.PURCHASE_CREDIT_MEMO)

    @classmethod
    def for_total(cls, total: float, *, sales: bool) -> DocumentKind:
        """Invoice for a positive total, credit memo for a negative one."""
        if sales:
            return cls.SALES_CREDIT_MEMO if total < 0 else cls.SALES_INVOICE
        return cls.PURCHASE_CREDIT_MEMO if total < 0 else cls.PURCHASE_INVOICE


def created_sales_status(kind: DocumentKind, *, posted: bool) -> SalesStatus:
    if not posted:
        return SalesStatus.CREATED
    return (
        SalesStatus.POSTED_CREDIT_MEMO
        if kind is DocumentKind.SALES_CREDIT_MEMO
        else SalesStatus.POSTED_INVOICE
    )


def created_purchase_status(kind: DocumentKind, *, posted: bool) -> PurchaseStatus:
    if not posted:
        return PurchaseStatus.CREATED
    return (
        PurchaseStatus.POSTED_CREDIT_MEMO
        if kind is DocumentKind.PURCHASE_CREDIT_MEMO
        else PurchaseStatus.POSTED_INVOICE
    )


@dataclass(frozen=True)
class StagedLine:
    """One staged invoice line (BC field names in the comments)."""

    line_no: int  # Line No.
    number: str  # No. (item or G/L account)
    description: str
    quantity: float
    unit_price: float | None
    unit_cost: float | None
    amount: float | None


@dataclass
class Leg:
    """One leg's state: where it stands, which BC document it made, what went wrong."""

    status: SalesStatus | PurchaseStatus
    document_kind: DocumentKind | None = None
    document_id: str = ""
    document_number: str = ""
    error: str = ""
    attempts: int = 0
    # Bumped by Reprocess: the ids of what the leg writes to BC are per generation, so a
    # reprocessed invoice gets a document of its own even where the old one still stands.
    generation: int = 0

    @property
    def is_sales(self) -> bool:
        return isinstance(self.status, SalesStatus)

    def fail(self, message: str) -> None:
        self.status = SalesStatus.ERROR if self.is_sales else PurchaseStatus.ERROR
        self.error = message

    def not_applicable(self, note: str) -> None:
        """Nothing to do for this leg (only the purchase leg has such invoices)."""
        assert not self.is_sales, "every invoice has a sales document"
        self.status, self.error = PurchaseStatus.NOT_APPLICABLE, note

    def link(self, kind: DocumentKind, document_id: str, number: str, *, posted: bool) -> None:
        """Record the BC document this leg made (Created, or its posted status)."""
        self.document_kind, self.document_id, self.document_number = kind, document_id, number
        self.status = (
            created_sales_status(kind, posted=posted)
            if self.is_sales
            else created_purchase_status(kind, posted=posted)
        )
        self.error = ""

    def clear(self, status: SalesStatus | PurchaseStatus) -> None:
        """Forget the document link and the error; back to `status` (New)."""
        self.status, self.document_kind = status, None
        self.document_id = self.document_number = self.error = ""


@dataclass
class StagedInvoice:
    """A staged EcpPro invoice header with both legs' state."""

    id: str
    invoice_number: str
    customer_number: str
    posting_date: date | None
    due_date: date | None
    currency_code: str
    total: float
    vendor_number: str = ""
    vendor_invoice_number: str = ""
    cost_centre: str = ""
    customer_name: str = ""
    tenant_id: str = ""
    lines: list[StagedLine] = field(default_factory=list)
    sales: Leg = field(default_factory=lambda: Leg(SalesStatus.NEW))
    purchase: Leg = field(default_factory=lambda: Leg(PurchaseStatus.NEW))
    processed: bool = False
    correlation_id: str = ""
    # What the import keeps about the EcpPro record (carried through every save).
    content_hash: str = ""
    line_count: int = 0
    imported_on: datetime | None = None
    updated_on: datetime | None = None
    etag: str | None = None

    @property
    def label(self) -> str:
        """How messages name the invoice: its EcpPro number and id."""
        return f"EcpPro invoice {self.invoice_number or '?'} ({self.id})"


class ProcessInvoice(BaseModel):
    """Queue message: run one leg for one staged invoice."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    invoice_id: str = Field(min_length=1, max_length=200)
    leg: Literal["sales", "purchase"]
    correlation_id: str = Field(default="", max_length=128)


class InvoiceSelection(BaseModel):
    """Body of the create-* actions: which invoices (none = every eligible one)."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    invoice_ids: list[str] = Field(default_factory=list, alias="invoiceIds", max_length=5000)


class InvoiceView(StrEnum):
    SALES_CREATED = "sales-created"
    SALES_ERROR = "sales-error"
    PURCHASE_CREATED = "purchase-created"
    PURCHASE_ERROR = "purchase-error"
    PURCHASE_NOT_APPLICABLE = "purchase-not-applicable"
    ALL = "all"


class InvoiceQuery(BaseModel):
    """Query of `GET /api/invoices`."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    view: InvoiceView = InvoiceView.ALL
    page_size: int = Field(50, ge=1, le=1000, alias="pageSize")
    continuation: str | None = None


class InvoiceMappingRow(BaseModel):
    """One row of `PUT /api/invoice-mapping`."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    ecppro_field: str = Field(alias="ecpproField", min_length=1, max_length=100)
    bc_field: str = Field(alias="bcField", min_length=1, max_length=100)


class InvoiceMappingBody(BaseModel):
    """Body of `PUT /api/invoice-mapping`: the whole mapping."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mapping: list[InvoiceMappingRow] = Field(min_length=1, max_length=200)
