"""Purchase leg: the cost lines of a staged invoice → a Business Central purchase document.

Eligible (`purchase_eligibility`): sales succeeded, ECPPRO_CREATE_PURCHASE_INVOICE on, no
purchase document stored, purchase status New or Error.

gather: vendor, currency, items, the services G/L account, the customer's default
        dimensions and the cost centre value; then, under a lock on the reuse key, an
        open purchase document of the same vendor, vendor invoice no., type and currency,
        and, when it already holds lines of this invoice, their dimensions.
decide: `plan_purchase` (pure): Skip (Not Applicable) when no line has a Unit Cost; only
        lines with a Unit Cost; invoice or credit memo by the sign of the total; line
        dimensions = customer defaults, then the cost centre on top when
        ECPPRO_APPLY_COST_CENTRE_DIMENSION is on; Create, AddLines (the lines not on the
        open document yet, and dimensions an interrupted attempt left out) or Link.
apply:  register the write (`document_writes`), create or add lines in as many BC
        transactions as they need, record Created; post when set up, unless another
        invoice is still adding lines to the same document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from shared.domain.invoices import SALES_DONE, DocumentKind, PurchaseStatus, StagedInvoice
from shared.flows.deps import Deps, InvoiceOptions
from shared.flows.document_writes import begin_write, end_write, writes_in_progress, writes_of
from shared.flows.flow_status import tracked
from shared.flows.invoice_legs import Outcome, apply_plan, post_owed, run_leg
from shared.flows.invoice_plans import (
    AddLines,
    Create,
    Fail,
    LineRule,
    MasterData,
    Plan,
    Skip,
    document_id,
    header_problem,
    place_lines,
    plan_lines,
    total_problem,
)
from shared.flows.invoice_staging import load_invoice
from shared.flows.locks import hold_lock
from shared.ports.business_central import BcDocument, NewDocument
from shared.registry import Flow

LEG = "purchase"
NOTHING_TO_PURCHASE = "no staged line has a Unit Cost: nothing to purchase"


def purchase_eligibility(invoice: StagedInvoice, options: InvoiceOptions) -> str:
    """Why the invoice is not eligible for the purchase leg ("" when it is)."""
    if invoice.sales.status not in SALES_DONE:
        return "its sales document has not been created yet"
    if not options.create_purchase_invoice:
        return "purchase documents are switched off (ECPPRO_CREATE_PURCHASE_INVOICE)"
    if invoice.purchase.document_number:
        return f"it already has purchase document {invoice.purchase.document_number}"
    if invoice.purchase.status not in (PurchaseStatus.NEW, PurchaseStatus.ERROR):
        return f"its purchase status is {invoice.purchase.status.value}"
    return ""


@dataclass(frozen=True)
class PurchaseLookups:
    """What Business Central holds for one invoice's purchase document."""

    master: MasterData = field(default_factory=MasterData)  # the vendor is the party
    customer_dimensions: Mapping[str, str] = field(default_factory=dict)
    cost_centre_known: bool = True
    open_document: BcDocument | None = None
    placed: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # line → dimensions


def purchase_kind(invoice: StagedInvoice) -> DocumentKind:
    return DocumentKind.for_total(invoice.total, sales=False)


def has_cost_lines(invoice: StagedInvoice) -> bool:
    return any(line.unit_cost is not None for line in invoice.lines)


def plan_purchase(
    invoice: StagedInvoice, lookups: PurchaseLookups, options: InvoiceOptions
) -> Plan:
    """Decide what the purchase leg does for one eligible invoice."""
    cost_lines = [line for line in invoice.lines if line.unit_cost is not None]
    if not cost_lines:
        return Skip(NOTHING_TO_PURCHASE)
    if failed := total_problem(invoice):
        return failed
    if failed := _header_problem(invoice, lookups, options):
        return failed
    kind = purchase_kind(invoice)
    dimensions = dict(lookups.customer_dimensions)
    if options.apply_cost_centre_dimension and invoice.cost_centre:
        dimensions[options.cost_centre_dimension] = invoice.cost_centre
    rule = LineRule(LEG, lambda line: line.unit_cost, "Unit Cost",
                    options.purchase_account_number, "ECPPRO_PURCHASE_ACCOUNT_NUMBER",
                    marker=invoice.invoice_number, dimensions=dimensions)  # fmt: skip
    lines = plan_lines(invoice, cost_lines, kind, lookups.master, rule)
    if isinstance(lines, Fail):
        return lines
    assert lookups.master.party is not None  # _header_problem checked it
    new = NewDocument(kind, lookups.master.party.number, invoice.posting_date, invoice.due_date,
                      invoice.currency_code, invoice.vendor_invoice_number, lines,
                      id=document_id(invoice, LEG, kind))  # fmt: skip
    return place_lines(new, lookups.open_document, lookups.placed)


def _header_problem(
    invoice: StagedInvoice, lookups: PurchaseLookups, options: InvoiceOptions
) -> Fail | None:
    label = invoice.label
    if not invoice.vendor_number:
        return Fail(f"{label}: Buy-from Vendor No. is empty", "Buy-from Vendor No.")
    failed = header_problem(invoice, lookups.master, party_field="Buy-from Vendor No.",
                            party_number=invoice.vendor_number, party="vendor")  # fmt: skip
    if failed:
        return failed
    if not invoice.vendor_invoice_number:
        return Fail(f"{label}: Vendor Invoice No. is empty", "Vendor Invoice No.")
    if not lookups.cost_centre_known:
        return Fail(
            f"{label}: Cost Centre Code '{invoice.cost_centre}' is not a value of dimension "
            f"{options.cost_centre_dimension} in Business Central",
            "Cost Centre Code",
        )
    return None


