"""Reprocess Sales / Reprocess Purchase / Force Delete, the queueing actions and the views."""

from __future__ import annotations

import pytest

from shared.domain.invoices import DocumentKind, InvoiceView, PurchaseStatus, SalesStatus
from shared.errors import ValidationError
from shared.flows.deps import Deps
from shared.flows.invoice_actions import (
    force_delete,
    queue_sales,
    reprocess_purchase,
    reprocess_sales,
)
from shared.flows.invoice_purchase import handle_purchase
from shared.flows.invoice_sales import handle_sales
from shared.flows.invoice_staging import load_invoice
from shared.flows.invoice_views import read_view
from shared.registry import Queue
from tests.unit.invoice_fixtures import bc_of, imported, invoice, make_deps


def bought(deps: Deps, *invoice_ids: str) -> None:
    for invoice_id in invoice_ids:
        imported(deps, invoice_id)
        handle_sales(invoice_id, deps)
        assert handle_purchase(invoice_id, deps).purchase.status is PurchaseStatus.CREATED


def test_reprocess_sales_clears_the_link_and_keeps_processed_while_purchase_exists() -> None:
    deps = make_deps(invoice("i1", "INV-1"))
    bought(deps, "i1")
    staged = reprocess_sales(deps, "i1")
    assert staged.sales.status is SalesStatus.NEW
    assert (staged.sales.document_id, staged.sales.document_number) == ("", "")
    assert staged.processed is True
    assert staged.purchase.document_number  # the purchase link survives


def test_reprocess_sales_without_purchase_document_unmarks_processed_and_relinks() -> None:
    deps = make_deps(invoice("i1", "INV-1", customer="C99999"))
    imported(deps, "i1")
    assert handle_sales("i1", deps).sales.status is SalesStatus.ERROR
    bc_of(deps).add_customer("C99999")  # the operator fixes the customer in BC
    staged = reprocess_sales(deps, "i1")
    assert (staged.sales.status, staged.processed, staged.sales.error) == (
        SalesStatus.NEW,
        False,
        "",
    )
    assert handle_sales("i1", deps).sales.status is SalesStatus.CREATED


def test_reprocess_purchase_is_refused_while_the_unposted_document_exists() -> None:
    deps = make_deps(invoice("i1", "INV-1"))
    bought(deps, "i1")
    with pytest.raises(ValidationError, match="still exists; force-delete it"):
        reprocess_purchase(deps, "i1")
    assert load_invoice(deps.store, "i1").purchase.status is PurchaseStatus.CREATED


def test_reprocess_purchase_is_always_refused_for_a_posted_document() -> None:
    deps = make_deps(invoice("i1", "INV-1"))
    bought(deps, "i1")
    staged = load_invoice(deps.store, "i1")
    bc = bc_of(deps)
    bc.post_document(bc.get_document(DocumentKind.PURCHASE_INVOICE, staged.purchase.document_id))  # type: ignore[arg-type]
    with pytest.raises(
        ValidationError, match="posted purchase invoice PP-INV1001 cannot be reprocessed"
    ):
        reprocess_purchase(deps, "i1")
    with pytest.raises(ValidationError, match="posted documents cannot be deleted"):
        force_delete(deps, "i1")


def test_force_delete_then_reprocess_purchase_recreates_the_document() -> None:
    deps = make_deps(invoice("i1", "INV-1"), invoice("i2", "INV-2"))
    bought(deps, "i1", "i2")
    old = load_invoice(deps.store, "i1").purchase
    assert sorted(force_delete(deps, "i1")) == ["i1", "i2"]  # both invoices' lines were on it
    assert old.document_id not in bc_of(deps).documents
    for invoice_id in ("i1", "i2"):
        staged = load_invoice(deps.store, invoice_id)
        assert staged.purchase.status is PurchaseStatus.ERROR
        assert "force-deleted" in staged.purchase.error
        assert staged.purchase.document_id == ""  # the link went with the document
        assert reprocess_purchase(deps, invoice_id).purchase.status is PurchaseStatus.NEW
        assert handle_purchase(invoice_id, deps).purchase.status is PurchaseStatus.CREATED
    first, second = (load_invoice(deps.store, i).purchase for i in ("i1", "i2"))
    assert first.document_id == second.document_id
    assert first.document_number == second.document_number == "P-INV1002"
    assert [line.marker for line in bc_of(deps).documents[first.document_id].lines] == [
        "INV-1",
        "INV-2",
    ]


