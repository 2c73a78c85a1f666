"""Sales leg: a staged EcpPro invoice → one Business Central sales invoice or credit memo.

gather: the staged invoice; the BC document with this External Document No. (a crash
        after BC created it, or a second delivery, must link it, not create another);
        otherwise the customer, currency, items and the services G/L account.
decide: `plan_sales` (pure) → Link, Create or Fail with a message naming the invoice,
        the line and the field.
apply:  create header + lines in one BC transaction, record Created, then post when
        ECPPRO_POST_SALES_DOCUMENTS is on and record the posted status. A failed post
        leaves the document Created with the reason, as BC would.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.invoices import (
    DocumentKind,
    SalesStatus,
    StagedInvoice,
    StagedLine,
)
from shared.flows.deps import Deps, InvoiceOptions
from shared.flows.invoice_legs import Decision, Fail, post_owed, run_leg
from shared.flows.invoice_staging import load_invoice
from shared.ports.business_central import BcDocument, BcParty, NewDocument, NewLine


@dataclass(frozen=True)
class SalesLookups:
    """What Business Central holds for one invoice."""

    existing: BcDocument | None = None
    customer: BcParty | None = None
    currency_known: bool = True
    items: frozenset[str] = frozenset()
    account_usable: bool = False


@dataclass(frozen=True)
class Link:
    document: BcDocument


@dataclass(frozen=True)
class Create:
    document: NewDocument


def sales_kind(invoice: StagedInvoice) -> DocumentKind:
    return DocumentKind.for_total(invoice.total, sales=True)


def plan_sales(
    invoice: StagedInvoice, lookups: SalesLookups, options: InvoiceOptions
) -> Link | Create | Fail:
    """Decide what the sales leg does for one New invoice."""
    label = invoice.label
    if invoice.total == 0:
        return Fail(f"{label}: Total Amount is 0, so it is neither an invoice nor a credit memo")
    if lookups.existing is not None:
        return Link(lookups.existing)
    customer = lookups.customer
    if customer is None:
        return Fail(
            f"{label}: Sell-to Customer No. '{invoice.customer_number}' does not exist "
            "in Business Central"
        )
    if customer.blocked:
        return Fail(f"{label}: customer {customer.number} is blocked in Business Central")
    if not lookups.currency_known:
        return Fail(
            f"{label}: Currency Code '{invoice.currency_code}' does not exist in Business Central"
        )
    kind = sales_kind(invoice)
    lines: list[NewLine] = []
    for line in invoice.lines:
        planned = _sales_line(invoice, line, kind, lookups, options)
        if isinstance(planned, Fail):
            return planned
        lines.append(planned)
    return Create(
        NewDocument(
            kind=kind,
            party_number=customer.number,
            posting_date=invoice.posting_date,
            due_date=invoice.due_date,
            currency_code=invoice.currency_code,
            external_document_number=invoice.invoice_number,
            lines=lines,
        )
    )


def _sales_line(
    invoice: StagedInvoice,
    line: StagedLine,
    kind: DocumentKind,
    lookups: SalesLookups,
    options: InvoiceOptions,
) -> NewLine | Fail:
    where = f"{invoice.label} line {line.line_no}"
    if line.unit_price is None:
        return Fail(f"{where}: Unit Price is missing")
    if line.number in lookups.items:
        line_type, number = "Item", line.number
    elif options.sales_account_number and lookups.account_usable:
        line_type, number = "Account", options.sales_account_number
    else:
        return Fail(
            f"{where}: No. '{line.number}' is not a Business Central item and no usable "
            "services G/L account is set up (ECPPRO_SALES_ACCOUNT_NUMBER)"
        )
    # A credit memo carries the amounts the other way round: EcpPro's negative
    # quantities become positive credit memo quantities.
    quantity = -line.quantity if kind.is_credit else line.quantity
    return NewLine(line_type, number, line.description, quantity, line.unit_price)


def gather_sales(invoice: StagedInvoice, deps: Deps) -> SalesLookups:
    bc = deps.bc
    if invoice.total == 0:
        return SalesLookups()
    existing = bc.find_sales_document(sales_kind(invoice), invoice.invoice_number)
    if existing is not None:
        return SalesLookups(existing=existing)
    account = deps.invoice_options.sales_account_number
    return SalesLookups(
        customer=bc.find_customer(invoice.customer_number),
        currency_known=not invoice.currency_code or bc.currency_exists(invoice.currency_code),
        items=frozenset(bc.existing_items({line.number for line in invoice.lines})),
        account_usable=bool(account) and bc.account_usable(account),
    )


def handle_sales(invoice_id: str, deps: Deps) -> StagedInvoice:
    """Run the sales leg for one invoice (New, or Created and waiting to be posted).

    Raises TransientError (after recording the attempt) so the bus redelivers.
    """
    invoice = load_invoice(deps.store, invoice_id)
    options = deps.invoice_options
    if invoice.sales.status is SalesStatus.CREATED and options.post_sales_documents:
        return post_owed(invoice, invoice.sales, deps)  # resume: created earlier, posting owed
    if invoice.sales.status is not SalesStatus.NEW:
        return invoice

    def decide() -> Decision:
        plan = plan_sales(invoice, gather_sales(invoice, deps), options)
        if isinstance(plan, Fail):
            return plan
        return plan.document if isinstance(plan, Link) else deps.bc.create_document(plan.document)

    return run_leg(invoice, invoice.sales, deps, decide, post=options.post_sales_documents)