def gather_purchase(invoice: StagedInvoice, deps: Deps) -> PurchaseLookups:
    """Master data (no lock needed); the open document comes from `gather_open_document`."""
    bc, options = deps.bc, deps.invoice_options
    if not has_cost_lines(invoice):
        return PurchaseLookups()
    vendor = bc.find_vendor(invoice.vendor_number) if invoice.vendor_number else None
    customer = bc.find_customer(invoice.customer_number)
    cost_centre = options.apply_cost_centre_dimension and invoice.cost_centre
    account = options.purchase_account_number
    return PurchaseLookups(
        master=MasterData(
            party=vendor,
            currency_known=not invoice.currency_code or bc.currency_exists(invoice.currency_code),
            items=frozenset(bc.existing_items({line.number for line in invoice.lines})),
            account_usable=bool(account) and bc.account_usable(account),
        ),
        customer_dimensions=bc.customer_default_dimensions(customer.id) if customer else {},
        cost_centre_known=not cost_centre
        or bc.dimension_value_exists(options.cost_centre_dimension, invoice.cost_centre),
    )


def gather_open_document(
    invoice: StagedInvoice, new: NewDocument, lookups: PurchaseLookups, deps: Deps
) -> PurchaseLookups:
    """The open document to reuse, and the dimensions of this invoice's lines already on it."""
    document = deps.bc.find_open_purchase_document(
        new.kind, new.party_number, new.external_document_number, new.currency_code
    )
    ours = {line.id for line in new.lines} & (document.line_ids if document else frozenset())
    placed = deps.bc.line_dimensions(document, ours) if document and ours else {}
    return replace(lookups, open_document=document, placed=placed)


def reuse_key(new: NewDocument) -> str:
    """Invoices with the same key share one open purchase document."""
    reference = new.external_document_number.upper()  # BC upper-cases Vendor Invoice No.
    return f"purchase|{new.party_number}|{reference}|{new.kind}|{new.currency_code}"


def handle_purchase(invoice_id: str, deps: Deps) -> StagedInvoice:
    """Run the purchase leg for one invoice if it is eligible (or created, waiting to post).

    One worker at a time per invoice (a lease): a second delivery running at the same
    moment waits, then reads the invoice again and finds the work done. Raises
    TransientError (after recording the attempt) and FatalError (on the flow's status row
    only), as the sales leg does.
    """
    with (
        tracked(deps, Flow.INVOICE_PURCHASE),
        hold_lock(deps, f"purchase|{invoice_id}"),
    ):
        invoice = load_invoice(deps.store, invoice_id)  # read once the lease is ours
        options = deps.invoice_options

        def hold_posting(document: BcDocument) -> str:
            others = writes_in_progress(deps, document.id, besides=invoice.id)
            return f"{', '.join(others)} still adding lines to it" if others else ""

        if invoice.purchase.status is PurchaseStatus.CREATED and options.post_purchase_documents:
            return post_owed(invoice, invoice.purchase, deps, hold_posting)
        if purchase_eligibility(invoice, options):
            return invoice
        return run_leg(
            invoice, invoice.purchase, deps, lambda: _purchase_step(invoice, deps),
            post=options.post_purchase_documents, hold_posting=hold_posting,
            after_link=lambda document: end_write(deps, document.id, invoice.id),
        )  # fmt: skip


def _unfinished_write(invoice: StagedInvoice, new: NewDocument, deps: Deps) -> Fail | None:
    """A document this invoice was half-way through that was posted (or deleted) since.

    Its remaining lines cannot go onto a posted document, and a new document would hold
    the lines already posted a second time: the operator decides. A deleted one is
    forgotten and the lines go to a new document as usual.
    """
    for written in writes_of(deps, invoice.id):
        document = deps.bc.get_document(new.kind, written)
        if document is None:
            end_write(deps, written, invoice.id)
        elif document.posted:
            return Fail(
                f"{invoice.label}: {new.kind.value.lower()} {document.number} was posted in "
                "Business Central while this invoice's lines were being added to it; some are "
                "on it, the rest are not. Correct it in Business Central (e.g. a credit memo "
                "for the posted part), then Reprocess Purchase",
                "Purchase Document No.",
            )
    return None


def _purchase_step(invoice: StagedInvoice, deps: Deps) -> Outcome:
    options = deps.invoice_options
    lookups = gather_purchase(invoice, deps)
    # Planned first without the open document: a Skip or a Fail needs no lock and no BC read.
    plan = plan_purchase(invoice, lookups, options)
    if not isinstance(plan, Create):
        return apply_plan(plan, deps)
    new = plan.document
    unfinished = _unfinished_write(invoice, new, deps)
    if unfinished is not None:
        return unfinished
    with hold_lock(deps, reuse_key(new)):  # renewed for as long as big invoices take
        lookups = gather_open_document(invoice, new, lookups, deps)
        plan = plan_purchase(invoice, lookups, options)
        if isinstance(plan, Create | AddLines):
            target = plan.document.id
            begin_write(deps, target, invoice)
        return apply_plan(plan, deps)
