"""Sales quotes and orders, CRM → BC through the CRM Data staging, on fakes (product
document §18, §19; setup fields 2–7): state filters, revisions archive, an order from a
quote archives it, base currency blank, numbering and its clash, write-in products and
their G/L account, description override, more than 100 lines after a crash, duplicate
delivery, changes made in BC."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest

from shared.entities.documents import ORDER_CONFIRMED, ORDERS, QUOTES
from shared.flows.crm_documents import process_documents, run_documents, staging_for
from shared.ports.sales_documents import DocContent, SalesDocKind
from shared.sync.couplings import Coupling, Couplings
from tests.fakes.sales_documents import FakeSalesDocuments
from tests.unit.crm_fixtures import SETUP, World, guid, world

ACCOUNT, BASE, EUR, OWNER = guid(901), guid(902), guid(903), guid(904)
TERMS, LAPTOP, CABLE, PCS, BOX = guid(905), guid(906), guid(907), guid(908), guid(909)
COUPLED = {
    "customers": [(ACCOUNT, "C00010")], "currencies": [(BASE, ""), (EUR, "EUR")],
    "salespersons": [(OWNER, "JR")], "payment-terms": [(TERMS, "30 DAYS")],
    "items": [(LAPTOP, "HW-LAPTOP"), (CABLE, "HW-CABLE")],
    "units-of-measure": [(PCS, "PCS"), (BOX, "BOX")],
}  # fmt: skip


def connector(**setup: Any) -> tuple[World, FakeSalesDocuments]:
    w = world(setup=replace(SETUP, **setup))
    bc = FakeSalesDocuments()
    w.deps.bc_sales = bc
    pairs = [
        (entity, crm_id, key) for entity, coupled in COUPLED.items() for crm_id, key in coupled
    ]
    couplings = [Coupling(entity, guid(1000 + n), crm_id, key)
                 for n, (entity, crm_id, key) in enumerate(pairs)]  # fmt: skip
    Couplings(w.store).save_many(couplings)
    w.crm.add("accounts", {"accountid": ACCOUNT, "name": "Adatum Corporation " + "Ltd " * 30,
                           "address1_line1": "10 High Street", "address1_line2": "Floor 2"})  # fmt: skip
    w.crm.add(
        "products", {"productid": LAPTOP, "name": "Surface Laptop 7", "productnumber": "HW-LAPTOP"}
    )
    w.crm.add(
        "products", {"productid": CABLE, "name": "USB-C cable, 2 m", "productnumber": "HW-CABLE"}
    )
    return w, bc


def quote(w: World, number: str = "QUO-01001-A1B2", *, state: int = 1, revision: int = 0,
          lines: list[dict[str, Any]] | None = None, **values: Any) -> str:  # fmt: skip
    quote_id = w.crm.add("quotes", {
        "quotenumber": number, "revisionnumber": revision, "statecode": state,
        "statuscode": 2 if state == 1 else 1, "_customerid_value": ACCOUNT,
        "_transactioncurrencyid_value": BASE, "_ownerid_value": OWNER,
        "_bcs_paymenttermid_value": TERMS, "bcs_quotedate": "2025-02-03",
        "requestdeliveryby": "2025-03-01", "description": "Laptops for the new office",
        **values,
    })  # fmt: skip
    for n, line in enumerate(lines if lines is not None else [item_line()], start=1):
        w.crm.add("quotedetails", {"_quoteid_value": quote_id, "lineitemnumber": n, **line})
    return quote_id


def order(w: World, number: str = "ORD-01001-C3D4", *, status: int = ORDER_CONFIRMED,
          lines: list[dict[str, Any]] | None = None, **values: Any) -> str:  # fmt: skip
    order_id = w.crm.add("salesorders", {
        "ordernumber": number, "statecode": 0, "statuscode": status,
        "_customerid_value": ACCOUNT, "_transactioncurrencyid_value": BASE,
        "bcs_documentdate": "2025-02-05", "bcs_postingdate": "2025-02-06", **values,
    })  # fmt: skip
    for n, line in enumerate(lines if lines is not None else [item_line()], start=1):
        w.crm.add("salesorderdetails", {"_salesorderid_value": order_id, "lineitemnumber": n,
                                        **line})  # fmt: skip
    return order_id


def item_line(product: str = LAPTOP, quantity: float = 2, price: float = 1299,
              **values: Any) -> dict[str, Any]:  # fmt: skip
    return {"_productid_value": product, "_uomid_value": PCS, "quantity": quantity,
            "priceperunit": price, "manualdiscountamount": 0, **values}  # fmt: skip


def write_in(description: str = "Onboarding workshop", price: float = 450) -> dict[str, Any]:
    return {"isproductoverridden": True, "productdescription": description, "quantity": 1,
            "priceperunit": price}  # fmt: skip


def only(bc: FakeSalesDocuments, kind: SalesDocKind) -> Any:
    [doc] = bc.of_kind(kind)
    return doc


def test_an_active_quote_becomes_a_bc_quote_with_its_header_and_lines() -> None:
    w, bc = connector()
    quote(w, lines=[item_line(), item_line(CABLE, 10, 19, manualdiscountamount=5,
                                           description="Cable for the docks")])  # fmt: skip
    report = run_documents(w.deps, ["quotes"])
    assert report.results[0].created == 1, report.as_dict()
    doc = only(bc, SalesDocKind.QUOTE)
    header = doc.header
    assert (header["customerNumber"], header["yourReference"], header["currencyCode"]) == (
        "C00010",
        "QUO-01001-A1B2",
        "",
    )  # CRM's base currency is blank in BC (§17)
    assert (header["documentDate"], header["postingDate"]) == ("2025-02-03", "2025-02-03")
    assert (header["salespersonCode"], header["paymentTermsCode"]) == ("JR", "30 DAYS")
    assert header["workDescription"] == "Laptops for the new office"
    assert header["requestedDeliveryDate"] == "2025-03-01" and header["crmLocked"] is False
    name = "Adatum Corporation " + "Ltd " * 30  # the account's: Name (100) + Name 2
    assert (header["customerName"], header["customerName2"]) == (name[:100], name[100:])
    assert (header["addressLine1"], header["addressLine2"]) == ("10 High Street", "Floor 2")
    laptop, cable = sorted(doc.lines, key=lambda line: line["sequence"])
    assert (laptop["lineType"], laptop["lineObjectNumber"], laptop["unitOfMeasureCode"]) == (
        "Item",
        "HW-LAPTOP",
        "PCS",
    )
    assert laptop["description"] == "Surface Laptop 7"  # no CRM description: the product's name
    assert cable["description"] == "Cable for the docks"  # the CRM line's description wins
    assert cable["lineAmount"] == 185.0  # 10 × 19 − 5, computed by BC
    row = staging_for(w.deps, QUOTES).get("QUO-01001-A1B2")
    assert (row.status, row.bc_number, row.pending) == ("Created", doc.number, False)


def test_only_active_quotes_and_active_confirmed_orders_go() -> None:
    w, bc = connector()
    quote(w, "QUO-DRAFT", state=0)
    quote(w, "QUO-WON", state=2)
    order(w, "ORD-NEW", status=1)
    report = run_documents(w.deps)
    assert [r.staged for r in report.results] == [0, 0]
    assert bc.docs == {}


def test_a_foreign_currency_is_its_code() -> None:
    w, bc = connector()
    quote(w, _transactioncurrencyid_value=EUR)
    run_documents(w.deps, ["quotes"])
    assert only(bc, SalesDocKind.QUOTE).header["currencyCode"] == "EUR"


def test_each_revision_archives_the_bc_quote_and_replaces_its_content() -> None:
    w, bc = connector()
    first = quote(w)
    run_documents(w.deps, ["quotes"])
    created = only(bc, SalesDocKind.QUOTE)
    for revision in (1, 2):  # CRM's ReviseQuote: a new quote, same number, next revision
        w.crm.tables["quotes"][first]["statecode"] = 3
        first = quote(w, revision=revision, lines=[item_line(quantity=2 + revision)])
        run_documents(w.deps, ["quotes"])
    doc = only(bc, SalesDocKind.QUOTE)
    assert doc.id == created.id and doc.number == created.number  # the same BC quote
    assert (doc.archived_versions, doc.revision) == (2, 2)
    assert [line["quantity"] for line in doc.lines] == [4]
    assert [a["crmRevisionNumber"] for a in bc.archived(doc.number)] == [0, 1]
    assert staging_for(w.deps, QUOTES).get("QUO-01001-A1B2").status == "Replaced"


def test_an_order_from_a_quote_in_bc_archives_that_quote_first() -> None:
    w, bc = connector()
    quote_id = quote(w)
    run_documents(w.deps, ["quotes"])
    bc_quote = only(bc, SalesDocKind.QUOTE)
    w.crm.tables["quotes"][quote_id]["statecode"] = 2  # won
    order(w, _quoteid_value=quote_id)
    run_documents(w.deps, ["orders"])
    assert bc.of_kind(SalesDocKind.QUOTE) == []  # archived, then deleted as BC does
    assert [a["versionNumber"] for a in bc.archived(bc_quote.number)] == [1]
    bc_order = only(bc, SalesDocKind.ORDER)
    assert bc_order.header["quoteNumber"] == bc_quote.number
    assert (bc_order.header["documentDate"], bc_order.header["postingDate"]) == (
        "2025-02-05",
        "2025-02-06",
    )
    assert staging_for(w.deps, QUOTES).get("QUO-01001-A1B2").status == "Archived"


@pytest.mark.parametrize(
    ("setup", "number"),
    [({"keep_quote_no": True}, "QUO-01001-A1B2"),
     ({"sales_quote_no_series": "CRM-QUO"}, "CRM-QUO1001"),
     ({}, "S-QUO1001")],
)  # fmt: skip
def test_the_bc_number_follows_the_setup(setup: dict[str, Any], number: str) -> None:
    w, bc = connector(**setup)
    quote(w)
    run_documents(w.deps, ["quotes"])
    assert only(bc, SalesDocKind.QUOTE).number == number


def test_a_crm_number_bc_already_uses_is_a_readable_error_not_an_overwrite() -> None:
    w, bc = connector(keep_quote_no=True)
    typed_in_bc = bc.create(SalesDocKind.QUOTE, guid(950), DocContent({"customerNumber": "C00020"}),
                            number="QUO-TAKEN")  # fmt: skip
    quote(w, "QUO-TAKEN")
    result = run_documents(w.deps, ["quotes"]).results[0]
    assert result.failed == 1
    row = staging_for(w.deps, QUOTES).get("QUO-TAKEN")
    assert row.status == "Error" and "No. QUO-TAKEN is already used in BC" in row.error
    assert bc.of_kind(SalesDocKind.QUOTE) == [bc.get(SalesDocKind.QUOTE, typed_in_bc.id)]
    assert typed_in_bc.header["customerNumber"] == "C00020"  # untouched


def test_a_write_in_product_waits_for_its_gl_account_then_goes() -> None:
    w, bc = connector()
    order(w, lines=[item_line(), write_in()])
    report = run_documents(w.deps, ["orders"])
    assert report.results[0].needs_gl_account == 1
    staging = staging_for(w.deps, ORDERS)
    row = staging.get("ORD-01001-C3D4")
    assert row.status == "Needs G/L Account" and "Onboarding workshop" in row.error
    assert bc.docs == {}
    write_in_line = next(line for line in row.lines if line.source.get("isproductoverridden"))
    staging.set_gl_account("ORD-01001-C3D4", write_in_line.crm_id, "6110")
    run_documents(w.deps, ["orders"])
    lines = sorted(only(bc, SalesDocKind.ORDER).lines, key=lambda line: line["sequence"])
    assert [(x["lineType"], x["lineObjectNumber"]) for x in lines] == [
        ("Item", "HW-LAPTOP"),
        ("Account", "6110"),
    ]
    assert lines[1]["description"] == "Onboarding workshop"


def test_a_long_description_fills_description_2_and_beyond_is_refused() -> None:
    w, bc = connector()
    quote(w, "QUO-LONG", lines=[item_line(description="D" * 130)])
    quote(w, "QUO-TOO-LONG", lines=[item_line(description="D" * 151)])
    run_documents(w.deps, ["quotes"])
    [doc] = bc.of_kind(SalesDocKind.QUOTE)
    assert (len(doc.lines[0]["description"]), len(doc.lines[0]["description2"])) == (100, 30)
    row = staging_for(w.deps, QUOTES).get("QUO-TOO-LONG")
    assert row.status == "Error" and "description is 151 characters" in row.error


def test_a_master_not_in_bc_yet_makes_the_document_wait() -> None:
    w, bc = connector()
    terms = guid(990)
    quote(w, _bcs_paymenttermid_value=terms)
    run_documents(w.deps, ["quotes"])
    row = staging_for(w.deps, QUOTES).get("QUO-01001-A1B2")
    assert row.status == "Waiting" and "Payment Term" in row.error and bc.docs == {}
    Couplings(w.store).save_many([Coupling("payment-terms", guid(991), terms, "14 DAYS")])
    run_documents(w.deps, ["quotes"])
    assert only(bc, SalesDocKind.QUOTE).header["paymentTermsCode"] == "14 DAYS"


def test_more_than_100_lines_resume_after_a_crash_and_are_written_once() -> None:
    w, bc = connector()
    quote(w, lines=[item_line(quantity=n) for n in range(1, 251)])
    bc.fail_after = 120  # the worker dies after 120 lines
    run_documents(w.deps, ["quotes"])
    assert staging_for(w.deps, QUOTES).get("QUO-01001-A1B2").status == "Waiting"
    assert only(bc, SalesDocKind.QUOTE).complete is False  # BC will not release it
    run_documents(w.deps, ["quotes"])
    doc = only(bc, SalesDocKind.QUOTE)
    assert doc.complete and len(doc.lines) == 250
    assert sorted(line["quantity"] for line in doc.lines) == list(range(1, 251))


def test_a_duplicate_delivery_writes_one_document() -> None:
    w, bc = connector()
    quote(w)
    run_documents(w.deps, ["quotes"])
    staging_for(w.deps, QUOTES).mark_pending(["QUO-01001-A1B2"])  # the same change again
    threads = [threading.Thread(target=process_documents, args=(w.deps, "quotes"))
               for _ in range(2)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(bc.of_kind(SalesDocKind.QUOTE)) == 1
    assert staging_for(w.deps, QUOTES).get("QUO-01001-A1B2").status == "Synced"


def test_locked_documents_carry_the_lock_and_a_change_made_in_bc_is_reported() -> None:
    w, bc = connector(do_not_modify_quotes=True)
    quote(w)
    run_documents(w.deps, ["quotes"])
    doc = only(bc, SalesDocKind.QUOTE)
    assert doc.header["crmLocked"] is True
    bc.edit(doc.id, paymentTermsCode="14 DAYS")  # made in BC anyway (e.g. before the lock)
    run_documents(w.deps, ["quotes"])
    row = staging_for(w.deps, QUOTES).get("QUO-01001-A1B2")
    assert row.status == "Changed in BC" and "paymentTermsCode '30 DAYS' → '14 DAYS'" in row.notice


def test_a_revision_keeps_the_gl_account_chosen_for_the_same_write_in() -> None:
    w, bc = connector()
    first = quote(w, "QUO-WI", lines=[write_in()])
    run_documents(w.deps, ["quotes"])
    staging = staging_for(w.deps, QUOTES)
    [line] = staging.get("QUO-WI").lines
    staging.set_gl_account("QUO-WI", line.crm_id, "6110")
    run_documents(w.deps, ["quotes"])
    w.crm.tables["quotes"][first]["statecode"] = 3
    quote(w, "QUO-WI", revision=1, lines=[write_in(price=500)])
    run_documents(w.deps, ["quotes"])
    doc = only(bc, SalesDocKind.QUOTE)
    assert [(x["lineObjectNumber"], x["unitPrice"]) for x in doc.lines] == [("6110", 500)]


def test_operator_actions_name_what_is_wrong() -> None:
    from shared.errors import NotFound, ValidationError

    w, _ = connector()
    quote(w, "QUO-OPS")
    run_documents(w.deps, ["quotes"])
    staging = staging_for(w.deps, QUOTES)
    [line] = staging.get("QUO-OPS").lines
    with pytest.raises(ValidationError, match="takes no G/L account"):
        staging.set_gl_account("QUO-OPS", line.crm_id, "6110")
    with pytest.raises(NotFound, match="QUO-NONE"):
        staging.set_gl_account("QUO-NONE", line.crm_id, "6110")
    with pytest.raises(ValidationError, match="QUO-NONE") as refused:
        process_documents(w.deps, "quotes", ["QUO-NONE"])
    assert refused.value.field == "numbers"
    with pytest.raises(ValidationError, match="unknown document type 'invoices'"):
        process_documents(w.deps, "invoices")
