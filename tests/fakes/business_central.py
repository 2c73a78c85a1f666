"""`FakeBusinessCentral`: the BusinessCentral port on dicts, with BC's document rules.

Documents get numbers from per-kind series, start as Draft, become Open (posted, new
number, same id) when posted and are read-only afterwards. A deep insert (`create_document`)
puts the header and every line in at once; line dimensions follow, as the real client does.
Lines are added `transaction_size` at a time, each line with its dimensions, so a test can
stop a write half-way (`crash_after_transactions`) and see the next attempt complete it.
An id already taken is refused as BC refuses it (Internal_EntityWithSameKeyExists).
`calls` records every write so tests can assert nothing was created twice.
"""

from __future__ import annotations

import functools
import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from shared.domain.invoices import DocumentKind
from shared.errors import RejectedError, TransientError
from shared.ports.business_central import (
    BcDocument,
    BcLine,
    BcParty,
    DimensionFix,
    NewDocument,
    NewLine,
)

_PREFIX = {
    DocumentKind.SALES_INVOICE: ("S-INV", "PS-INV"),
    DocumentKind.SALES_CREDIT_MEMO: ("S-CR", "PS-CR"),
    DocumentKind.PURCHASE_INVOICE: ("P-INV", "PP-INV"),
    DocumentKind.PURCHASE_CREDIT_MEMO: ("P-CR", "PP-CR"),
}


@dataclass
class FakeLine:
    id: str
    line: NewLine
    dimensions: dict[str, str] = field(default_factory=dict)

    # What tests read of a line, as on a NewLine.
    @property
    def line_type(self) -> str:
        return self.line.line_type

    @property
    def number(self) -> str:
        return self.line.number

    @property
    def quantity(self) -> float:
        return self.line.quantity

    @property
    def unit_amount(self) -> float:
        return self.line.unit_amount

    @property
    def marker(self) -> str:
        return self.line.marker


@dataclass
class FakeDocument:
    kind: DocumentKind
    id: str
    number: str
    party_number: str
    reference: str
    currency_code: str
    status: str = "Draft"
    lines: list[FakeLine] = field(default_factory=list)
    applies_to: str = ""  # a sales credit memo: the invoice it corrects
    posting_date: date | None = None

    def view(self) -> BcDocument:
        lines = tuple(BcLine(line.id, line.marker) for line in self.lines)
        return BcDocument(self.kind, self.id, self.number, self.status, self.reference, lines)


Method = TypeVar("Method", bound=Callable[..., Any])


def _atomic(method: Method) -> Method:
    """One write at a time, as BC's transactions are; the latency is spent before it."""

    @functools.wraps(method)
    def atomic(self: FakeBusinessCentral, *args: Any, **kwargs: Any) -> Any:
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            return method(self, *args, **kwargs)

    return atomic  # type: ignore[return-value]


