"""Correct Invoice, decided on plain data (product document 001; no I/O here).

Given the original invoice's staged lines, what the revision keeps of each, what earlier
revisions took back already, and BC's state of the invoice, `plan_correction` says what
to do:

- **Refuse** (a business error on the row, nothing written): the revision credits more
  than was invoiced (a negative quantity, or more than is left after earlier credits);
  partial credit notes are off and the revision keeps something; the BC invoice is
  cancelled, corrected by a credit memo the hub did not make, paid or partly applied;
  the credit memo's posting date is in a closed period; the customer is blocked;
- **Nothing**: the revision keeps every quantity;
- **CancelUnposted**: BC has not posted the invoice (or never had it): it is deleted and
  the revision recorded with BC Unposted Invoice Number = "Deleted" (cancel transactions);
- **CancelPosted**: a full reversal of a posted invoice in Cancel invoice mode: BC's own
  correction (cancel), which makes, applies and posts the credit memo;
- **CreditMemo**: a credit memo applied to the invoice with, per line, original −
  revised quantity, the project dimension, posted when the mode is Cancel invoice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from shared.domain.credit_notes import CorrectMode, CreditNoteSetup
from shared.ports.credit_memos import CreditMemoState, InvoiceState

QUANTITY_PLACES = 5  # BC keeps quantities to 5 decimals
AMOUNT_TOLERANCE = 0.005


@dataclass(frozen=True)
class OriginalLine:
    """A chargeable line detail of the original invoice, as staged."""

    detail_id: str
    description: str
    quantity: float
    unit_price: float
    dimension_value: str  # the project's BC dimension value code
    credited_before: float = 0.0  # taken back by earlier revisions


@dataclass(frozen=True)
class CreditLine:
    detail_id: str
    description: str
    quantity: float  # what this revision takes back
    unit_price: float
    dimension_value: str

    @property
    def amount(self) -> float:
        return round(self.quantity * self.unit_price, 2)


@dataclass(frozen=True)
class Refuse:
    reason: str
    field: str


@dataclass(frozen=True)
class Nothing:
    reason: str


@dataclass(frozen=True)
class CancelUnposted:
    """Delete the unposted BC invoice (if BC has it)."""

    lines: tuple[CreditLine, ...]
    full: bool


@dataclass(frozen=True)
class CancelPosted:
    lines: tuple[CreditLine, ...]


@dataclass(frozen=True)
class CreditMemo:
    lines: tuple[CreditLine, ...]
    post: bool
    full: bool


Plan = Refuse | Nothing | CancelUnposted | CancelPosted | CreditMemo


@dataclass(frozen=True)
class BcFacts:
    """What BC says about the original invoice and the credit memo's posting."""

    invoice: InvoiceState | None  # None: BC never had it (or it was deleted)
    credit_memos: Sequence[CreditMemoState] = ()  # applied to the invoice, posted or not
    ours: frozenset[str] = frozenset()  # ids of those credit memos the hub made
    closed_period: str | None = None  # the closed period holding the posting date
    customer_blocked: str = ""  # the customer's Blocked in BC (" ", Ship, Invoice, All)
    posting_date: date | None = None


def credit_lines(
    originals: Sequence[OriginalLine], revised: Mapping[str, float], label: str
) -> tuple[CreditLine, ...] | Refuse:
    """Per original line: what is billed now (invoiced − taken back by earlier revisions)
    − what the revision keeps (a line it does not name is kept as billed now). A revision
    states the new quantity, whether it revises the original or an earlier revision.
    Refuses a negative quantity, or one above what is billed now."""
    lines = []
    for line in originals:
        billed = round(line.quantity - line.credited_before, QUANTITY_PLACES)
        kept = revised.get(line.detail_id, billed)
        if kept < 0:
            return Refuse(f"{label}: line '{line.description}' has quantity {kept:g}: a revision "
                          "cannot credit more than was invoiced", "quantity")  # fmt: skip
        credit = round(billed - kept, QUANTITY_PLACES)
        if credit < 0:
            before = f"{billed:g}" + (f" (of {line.quantity:g} invoiced, after earlier credit "
                                      "notes)" if line.credited_before else "")  # fmt: skip
            return Refuse(f"{label}: line '{line.description}' raises the quantity from "
                          f"{before} to {kept:g}: a credit note cannot bill more", "quantity")  # fmt: skip
        if credit > 0:
            lines.append(CreditLine(line.detail_id, line.description, credit,
                                    line.unit_price, line.dimension_value))  # fmt: skip
    return tuple(lines)


def plan_correction(
    originals: Sequence[OriginalLine],
    revised: Mapping[str, float],
    bc: BcFacts,
    setup: CreditNoteSetup,
    label: str,
) -> Plan:
    lines = credit_lines(originals, revised, label)
    if isinstance(lines, Refuse):
        return lines
    if not lines:
        return Nothing(f"{label}: the revision keeps every quantity; nothing to credit")
    credited = {line.detail_id: line.quantity for line in lines}
    full = all(
        round(o.quantity - o.credited_before, QUANTITY_PLACES) == credited.get(o.detail_id, 0)
        for o in originals
    ) and not any(o.credited_before for o in originals)
    if not full and not setup.allow_partial:
        return Refuse(f"{label}: the revision takes back only part of the invoice and partial "
                      "credit notes are not allowed (PROJECT_ALLOW_PARTIAL_CREDIT_NOTES): revise "
                      "it to zero, or allow them", "PROJECT_ALLOW_PARTIAL_CREDIT_NOTES")  # fmt: skip
    invoice = bc.invoice
    if invoice is None or not invoice.posted:
        return CancelUnposted(lines, full)
    number = f"BC invoice {invoice.number}"
    if invoice.status == "Canceled":
        return Refuse(f"{label}: {number} is already cancelled in BC", "status")
    if invoice.status == "Corrective":
        return Refuse(f"{label}: {number} is itself a correction in BC", "status")
    others = [c for c in bc.credit_memos if c.id not in bc.ours]
    if others:
        names = ", ".join(c.number for c in others)
        return Refuse(f"{label}: {number} was already corrected in BC by credit memo {names}",
                      "status")  # fmt: skip
    ours_posted = sum(c.total_including_tax for c in bc.credit_memos
                      if c.id in bc.ours and c.posted)  # fmt: skip
    expected = invoice.total_including_tax - ours_posted
    if invoice.remaining_amount < expected - AMOUNT_TOLERANCE:
        paid = round(expected - invoice.remaining_amount, 2)
        return Refuse(f"{label}: {number} is already paid or partly applied ({paid:.2f} of "
                      f"{invoice.total_including_tax:.2f} settled): BC will not reverse it; "
                      "credit it by hand", "remainingAmount")  # fmt: skip
    if bc.closed_period:
        when = bc.posting_date.isoformat() if bc.posting_date else "the posting date"
        return Refuse(f"{label}: {when} is in the closed period {bc.closed_period}: open it in "
                      "BC (Allow Posting From) and correct again", "postingDate")  # fmt: skip
    if bc.customer_blocked == "All":  # Ship or Invoice do not stop a credit memo in BC
        return Refuse(f"{label}: customer {invoice.customer_number} is blocked in BC (All)",
                      "customerNumber")  # fmt: skip
    post = setup.correct_mode is CorrectMode.CANCEL_INVOICE
    if full and post and not bc.credit_memos:
        return CancelPosted(lines)
    return CreditMemo(lines, post=post, full=full)
