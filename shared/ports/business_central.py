"""Business Central as the hub's flows need it: master data and documents (the EcpPro
invoice flows), and records of any entity set (the entity-sync engine).

Writes are safe to repeat: a new document and its lines carry ids the hub chose
(deterministic per invoice, leg, kind and line), so a document or line that already
exists is found again rather than created twice, and a write that stopped half-way is
completed by the next attempt (see `plan_purchase` and `DimensionFix`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Protocol

from shared.domain.invoices import DocumentKind
from shared.errors import HubError


@dataclass(frozen=True)
class BcParty:
    """A Business Central customer or vendor, as the invoice flows need it."""

    id: str
    number: str
    name: str
    blocked: bool = False


@dataclass(frozen=True)
class NewLine:
    """A document line to create.

    `id` is chosen by the hub (empty: BC chooses), so a line already on the document is
    recognised. `marker` goes to description2: the EcpPro invoice number, so a purchase
    document shared by several invoices shows which ones it holds.
    """

    line_type: str  # "Item" or "Account"
    number: str
    description: str
    quantity: float
    unit_amount: float  # unit price on sales lines, unit cost on purchase lines
    marker: str = ""
    dimensions: Mapping[str, str] = field(default_factory=dict)
    id: str = ""


@dataclass(frozen=True)
class NewDocument:
    """A document header with its lines; `id` is chosen by the hub (empty: BC chooses)."""

    kind: DocumentKind
    party_number: str  # customer (sales) or vendor (purchase)
    posting_date: date | None
    due_date: date | None
    currency_code: str
    external_document_number: str  # sales: External Document No.; purchase: Vendor Invoice No.
    lines: Sequence[NewLine]
    id: str = ""
    applies_to_invoice_id: str = ""  # a sales credit memo: the posted invoice it corrects


@dataclass(frozen=True)
class BcLine:
    """A line already on a document: its id and the marker in its description2."""

    id: str
    marker: str = ""


@dataclass(frozen=True)
class BcDocument:
    """A document as Business Central holds it (with its lines when they were read)."""

    kind: DocumentKind
    id: str
    number: str
    status: str
    external_document_number: str = ""
    lines: tuple[BcLine, ...] = ()
    etag: str = "*"

    @property
    def posted(self) -> bool:
        """Draft and In Review are unposted; Open, Paid, Canceled, Corrective are posted."""
        return self.status not in ("Draft", "In Review", " ", "")

    @property
    def markers(self) -> frozenset[str]:
        return frozenset(line.marker for line in self.lines if line.marker)

    @property
    def line_ids(self) -> frozenset[str]:
        return frozenset(line.id for line in self.lines)


@dataclass(frozen=True)
class DimensionFix:
    """A dimension a line already on the document still needs (its write stopped half-way).

    `replace` says the line has the dimension with another value (inherited from its
    document or item), which BC changes rather than adds.
    """

    line_id: str
    code: str
    value: str
    replace: bool = False


class BcMasterData(Protocol):
    """Reads of master data; None / False when nothing matches."""

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


class BcDocuments(Protocol):
    """Sales and purchase documents.

    Writes raise RejectedError (BC refused the data), TransientError (throttled,
    unavailable), ConflictError (changed meanwhile) or AuthError (credentials refused).
    Any number of lines is accepted: what does not fit one BC transaction is written in
    several, each all or nothing, and repeating a write completes what is missing.
    """

    def find_sales_document(
        self, kind: DocumentKind, external_document_number: str
    ) -> BcDocument | None:
        """The sales document (posted or not) with this External Document No."""
        ...

    def find_open_purchase_document(
        self, kind: DocumentKind, vendor_number: str, vendor_invoice_number: str, currency_code: str
    ) -> BcDocument | None:
        """An unposted purchase document that later invoices can add lines to, with its lines."""
        ...

    def line_dimensions(
        self, document: BcDocument, line_ids: Iterable[str]
    ) -> dict[str, dict[str, str]]:
        """Line id → dimension code → value code, for those of `line_ids` on the document."""
        ...

    def get_document(self, kind: DocumentKind, document_id: str) -> BcDocument | None: ...

    def create_document(self, document: NewDocument) -> BcDocument:
        """The header with all its lines in one request (all or nothing), then the lines'
        dimensions in transactions of their own."""
        ...

    def add_lines(
        self, document: BcDocument, lines: Sequence[NewLine], fixes: Sequence[DimensionFix] = ()
    ) -> BcDocument:
        """Lines added to an unposted document, each line with its dimensions in one
        transaction; then the `fixes` for lines already there."""
        ...

    def post_document(self, document: BcDocument) -> BcDocument:
        """Post; returns the posted document (new number, posted status)."""
        ...

    def force_delete_purchase_document(self, document: BcDocument) -> None:
        """Clear the posting number assignment and delete an unposted purchase document."""
        ...


class BusinessCentral(BcMasterData, BcDocuments, Protocol):
    """Everything the EcpPro invoice flows need from one Business Central company."""


# --- records of any entity set (the entity-sync engine) ------------------------------------
BcApi = Literal["v2.0", "companion"]


@dataclass(frozen=True)
class BcWrite:
    """One write of a record: `path` is relative to the company (`crmIds(<id>)`,
    `customers`), `api` says which API serves it (v2.0, or the hub's companion API)."""

    method: Literal["POST", "PATCH", "DELETE"]
    path: str
    body: Mapping[str, Any] | None = None
    api: BcApi = "v2.0"
    etag: str = "*"


@dataclass(frozen=True)
class BcWriteResult:
    """What one write answered; `error` is the typed error when it failed."""

    status: int
    body: Any = None
    error: HubError | None = None


class BusinessCentralRecords(Protocol):
    """Records of any entity set of one company, as the entity-sync engine reads and
    writes them (rows in the API's shape)."""

    def records(
        self,
        entity_set: str,
        *,
        api: BcApi = "v2.0",
        filter: str | None = None,
        select: Sequence[str] = (),
        expand: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every matching record, one page in memory at a time; `expand` names a
        navigation read with each (a document's `lines`), nested under its name."""
        ...

    def write_many(self, writes: Sequence[BcWrite]) -> list[BcWriteResult]:
        """Independent writes in `$batch` requests of at most 100 (one failing does not
        stop the others), one result per write, in order."""
        ...
