"""Business Central as the EcpPro invoice flows need it: master data and documents."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from shared.domain.invoices import DocumentKind


@dataclass(frozen=True)
class BcParty:
    """A Business Central customer or vendor, as the invoice flows need it."""

    id: str
    number: str
    name: str
    blocked: bool = False


@dataclass(frozen=True)
class NewLine:
    """A document line to create. `marker` goes to description2: the EcpPro invoice number,
    so a purchase document shared by several invoices shows which ones it already holds."""

    line_type: str  # "Item" or "Account"
    number: str
    description: str
    quantity: float
    unit_amount: float  # unit price on sales lines, unit cost on purchase lines
    marker: str = ""
    dimensions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NewDocument:
    """A document header with its lines, created atomically."""

    kind: DocumentKind
    party_number: str  # customer (sales) or vendor (purchase)
    posting_date: date | None
    due_date: date | None
    currency_code: str
    external_document_number: str  # sales: External Document No.; purchase: Vendor Invoice No.
    lines: Sequence[NewLine]


@dataclass(frozen=True)
class BcDocument:
    """A document as Business Central holds it."""

    kind: DocumentKind
    id: str
    number: str
    status: str
    external_document_number: str = ""
    markers: frozenset[str] = frozenset()
    etag: str = "*"

    @property
    def posted(self) -> bool:
        """Draft and In Review are unposted; Open, Paid, Canceled, Corrective are posted."""
        return self.status not in ("Draft", "In Review", " ", "")


class BusinessCentral(Protocol):
    """What the EcpPro invoice flows need from Business Central.

    Reads return None when nothing matches; writes raise ValidationError (BC refused the
    data), TransientError (throttled, unavailable) or ConflictError (changed meanwhile).
    """

    def find_customer(self, number: str) -> BcParty | None: ...

    def find_vendor(self, number: str) -> BcParty | None: ...

    def currency_exists(self, code: str) -> bool: ...

    def existing_items(self, numbers: Iterable[str]) -> set[str]:
        """Which of `numbers` are items."""
        ...

    def account_usable(self, number: str) -> bool:
        """A G/L account that exists and is not blocked."""
        ...

    def customer_default_dimensions(self, customer_id: str) -> dict[str, str]:
        """Dimension code → value code of the customer's default dimensions."""
        ...

    def dimension_value_exists(self, dimension: str, value: str) -> bool: ...

    def find_sales_document(
        self, kind: DocumentKind, external_document_number: str
    ) -> BcDocument | None:
        """The sales document (posted or not) with this External Document No."""
        ...

    def find_open_purchase_document(
        self, kind: DocumentKind, vendor_number: str, vendor_invoice_number: str, currency_code: str
    ) -> BcDocument | None:
        """An unposted purchase document that later invoices can add lines to."""
        ...

    def get_document(self, kind: DocumentKind, document_id: str) -> BcDocument | None: ...

    def create_document(self, document: NewDocument) -> BcDocument:
        """Header, lines and line dimensions in one transaction: all or nothing."""
        ...

    def add_lines(self, document: BcDocument, lines: Sequence[NewLine]) -> BcDocument:
        """Lines (and their dimensions) added to an unposted document in one transaction."""
        ...

    def post_document(self, document: BcDocument) -> BcDocument:
        """Post; returns the posted document (new number, posted status)."""
        ...

    def force_delete_purchase_document(self, document: BcDocument) -> None:
        """Clear the posting number assignment and delete an unposted purchase document."""
        ...
