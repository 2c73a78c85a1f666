"""What either invoice leg can decide, and the rules both legs share. Pure: no port is called.

A planner returns one action:
- `Link`: the document already exists in Business Central (made before a crash, or by an
  earlier delivery): record it, create nothing;
- `Create`: a new document with its lines;
- `AddLines`: lines onto an open document (and the dimensions lines already there still
  need, when an earlier attempt stopped half-way);
- `Skip`: nothing to do for this leg (it is Not Applicable);
- `Fail`: refuse, with a message naming the invoice, the line and the field.

Line ids are chosen here, deterministically per invoice, leg, document kind and line, so
every attempt writes the same lines and Business Central refuses a second copy.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from shared.domain.invoices import DocumentKind, Leg, StagedInvoice, StagedLine
from shared.ports.business_central import BcDocument, BcParty, DimensionFix, NewDocument, NewLine

# Namespace of the ids the hub gives the documents and lines it creates in Business Central.
ID_NAMESPACE = uuid.UUID("5f0c8e64-3c1e-4d55-9d2a-7b8f0e1c2a90")


@dataclass(frozen=True)
class Link:
    document: BcDocument


@dataclass(frozen=True)
class Create:
    document: NewDocument


@dataclass(frozen=True)
class AddLines:
    document: BcDocument
    lines: tuple[NewLine, ...]
    fixes: tuple[DimensionFix, ...] = ()


@dataclass(frozen=True)
class Skip:
    note: str


@dataclass(frozen=True)
class Fail:
    message: str
    field: str = ""


Plan = Link | Create | AddLines | Skip | Fail


@dataclass(frozen=True)
class MasterData:
    """What Business Central holds for one invoice's header and lines."""

    party: BcParty | None = None  # customer (sales) or vendor (purchase)
    currency_known: bool = True
    items: frozenset[str] = frozenset()
    account_usable: bool = False


@dataclass(frozen=True)
class LineRule:
    """How one leg turns staged lines into document lines."""

    leg: str  # "sales" / "purchase": part of the line ids
    amount: Callable[[StagedLine], float | None]  # unit price or unit cost
    amount_field: str  # "Unit Price" / "Unit Cost"
    account_number: str  # G/L account for lines that are not items
    account_setting: str  # the setting that names it
    marker: str = ""
    dimensions: Mapping[str, str] = field(default_factory=dict)


def document_id(
    invoice: StagedInvoice, leg: str, kind: DocumentKind, generation: int | None = None
) -> str:
    """The id the hub gives the document `leg` creates for `invoice`: the same on every
    attempt, new after a Reprocess (another generation)."""
    return str(uuid.uuid5(ID_NAMESPACE, _id_name(invoice, leg, kind, generation)))


