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
from shared.errors import RejectedError, TransientError
from shared.ports.business_central import DimensionFix, NewDocument, NewLine

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
    assert bc.http.requests_sent - before == 1  # header + lines: one deep insert
    assert created.status == "Draft" and not created.posted and created.number
    found = bc.find_sales_document(DocumentKind.SALES_INVOICE, ref)
    assert found is not None and found.id == created.id
    posted = bc.post_document(created)
    assert posted.posted and posted.id == created.id and posted.number != created.number


def test_a_bad_line_leaves_nothing_behind(bc: BusinessCentralClient) -> None:
    ref = reference()
    with pytest.raises(RejectedError, match="NOPE"):
        bc.create_document(
            sales_invoice(
                ref, NewLine("Item", "SPE_E3", "ok", 1, 1.0), NewLine("Item", "NOPE", "bad", 1, 1.0)
            )
        )
    assert bc.find_sales_document(DocumentKind.SALES_INVOICE, ref) is None


def test_unknown_customer_is_refused_by_bc(bc: BusinessCentralClient) -> None:
    with pytest.raises(RejectedError, match="C09999"):
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
    # v2.0 purchase credit memo lines have no description2 to carry the marker
    marked = kind is DocumentKind.PURCHASE_INVOICE
    assert open_document.markers == ({"INV-A"} if marked else set())
    assert len(open_document.lines) == 1
    extended = bc.add_lines(open_document, purchase(kind, ref, "INV-B", dims).lines)
    assert extended.markers == ({"INV-A", "INV-B"} if marked else set())
    read = bc.get_document(kind, created.id)
    assert read is not None and read.markers == extended.markers and len(read.lines) == 2
    assert bc.find_open_purchase_document(kind, "V00010", ref, "EUR") is None
    bc.force_delete_purchase_document(extended)
    assert bc.get_document(kind, created.id) is None


@pytest.mark.parametrize("kind", [DocumentKind.PURCHASE_INVOICE, DocumentKind.PURCHASE_CREDIT_MEMO])
def test_a_refused_dimension_leaves_an_unposted_document_that_fixes_complete(
    bc: BusinessCentralClient, kind: DocumentKind
) -> None:
    ref = reference()
    new = purchase(kind, ref, "INV-C", {"COSTCENTRE": "CC-300"})
    with pytest.raises(
        RejectedError, match="created with its lines, but their dimensions"
    ) as error:
        bc.create_document(new)
    assert "CC-300" in error.value.message
    left = bc.find_open_purchase_document(kind, "V00010", ref, "")
    assert left is not None and not left.posted and len(left.lines) == 1
    line_id = left.lines[0].id
    assert bc.line_dimensions(left, [line_id])[line_id].get("COSTCENTRE") != "CC-300"
    fix = DimensionFix(line_id, "COSTCENTRE", "CC-100", replace=False)
    bc.add_lines(left, [], [fix])
    assert bc.line_dimensions(left, [line_id])[line_id]["COSTCENTRE"] == "CC-100"


def big_purchase(kind: DocumentKind, ref: str, count: int) -> NewDocument:
    dims = {"COSTCENTRE": "CC-100", "CUSTOMERGROUP": "LARGE", "DEPARTMENT": "SALES"}
    lines = [
        NewLine("Item" if n % 2 else "Account", "SPE_E3" if n % 2 else "7100", f"line {n}",
                1 + n % 7, 10.0 + n, marker="INV-BIG", dimensions=dims, id=str(uuid.uuid4()))
        for n in range(count)
    ]  # fmt: skip
    return NewDocument(kind, "V00010", date(2025, 5, 10), date(2025, 6, 9), "", ref, lines,
                       id=str(uuid.uuid4()))  # fmt: skip


@pytest.mark.parametrize("kind", [DocumentKind.PURCHASE_INVOICE, DocumentKind.PURCHASE_CREDIT_MEMO])
def test_500_lines_with_3_dimensions_each_fit_whatever_the_batch_limit(
    bc: BusinessCentralClient, kind: DocumentKind
) -> None:
    # BC takes at most 100 requests per $batch (learn.microsoft.com/dynamics365/
    # business-central/dev-itpro/webservices/use-odata-batch); 500 lines x (1 + 3) is 2,000.
    new = big_purchase(kind, reference(), 500)
    created = bc.create_document(new)
    assert created.id == new.id and len(created.lines) == 500
    dims = bc.line_dimensions(created, [line.id for line in new.lines])
    assert len(dims) == 500
    assert all(
        {code: d[code] for code in ("COSTCENTRE", "CUSTOMERGROUP", "DEPARTMENT")}
        == new.lines[0].dimensions
        for d in dims.values()
    )
    more = big_purchase(kind, new.external_document_number, 300)
    extended = bc.add_lines(created, more.lines)
    read = bc.get_document(kind, created.id)
    assert read is not None and len(read.lines) == len(extended.lines) == 800
    assert len(bc.line_dimensions(read, [line.id for line in more.lines])) == 300


def test_a_120_line_sales_invoice_is_one_request(bc: BusinessCentralClient) -> None:
    lines = [NewLine("Item", "SPE_E3", f"E3 {n}", 1, 33.75) for n in range(120)]
    before = bc.http.requests_sent
    created = bc.create_document(sales_invoice(reference(), *lines))
    assert bc.http.requests_sent - before == 1
    read = bc.get_document(DocumentKind.SALES_INVOICE, created.id)
    assert read is not None and len(read.lines) == 120


def test_lines_added_before_a_crash_are_kept_and_the_rest_completed_once(
    bc: BusinessCentralClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    kind = DocumentKind.PURCHASE_INVOICE
    first = big_purchase(kind, reference(), 1)
    created = bc.create_document(first)
    more = big_purchase(kind, first.external_document_number, 260)  # 1,040 requests: 11 batches
    batch, sent = bc._batch, []

    def crash_after_three(requests: list, **kwargs: object) -> list:
        if len(sent) == 3:
            raise TransientError("connection reset")
        sent.append(len(requests))
        return batch(requests, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bc, "_batch", crash_after_three)
    with pytest.raises(TransientError):
        bc.add_lines(created, more.lines)
    monkeypatch.undo()
    assert sent == [100, 100, 100]  # whole lines only: 25 lines with their 3 dimensions each
    half = bc.get_document(kind, created.id)
    assert half is not None and len(half.lines) == 1 + 75
    # The next attempt plans from what is there (see plan_purchase) and adds the rest once.
    missing = [line for line in more.lines if line.id not in half.line_ids]
    done = bc.add_lines(half, missing)
    assert len(done.lines) == 261 == len(bc.get_document(kind, created.id).lines)  # type: ignore[union-attr]
    dims = bc.line_dimensions(done, [line.id for line in more.lines])
    assert all(d["DEPARTMENT"] == "SALES" for d in dims.values()) and len(dims) == 260


def test_force_delete_clears_an_assigned_posting_number(
    sandbox: RunningSandbox, bc: BusinessCentralClient
) -> None:
    ref = reference()
    created = bc.create_document(purchase(DocumentKind.PURCHASE_INVOICE, ref, "INV-D", {}))
    sandbox.business_central.admin.set_posting_number("purchaseInvoices", created.id, "PP-INV9001")
    with pytest.raises(RejectedError, match="gap in the number series"):
        bc.odata.delete(f"api/v2.0/{bc.company}/purchaseInvoices", created.id)
    bc.force_delete_purchase_document(created)
    assert bc.get_document(DocumentKind.PURCHASE_INVOICE, created.id) is None
