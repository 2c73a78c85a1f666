"""BusinessCentralClient against the BC simulator over real HTTP: the invoice flows' needs."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from sandbox.run import RunningSandbox
from shared.adapters.business_central.client import BusinessCentralClient
from shared.bootstrap import build_business_central
from shared.config import Settings
from shared.domain.invoices import DocumentKind
from shared.errors import ValidationError
from shared.ports.business_central import NewDocument, NewLine

pytestmark = pytest.mark.sandbox


@pytest.fixture
def bc(sandbox_settings: Settings) -> BusinessCentralClient:
    return build_business_central(sandbox_settings)


def reference() -> str:
    return f"T-{uuid.uuid4().hex[:10]}"


def sales_invoice(ref: str, *lines: NewLine, customer: str = "C00010") -> NewDocument:
    lines = lines or (NewLine("Item", "SPE_E3", "E3", 5, 33.75),)
    return NewDocument(
        DocumentKind.SALES_INVOICE, customer, date(2025, 5, 10), date(2025, 6, 9), "", ref, lines
    )


def test_master_data_lookups(bc: BusinessCentralClient) -> None:
    customer = bc.find_customer("C00010")
    assert customer is not None and customer.number == "C00010" and not customer.blocked
    assert bc.find_customer("C09999") is None
    assert bc.find_vendor("V00010") is not None
    assert bc.currency_exists("EUR") and not bc.currency_exists("XXX")
    assert bc.existing_items({"SPE_E3", "NOPE"}) == {"SPE_E3"}
    assert bc.account_usable("6100")
    assert bc.dimension_value_exists("COSTCENTRE", "CC-100")
    assert not bc.dimension_value_exists("COSTCENTRE", "CC-300")
    assert isinstance(bc.customer_default_dimensions(customer.id), dict)


def test_create_find_and_post_a_sales_invoice_in_one_transaction(bc: BusinessCentralClient) -> None:
    ref = reference()
    before = bc.http.requests_sent
    created = bc.create_document(sales_invoice(ref, NewLine("Item", "SPE_E3", "E3", 5, 33.75),
                                               NewLine("Account", "6100", "Support", 2, 85.0)))  # fmt: skip
    assert bc.http.requests_sent - before == 1  # header + lines: one $batch
    assert created.status == "Draft" and not created.posted and created.number
    found = bc.find_sales_document(DocumentKind.SALES_INVOICE, ref)
    assert found is not None and found.id == created.id
    posted = bc.post_document(created)
    assert posted.posted and posted.id == created.id and posted.number != created.number


def test_a_bad_line_leaves_nothing_behind(bc: BusinessCentralClient) -> None:
    ref = reference()
    with pytest.raises(ValidationError, match="NOPE"):
        bc.create_document(
            sales_invoice(
                ref, NewLine("Item", "SPE_E3", "ok", 1, 1.0), NewLine("Item", "NOPE", "bad", 1, 1.0)
            )
        )
    assert bc.find_sales_document(DocumentKind.SALES_INVOICE, ref) is None


def test_unknown_customer_is_refused_by_bc(bc: BusinessCentralClient) -> None:
    with pytest.raises(ValidationError, match="C09999"):
        bc.create_document(sales_invoice(reference(), customer="C09999"))


def purchase(kind: DocumentKind, ref: str, marker: str, dims: dict[str, str]) -> NewDocument:
    line = NewLine("Item", "SPE_E3", "E3", 3, 30.38, marker=marker, dimensions=dims)
    return NewDocument(kind, "V00010", date(2025, 5, 10), date(2025, 6, 9), "", ref, [line])


@pytest.mark.parametrize("kind", [DocumentKind.PURCHASE_INVOICE, DocumentKind.PURCHASE_CREDIT_MEMO])
def test_purchase_documents_with_line_dimensions_are_reused_and_force_deleted(
    bc: BusinessCentralClient, kind: DocumentKind
) -> None:
    ref = reference()
    dims = {"COSTCENTRE": "CC-100"}
    created = bc.create_document(purchase(kind, ref, "INV-A", dims))
    open_document = bc.find_open_purchase_document(kind, "V00010", ref, "")
    assert open_document is not None and open_document.id == created.id
    assert open_document.markers == {"INV-A"}
    extended = bc.add_lines(open_document, purchase(kind, ref, "INV-B", dims).lines)
    assert extended.markers == {"INV-A", "INV-B"}
    assert bc.get_document(kind, created.id).markers == {"INV-A", "INV-B"}  # type: ignore[union-attr]
    assert bc.find_open_purchase_document(kind, "V00010", ref, "EUR") is None
    bc.force_delete_purchase_document(extended)
    assert bc.get_document(kind, created.id) is None


@pytest.mark.parametrize("kind", [DocumentKind.PURCHASE_INVOICE, DocumentKind.PURCHASE_CREDIT_MEMO])
def test_missing_dimension_value_creates_nothing(
    bc: BusinessCentralClient, kind: DocumentKind
) -> None:
    ref = reference()
    with pytest.raises(ValidationError, match="CC-300"):
        bc.create_document(purchase(kind, ref, "INV-C", {"COSTCENTRE": "CC-300"}))
    assert bc.find_open_purchase_document(kind, "V00010", ref, "") is None


def test_force_delete_clears_an_assigned_posting_number(
    sandbox: RunningSandbox, bc: BusinessCentralClient
) -> None:
    ref = reference()
    created = bc.create_document(purchase(DocumentKind.PURCHASE_INVOICE, ref, "INV-D", {}))
    sandbox.business_central.admin.set_posting_number("purchaseInvoices", created.id, "PP-INV9001")
    with pytest.raises(ValidationError, match="gap in the number series"):
        bc.odata.delete(f"api/v2.0/{bc.company}/purchaseInvoices", created.id)
    bc.force_delete_purchase_document(created)
    assert bc.get_document(DocumentKind.PURCHASE_INVOICE, created.id) is None
