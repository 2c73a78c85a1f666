"""Ports: what flows need from the outside world, as Protocols.

Flows depend on these only. Real adapters live in `shared/adapters/`; tests use the
small dict-backed fakes in `tests/fakes.py`, which honour the same contracts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from shared.domain.invoices import DocumentKind


@dataclass
class Entity:
    """One staging row. Keys are the natural (unencoded) values; the store encodes them."""

    partition: str
    row: str
    data: dict[str, Any] = field(default_factory=dict)
    etag: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of rows and the token that resumes after it (None at the end)."""

    entities: list[Entity]
    continuation: str | None


class StagingStore(Protocol):
    """Tables of staging rows with optimistic concurrency."""

    def get(self, table: str, partition: str, row: str) -> Entity:
        """Read one row. Raises NotFound."""
        ...

    def query(
        self, table: str, *, partition: str | None = None, where: Mapping[str, Any] | None = None
    ) -> Iterator[Entity]:
        """Stream the rows of a table or partition whose fields equal `where` (continuation hidden)."""
        ...

    def page(
        self,
        table: str,
        *,
        partition: str,
        size: int,
        continuation: str | None = None,
        where: Mapping[str, Any] | None = None,
    ) -> Page:
        """One page of a partition, for callers that page themselves (HTTP list endpoints).

        The page may hold fewer than `size` rows even when more follow: keep going while
        `continuation` is not None.
        """
        ...

    def insert(self, table: str, entity: Entity) -> Entity:
        """Create a row. Raises ConflictError when the key exists."""
        ...

    def update(self, table: str, entity: Entity) -> Entity:
        """Replace a row if its ETag still matches (`entity.etag`, None = unconditional).

        Raises ConflictError on a stale ETag, NotFound when the row is gone.
        """
        ...

    def upsert_many(self, table: str, entities: Iterable[Entity], *, replace: bool = False) -> int:
        """Merge (or replace) rows in atomic transactions of ≤ 100 per partition; returns the count."""
        ...

    def delete(self, table: str, partition: str, row: str, *, etag: str | None = None) -> None:
        """Delete a row (a missing row is not an error). Raises ConflictError on a stale ETag."""
        ...


@dataclass(frozen=True)
class OutgoingMessage:
    """A message to send. `message_id` is deterministic so the bus can drop duplicates."""

    body: str
    message_id: str
    session_id: str | None = None
    scheduled_at: datetime | None = None
    properties: Mapping[str, str] = field(default_factory=dict)


@dataclass
class ReceivedMessage:
    """A locked message; settle it with complete, abandon or dead_letter."""

    queue: str
    body: str
    message_id: str
    delivery_count: int
    session_id: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    dead_letter_reason: str | None = None
    dead_letter_description: str | None = None
    receipt: Any = None


class Bus(Protocol):
    """Queues with peek-lock, delivery counting, dead-lettering and duplicate detection.

    Every implementation keeps Service Bus semantics: `delivery_count` is 1 on the first
    delivery and grows with each abandon or lost lock; a message delivered the maximum number
    of times goes to the queue's dead-letter queue with reason `MaxDeliveryCountExceeded` (and
    the last error as description when known); a `message_id` sent to a queue again within
    the duplicate window is dropped; message and session ids hold at most 128 characters.
    """

    def send(self, queue: str, messages: Sequence[OutgoingMessage]) -> int:
        """Send messages; returns how many were accepted (duplicates are dropped).

        Service Bus drops duplicates without saying so: there the count is len(messages).
        Raises ValidationError (naming the message) for a bad id or a message too large.
        """
        ...

    def receive(
        self, queue: str, *, max_messages: int = 32, lock_seconds: int = 60
    ) -> list[ReceivedMessage]:
        """Lock and return up to `max_messages` messages (none waiting: an empty list).

        On Service Bus the lock lasts the queue's LockDuration whatever `lock_seconds` says.
        """
        ...

    def complete(self, message: ReceivedMessage) -> None:
        """Remove a processed message. Raises ConflictError when its lock was lost."""
        ...

    def abandon(self, message: ReceivedMessage, *, error: str) -> None:
        """Release a message for redelivery; past max deliveries it is dead-lettered.

        Raises ConflictError when its lock was lost.
        """
        ...

    def dead_letter(self, message: ReceivedMessage, *, reason: str, description: str) -> None:
        """Move a message to the queue's dead-letter queue with a reason.

        Raises ConflictError when its lock was lost (the message stays in the queue).
        """
        ...

    def peek_dead_letters(self, queue: str, *, max_messages: int = 32) -> list[ReceivedMessage]:
        """Look at the oldest dead-lettered messages without removing them (no receipt)."""
        ...


class EcpProSource(Protocol):
    """The EcpPro REST API, as far as the list refresh needs it."""

    def list_records(self, list_name: str) -> Iterator[dict[str, Any]]:
        """Every record of one list, all pages. Raises AuthError, TransientError."""
        ...


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
