"""Purchase leg scenarios: eligibility, sign, reuse, cost-only lines, dimensions, crashes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shared.domain.invoices import DocumentKind, InvoiceView, PurchaseStatus, SalesStatus
from shared.flows.deps import Deps
from shared.flows.invoice_actions import queue_purchase
from shared.flows.invoice_purchase import handle_purchase, purchase_eligibility
from shared.flows.invoice_sales import handle_sales
from shared.flows.invoice_staging import load_invoice, save_invoice
from shared.flows.invoice_views import read_view
from shared.registry import Queue
from tests.unit.invoice_fixtures import OPTIONS, bc_of, imported, invoice, line, make_deps


def sold(deps: Deps, *invoice_ids: str) -> None:
    for invoice_id in invoice_ids:
        imported(deps, invoice_id)
        assert handle_sales(invoice_id, deps).sales.status is SalesStatus.CREATED


def purchase_documents(deps: Deps) -> list:
    return [d for d in bc_of(deps).documents.values() if not d.kind.is_sales]


def test_each_eligibility_rule() -> None:
    deps = make_deps(invoice("i1", "INV-1"))
    imported(deps, "i1")
    staged = load_invoice(deps.store, "i1")
    assert "sales document has not been created" in purchase_eligibility(staged, OPTIONS)
    sold(deps, "i1")
    staged = load_invoice(deps.store, "i1")
    assert purchase_eligibility(staged, OPTIONS) == ""
    assert "ECPPRO_CREATE_PURCHASE_INVOICE" in purchase_eligibility(
        staged, replace(OPTIONS, create_purchase_invoice=False)
    )
    staged.purchase.status = PurchaseStatus.ERROR
    assert purchase_eligibility(staged, OPTIONS) == ""  # Error is eligible again
    staged.purchase.document_number = "P-INV1001"
    assert "already has purchase document" in purchase_eligibility(staged, OPTIONS)
    staged.purchase.document_number, staged.purchase.status = "", PurchaseStatus.CREATED
    assert "purchase status is Created" in purchase_eligibility(staged, OPTIONS)


def test_not_eligible_invoice_is_left_alone() -> None:
    deps = make_deps(invoice("i1", "INV-1"))
    imported(deps, "i1")
    assert handle_purchase("i1", deps).purchase.status is PurchaseStatus.NEW
    assert purchase_documents(deps) == []


def test_positive_total_buys_on_a_purchase_invoice_with_cost_lines_only() -> None:
    deps = make_deps(invoice("i1", "INV-1", line(10000), line(20000, "SUPPORT-HRS", 2, 85.0, None)))
    sold(deps, "i1")
    staged = handle_purchase("i1", deps)
    assert staged.purchase.status is PurchaseStatus.CREATED
    document = bc_of(deps).documents[staged.purchase.document_id]
    assert document.kind is DocumentKind.PURCHASE_INVOICE
    assert (document.party_number, document.reference) == ("V00010", "V00010-202505-1")
    assert [(ln.number, ln.quantity, ln.unit_amount, ln.marker) for ln in document.lines] == [
        ("SPE_E3", 10, 30.38, "INV-1")
    ]


def test_negative_total_buys_on_a_purchase_credit_memo() -> None:
    deps = make_deps(invoice("i1", "CR-1", line(10000, quantity=-4)))
    sold(deps, "i1")
    staged = handle_purchase("i1", deps)
    document = bc_of(deps).documents[staged.purchase.document_id]
    assert document.kind is DocumentKind.PURCHASE_CREDIT_MEMO
    assert document.lines[0].quantity == 4


def test_open_document_is_reused_when_vendor_number_type_and_currency_match() -> None:
    deps = make_deps(
        invoice("i1", "INV-1"),
        invoice("i2", "INV-2", line(10000, "SPE_E5", 2, 54.75, 49.28)),
        invoice("i3", "INV-3", currency="EUR"),  # other currency
        invoice("i4", "INV-4", provider="V00010-202505-2"),  # other provider invoice
        invoice("i5", "CR-5", line(10000, quantity=-1)),  # other type
    )
    sold(deps, "i1", "i2", "i3", "i4", "i5")
    docs = {
        i: handle_purchase(i, deps).purchase.document_id for i in ("i1", "i2", "i3", "i4", "i5")
    }
    assert docs["i1"] == docs["i2"]
    assert len({docs["i1"], docs["i3"], docs["i4"], docs["i5"]}) == 4
    shared = bc_of(deps).documents[docs["i1"]]
    assert [ln.marker for ln in shared.lines] == ["INV-1", "INV-2"]


def test_a_posted_document_is_not_reused() -> None:
    deps = make_deps(invoice("i1", "INV-1"), invoice("i2", "INV-2"))
    sold(deps, "i1", "i2")
    first = handle_purchase("i1", deps)
    bc = bc_of(deps)
    bc.post_document(bc.get_document(DocumentKind.PURCHASE_INVOICE, first.purchase.document_id))  # type: ignore[arg-type]
    second = handle_purchase("i2", deps)
    assert second.purchase.document_id != first.purchase.document_id


def test_dimensions_layer_customer_defaults_then_cost_centre() -> None:
    deps = make_deps(invoice("i1", "INV-1", cost_centre="CC-100"))
    sold(deps, "i1")
    staged = handle_purchase("i1", deps)
    dims = bc_of(deps).documents[staged.purchase.document_id].lines[0].dimensions
    assert dims == {"CUSTOMERGROUP": "MSP", "COSTCENTRE": "CC-100"}  # CC-200 default overridden
    deps2 = make_deps(
        invoice("i1", "INV-1"), options=replace(OPTIONS, apply_cost_centre_dimension=False)
    )
    sold(deps2, "i1")
    dims2 = (
        bc_of(deps2)
        .documents[handle_purchase("i1", deps2).purchase.document_id]
        .lines[0]
        .dimensions
    )
    assert dims2 == {"CUSTOMERGROUP": "MSP", "COSTCENTRE": "CC-200"}


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (
            invoice("i1", "INV-1", cost_centre="CC-300"),
            "Cost Centre Code 'CC-300' is not a value of dimension COSTCENTRE",
        ),
        (invoice("i1", "INV-1", vendor="V99999"), "Buy-from Vendor No. 'V99999' does not exist"),
        (invoice("i1", "INV-1", provider=""), "Vendor Invoice No. is empty"),
    ],
)
def test_bad_purchase_input_is_an_error_and_creates_nothing(raw: dict, fragment: str) -> None:
    deps = make_deps(raw)
    sold(deps, "i1")
    staged = handle_purchase("i1", deps)
    assert staged.purchase.status is PurchaseStatus.ERROR
    assert "INV-1" in staged.purchase.error and fragment in staged.purchase.error
    assert purchase_documents(deps) == []


def test_invoice_without_cost_lines_is_not_applicable_and_buys_nothing() -> None:
    deps = make_deps(invoice("i1", "INV-1", line(10000, "SUPPORT-HRS", 2, 85.0, None)))
    sold(deps, "i1")
    staged = load_invoice(deps.store, "i1")
    assert staged.purchase.status is PurchaseStatus.NOT_APPLICABLE  # decided at import
    assert "nothing to purchase" in staged.purchase.error
    assert queue_purchase(deps).invoice_ids == []
    assert handle_purchase("i1", deps).purchase.status is PurchaseStatus.NOT_APPLICABLE
    assert purchase_documents(deps) == []
    rows = read_view(deps, InvoiceView.PURCHASE_NOT_APPLICABLE).rows
    assert [row["id"] for row in rows] == ["i1"]
    assert [row["purchase"]["status"] for row in read_view(deps, InvoiceView.ALL).rows] == [
        "Not Applicable"
    ]


def test_an_invoice_staged_new_without_cost_lines_becomes_not_applicable_when_run() -> None:
    # Rows staged before the status existed (or purchase reprocessed) still say New.
    deps = make_deps(invoice("i1", "INV-1", line(10000, "SUPPORT-HRS", 2, 85.0, None)))
    sold(deps, "i1")
    staged = load_invoice(deps.store, "i1")
    staged.purchase.status, staged.purchase.error = PurchaseStatus.NEW, ""
    save_invoice(deps.store, staged)
    after = handle_purchase("i1", deps)
    assert (after.purchase.status, after.purchase.attempts) == (PurchaseStatus.NOT_APPLICABLE, 1)
    assert bc_of(deps).calls == ["create Sales Invoice INV-1"]


def test_crash_after_adding_lines_links_the_document_without_adding_them_again() -> None:
    deps = make_deps(invoice("i1", "INV-1"), invoice("i2", "INV-2"))
    sold(deps, "i1", "i2")
    handle_purchase("i1", deps)
    update = deps.store.update

    def crash_on_invoice_write(table: str, entity):  # type: ignore[no-untyped-def]
        if table == "invoices" and entity.row == "i2":
            raise RuntimeError("worker died")
        return update(table, entity)

    deps.store.update = crash_on_invoice_write  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        handle_purchase("i2", deps)
    deps.store.update = update  # type: ignore[method-assign]
    staged = handle_purchase("i2", deps)
    lines = bc_of(deps).documents[staged.purchase.document_id].lines
    assert [ln.marker for ln in lines] == ["INV-1", "INV-2"]


def test_duplicate_delivery_adds_nothing() -> None:
    deps = make_deps(invoice("i1", "INV-1"))
    sold(deps, "i1")
    handle_purchase("i1", deps)
    calls = list(bc_of(deps).calls)
    handle_purchase("i1", deps)
    assert bc_of(deps).calls == calls


def test_create_purchase_documents_evaluates_all_eligible_invoices() -> None:
    deps = make_deps(invoice("i1", "INV-1"), invoice("i2", "INV-2"), invoice("i3", "INV-3"))
    sold(deps, "i1", "i2")
    imported(deps, "i3")  # sales not done: not eligible
    failed = load_invoice(deps.store, "i2")
    failed.purchase.status = PurchaseStatus.ERROR
    save_invoice(deps.store, failed)
    queued = queue_purchase(deps)
    assert sorted(queued.invoice_ids) == ["i1", "i2"]
    assert len(deps.bus.receive(Queue.INVOICE_PURCHASE, max_messages=10)) == 2
