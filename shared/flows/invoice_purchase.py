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
    PURCHASE_DONE,
    SALES_DONE,
    DocumentKind,
    PurchaseStatus,
    StagedInvoice,
    created_purchase_status,
)
from shared.errors import PermanentError, TransientError
from shared.flows.deps import Deps, InvoiceOptions
from shared.flows.invoice_sales import Fail
from shared.flows.invoice_staging import load_invoice, save_invoice
from shared.flows.locks import hold_lock
from shared.ports import BcDocument, BcParty, NewDocument, NewLine


def purchase_eligibility(invoice: StagedInvoice, options: InvoiceOptions) -> str:
    """Why the invoice is not eligible for the purchase leg ("" when it is)."""
    if invoice.sales_status not in SALES_DONE:
        return "its sales document has not been created yet"
    if not options.create_purchase_invoice:
        return "purchase documents are switched off (ECPPRO_CREATE_PURCHASE_INVOICE)"
    if invoice.purchase_document_number:
        return f"it already has purchase document {invoice.purchase_document_number}"
    if invoice.purchase_status not in (PurchaseStatus.NEW, PurchaseStatus.ERROR):
        return f"its purchase status is {invoice.purchase_status.value}"
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
    if invoice.purchase_status is PurchaseStatus.CREATED and options.post_purchase_documents:
        return _post(invoice, deps)
    if purchase_eligibility(invoice, options):
        return invoice
    invoice.purchase_attempts += 1
    try:
        plan = plan_purchase(invoice, gather_purchase(invoice, deps), options)
        if plan is None:  # nothing to buy; say so, and keep it New in case lines change
            invoice.purchase_error = "no staged line has a Unit Cost: nothing to purchase"
            return save_invoice(deps.store, invoice)
        if isinstance(plan, Fail):
            return _fail(invoice, deps, plan.message)
        document = _reuse_or_create(invoice, plan.document, deps)
    except TransientError as exc:
        invoice.purchase_error = (
            f"attempt {invoice.purchase_attempts} failed, will retry: {exc.message}"
        )
        save_invoice(deps.store, invoice)
        raise
    except PermanentError as exc:
        return _fail(invoice, deps, f"{invoice.label}: Business Central refused it: {exc.message}")
    _record(invoice, document)
    save_invoice(deps.store, invoice)
    return _post(invoice, deps) if options.post_purchase_documents else invoice


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


def _record(invoice: StagedInvoice, document: BcDocument) -> None:
    invoice.purchase_document_kind = document.kind
    invoice.purchase_document_id = document.id
    invoice.purchase_document_number = document.number
    invoice.purchase_status = created_purchase_status(document.kind, posted=document.posted)
    invoice.purchase_error = ""
    invoice.processed = True


def _post(invoice: StagedInvoice, deps: Deps) -> StagedInvoice:
    kind = invoice.purchase_document_kind
    assert kind is not None and invoice.purchase_status in PURCHASE_DONE
    document = deps.bc.get_document(kind, invoice.purchase_document_id)
    if document is None:
        return _fail(
            invoice,
            deps,
            f"{invoice.label}: purchase document "
            f"{invoice.purchase_document_number} no longer exists in Business Central",
        )
    if not document.posted:
        try:
            document = deps.bc.post_document(document)
        except PermanentError as exc:
            invoice.purchase_error = f"created {document.number} but posting failed: {exc.message}"
            return save_invoice(deps.store, invoice)
    _record(invoice, document)
    return save_invoice(deps.store, invoice)


def _fail(invoice: StagedInvoice, deps: Deps, message: str) -> StagedInvoice:
    invoice.purchase_status = PurchaseStatus.ERROR
    invoice.purchase_error = message
    return save_invoice(deps.store, invoice)