def test_force_delete_without_document_is_refused() -> None:
    deps = make_deps(invoice("i1", "INV-1"))
    imported(deps, "i1")
    with pytest.raises(ValidationError, match="has no purchase document"):
        force_delete(deps, "i1")


def test_create_sales_documents_queues_each_new_invoice_once() -> None:
    deps = make_deps(invoice("i1", "INV-1"), invoice("i2", "INV-2"), invoice("i3", "INV-3"))
    for invoice_id in ("i1", "i2", "i3"):
        imported(deps, invoice_id)
    handle_sales("i3", deps)
    assert sorted(queue_sales(deps).invoice_ids) == ["i1", "i2"]
    assert queue_sales(deps).accepted == 0  # pressed twice: duplicates dropped
    assert len(deps.bus.receive(Queue.INVOICE_SALES, max_messages=10)) == 2
    assert queue_sales(deps, ["i3"]).invoice_ids == []  # a selection still needs status New


def test_views_split_by_leg_and_carry_document_links() -> None:
    deps = make_deps(invoice("i1", "INV-1"), invoice("i2", "INV-2", customer="C99999"))
    bought(deps, "i1")
    imported(deps, "i2")
    handle_sales("i2", deps)
    assert len(read_view(deps, InvoiceView.ALL).rows) == 2
    assert len(read_view(deps, InvoiceView.SALES_ERROR).rows) == 1
    created = read_view(deps, InvoiceView.SALES_CREATED).rows
    assert [row["invoiceNumber"] for row in created] == ["INV-1"]
    link = created[0]["sales"]["link"]
    assert link.startswith("https://businesscentral.dynamics.com/tenant/production/?company=CRONUS")
    assert "page=43" in link and "S-INV1001" in link
    purchase = read_view(deps, InvoiceView.PURCHASE_CREATED).rows[0]["purchase"]
    assert "page=51" in purchase["link"]
    assert read_view(deps, InvoiceView.PURCHASE_ERROR).rows == []


def test_status_sync_picks_up_documents_posted_or_deleted_in_bc() -> None:
    from shared.flows.invoice_status import sync_statuses

    deps = make_deps(invoice("i1", "INV-1"), invoice("i2", "INV-2"), invoice("i3", "INV-3"))
    bought(deps, "i1", "i2", "i3")
    bc = bc_of(deps)
    staged = {i: load_invoice(deps.store, i) for i in ("i1", "i2", "i3")}
    purchase_id = staged["i1"].purchase.document_id  # shared by all three
    bc.post_document(bc.get_document(DocumentKind.PURCHASE_INVOICE, purchase_id))  # type: ignore[arg-type]
    del bc.documents[staged["i3"].sales.document_id]  # someone deleted it in BC
    result = sync_statuses(deps)
    assert result.as_dict() == {"checked": 6, "posted": 3, "missing": 1}
    for invoice_id in ("i1", "i2", "i3"):
        purchase = load_invoice(deps.store, invoice_id).purchase
        assert purchase.status is PurchaseStatus.POSTED_INVOICE
        assert purchase.document_number == "PP-INV1001"
    gone = load_invoice(deps.store, "i3").sales
    assert gone.status is SalesStatus.CREATED and "no longer exists" in gone.error
    assert sync_statuses(deps).as_dict() == {"checked": 3, "posted": 0, "missing": 1}
