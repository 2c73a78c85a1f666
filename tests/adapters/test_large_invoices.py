"""500-line invoices with three dimensions per line, through both legs into the BC simulator.

BC takes at most 100 requests per `$batch` (learn.microsoft.com/dynamics365/business-central/
dev-itpro/webservices/use-odata-batch); a 500-line purchase with 3 dimensions per line is
2,000. The worker dies half-way once; its redelivery completes the document exactly once.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from sandbox.run import RunningSandbox
from shared.adapters.business_central.client import BusinessCentralClient
from shared.bootstrap import build_business_central
from shared.config import Settings
from shared.domain.invoices import DocumentKind, PurchaseStatus, SalesStatus
from shared.errors import TransientError
from shared.flows.deps import Deps
from shared.flows.invoice_purchase import handle_purchase
from shared.flows.invoice_sales import handle_sales
from shared.flows.invoice_staging import load_invoice
from tests.fakes.bus import InMemoryBus
from tests.fakes.ecppro import FakeEcpPro
from tests.fakes.store import InMemoryStagingStore
from tests.unit.invoice_fixtures import OPTIONS, imported, invoice, line

pytestmark = pytest.mark.sandbox


@pytest.fixture
def bc(sandbox_settings: Settings) -> BusinessCentralClient:
    return build_business_central(sandbox_settings)


def deps_for(bc: BusinessCentralClient, raw: dict[str, Any]) -> Deps:
    return Deps(
        store=InMemoryStagingStore(),
        bus=InMemoryBus(),
        ecppro=FakeEcpPro({"invoices": [raw]}),
        bc=bc,
        invoice_options=OPTIONS,
        clock=lambda: datetime(2026, 5, 1, tzinfo=UTC),
    )


def large(sign: int) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    lines = [
        line(10000 + n, "SPE_E3" if n % 2 else "SUPPORT-HRS", sign * (1 + n % 4), 20.0, 15.0)
        for n in range(500)
    ]
    # C00010 brings CUSTOMERGROUP and AREA; the cost centre is the third dimension.
    return invoice(f"big-{tag}", f"BIG-{tag}", *lines, customer="C00010", vendor="V00020",
                   provider=f"V00020-{tag}", cost_centre="CC-100")  # fmt: skip


def crash_once_after(
    bc: BusinessCentralClient, batches: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    original, sent = bc._batch, [0]

    def batch(requests: list[dict[str, Any]], **kwargs: Any) -> list[dict[str, Any]]:
        if sent[0] == batches:
            monkeypatch.undo()
            raise TransientError("connection reset by peer")
        sent[0] += 1
        return original(requests, **kwargs)

    monkeypatch.setattr(bc, "_batch", batch)


@pytest.mark.parametrize(
    ("sign", "kind"),
    [(1, DocumentKind.PURCHASE_INVOICE), (-1, DocumentKind.PURCHASE_CREDIT_MEMO)],
)
def test_500_lines_x_3_dimensions_through_both_legs_with_a_crash_half_way(
    sandbox: RunningSandbox,
    bc: BusinessCentralClient,
    monkeypatch: pytest.MonkeyPatch,
    sign: int,
    kind: DocumentKind,
) -> None:
    raw = large(sign)
    deps = deps_for(bc, raw)
    imported(deps, raw["id"])
    sales = handle_sales(raw["id"], deps)
    assert sales.sales.status is SalesStatus.CREATED
    sales_document = bc.get_document(sales.sales.document_kind, sales.sales.document_id)  # type: ignore[arg-type]
    assert sales_document is not None and len(sales_document.lines) == 500

    crash_once_after(bc, 6, monkeypatch)  # the document and some of its dimensions are in
    with pytest.raises(TransientError):
        handle_purchase(raw["id"], deps)
    assert load_invoice(deps.store, raw["id"]).purchase.status is PurchaseStatus.NEW
    staged = handle_purchase(raw["id"], deps)  # the redelivery
    assert staged.purchase.status is PurchaseStatus.CREATED
    assert staged.purchase.document_kind is kind

    document = bc.get_document(kind, staged.purchase.document_id)
    assert document is not None and not document.posted
    marker = (
        raw["invoiceNumber"] if kind is DocumentKind.PURCHASE_INVOICE else ""
    )  # no description2
    assert Counter(line.marker for line in document.lines) == {marker: 500}
    dimensions = bc.line_dimensions(document, document.line_ids)
    wanted = {"CUSTOMERGROUP": "LARGE", "AREA": "UK", "COSTCENTRE": "CC-100"}
    assert len(dimensions) == 500
    assert all({code: d.get(code) for code in wanted} == wanted for d in dimensions.values())
    documents = sandbox.business_central.admin.documents(
        "purchaseInvoices" if sign > 0 else "purchaseCreditMemos"
    )
    reference = raw["providerInvoiceNumber"].upper()  # a Code[35]: BC upper-cases it
    mine = [
        d for d in documents
        if reference in (d.get("vendorInvoiceNumber"), d.get("vendorCreditMemoNumber"))
    ]  # fmt: skip
    assert len(mine) == 1  # one document, created once
