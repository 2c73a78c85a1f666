"""`FakeCreditMemos`: the BcCreditMemos port over a `FakeBusinessCentral`'s documents,
with BC's rules the credit-notes flow relies on.

An invoice's total is the sum of its lines; what remains open of a posted one is that
total less payments (`pay`) and the posted credit memos applied to it; at zero it is
Paid. `cancel_invoice` is BC's Correct → Cancel (refused for a paid, cancelled or
corrective invoice): a credit memo of every line, applied and posted, the invoice
Canceled and the credit memo Corrective. Accounting periods close with `close_through`;
dimension values are added with `add_dimension_value`. `calls` counts writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from shared.domain.invoices import DocumentKind
from shared.errors import RejectedError
from shared.ports.business_central import NewDocument, NewLine
from shared.ports.credit_memos import CreditMemoState, InvoiceState
from tests.fakes.business_central import FakeBusinessCentral, FakeDocument


class FakeCreditMemos:
    def __init__(self, bc: FakeBusinessCentral) -> None:
        self.bc = bc
        self.paid: dict[str, float] = {}  # invoice id → amount paid
        self.marks: dict[str, tuple[str, str]] = {}  # credit memo id → (revision, PO invoice)
        self.closed_through: date | None = None
        self.dimension_values: dict[tuple[str, str], str] = {}  # (dimension, name) → code
        self.non_changeable: tuple[str, ...] = ()
        self.blocked: dict[str, str] = {}  # customer No. → Blocked other than All (Ship, Invoice)
        self.calls: list[str] = []

    # --- test helpers ---------------------------------------------------------------------
    def add_dimension_value(self, dimension: str, code: str, name: str) -> None:
        self.dimension_values[(dimension.upper(), name.lower())] = code
        self.dimension_values[(dimension.upper(), code.lower())] = code
        self.bc.dimension_values.add((dimension.upper(), code))

    def pay(self, invoice_id: str, amount: float) -> None:
        self.paid[invoice_id] = self.paid.get(invoice_id, 0.0) + amount

    def credit_memos_of(self, invoice_id: str) -> list[FakeDocument]:
        return [d for d in self.bc.documents.values()
                if d.kind is DocumentKind.SALES_CREDIT_MEMO and d.applies_to == invoice_id]  # fmt: skip

    # --- the port -------------------------------------------------------------------------
    def sales_invoice(self, invoice_id: str) -> InvoiceState | None:
        document = self.bc.documents.get(invoice_id)
        if document is None or document.kind is not DocumentKind.SALES_INVOICE:
            return None
        total = _total(document)
        remaining = total if document.status == "Draft" else self._remaining(document)
        status = document.status
        if status == "Open" and round(remaining, 2) == 0:
            status = "Paid"
        return InvoiceState(document.id, document.number, status, document.party_number,
                            document.currency_code, document.posting_date, total, remaining)  # fmt: skip

    def credit_memos_for_invoice(self, invoice_id: str) -> list[CreditMemoState]:
        return [self._state(d) for d in self.credit_memos_of(invoice_id)]

    def credit_memo(self, credit_memo_id: str) -> CreditMemoState | None:
        document = self.bc.documents.get(credit_memo_id)
        if document is None or document.kind is not DocumentKind.SALES_CREDIT_MEMO:
            return None
        return self._state(document)

    def credit_memo_for_revision(self, revision_id: str) -> CreditMemoState | None:
        for memo_id, (revision, _) in self.marks.items():
            if revision == revision_id and memo_id in self.bc.documents:
                return self._state(self.bc.documents[memo_id])
        return None

    def mark_credit_memo(self, credit_memo_id: str, revision_id: str, invoice_id: str) -> None:
        self.calls.append(f"mark {credit_memo_id}")
        self.marks[credit_memo_id] = (revision_id, invoice_id)

    def cancel_invoice(self, invoice_id: str) -> CreditMemoState:
        self.calls.append(f"cancel {invoice_id}")
        invoice = self.bc.documents[invoice_id]
        state = self.sales_invoice(invoice_id)
        assert state is not None
        if not state.posted:
            raise RejectedError("The invoice cannot be found.", status=400)
        if state.status in ("Canceled", "Corrective") or self.paid.get(invoice_id):
            raise RejectedError("You cannot cancel this posted sales invoice.", status=400)
        if self.closed_through and date.today() <= self.closed_through:
            raise RejectedError("Posting Date is not within your range of allowed posting dates.",
                                status=400)  # fmt: skip
        memo = self.bc.create_document(NewDocument(
            DocumentKind.SALES_CREDIT_MEMO, invoice.party_number, date.today(), None,
            invoice.currency_code, invoice.reference,
            [NewLine(x.line.line_type, x.line.number, x.line.description, x.line.quantity,
                     x.line.unit_amount, dimensions=dict(x.dimensions), id=str(uuid.uuid4()))
             for x in invoice.lines],
            applies_to_invoice_id=invoice_id,
        ))  # fmt: skip
        self.bc.post_document(memo)
        self.bc.documents[memo.id].status = "Corrective"
        invoice.status = "Canceled"
        return self._state(self.bc.documents[memo.id])

    def delete_unposted_invoice(self, invoice_id: str) -> None:
        self.calls.append(f"delete {invoice_id}")
        document = self.bc.documents.get(invoice_id)
        if document is None:
            return
        if document.status != "Draft":
            raise RejectedError(f"{document.number} is posted and cannot be deleted", status=400)
        del self.bc.documents[invoice_id]

    def customer_blocked(self, number: str) -> str:
        party = self.bc.customers.get(number)
        if party is None:
            return ""
        return self.blocked.get(number) or ("All" if party.blocked else " ")

    def closed_period(self, on: date) -> str | None:
        if self.closed_through and on <= self.closed_through:
            return f"{on:%B %Y}"
        return None

    def project_dimension_value(self, dimension: str, project_name: str) -> str | None:
        return self.dimension_values.get((dimension.upper(), project_name.lower()))

    def set_non_changeable_fields(self, fields: Sequence[str]) -> None:
        self.non_changeable = tuple(fields)

    # --- internals ------------------------------------------------------------------------
    def _remaining(self, invoice: FakeDocument) -> float:
        credited = sum(_total(d) for d in self.credit_memos_of(invoice.id) if d.status != "Draft")
        return round(_total(invoice) - self.paid.get(invoice.id, 0.0) - credited, 2)

    def _state(self, document: FakeDocument) -> CreditMemoState:
        revision, _ = self.marks.get(document.id, ("", ""))
        header = {"number": document.number, "customerNumber": document.party_number,
                  "postingDate": document.posting_date.isoformat() if document.posting_date else "",
                  "externalDocumentNumber": document.reference}  # fmt: skip
        return CreditMemoState(document.id, document.number, document.status, document.applies_to,
                               revision, document.reference, document.posting_date,
                               _total(document), header)  # fmt: skip


def _total(document: FakeDocument) -> float:
    return round(sum(x.line.quantity * x.line.unit_amount for x in document.lines), 2)
