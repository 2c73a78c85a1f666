"""Invoices of any size: hundreds of lines with dimensions, interrupted and completed.

Business Central takes at most 100 requests per transaction; a 500-line purchase with three
dimensions per line needs 2,000. The fake BC writes `transaction_size` lines per
transaction and can stop after a given number, as a crash or lost connection would.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from shared.domain.invoices import PurchaseStatus, SalesStatus
from shared.errors import TransientError
from shared.flows.deps import Deps
from shared.flows.document_writes import writes_in_progress
from shared.flows.invoice_actions import reprocess_purchase
from shared.flows.invoice_purchase import handle_purchase
from shared.flows.invoice_sales import handle_sales
from shared.flows.invoice_staging import load_invoice
from shared.flows.invoice_status import sync_statuses
from tests.unit.invoice_fixtures import OPTIONS, bc_of, imported, invoice, line, make_deps

THREE = {"CUSTOMERGROUP": "MSP", "DEPARTMENT": "SALES", "COSTCENTRE": "CC-100"}


def big(invoice_id: str, number: str, count: int) -> dict:
    lines = [
        line(10000 + n, "SPE_E3" if n % 3 else "SUPPORT", 1 + n % 5, 20.0, 15.0)
        for n in range(count)
    ]
    return invoice(invoice_id, number, *lines, customer="C00030")


def deps_with(*raw: dict, **options: bool) -> Deps:
    deps = make_deps(*raw, options=replace(OPTIONS, **options))
    bc = bc_of(deps)
    bc.add_customer("C00030", dimensions={"CUSTOMERGROUP": "MSP", "DEPARTMENT": "SALES",
                                          "COSTCENTRE": "CC-200"})  # fmt: skip
    bc.dimension_values.add(("DEPARTMENT", "SALES"))
    bc.transaction_size = 25  # lines (with their dimensions) per transaction
    return deps


def sold(deps: Deps, *invoice_ids: str) -> None:
    for invoice_id in invoice_ids:
        imported(deps, invoice_id)
        assert handle_sales(invoice_id, deps).sales.status is SalesStatus.CREATED


def test_a_120_line_sales_invoice_is_one_document_created_at_once() -> None:
    deps = deps_with(big("i1", "INV-1", 120))
    sold(deps, "i1")
    staged = load_invoice(deps.store, "i1")
    assert len(bc_of(deps).documents[staged.sales.document_id].lines) == 120
    assert bc_of(deps).calls == ["create Sales Invoice INV-1"]


def test_500_lines_with_3_dimensions_survive_a_crash_half_way_and_land_once() -> None:
    deps = deps_with(big("i1", "INV-1", 500), big("i2", "INV-2", 500))
    sold(deps, "i1", "i2")
    assert handle_purchase("i1", deps).purchase.status is PurchaseStatus.CREATED
    bc = bc_of(deps)
    bc.crash_after_transactions = 8  # 200 of INV-2's 500 lines are in when the worker dies
    with pytest.raises(TransientError):
        handle_purchase("i2", deps)
    document = next(d for d in bc.documents.values() if not d.kind.is_sales)
    assert Counter(ln.marker for ln in document.lines) == {"INV-1": 500, "INV-2": 200}
    assert writes_in_progress(deps, document.id) == ["INV-2"]
    staged = load_invoice(deps.store, "i2")
    assert staged.purchase.status is PurchaseStatus.NEW and "will retry" in staged.purchase.error
    again = handle_purchase("i2", deps)  # the redelivery
    assert again.purchase.status is PurchaseStatus.CREATED
    assert again.purchase.document_id == document.id
    assert Counter(ln.marker for ln in document.lines) == {"INV-1": 500, "INV-2": 500}
    assert len({ln.id for ln in document.lines}) == 1000  # no line twice
    assert all(ln.dimensions == THREE for ln in document.lines)
    assert writes_in_progress(deps, document.id) == []


def test_a_crash_between_the_document_and_its_dimensions_is_completed() -> None:
    deps = deps_with(big("i1", "INV-1", 500))
    sold(deps, "i1")
    bc = bc_of(deps)
    bc.crash_after_transactions = 3  # the deep insert went in, 3 of 20 dimension transactions
    with pytest.raises(TransientError):
        handle_purchase("i1", deps)
    document = next(d for d in bc.documents.values() if not d.kind.is_sales)
    assert sum(ln.dimensions == THREE for ln in document.lines) == 75
    staged = handle_purchase("i1", deps)
    assert staged.purchase.status is PurchaseStatus.CREATED
    assert all(ln.dimensions == THREE for ln in document.lines) and len(document.lines) == 500
    assert [c for c in bc.calls if c.startswith("create Purchase")] == [
        "create Purchase Invoice V00010-202505-1"
    ]


def test_a_shared_document_is_not_posted_while_another_invoice_is_still_adding_lines() -> None:
    deps = deps_with(big("i1", "INV-1", 200), big("i2", "INV-2", 10), post_purchase_documents=True)
    sold(deps, "i1", "i2")
    bc = bc_of(deps)
    bc.crash_after_transactions = 2  # INV-1 created the document, then stopped half-way
    with pytest.raises(TransientError):
        handle_purchase("i1", deps)
    second = handle_purchase("i2", deps)  # its 10 lines go onto the same open document
    document = bc.documents[second.purchase.document_id]
    assert document.status == "Draft"  # not posted with half of INV-1 on it
    assert second.purchase.status is PurchaseStatus.CREATED
    assert "posting waits: INV-1 still adding lines" in second.purchase.error
    first = handle_purchase("i1", deps)  # INV-1's redelivery completes it, then posts it
    assert first.purchase.status is PurchaseStatus.POSTED_INVOICE
    assert document.status == "Open" and len(document.lines) == 210
    assert sync_statuses(deps).posted == 1  # INV-2 learns its document was posted
    assert load_invoice(deps.store, "i2").purchase.status is PurchaseStatus.POSTED_INVOICE


def test_a_document_posted_by_hand_half_way_through_is_an_error_not_a_second_document() -> None:
    deps = deps_with(big("i1", "INV-1", 200))
    sold(deps, "i1")
    bc = bc_of(deps)
    bc.crash_after_transactions = 2
    with pytest.raises(TransientError):
        handle_purchase("i1", deps)
    document = next(d for d in bc.documents.values() if not d.kind.is_sales)
    bc.post_document(document.view())  # someone posts the half-filled draft in BC
    staged = handle_purchase("i1", deps)
    assert staged.purchase.status is PurchaseStatus.ERROR
    assert document.number in staged.purchase.error and "posted" in staged.purchase.error
    assert sum(1 for d in bc.documents.values() if not d.kind.is_sales) == 1  # no second one
    # The operator corrects the posted part in BC, then Reprocess Purchase starts afresh.
    assert reprocess_purchase(deps, "i1").purchase.status is PurchaseStatus.NEW
    again = handle_purchase("i1", deps)
    assert (
        again.purchase.status is PurchaseStatus.CREATED
        and again.purchase.document_id != document.id
    )
