"""Purchase leg: the cost lines of a staged invoice → a Business Central purchase document.

Eligible (`purchase_eligibility`): sales succeeded, ECPPRO_CREATE_PURCHASE_INVOICE on, no
purchase document stored, purchase status New or Error.

gather: vendor, currency, items, the services G/L account, the customer's default
        dimensions and the cost centre value; then, under a lock on the reuse key, an
        open purchase document of the same vendor, vendor invoice no., type and currency.
decide: `plan_purchase` (pure): only lines with a Unit Cost; invoice or credit memo by
        the sign of the total; line dimensions = customer defaults, then the cost centre
        on top when ECPPRO_APPLY_COST_CENTRE_DIMENSION is on.
apply:  reuse (add lines) or create, in one BC transaction; the lines carry the EcpPro
        invoice number, so a document that already holds them is linked, not filled twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.domain.invoices import (
    SALES_DONE,
    DocumentKind,
    PurchaseStatus,
    StagedInvoice,
)
from shared.flows.deps import Deps, InvoiceOptions
from shared.flows.invoice_legs import Decision, Fail, Skip, post_owed, run_leg
from shared.flows.invoice_staging import load_invoice
from shared.flows.locks import hold_lock
from shared.ports.business_central import BcDocument, BcParty, NewDocument, NewLine


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
    vendor: BcParty | None = None
    currency_known: bool = True
    items: frozenset[str] = frozenset()
    account_usable: bool = False
    customer_dimensions: dict[str, str] = field(default_factory=dict)
    cost_centre_known: bool = True


@dataclass(frozen=True)
class Purchase:
    """What to buy: a new document, whose lines may instead go onto an open one."""

    document: NewDocument


def purchase_kind(invoice: StagedInvoice) -> DocumentKind:
    return DocumentKind.for_total(invoice.total, sales=False)


def plan_purchase(
    invoice: StagedInvoice, lookups: PurchaseLookups, options: InvoiceOptions
) -> Purchase | Fail | None:
    """The purchase document for an eligible invoice; None when no line has a Unit Cost."""
    label = invoice.label
    cost_lines = [line for line in invoice.lines if line.unit_cost is not None]
    if not cost_lines:
        return None
    if invoice.total == 0:
        return Fail(f"{label}: Total Amount is 0, so it is neither an invoice nor a credit memo")
    problem = _header_problem(invoice, lookups, options)
    if problem:
        return Fail(f"{label}: {problem}")
    kind = purchase_kind(invoice)
    dimensions = dict(lookups.customer_dimensions)
    if options.apply_cost_centre_dimension and invoice.cost_centre:
        dimensions[options.cost_centre_dimension] = invoice.cost_centre
    lines = []
    for line in cost_lines:
        if line.number in lookups.items:
            line_type, number = "Item", line.number
        elif options.purchase_account_number and lookups.account_usable:
            line_type, number = "Account", options.purchase_account_number
        else:
            return Fail(
                f"{label} line {line.line_no}: No. '{line.number}' is not a Business Central "
                "item and no usable G/L account is set up (ECPPRO_PURCHASE_ACCOUNT_NUMBER)"
            )
        quantity = -line.quantity if kind.is_credit else line.quantity
        assert line.unit_cost is not None
        lines.append(
            NewLine(
                line_type,
                number,
                line.description,
                quantity,
                line.unit_cost,
                marker=invoice.invoice_number,
                dimensions=dimensions,
            )
        )
    vendor = lookups.vendor
    assert vendor is not None  # _header_problem checked it
    return Purchase(
        NewDocument(
            kind,
            vendor.number,
            invoice.posting_date,
            invoice.due_date,
            invoice.currency_code,
            invoice.vendor_invoice_number,
            lines,
        )
    )


def _header_problem(
    invoice: StagedInvoice, lookups: PurchaseLookups, options: InvoiceOptions
) -> str:
    if not invoice.vendor_number:
        return "Buy-from Vendor No. is empty"
    if lookups.vendor is None:
        return f"Buy-from Vendor No. '{invoice.vendor_number}' does not exist in Business Central"
    if lookups.vendor.blocked:
        return f"vendor {invoice.vendor_number} is blocked in Business Central"
    if not invoice.vendor_invoice_number:
        return "Vendor Invoice No. is empty"
    if not lookups.currency_known:
        return f"Currency Code '{invoice.currency_code}' does not exist in Business Central"
    if not lookups.cost_centre_known:
        return (
            f"Cost Centre Code '{invoice.cost_centre}' is not a value of dimension "
            f"{options.cost_centre_dimension} in Business Central"
        )
    return ""


def gather_purchase(invoice: StagedInvoice, deps: Deps) -> PurchaseLookups:
    bc, options = deps.bc, deps.invoice_options
    vendor = bc.find_vendor(invoice.vendor_number) if invoice.vendor_number else None
    customer = bc.find_customer(invoice.customer_number)
    cost_centre = options.apply_cost_centre_dimension and invoice.cost_centre
    account = options.purchase_account_number
    return PurchaseLookups(
        vendor=vendor,
        currency_known=not invoice.currency_code or bc.currency_exists(invoice.currency_code),
        items=frozenset(bc.existing_items({line.number for line in invoice.lines})),
        account_usable=bool(account) and bc.account_usable(account),
        customer_dimensions=bc.customer_default_dimensions(customer.id) if customer else {},
        cost_centre_known=not cost_centre
        or bc.dimension_value_exists(options.cost_centre_dimension, invoice.cost_centre),
    )


def handle_purchase(invoice_id: str, deps: Deps) -> StagedInvoice:
    """Run the purchase leg for one invoice if it is eligible (or created, waiting to post)."""
    invoice = load_invoice(deps.store, invoice_id)
    options = deps.invoice_options
    if invoice.purchase.status is PurchaseStatus.CREATED and options.post_purchase_documents:
        return post_owed(invoice, invoice.purchase, deps)
    if purchase_eligibility(invoice, options):
        return invoice

    def decide() -> Decision:
        plan = plan_purchase(invoice, gather_purchase(invoice, deps), options)
        if plan is None:  # kept New in case its lines change
            return Skip("no staged line has a Unit Cost: nothing to purchase")
        if isinstance(plan, Fail):
            return plan
        return _reuse_or_create(invoice, plan.document, deps)

    return run_leg(invoice, invoice.purchase, deps, decide, post=options.post_purchase_documents)


def _reuse_or_create(invoice: StagedInvoice, new: NewDocument, deps: Deps) -> BcDocument:
    key = (
        f"purchase|{new.party_number}|{new.external_document_number}|{new.kind}|{new.currency_code}"
    )
    with hold_lock(deps, key):
        open_document = deps.bc.find_open_purchase_document(
            new.kind, new.party_number, new.external_document_number, new.currency_code
        )
        if open_document is None:
            return deps.bc.create_document(new)
        if invoice.invoice_number in open_document.markers:
            return open_document  # its lines went in before a crash or a second delivery
        return deps.bc.add_lines(open_document, new.lines)
