"""Sales leg: a staged EcpPro invoice → one Business Central sales invoice or credit memo.

gather: the staged invoice; the BC document with this External Document No. (a crash
        after BC created it, or a second delivery, must link it, not create another);
        otherwise the customer, currency, items and the services G/L account.
decide: `plan_sales` (pure) → Link, Create or Fail with a message naming the invoice,
        the line and the field.
apply:  create the header with every line in one request (any number of lines, all or
        nothing), record Created, then post when ECPPRO_POST_SALES_DOCUMENTS is on and
        record the posted status. A failed post leaves the document Created with the
        reason, as BC would.
"""

from __future__ import annotations

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
    plan_lines,
    total_problem,
)
from shared.flows.invoice_staging import load_invoice
from shared.ports.business_central import BcDocument, NewDocument
from shared.registry import Flow

LEG = "sales"


def sales_kind(invoice: StagedInvoice) -> DocumentKind:
    return DocumentKind.for_total(invoice.total, sales=True)


def plan_sales(
    invoice: StagedInvoice,
    existing: BcDocument | None,
    master: MasterData,
    options: InvoiceOptions,
) -> Link | Create | Fail:
    """Decide what the sales leg does for one New invoice."""
    if failed := total_problem(invoice):
        return failed
    if existing is not None:
        return Link(existing)
    failed = header_problem(invoice, master, party_field="Sell-to Customer No.",
                            party_number=invoice.customer_number, party="customer")  # fmt: skip
    if failed:
        return failed
    assert master.party is not None  # header_problem checked it
    kind = sales_kind(invoice)
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


def gather_sales(invoice: StagedInvoice, deps: Deps) -> tuple[BcDocument | None, MasterData]:
    """The existing document, else the master data the plan checks."""
    bc = deps.bc
    if invoice.total == 0:
        return None, MasterData()
    existing = bc.find_sales_document(sales_kind(invoice), invoice.invoice_number)
    if existing is not None:
        return existing, MasterData()
    account = deps.invoice_options.sales_account_number
    return None, MasterData(
        party=bc.find_customer(invoice.customer_number),
        currency_known=not invoice.currency_code or bc.currency_exists(invoice.currency_code),
        items=frozenset(bc.existing_items({line.number for line in invoice.lines})),
        account_usable=bool(account) and bc.account_usable(account),
    )


def handle_sales(invoice_id: str, deps: Deps) -> StagedInvoice:
    """Run the sales leg for one invoice (New, or Created and waiting to be posted).

    Raises TransientError (after recording the attempt) so the bus redelivers, and
    FatalError (recorded on the flow's status row, not on the invoice).
    """
    with tracked(deps, Flow.INVOICE_SALES):
        invoice = load_invoice(deps.store, invoice_id)
        options = deps.invoice_options
        if invoice.sales.status is SalesStatus.CREATED and options.post_sales_documents:
            return post_owed(invoice, invoice.sales, deps)  # resume: created, posting owed
        if invoice.sales.status is not SalesStatus.NEW:
            return invoice

        def step() -> Outcome:
            existing, master = gather_sales(invoice, deps)
            return apply_plan(plan_sales(invoice, existing, master, options), deps)

        return run_leg(invoice, invoice.sales, deps, step, post=options.post_sales_documents)
