"""Two workers handed the same message at the same moment (a redelivery after a lost lock,
two presses racing): one document, one line set, and neither worker records an error.

The fake BC takes a moment per write, so without serialisation both workers would look,
find nothing, and create.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from shared.domain.invoices import PurchaseStatus, SalesStatus, StagedInvoice
from shared.flows.deps import Deps
from shared.flows.invoice_purchase import handle_purchase
from shared.flows.invoice_sales import handle_sales
from shared.flows.invoice_staging import load_invoice
from tests.unit.invoice_fixtures import OPTIONS, bc_of, imported, invoice, line, make_deps


def at_once(run: Callable[[str, Deps], StagedInvoice], invoice_id: str, deps: Deps) -> list[object]:
    """Run `run` in two threads released together; their results (or exceptions)."""
    start, results = threading.Barrier(2), []

    def worker() -> None:
        start.wait()
        try:
            results.append(run(invoice_id, deps))
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_the_sales_leg_run_twice_at_once_creates_one_document() -> None:
    deps = make_deps(invoice("i1", "INV-1", line(10000), line(20000, "SPE_E5")),
                     options=replace(OPTIONS, post_sales_documents=True))  # fmt: skip
    imported(deps, "i1")
    bc_of(deps).latency = 0.05
    results = at_once(handle_sales, "i1", deps)
    assert [type(r).__name__ for r in results] == ["StagedInvoice", "StagedInvoice"]
    assert len(bc_of(deps).documents) == 1
    staged = load_invoice(deps.store, "i1")
    assert (staged.sales.status, staged.sales.error) == (SalesStatus.POSTED_INVOICE, "")
    assert [c.split()[0] for c in bc_of(deps).calls] == ["create", "post"]


def test_the_purchase_leg_run_twice_at_once_adds_one_line_set() -> None:
    deps = make_deps(invoice("i1", "INV-1", line(10000), line(20000, "SPE_E5")),
                     invoice("i2", "INV-2", line(10000)))  # fmt: skip
    for invoice_id in ("i1", "i2"):
        imported(deps, invoice_id)
        handle_sales(invoice_id, deps)
    handle_purchase("i2", deps)  # an open document the racing workers will both want
    bc_of(deps).latency = 0.05
    results = at_once(handle_purchase, "i1", deps)
    assert [type(r).__name__ for r in results] == ["StagedInvoice", "StagedInvoice"]
    staged = load_invoice(deps.store, "i1")
    assert (staged.purchase.status, staged.purchase.error) == (PurchaseStatus.CREATED, "")
    document = bc_of(deps).documents[staged.purchase.document_id]
    assert sorted(ln.marker for ln in document.lines) == ["INV-1", "INV-1", "INV-2"]
