"""Both legs against a Business Central that throttles and fails: still exactly one document each.

The sandbox's fault switch makes BC answer 429 (with Retry-After) and 503 at random; the
HTTP layer retries, the legs re-check before creating, and a leg that gives up is simply
run again, as the bus would redeliver it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from sandbox.run import RunningSandbox
from shared.bootstrap import build_business_central, build_ecppro
from shared.config import Settings
from shared.domain.invoices import PurchaseStatus, SalesStatus
from shared.errors import TransientError
from shared.flows.deps import Deps
from shared.flows.invoice_import import handle_import
from shared.flows.invoice_plans import own_line_ids
from shared.flows.invoice_purchase import LEG as PURCHASE_LEG
from shared.flows.invoice_purchase import handle_purchase
from shared.flows.invoice_sales import handle_sales
from shared.flows.invoice_staging import iter_headers, load_invoice
from tests.fakes.bus import InMemoryBus
from tests.fakes.store import InMemoryStagingStore
from tests.unit.invoice_fixtures import OPTIONS

pytestmark = pytest.mark.sandbox


@pytest.fixture
def deps(sandbox: RunningSandbox, sandbox_settings: Settings) -> Iterator[Deps]:
    settings = sandbox_settings.model_copy(update={"http_max_attempts": 3})
    yield Deps(
        store=InMemoryStagingStore(),
        bus=InMemoryBus(),
        ecppro=build_ecppro(settings),
        bc=build_business_central(settings),
        invoice_options=OPTIONS,
        clock=lambda: datetime(2026, 5, 1, tzinfo=UTC),
    )


def until_settled(run: object, invoice_id: str, deps: Deps, attempts: int = 20) -> None:
    """Call the leg again while it raises TransientError, as redeliveries would."""
    for _ in range(attempts):
        try:
            run(invoice_id, deps)  # type: ignore[operator]
            return
        except TransientError:
            continue
    pytest.fail(f"invoice {invoice_id} did not settle in {attempts} deliveries")


def test_faults_never_duplicate_a_document(sandbox: RunningSandbox, deps: Deps) -> None:
    handle_import(deps)
    ids = [invoice.id for invoice in iter_headers(deps.store)]
    sandbox.business_central.faults.configure(
        throttle_probability=0.25, retry_after_seconds=0, unavailable_probability=0.15, seed=7
    )
    try:
        for invoice_id in ids:
            until_settled(handle_sales, invoice_id, deps)
        for invoice_id in ids:
            until_settled(handle_purchase, invoice_id, deps)
        injected = sandbox.business_central.faults.injected
    finally:
        sandbox.reset_faults()
    assert injected > 10  # the run really was throttled and interrupted
    staged = [load_invoice(deps.store, invoice_id) for invoice_id in ids]
    numbers = {invoice.invoice_number for invoice in staged}
    admin = sandbox.business_central.admin
    sales = Counter(
        document["externalDocumentNumber"]
        for entity_set in ("salesInvoices", "salesCreditMemos")
        for document in admin.documents(entity_set)
        if document["externalDocumentNumber"] in numbers
    )
    assert sales and max(sales.values()) == 1
    assert all(s.sales.status is SalesStatus.CREATED for s in staged)
    purchase_lines = [
        line
        for entity_set, lines in (("purchaseInvoices", "purchaseInvoiceLines"),
                                  ("purchaseCreditMemos", "purchaseCreditMemoLines"))
        for document in admin.documents(entity_set)
        for line in document.get(lines, [])
    ]  # fmt: skip
    bought = [s for s in staged if s.purchase.status is PurchaseStatus.CREATED]
    assert bought
    for invoice in bought:  # each bought invoice's cost lines went in exactly once
        kind = invoice.purchase.document_kind
        assert kind is not None
        ids = own_line_ids(invoice, PURCHASE_LEG, kind)
        # its lines: marked with its number (credit memo lines have no description2), or its ids
        mine = [line for line in purchase_lines
                if line.get("description2") == invoice.invoice_number or line["id"] in ids]  # fmt: skip
        cost_lines = sum(1 for line in invoice.lines if line.unit_cost is not None)
        assert len(mine) == cost_lines
