"""Sales leg: a staged EcpPro invoice → one Business Central sales invoice or credit memo.

gather: the staged invoice; the BC document with this External Document No. (a crash
        after BC created it, or a second delivery, must link it, not create another);
        otherwise the customer, currency, items and the services G/L account.
decide: `plan_sales` (pure) → Link, Create or Fail with a message naming the invoice,
        the line and the field.
One worker at a time per External Document No. (a lease), re-reading after it waits.
apply:  create the header with every line in one request (any number of lines, all or
        nothing), record Created, then post when ECPPRO_POST_SALES_DOCUMENTS is on and
        record the posted status. A failed post leaves the document Created with the
        reason, as BC would.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.domain.invoices import DocumentKind, SalesStatus, StagedInvoice
from shared.flows.deps import Deps, InvoiceOptions
from shared.flows.flow_status import tracked
from shared.flows.invoice_legs import Outcome, apply_plan, post_owed, run_leg
from shared.flows.invoice_plans import (
    Create,
    Fail,
    LineRule,
    Link,
    MasterData,
    document_id,
    header_problem,
    own_document_ids,
    plan_lines,
    total_problem,
)
from shared.flows.invoice_staging import iter_headers, load_header, load_invoice
from shared.flows.locks import hold_lock
from shared.ports.business_central import BcDocument, NewDocument
from shared.registry import Flow

LEG = "sales"


def sales_kind(invoice: StagedInvoice) -> DocumentKind:
    return DocumentKind.for_total(invoice.total, sales=True)


@dataclass(frozen=True)
class SalesLookups:
    """What Business Central and staging hold for one invoice's sales document."""

    existing: BcDocument | None = None  # the document with this External Document No.
    namesakes: tuple[str, ...] = ()  # labels of other staged invoices with the same number
    master: MasterData = field(default_factory=MasterData)


def plan_sales(
    invoice: StagedInvoice, lookups: SalesLookups, options: InvoiceOptions
) -> Link | Create | Fail:
    """Decide what the sales leg does for one New invoice."""
    if failed := total_problem(invoice):
        return failed
    kind = sales_kind(invoice)
    existing = lookups.existing
    if existing is not None:
        if existing.id not in own_document_ids(invoice, LEG, kind) and lookups.namesakes:
            # Made for another EcpPro invoice that carries the same number: not ours to link.
            return Fail(
                f"{invoice.label}: External Document No. '{invoice.invoice_number}' is already "
                f"used by {kind.value.lower()} {existing.number} in Business Central, made for "
                f"{' and '.join(lookups.namesakes)}: two EcpPro invoices carry the same number",
                "External Document No.",
            )
        return Link(existing)  # ours, made before a crash; or one made outside the hub
    master = lookups.master
    failed = header_problem(invoice, master, party_field="Sell-to Customer No.",
                            party_number=invoice.customer_number, party="customer")  # fmt: skip
    if failed:
        return failed
    assert master.party is not None  # header_problem checked it
    rule = LineRule(LEG, lambda line: line.unit_price, "Unit Price",
                    options.sales_account_number, "ECPPRO_SALES_ACCOUNT_NUMBER")  # fmt: skip
    lines = plan_lines(invoice, invoice.lines, kind, master, rule)
    if isinstance(lines, Fail):
        return lines
    return Create(
        NewDocument(
            kind=kind,
            party_number=master.party.number,
            posting_date=invoice.posting_date,
            due_date=invoice.due_date,
            currency_code=invoice.currency_code,
            external_document_number=invoice.invoice_number,
            lines=lines,
            id=document_id(invoice, LEG, kind),
        )
    )


def gather_sales(invoice: StagedInvoice, deps: Deps) -> SalesLookups:
    """The existing document (and who else could own it), else the master data to check."""
    bc = deps.bc
    if invoice.total == 0:
        return SalesLookups()
    kind = sales_kind(invoice)
    existing = bc.find_sales_document(kind, invoice.invoice_number)
    if existing is not None:
        namesakes: tuple[str, ...] = ()
        if existing.id not in own_document_ids(invoice, LEG, kind):
            namesakes = tuple(
                other.label
                for other in iter_headers(deps.store, InvoiceNumber=invoice.invoice_number)
                if other.id != invoice.id
            )
        return SalesLookups(existing, namesakes)
    account = deps.invoice_options.sales_account_number
    return SalesLookups(master=MasterData(
        party=bc.find_customer(invoice.customer_number),
        currency_known=not invoice.currency_code or bc.currency_exists(invoice.currency_code),
        items=frozenset(bc.existing_items({line.number for line in invoice.lines})),
        account_usable=bool(account) and bc.account_usable(account),
    ))  # fmt: skip


def handle_sales(invoice_id: str, deps: Deps) -> StagedInvoice:
    """Run the sales leg for one invoice (New, or Created and waiting to be posted).

    One worker at a time per External Document No. (a lease in the staging store): a second
    delivery running at the same moment, or a namesake invoice, waits and then reads again.
    Raises TransientError (after recording the attempt) so the bus redelivers, and
    FatalError (recorded on the flow's status row, not on the invoice).
    """
    with tracked(deps, Flow.INVOICE_SALES):
        number = load_header(deps.store, invoice_id).invoice_number or invoice_id
        with hold_lock(deps, f"sales|{number.upper()}"):  # BC upper-cases the number
            invoice = load_invoice(deps.store, invoice_id)  # again: it is ours now
            options = deps.invoice_options
            if invoice.sales.status is SalesStatus.CREATED and options.post_sales_documents:
                return post_owed(invoice, invoice.sales, deps)  # resume: posting owed
            if invoice.sales.status is not SalesStatus.NEW:
                return invoice

            def step() -> Outcome:
                return apply_plan(plan_sales(invoice, gather_sales(invoice, deps), options), deps)

            return run_leg(invoice, invoice.sales, deps, step, post=options.post_sales_documents)