def line_id(invoice: StagedInvoice, leg: str, kind: DocumentKind, line_no: int) -> str:
    """The id of one staged line on the document `leg` writes (as stable as its document's)."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{_id_name(invoice, leg, kind, None)}|{line_no}"))


def own_line_ids(invoice: StagedInvoice, leg: str, kind: DocumentKind) -> frozenset[str]:
    """The ids the leg may have given this invoice's lines, in any generation so far (how
    lines are recognised where BC has no field for a marker: purchase credit memos)."""
    current = _leg(invoice, leg).generation
    return frozenset(
        str(uuid.uuid5(ID_NAMESPACE, f"{_id_name(invoice, leg, kind, g)}|{line.line_no}"))
        for g in range(current + 1)
        for line in invoice.lines
    )


def own_document_ids(invoice: StagedInvoice, leg: str, kind: DocumentKind) -> frozenset[str]:
    """The ids the leg may have given documents for this invoice, in any generation so far."""
    current = _leg(invoice, leg).generation
    return frozenset(document_id(invoice, leg, kind, g) for g in range(current + 1))


def _id_name(invoice: StagedInvoice, leg: str, kind: DocumentKind, generation: int | None) -> str:
    generation = _leg(invoice, leg).generation if generation is None else generation
    name = f"{invoice.id}|{leg}|{kind.value}"
    return f"{name}|g{generation}" if generation else name  # generation 0 keeps the first ids


def _leg(invoice: StagedInvoice, leg: str) -> Leg:
    return invoice.sales if leg == "sales" else invoice.purchase


def total_problem(invoice: StagedInvoice) -> Fail | None:
    """The total decides invoice or credit memo: it must not be 0, and its lines must agree.

    A negative total over positive lines (or the reverse) would make a credit memo that
    cannot post, and a purchase credit memo beside it.
    """
    if invoice.total == 0:
        return Fail(
            f"{invoice.label}: Total Amount is 0, so it is neither an invoice nor a credit memo",
            "Total Amount",
        )
    lines = round(sum(line.quantity * (line.unit_price or 0) for line in invoice.lines), 2)
    if lines != 0 and (lines > 0) != (invoice.total > 0):
        return Fail(
            f"{invoice.label}: Total Amount {invoice.total} and its lines add up to {lines}: "
            "one is a credit, the other is not",
            "Total Amount",
        )
    return None


def header_problem(
    invoice: StagedInvoice, master: MasterData, *, party_field: str, party_number: str, party: str
) -> Fail | None:
    """An unknown or blocked customer / vendor, or an unknown currency."""
    label = invoice.label
    if master.party is None:
        return Fail(
            f"{label}: {party_field} '{party_number}' does not exist in Business Central",
            party_field,
        )
    if master.party.blocked:
        return Fail(
            f"{label}: {party} {master.party.number} is blocked in Business Central", party_field
        )
    if not master.currency_known:
        return Fail(
            f"{label}: Currency Code '{invoice.currency_code}' does not exist in Business Central",
            "Currency Code",
        )
    return None


def plan_lines(
    invoice: StagedInvoice,
    lines: Sequence[StagedLine],
    kind: DocumentKind,
    master: MasterData,
    rule: LineRule,
) -> list[NewLine] | Fail:
    """Document lines for staged lines: an item when BC has one by that number, else the
    leg's G/L account; credit memo quantities are positive (EcpPro's are negative)."""
    planned = []
    for line in lines:
        where = f"{invoice.label} line {line.line_no}"
        amount = rule.amount(line)
        if amount is None:
            return Fail(f"{where}: {rule.amount_field} is missing", rule.amount_field)
        if line.number in master.items:
            line_type, number = "Item", line.number
        elif rule.account_number and master.account_usable:
            line_type, number = "Account", rule.account_number
        else:
            return Fail(
                f"{where}: No. '{line.number}' is not a Business Central item and no usable "
                f"G/L account is set up ({rule.account_setting})",
                "No.",
            )
        quantity = -line.quantity if kind.is_credit else line.quantity
        planned.append(
            NewLine(
                line_type,
                number,
                line.description,
                quantity,
                amount,
                marker=rule.marker,
                dimensions=dict(rule.dimensions),
                id=line_id(invoice, rule.leg, kind, line.line_no),
            )
        )
    return planned


def place_lines(
    new: NewDocument,
    open_document: BcDocument | None,
    placed: Mapping[str, Mapping[str, str]],
) -> Create | AddLines | Link:
    """Where the planned document's lines go: a new document, or an open one that may
    already hold some of them (`placed`: line id → the dimensions it has)."""
    if open_document is None:
        return Create(new)
    missing = tuple(line for line in new.lines if line.id not in open_document.line_ids)
    fixes = tuple(
        DimensionFix(line.id, code, value, replace=code in placed.get(line.id, {}))
        for line in new.lines
        if line.id in open_document.line_ids
        for code, value in line.dimensions.items()
        if placed.get(line.id, {}).get(code) != value
    )
    if not missing and not fixes:
        return Link(open_document)
    return AddLines(open_document, missing, fixes)
