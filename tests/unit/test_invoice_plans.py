"""The invoice planners as pure functions: plain data in, one action out, no port touched."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from shared.domain.invoices import (
    DocumentKind,
    PurchaseStatus,
    SalesStatus,
    StagedInvoice,
    StagedLine,
)
from shared.flows.invoice_import import Keep, QuarantineRecord, Stage, StageFailure, plan_import
from shared.flows.invoice_plans import (
    AddLines,
    Create,
    Fail,
    Link,
    MasterData,
    Skip,
    document_id,
    line_id,
    own_document_ids,
    place_lines,
)
from shared.flows.invoice_purchase import PurchaseLookups, plan_purchase
from shared.flows.invoice_sales import SalesLookups, plan_sales
from shared.mappings.invoice_mapping import DEFAULT_MAPPING
from shared.ports.business_central import BcDocument, BcLine, BcParty, DimensionFix
from tests.unit.invoice_fixtures import OPTIONS, invoice, line

CUSTOMER = BcParty("cust-id", "C00010", "Adatum")
VENDOR = BcParty("vend-id", "V00010", "Microsoft")
ITEMS = frozenset({"SPE_E3"})


def staged(*lines: StagedLine, total: float | None = None, **fields: object) -> StagedInvoice:
    lines = lines or (StagedLine(10000, "SPE_E3", "E3", 10, 33.75, 30.38, 337.5),)
    values: dict[str, object] = dict(
        id="i1", invoice_number="INV-1", customer_number="C00010", posting_date=date(2025, 5, 10),
        due_date=date(2025, 6, 9), currency_code="", vendor_number="V00010",
        vendor_invoice_number="V00010-202505-1", cost_centre="CC-100",
        total=sum((ln.amount or 0) for ln in lines) if total is None else total,
    )  # fmt: skip
    values.update(fields)
    return StagedInvoice(lines=list(lines), **values)  # type: ignore[arg-type]


def sales_master(**changes: object) -> MasterData:
    return replace(MasterData(party=CUSTOMER, items=ITEMS, account_usable=True), **changes)  # type: ignore[arg-type]


def purchase_lookups(**changes: object) -> PurchaseLookups:
    master = MasterData(party=VENDOR, items=ITEMS, account_usable=True)
    lookups = PurchaseLookups(master=master, customer_dimensions={"CUSTOMERGROUP": "LARGE",
                                                                   "COSTCENTRE": "CC-200"})  # fmt: skip
    return replace(lookups, **changes)  # type: ignore[arg-type]


# --- sales ----------------------------------------------------------------------------------
def test_sales_creates_an_invoice_with_typed_lines_and_ids_stable_across_attempts() -> None:
    invoice_ = staged(
        StagedLine(10000, "SPE_E3", "E3", 10, 33.75, 30.38, 337.5),
        StagedLine(20000, "SUPPORT-HRS", "Support", 2, 85.0, None, 170.0),
    )
    plan = plan_sales(invoice_, SalesLookups(master=sales_master()), OPTIONS)
    assert isinstance(plan, Create)
    new = plan.document
    assert (new.kind, new.party_number, new.external_document_number) == (
        DocumentKind.SALES_INVOICE,
        "C00010",
        "INV-1",
    )
    assert [(ln.line_type, ln.number, ln.quantity, ln.unit_amount) for ln in new.lines] == [
        ("Item", "SPE_E3", 10, 33.75),
        ("Account", "6100", 2, 85.0),
    ]
    again = plan_sales(invoice_, SalesLookups(master=sales_master()), OPTIONS)
    assert again == plan  # same ids: a second attempt writes the same document and lines
    assert len({new.id, *(ln.id for ln in new.lines)}) == 3


def test_sales_ids_differ_by_kind_and_leg() -> None:
    invoice_ = staged()
    sales = line_id(invoice_, "sales", DocumentKind.SALES_INVOICE, 10000)
    assert sales != line_id(invoice_, "sales", DocumentKind.SALES_CREDIT_MEMO, 10000)
    assert sales != line_id(invoice_, "purchase", DocumentKind.PURCHASE_INVOICE, 10000)
    assert sales != line_id(replace(invoice_, id="i2"), "sales", DocumentKind.SALES_INVOICE, 10000)


def test_sales_refuses_a_document_made_for_a_namesake_and_links_its_own() -> None:
    invoice_ = staged()
    theirs = BcDocument(DocumentKind.SALES_INVOICE, "someone-else", "S-INV1001", "Draft", "INV-1")
    plan = plan_sales(invoice_, SalesLookups(theirs, ("EcpPro invoice INV-1 (i0)",)), OPTIONS)
    assert isinstance(plan, Fail) and plan.field == "External Document No."
    assert "S-INV1001" in plan.message and "(i0)" in plan.message and "(i1)" in plan.message
    ours = replace(theirs, id=document_id(invoice_, "sales", DocumentKind.SALES_INVOICE))
    assert plan_sales(
        invoice_, SalesLookups(ours, ("EcpPro invoice INV-1 (i0)",)), OPTIONS
    ) == Link(ours)
    # Made outside the hub (or before it chose ids), with no namesake staged: it is ours.
    assert plan_sales(invoice_, SalesLookups(theirs), OPTIONS) == Link(theirs)


def test_sales_links_an_existing_document_and_a_credit_memo_gets_positive_quantities() -> None:
    existing = BcDocument(DocumentKind.SALES_INVOICE, "d1", "S-INV1001", "Draft", "INV-1")
    assert plan_sales(staged(), SalesLookups(existing), OPTIONS) == Link(existing)
    credit = staged(StagedLine(10000, "SPE_E3", "E3", -3, 33.75, None, -101.25))
    plan = plan_sales(credit, SalesLookups(master=sales_master()), OPTIONS)
    assert isinstance(plan, Create) and plan.document.kind is DocumentKind.SALES_CREDIT_MEMO
    assert plan.document.lines[0].quantity == 3


@pytest.mark.parametrize(
    ("invoice_", "master", "field", "fragment"),
    [
        (staged(total=0), sales_master(), "Total Amount", "Total Amount is 0"),
        (staged(), sales_master(party=None), "Sell-to Customer No.", "'C00010' does not exist"),
        (staged(), sales_master(party=replace(CUSTOMER, blocked=True)), "Sell-to Customer No.",
         "customer C00010 is blocked"),
        (staged(currency_code="GBP"), sales_master(currency_known=False), "Currency Code", "'GBP'"),
        (staged(StagedLine(10000, "SPE_E3", "E3", 1, None, None, None), total=5), sales_master(),
         "Unit Price", "line 10000: Unit Price is missing"),
        (staged(StagedLine(10000, "X1", "X", 1, 5.0, None, 5.0)), sales_master(account_usable=False),
         "No.", "ECPPRO_SALES_ACCOUNT_NUMBER"),
    ],
)  # fmt: skip
def test_sales_refusals_name_the_invoice_and_the_field(
    invoice_: StagedInvoice, master: MasterData, field: str, fragment: str
) -> None:
    plan = plan_sales(invoice_, SalesLookups(master=master), OPTIONS)
    assert isinstance(plan, Fail)
    assert plan.field == field
    assert "EcpPro invoice INV-1 (i1)" in plan.message and fragment in plan.message


# --- purchase -------------------------------------------------------------------------------
def test_purchase_of_an_invoice_without_cost_lines_is_skipped() -> None:
    no_cost = staged(StagedLine(10000, "SUPPORT-HRS", "Support", 2, 85.0, None, 170.0))
    assert plan_purchase(no_cost, purchase_lookups(), OPTIONS) == Skip(
        "no staged line has a Unit Cost: nothing to purchase"
    )


def test_purchase_creates_cost_lines_only_with_layered_dimensions() -> None:
    invoice_ = staged(
        StagedLine(10000, "SPE_E3", "E3", 10, 33.75, 30.38, 337.5),
        StagedLine(20000, "SUPPORT-HRS", "Support", 2, 85.0, None, 170.0),
    )
    plan = plan_purchase(invoice_, purchase_lookups(), OPTIONS)
    assert isinstance(plan, Create)
    new = plan.document
    assert (new.kind, new.party_number, new.external_document_number) == (
        DocumentKind.PURCHASE_INVOICE,
        "V00010",
        "V00010-202505-1",
    )
    assert [(ln.number, ln.unit_amount, ln.marker) for ln in new.lines] == [
        ("SPE_E3", 30.38, "INV-1")
    ]
    # Customer defaults first, then the staged cost centre on top (CC-200 → CC-100).
    assert new.lines[0].dimensions == {"CUSTOMERGROUP": "LARGE", "COSTCENTRE": "CC-100"}
    plain = plan_purchase(
        invoice_, purchase_lookups(), replace(OPTIONS, apply_cost_centre_dimension=False)
    )
    assert isinstance(plain, Create)
    assert plain.document.lines[0].dimensions["COSTCENTRE"] == "CC-200"


@pytest.mark.parametrize(
    ("invoice_", "lookups", "field"),
    [
        (staged(vendor_number=""), purchase_lookups(), "Buy-from Vendor No."),
        (staged(vendor_number="V09999"), purchase_lookups(master=MasterData()), "Buy-from Vendor No."),
        (staged(vendor_invoice_number=""), purchase_lookups(), "Vendor Invoice No."),
        (staged(), purchase_lookups(cost_centre_known=False), "Cost Centre Code"),
        (staged(total=0), purchase_lookups(), "Total Amount"),
    ],
)  # fmt: skip
def test_purchase_refusals_name_the_field(
    invoice_: StagedInvoice, lookups: PurchaseLookups, field: str
) -> None:
    plan = plan_purchase(invoice_, lookups, OPTIONS)
    assert isinstance(plan, Fail) and plan.field == field


def planned_purchase(lines: int) -> tuple[StagedInvoice, Create]:
    invoice_ = staged(
        *(StagedLine(10000 + n, "SPE_E3", "E3", 1, 2.0, 1.0, 2.0) for n in range(lines))
    )
    plan = plan_purchase(invoice_, purchase_lookups(), OPTIONS)
    assert isinstance(plan, Create)
    return invoice_, plan


def test_purchase_adds_only_the_lines_an_open_document_does_not_hold_yet() -> None:
    invoice_, created = planned_purchase(5)
    ids = [ln.id for ln in created.document.lines]
    other = BcLine("someone-else", "INV-0")
    open_document = BcDocument(DocumentKind.PURCHASE_INVOICE, "d1", "P-INV1001", "Draft",
                               "V00010-202505-1", (other, *(BcLine(i, "INV-1") for i in ids[:2])))  # fmt: skip
    done = {"CUSTOMERGROUP": "LARGE", "COSTCENTRE": "CC-100", "AREA": "UK"}
    lookups = purchase_lookups(open_document=open_document, placed={i: done for i in ids[:2]})
    plan = plan_purchase(invoice_, lookups, OPTIONS)
    assert isinstance(plan, AddLines) and plan.document is open_document
    assert [ln.id for ln in plan.lines] == ids[2:] and plan.fixes == ()


def test_purchase_completes_the_dimensions_of_lines_already_there_then_links() -> None:
    invoice_, created = planned_purchase(2)
    first, second = (ln.id for ln in created.document.lines)
    open_document = BcDocument(DocumentKind.PURCHASE_INVOICE, "d1", "P-INV1001", "Draft",
                               "V00010-202505-1", (BcLine(first, "INV-1"), BcLine(second, "INV-1")))  # fmt: skip
    placed = {first: {"CUSTOMERGROUP": "LARGE", "COSTCENTRE": "CC-100"},
              second: {"CUSTOMERGROUP": "LARGE", "COSTCENTRE": "CC-200"}}  # fmt: skip
    plan = plan_purchase(
        invoice_, purchase_lookups(open_document=open_document, placed=placed), OPTIONS
    )
    assert plan == AddLines(
        open_document, (), (DimensionFix(second, "COSTCENTRE", "CC-100", replace=True),)
    )
    placed[second] = {"CUSTOMERGROUP": "LARGE", "COSTCENTRE": "CC-100"}
    complete = plan_purchase(
        invoice_, purchase_lookups(open_document=open_document, placed=placed), OPTIONS
    )
    assert complete == Link(open_document)


def test_place_lines_adds_a_missing_dimension_rather_than_replacing_it() -> None:
    _, created = planned_purchase(1)
    only = created.document.lines[0]
    document = BcDocument(DocumentKind.PURCHASE_INVOICE, "d1", "P-INV1001", "Draft", "x",
                          (BcLine(only.id, "INV-1"),))  # fmt: skip
    plan = place_lines(created.document, document, {only.id: {"CUSTOMERGROUP": "LARGE"}})
    assert plan == AddLines(document, (), (DimensionFix(only.id, "COSTCENTRE", "CC-100"),))
    assert place_lines(created.document, None, {}) == created


# --- import ---------------------------------------------------------------------------------
def test_import_stages_a_new_invoice_and_decides_its_purchase_status() -> None:
    with_cost = plan_import(DEFAULT_MAPPING, invoice("i1", "INV-1"), None)
    assert isinstance(with_cost, Stage) and with_cost.new
    assert with_cost.invoice.purchase.status is PurchaseStatus.NEW
    no_cost = plan_import(DEFAULT_MAPPING, invoice("i2", "INV-2", line(10000, cost=None)), None)
    assert isinstance(no_cost, Stage)
    assert no_cost.invoice.purchase.status is PurchaseStatus.NOT_APPLICABLE


def test_import_keeps_unchanged_and_acted_on_rows_and_refreshes_the_others() -> None:
    first = plan_import(DEFAULT_MAPPING, invoice("i1", "INV-1"), None)
    assert isinstance(first, Stage)
    current = replace(first.invoice, etag="e1")
    assert plan_import(DEFAULT_MAPPING, invoice("i1", "INV-1"), current) == Keep("unchanged")
    current.sales.fail("customer C00010 is blocked")
    current.sales.attempts = 2
    changed = invoice("i1", "INV-1", line(10000, quantity=12))
    refreshed = plan_import(DEFAULT_MAPPING, changed, current)
    assert isinstance(refreshed, Stage) and not refreshed.new
    assert refreshed.invoice.lines[0].quantity == 12
    assert (refreshed.invoice.sales.status, refreshed.invoice.sales.attempts) == (
        SalesStatus.ERROR,
        2,
    )  # the leg's record survives the refresh
    assert refreshed.invoice.etag == "e1"  # written only if nobody changed the row meanwhile
    current.sales.status, current.sales.document_id = SalesStatus.CREATED, "d1"
    assert plan_import(DEFAULT_MAPPING, changed, current) == Keep("locked")


def test_import_stages_an_unmappable_invoice_as_failed_and_quarantines_one_without_id() -> None:
    bad = plan_import(DEFAULT_MAPPING, invoice("i1", "INV-1", line(10000, price=None)), None)
    assert isinstance(bad, StageFailure) and "unitPrice" in bad.error.message
    nameless = plan_import(DEFAULT_MAPPING, {**invoice("", "INV-X")}, None)
    assert isinstance(nameless, QuarantineRecord)
    assert (nameless.rejected.field, nameless.rejected.error) == (
        "id",
        "EcpPro invoice without an id",
    )


@pytest.mark.parametrize(("quantity", "total"), [(2, -67.5), (-2, 67.5)])
def test_a_total_whose_sign_disagrees_with_its_lines_is_refused_by_both_legs(
    quantity: float, total: float
) -> None:
    # A credit memo that could not post, plus a purchase credit memo: refuse it instead.
    invoice_ = staged(StagedLine(10000, "SPE_E3", "E3", quantity, 33.75, 30.38, None), total=total)
    for plan in (
        plan_sales(invoice_, SalesLookups(master=sales_master()), OPTIONS),
        plan_purchase(invoice_, purchase_lookups(), OPTIONS),
    ):
        assert isinstance(plan, Fail) and plan.field == "Total Amount"
        assert f"Total Amount {total}" in plan.message and "lines add up to" in plan.message


def test_fields_longer_than_business_central_holds_are_refused_at_import_naming_them() -> None:
    long_number = "INV-" + "9" * 40  # External Document No. is Code[35]
    action = plan_import(DEFAULT_MAPPING, invoice("i1", long_number), None)
    assert isinstance(action, StageFailure)
    assert action.error.field == "invoiceNumber"
    assert "External Document No. holds at most 35" in action.error.message
    provider = plan_import(DEFAULT_MAPPING, invoice("i2", "INV-2", provider="P" * 36), None)
    assert isinstance(provider, StageFailure) and provider.error.field == "providerInvoiceNumber"
    ok = plan_import(
        DEFAULT_MAPPING, invoice("i3", "I" * 35, line(10000, description="d" * 300)), None
    )
    assert isinstance(ok, Stage)  # 35 fits; descriptions are cut to 100 when sent, not refused


def test_a_total_that_is_not_a_finite_number_is_refused() -> None:
    action = plan_import(DEFAULT_MAPPING, {**invoice("i1", "INV-1"), "totalAmount": "NaN"}, None)
    assert isinstance(action, StageFailure) and action.error.field == "totalAmount"


def test_a_reprocess_starts_a_new_generation_of_ids_that_still_knows_the_old_ones() -> None:
    invoice_ = staged()
    kind = DocumentKind.PURCHASE_INVOICE
    first_document, first_line = (document_id(invoice_, "purchase", kind),
                                  line_id(invoice_, "purchase", kind, 10000))  # fmt: skip
    invoice_.purchase.generation = 1
    assert document_id(invoice_, "purchase", kind) != first_document
    assert line_id(invoice_, "purchase", kind, 10000) != first_line
    assert own_document_ids(invoice_, "purchase", kind) == {
        first_document,
        document_id(invoice_, "purchase", kind),
    }
    assert document_id(invoice_, "sales", DocumentKind.SALES_INVOICE) == document_id(
        staged(), "sales", DocumentKind.SALES_INVOICE
    )  # one leg's generation leaves the other's ids alone
