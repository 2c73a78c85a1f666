"""Writes whose answer is lost after Business Central carried them out.

The BC simulator can cut the connection after it has processed a write, as a network
that drops between service and client does. A non-idempotent write is then never sent
again blindly: the leg raises, the bus redelivers, and the next attempt reads BC and links
or completes what is there. A post that finds its document posted has succeeded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from sandbox.run import RunningSandbox
from shared.bootstrap import build_business_central
from shared.config import Settings
from shared.domain.invoices import PurchaseStatus, SalesStatus, StagedInvoice
from shared.errors import TransientError, UncertainWriteError
from shared.flows.deps import Deps
from shared.flows.invoice_purchase import handle_purchase
from shared.flows.invoice_sales import handle_sales
from shared.flows.invoice_staging import load_invoice
from tests.fakes.bus import InMemoryBus
from tests.fakes.ecppro import FakeEcpPro
from tests.fakes.store import InMemoryStagingStore
from tests.unit.invoice_fixtures import OPTIONS, imported, invoice, line

pytestmark = pytest.mark.sandbox
_numbers = iter(range(1, 10_000))


@pytest.fixture
def deps(sandbox: RunningSandbox, sandbox_settings: Settings) -> Iterator[Deps]:
    n = next(_numbers)
    raw = invoice(f"lost-{n}", f"LOST-{n}-{sandbox.config.bc_company_id[:4]}", line(10000),
                  line(20000, "SUPPORT-HRS", 2, 85.0, 60.0), provider=f"LOST-P-{n}",
                  cost_centre="CC-100")  # fmt: skip
    yield Deps(
        store=InMemoryStagingStore(),
        bus=InMemoryBus(),
        ecppro=FakeEcpPro({"invoices": [raw]}),
        bc=build_business_central(sandbox_settings),
        invoice_options=replace(OPTIONS, post_sales_documents=True, post_purchase_documents=True),
        clock=lambda: datetime(2026, 5, 1, tzinfo=UTC),
    )


def deliver_until_settled(run: Callable[[str, Deps], StagedInvoice], deps: Deps) -> list[str]:
    """Deliver the message again while the leg raises a transient error; what each raised."""
    invoice_id = next(iter(deps.store.query("invoices"))).row
    raised = []
    for _ in range(5):
        try:
            run(invoice_id, deps)
            return raised
        except TransientError as exc:
            raised.append(type(exc).__name__)
    pytest.fail(f"the leg did not settle: {raised}")


def documents(sandbox: RunningSandbox, entity_set: str, reference: str, field: str) -> list[Any]:
    return [
        d
        for d in sandbox.business_central.admin.documents(entity_set)
        if d.get(field) == reference.upper()  # a Code[35]: BC upper-cases it
    ]


@pytest.mark.parametrize(("after", "what"), [(0, "create"), (1, "post")])
def test_a_lost_sales_answer_ends_in_one_posted_document_and_no_error(
    sandbox: RunningSandbox, deps: Deps, after: int, what: str
) -> None:
    invoice_id = deps.ecppro.lists["invoices"][0]["id"]  # type: ignore[attr-defined]
    imported(deps, invoice_id)
    sandbox.business_central.faults.cut_next(1, after=after)
    raised = deliver_until_settled(handle_sales, deps)
    assert raised == (["UncertainWriteError"] if what == "create" else [])
    staged = load_invoice(deps.store, invoice_id)
    assert (staged.sales.status, staged.sales.error) == (SalesStatus.POSTED_INVOICE, "")
    posted = documents(sandbox, "salesInvoices", staged.invoice_number, "externalDocumentNumber")
    assert len(posted) == 1 and posted[0]["status"] == "Open"


@pytest.mark.parametrize("after", [0, 1, 2])  # the document, its dimensions, its posting
def test_a_lost_purchase_answer_ends_in_one_line_set_and_no_error(
    sandbox: RunningSandbox, deps: Deps, after: int
) -> None:
    invoice_id = deps.ecppro.lists["invoices"][0]["id"]  # type: ignore[attr-defined]
    imported(deps, invoice_id)
    handle_sales(invoice_id, deps)
    sandbox.business_central.faults.cut_next(1, after=after)
    deliver_until_settled(handle_purchase, deps)
    staged = load_invoice(deps.store, invoice_id)
    assert (staged.purchase.status, staged.purchase.error) == (PurchaseStatus.POSTED_INVOICE, "")
    found = documents(
        sandbox, "purchaseInvoices", staged.vendor_invoice_number, "vendorInvoiceNumber"
    )
    assert len(found) == 1
    lines = found[0]["purchaseInvoiceLines"]
    assert len(lines) == 2  # each cost line once
    assert all({d["code"]: d["valueCode"] for d in ln["dimensionSetLines"]}.get("COSTCENTRE")
               == "CC-100" for ln in lines)  # fmt: skip


def test_the_http_layer_never_repeats_a_write_whose_answer_was_lost(
    sandbox: RunningSandbox, sandbox_settings: Settings
) -> None:
    bc = build_business_central(sandbox_settings)
    sandbox.business_central.faults.cut_next(1)
    before = sandbox.business_central.stats.requests
    with pytest.raises(UncertainWriteError, match="may have been carried out"):
        bc.http.request("POST", f"api/v2.0/{bc.company}/customers",
                        json={"displayName": "Once Only Ltd", "number": "C07001"})  # fmt: skip
    assert sandbox.business_central.stats.requests - before == 1
    assert bc.http.get_json(f"api/v2.0/{bc.company}/customers",
                            params={"$filter": "number eq 'C07001'"})["value"]  # fmt: skip