class FakeBusinessCentral:
    """One company's master data and documents."""

    def __init__(self) -> None:
        self.customers: dict[str, BcParty] = {}
        self.vendors: dict[str, BcParty] = {}
        self.currencies: set[str] = set()
        self.items: set[str] = set()
        self.accounts: dict[str, bool] = {}  # number → blocked
        self.default_dimensions: dict[str, dict[str, str]] = {}  # customer id → code → value
        self.dimension_values: set[tuple[str, str]] = set()
        self.documents: dict[str, FakeDocument] = {}
        self.calls: list[str] = []
        self.fail_next: list[Exception] = []  # raised by the next writes, in order
        # operation ("create", "add", "dimensions", "post", "force") → error, raised once
        self.fail_on: dict[str, Exception] = {}
        self.transaction_size = 100  # requests per transaction (a line and its dimensions)
        self.crash_after_transactions: int | None = None  # then a TransientError, once
        self.latency = 0.0  # seconds each write waits before BC applies it (widens races)
        self._lock = threading.RLock()  # BC applies one write at a time, as a transaction
        self._numbers = {kind: itertools.count(1001) for kind in DocumentKind}
        self._posted_numbers = {kind: itertools.count(1001) for kind in DocumentKind}

    # --- set-up helpers -------------------------------------------------------------------
    def add_customer(
        self, number: str, *, blocked: bool = False, dimensions: dict[str, str] | None = None
    ) -> BcParty:
        party = BcParty(str(uuid.uuid4()), number, f"Customer {number}", blocked)
        self.customers[number] = party
        self.default_dimensions[party.id] = dict(dimensions or {})
        return party

    def add_vendor(self, number: str, *, blocked: bool = False) -> BcParty:
        party = BcParty(str(uuid.uuid4()), number, f"Vendor {number}", blocked)
        self.vendors[number] = party
        return party

    def of_kind(self, kind: DocumentKind) -> list[FakeDocument]:
        return [d for d in self.documents.values() if d.kind is kind]

    # --- master data ------------------------------------------------------------------------
    def find_customer(self, number: str) -> BcParty | None:
        return self.customers.get(number)

    def find_vendor(self, number: str) -> BcParty | None:
        return self.vendors.get(number)

    def currency_exists(self, code: str) -> bool:
        return code in self.currencies

    def existing_items(self, numbers: Iterable[str]) -> set[str]:
        return {n for n in numbers if n in self.items}

    def account_usable(self, number: str) -> bool:
        return number in self.accounts and not self.accounts[number]

    def customer_default_dimensions(self, customer_id: str) -> dict[str, str]:
        return dict(self.default_dimensions.get(customer_id, {}))

    def dimension_value_exists(self, dimension: str, value: str) -> bool:
        return (dimension, value) in self.dimension_values

    # --- documents --------------------------------------------------------------------------
    def find_sales_document(
        self, kind: DocumentKind, external_document_number: str
    ) -> BcDocument | None:
        found = [d for d in self.of_kind(kind) if d.reference == external_document_number]
        return found[0].view() if found else None

    def find_open_purchase_document(
        self, kind: DocumentKind, vendor_number: str, vendor_invoice_number: str, currency_code: str
    ) -> BcDocument | None:
        for document in self.of_kind(kind):
            if (
                document.party_number,
                document.reference,
                document.currency_code,
                document.status,
            ) == (vendor_number, vendor_invoice_number, currency_code, "Draft"):
                return document.view()
        return None

    def line_dimensions(
        self, document: BcDocument, line_ids: Iterable[str]
    ) -> dict[str, dict[str, str]]:
        wanted = set(line_ids)
        stored = self.documents[document.id]
        return {line.id: dict(line.dimensions) for line in stored.lines if line.id in wanted}

    def get_document(self, kind: DocumentKind, document_id: str) -> BcDocument | None:
        document = self.documents.get(document_id)
        return document.view() if document and document.kind is kind else None

    @_atomic
    def create_document(self, document: NewDocument) -> BcDocument:
        self._write(f"create {document.kind.value} {document.external_document_number}")
        parties = self.customers if document.kind.is_sales else self.vendors
        if document.party_number not in parties:
            raise RejectedError(
                f"The party does not exist. No.='{document.party_number}'", status=400
            )
        self._check_lines(document.lines)
        document_id = document.id or str(uuid.uuid4())
        if document_id in self.documents:
            raise _exists(document_id)
        number = f"{_PREFIX[document.kind][0]}{next(self._numbers[document.kind])}"
        created = FakeDocument(document.kind, document_id, number, document.party_number,
                               document.external_document_number, document.currency_code,
                               lines=[FakeLine(_line_id(line), line) for line in document.lines],
                               applies_to=document.applies_to_invoice_id,
                               posting_date=document.posting_date)  # fmt: skip
        self._check_unique(created.lines)
        self.documents[created.id] = created
        if any(line.dimensions for line in document.lines):
            self._write(f"dimensions {number}")
            self._transactions(
                [
                    lambda fake=fake: fake.dimensions.update(fake.line.dimensions)
                    for fake in created.lines
                ]
            )
        return created.view()

    @_atomic
    def add_lines(
        self, document: BcDocument, lines: Sequence[NewLine], fixes: Sequence[DimensionFix] = ()
    ) -> BcDocument:
        self._write(f"add lines {document.number}")
        stored = self.documents[document.id]
        if stored.status != "Draft":
            raise RejectedError(f"{document.number} is posted and cannot be changed", status=400)
        self._check_lines(lines)
        new = [FakeLine(_line_id(line), line, dict(line.dimensions)) for line in lines]
        self._check_unique(new)
        self._transactions([lambda fake=fake: stored.lines.append(fake) for fake in new])
        for fix in fixes:
            line = next(line for line in stored.lines if line.id == fix.line_id)
            line.dimensions[fix.code] = fix.value
        return stored.view()

    @_atomic
    def post_document(self, document: BcDocument) -> BcDocument:
        self._write(f"post {document.number}")
        stored = self.documents[document.id]
        if stored.status != "Draft":
            raise RejectedError(f"{stored.number} is already posted", status=400)
        stored.number = f"{_PREFIX[stored.kind][1]}{next(self._posted_numbers[stored.kind])}"
        stored.status = "Open"
        return stored.view()

    @_atomic
    def force_delete_purchase_document(self, document: BcDocument) -> None:
        self._write(f"force delete {document.number}")
        stored = self.documents.get(document.id)
        if stored is None:
            raise RejectedError(f"{document.number} does not exist", status=404)
        if stored.status != "Draft":
            raise RejectedError(f"{stored.number} is posted", status=400)
        del self.documents[document.id]

    # --- internals --------------------------------------------------------------------------
    def _write(self, call: str) -> None:
        self.calls.append(call)
        if self.fail_next:
            raise self.fail_next.pop(0)
        error = self.fail_on.pop(call.split()[0], None)
        if error is not None:
            raise error

    def _transactions(self, writes: Sequence[Callable[[], object]]) -> None:
        """Apply one write per line, `transaction_size` lines per transaction; crash on cue."""
        size = max(1, self.transaction_size)
        for number, start in enumerate(range(0, len(writes), size)):
            if (
                self.crash_after_transactions is not None
                and number >= self.crash_after_transactions
            ):
                self.crash_after_transactions = None
                raise TransientError("Business Central: connection reset between transactions")
            for write in writes[start : start + size]:
                write()

    def _check_lines(self, lines: Sequence[NewLine]) -> None:
        for line in lines:
            known = (
                line.number in self.items
                if line.line_type == "Item"
                else line.number in self.accounts
            )
            if not known:
                raise RejectedError(f"{line.line_type} '{line.number}' does not exist", status=400)
            for code, value in line.dimensions.items():
                if (code, value) not in self.dimension_values:
                    raise RejectedError(
                        f"Dimension Value {code} {value} does not exist", status=400
                    )

    def _check_unique(self, lines: Sequence[FakeLine]) -> None:
        taken = {line.id for document in self.documents.values() for line in document.lines}
        for line in lines:
            if line.id in taken:
                raise _exists(line.id)


def _line_id(line: NewLine) -> str:
    return line.id or str(uuid.uuid4())


def _exists(key: str) -> RejectedError:
    return RejectedError(
        f"Internal_EntityWithSameKeyExists: The record already exists. Id='{key}'", status=400
    )


def throttled() -> TransientError:
    return TransientError("Business Central answered 429", status=429)
