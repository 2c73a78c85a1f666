"""Posted sales invoices, BC → CRM invoices, on fakes (product document §20; setup field
16): header and line mapping, CRM's base currency for a blank code, the CRM order set
Invoiced, a cancelled or corrected invoice Canceled, waiting on parents not in CRM yet,
no duplicate after a lost answer, a second run that writes nothing, refusals on the
staging row, and the "Auto Synchronize Posted Invoice CRM" toggle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest

from shared.domain.crm import AutoSync
from shared.entities.documents import ORDERS
from shared.entities.posted_invoices import HEADER, PRODUCT_LINE, WRITE_IN_LINE
from shared.entities.registry import ENTITIES
from shared.errors import ConfigurationError, NotFound, RejectedError, UncertainWriteError
from shared.flows.crm_documents import staging_for
from shared.flows.crm_posted_invoice_plan import invoice_id, line_id
from shared.flows.crm_posted_invoices import (
    AUTO_OFF,
    run_posted_invoices,
    staged_invoice,
    staged_invoices,
)
from shared.flows.crm_setup import DISABLED
from shared.ports.dataverse import ChangeSet, Operation, OperationResult
from shared.sync.couplings import Coupling, Couplings
from tests.unit.crm_fixtures import PRICE_LIST, SETUP, World, guid, world

ACCOUNT, BASE, EUR, OWNER = guid(901), guid(902), guid(903), guid(904)
LAPTOP, PCS, TERMS, METHOD = guid(905), guid(906), guid(907), guid(908)
AGENT, LOCATION, SHIP_TO, AREA = guid(909), guid(910), guid(911), guid(912)
BC_INVOICE = guid(950)
CRM_SETS = {  # coupling entity → (CRM entity set, CRM id, coupling key)
    "customers": ("accounts", ACCOUNT, "C00010"),
    "salespersons": ("systemusers", OWNER, "PS"),
    "payment-terms": ("bcs_paymentterms", TERMS, "30 DAYS"),
    "shipment-methods": ("bcs_shipmentmethods", METHOD, "EXW"),
    "shipping-agents": ("bcs_shippingagents", AGENT, "FEDEX"),
    "locations": ("bcs_locations", LOCATION, "MAIN"),
    "ship-to-addresses": ("bcs_shiptoaddresses", SHIP_TO, "C00010/DOCK4"),
    "tax-areas": ("bcs_taxareas", AREA, "DOMESTIC"),
    "items": ("products", LAPTOP, "HW-LAPTOP"),
    "units-of-measure": ("uoms", PCS, "PCS"),
}


def connector(*, skip: Sequence[str] = (), **auto: bool) -> World:
    """The integration on, the default price list set, and every parent in CRM and
    coupled (but those in `skip`), CRM's base currency coupled to BC's blank code."""
    w = world(setup=SETUP, **auto)
    couplings = [Coupling("currencies", guid(1000), BASE, ""),
                 Coupling("currencies", guid(1001), EUR, "EUR")]  # fmt: skip
    for entity_set, crm_id in (("transactioncurrencies", BASE), ("transactioncurrencies", EUR)):
        w.crm.add(entity_set, {w.crm.id_column(entity_set): crm_id})
    for n, (entity, (entity_set, crm_id, key)) in enumerate(CRM_SETS.items(), start=1010):
        w.crm.add(entity_set, {w.crm.id_column(entity_set): crm_id})
        if entity not in skip:
            couplings.append(Coupling(entity, guid(n), crm_id, key))
    Couplings(w.store).save_many(couplings)
    w.bc.add("items", {"id": guid(1100), "number": "HW-LAPTOP", "type": "Inventory",
                       "inventoryPostingGroupCode": "RESALE"})  # fmt: skip
    w.bc.add("items", {"id": guid(1101), "number": "HW-CABLE", "type": "Inventory",
                       "inventoryPostingGroupCode": "SPARES"})  # fmt: skip
    w.bc.add("inventoryPostingGroupSettings", {"id": guid(1102), "code": "RESALE",
                                               "createInCrm": True}, api="companion")  # fmt: skip
    return w


def line(n: int, **values: Any) -> dict[str, Any]:
    return {"id": guid(960 + n), "documentId": BC_INVOICE, "sequence": n * 10000,
            "lineType": "Item", "lineObjectNumber": "HW-LAPTOP", "description": "Surface Laptop 7",
            "description2": "", "quantity": 2, "unitOfMeasureCode": "PCS", "unitPrice": 1299,
            "lineDiscountAmount": 98, "lineAmount": 2500, "taxAmount": 500, **values}  # fmt: skip


LINES = [
    line(1),
    line(2, lineType="Account", lineObjectNumber="6100", description="Installation",
         description2="on site", quantity=1, unitOfMeasureCode="", unitPrice=150,
         lineDiscountAmount=0, lineAmount=150, taxAmount=30),
    line(3, lineType="Comment", lineObjectNumber="", description="Thank you", quantity=0,
         unitPrice=0, lineDiscountAmount=0, lineAmount=0, taxAmount=0),
]  # fmt: skip


def posted(w: World, number: str = "PS-INV1001", *, bc_id: str = BC_INVOICE,
           lines: list[dict[str, Any]] | None = None, **values: Any) -> dict[str, Any]:  # fmt: skip
    return w.bc.add("crmPostedSalesInvoices", {
        "id": bc_id, "number": number, "orderNumber": "", "customerNumber": "C00010",
        "customerName": "Adatum Corporation", "customerName2": " (Northern Branch)",
        "addressLine1": "10 High Street", "addressLine2": "Floor 2",
        "documentDate": "2025-02-03", "postingDate": "2025-02-04", "dueDate": "2025-03-05",
        "salespersonCode": "PS", "paymentTermsCode": "30 DAYS", "shipmentMethodCode": "EXW",
        "shippingAgentCode": "FEDEX", "locationCode": "MAIN", "shipToCode": "DOCK4",
        "taxAreaCode": "DOMESTIC", "currencyCode": "", "invoiceDiscountAmount": 50,
        "totalAmountExcludingTax": 2600, "totalTaxAmount": 530,
        "totalAmountIncludingTax": 3130, "status": "Open",
        "lines": LINES if lines is None else lines, **values,
    }, api="companion")  # fmt: skip


def change_sets(w: World, monkeypatch: pytest.MonkeyPatch) -> list[list[ChangeSet | Operation]]:
    """Every `execute` call's items, as the fake Dataverse received them."""
    calls: list[list[ChangeSet | Operation]] = []
    real = w.crm.execute

    def recording(items: Sequence[Operation | ChangeSet], **kwargs: Any) -> list[OperationResult]:
        calls.append(list(items))
        return real(items, **kwargs)

    monkeypatch.setattr(w.crm, "execute", recording)
    return calls


def only_invoice(w: World) -> dict[str, Any]:
    [invoice] = w.crm.all("invoices")
    return invoice


def test_a_posted_invoice_becomes_a_crm_invoice_with_its_lines_in_one_change_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = connector()
    posted(w)
    calls = change_sets(w, monkeypatch)
    report = run_posted_invoices(w.deps)
    assert (report.created, report.failed, report.waiting) == (1, 0, 0), report.as_dict()
    invoice = only_invoice(w)
    assert invoice["invoiceid"] == invoice_id(BC_INVOICE)
    assert (invoice["invoicenumber"], invoice["name"]) == ("PS-INV1001", "PS-INV1001")
    assert invoice["billto_name"] == "Adatum Corporation (Northern Branch)"
    assert (invoice["billto_line1"], invoice["billto_line2"]) == ("10 High Street", "Floor 2")
    assert (invoice["bcs_documentdate"], invoice["bcs_postingdate"], invoice["duedate"]) == (
        "2025-02-03", "2025-02-04", "2025-03-05")  # fmt: skip
    assert invoice["discountamount"] == 50
    assert {name: invoice[f"_{name}_value"] for name in (
        "customerid", "ownerid", "transactioncurrencyid", "bcs_paymenttermid",
        "bcs_shipmentmethodid", "bcs_shippingagentid", "bcs_locationid", "bcs_shiptoaddressid",
        "bcs_taxareaid", "pricelevelid")} == {
        "customerid": ACCOUNT, "ownerid": OWNER, "transactioncurrencyid": BASE,
        "bcs_paymenttermid": TERMS, "bcs_shipmentmethodid": METHOD, "bcs_shippingagentid": AGENT,
        "bcs_locationid": LOCATION, "bcs_shiptoaddressid": SHIP_TO, "bcs_taxareaid": AREA,
        "pricelevelid": PRICE_LIST}  # fmt: skip
    details = {d["invoicedetailid"]: d for d in w.crm.all("invoicedetails")}
    assert set(details) == {line_id(BC_INVOICE, guid(961)), line_id(BC_INVOICE, guid(962))}
    item = details[line_id(BC_INVOICE, guid(961))]
    assert (item["_productid_value"], item["_uomid_value"], item["isproductoverridden"]) == (
        LAPTOP, PCS, False)  # fmt: skip
    assert (item["quantity"], item["priceperunit"], item["ispriceoverridden"]) == (2, 1299, True)
    assert (item["manualdiscountamount"], item["tax"], item["lineitemnumber"]) == (98, 500, 1)
    assert item["_invoiceid_value"] == invoice["invoiceid"]
    write_in = details[line_id(BC_INVOICE, guid(962))]
    assert (write_in["isproductoverridden"], write_in["productdescription"]) == (
        True, "Installation on site")  # fmt: skip
    assert (write_in["priceperunit"], write_in["tax"], write_in["lineitemnumber"]) == (150, 30, 2)
    assert "_productid_value" not in write_in
    [[change_set]] = calls  # header and both lines together; the comment line is not sent
    assert isinstance(change_set, ChangeSet) and len(change_set.operations) == 3
    [row] = staged_invoices(w.deps)
    assert (row.status, row.pending, row.crm_invoice_id) == (
        "Created",
        False,
        invoice_id(BC_INVOICE),
    )
    assert (row.bc["AmountToCustomer"], row.bc["TaxAmount"], row.bc["CustomerName2"]) == (
        3130, 530, " (Northern Branch)")  # fmt: skip
    view = staged_invoice(w.deps, "PS-INV1001")
    assert (view["status"], view["bc"]["ShippingAgentCode"]) == ("Created", "FEDEX")
    assert [(x["ItemNo"], x["LineAmount"]) for x in view["lines"]] == [
        ("HW-LAPTOP", 2500), ("6100", 150), ("", 0)]  # fmt: skip
    with pytest.raises(NotFound):
        staged_invoice(w.deps, "PS-INV9999")


def test_a_blank_currency_is_crms_base_currency_and_a_code_its_coupled_currency() -> None:
    w = connector()
    posted(w)
    posted(w, "PS-INV1002", bc_id=guid(951), currencyCode="EUR", lines=[])
    run_posted_invoices(w.deps)
    currencies = {
        i["invoicenumber"]: i["_transactioncurrencyid_value"] for i in w.crm.all("invoices")
    }
    assert currencies == {"PS-INV1001": BASE, "PS-INV1002": EUR}


def test_the_base_currency_not_coupled_makes_the_invoice_wait() -> None:
    w = connector()
    Couplings(w.store).remove(Coupling("currencies", guid(1000), BASE, ""))
    posted(w)
    report = run_posted_invoices(w.deps)
    [row] = staged_invoices(w.deps)
    assert (report.waiting, row.status, row.pending) == (1, "Waiting", True)
    assert "currencies (blank: the base currency) is not coupled yet" in row.error
    assert w.crm.all("invoices") == []


def test_an_invoice_of_an_order_from_crm_sets_that_order_invoiced() -> None:
    w = connector()
    order = w.crm.add("salesorders", {"ordernumber": "ORD-01001-X", "statecode": 0,
                                      "statuscode": 862070000})  # fmt: skip
    orders = staging_for(w.deps, ORDERS)
    orders.stage("ORD-01001-X", {"id": order}, [])
    orders.settle("ORD-01001-X", "Created", BcId=guid(970), BcNo="S-ORD1001")
    posted(w, orderNumber="S-ORD1001")
    report = run_posted_invoices(w.deps)
    assert report.orders_invoiced == 1
    assert only_invoice(w)["_salesorderid_value"] == order
    crm_order = w.crm.get("salesorders", order)
    assert (crm_order["statecode"], crm_order["statuscode"]) == (4, 100003)
    [row] = staged_invoices(w.deps)
    assert (row.crm_order_id, row.order_invoiced) == (order, True)
    before = len(w.crm.writes)
    run_posted_invoices(w.deps, ["PS-INV1001"])  # the batch job again: the order stays as it is
    assert not [x for x in w.crm.writes[before:] if x[0] == "salesorders"]


def test_an_order_canceled_in_crm_is_noted_not_failed() -> None:
    w = connector()
    order = w.crm.add("salesorders", {"ordernumber": "ORD-9", "statecode": 2, "statuscode": 4})
    orders = staging_for(w.deps, ORDERS)
    orders.stage("ORD-9", {"id": order}, [])
    orders.settle("ORD-9", "Created", BcNo="S-ORD1009")
    posted(w, orderNumber="S-ORD1009")
    report = run_posted_invoices(w.deps)
    [row] = staged_invoices(w.deps)
    assert (report.created, row.status, row.order_invoiced) == (1, "Created", False)
    assert "is Canceled: not set Invoiced" in row.notice
    assert w.crm.get("salesorders", order)["statecode"] == 2


def test_an_invoice_cancelled_in_bc_is_canceled_in_crm(monkeypatch: pytest.MonkeyPatch) -> None:
    w = connector()
    posted(w, status="Canceled")
    calls = change_sets(w, monkeypatch)
    report = run_posted_invoices(w.deps)
    invoice = only_invoice(w)
    assert (report.canceled, invoice["statecode"], invoice["statuscode"]) == (1, 3, 100003)
    [[change_set]] = calls  # created and cancelled together
    assert isinstance(change_set, ChangeSet)
    assert change_set.operations[-1].body == {"statecode": 3, "statuscode": 100003}
    assert [row.status for row in staged_invoices(w.deps)] == ["Canceled"]


def test_a_corrective_credit_memo_cancels_an_invoice_crm_already_has() -> None:
    w = connector()
    posted(w)
    run_posted_invoices(w.deps)
    w.crm.upsert("invoices", invoice_id(BC_INVOICE), {"statecode": 2, "statuscode": 100001})
    w.bc.add("salesCreditMemos", {"id": guid(980), "number": "PS-CR1001", "status": "Open",
                                  "invoiceId": BC_INVOICE, "invoiceNumber": "PS-INV1001"})  # fmt: skip
    w.bc.add("salesCreditMemos", {"id": guid(981), "number": "S-CR1002", "status": "Draft",
                                  "invoiceNumber": "PS-INV1002"})  # fmt: skip
    report = run_posted_invoices(w.deps)
    invoice = only_invoice(w)
    assert (report.canceled, invoice["statecode"], invoice["statuscode"]) == (1, 3, 100003)
    [row] = staged_invoices(w.deps)  # a draft credit memo corrects nothing
    assert (row.status, row.canceled_by) == ("Canceled", "PS-CR1001")
    assert run_posted_invoices(w.deps).written == 0


@pytest.mark.parametrize("missing", ["customers", "units-of-measure", "items", "ship-to-addresses"])
def test_a_parent_not_in_crm_makes_the_invoice_wait_until_it_is(missing: str) -> None:
    w = connector(skip=[missing])
    posted(w)
    report = run_posted_invoices(w.deps)
    [row] = staged_invoices(w.deps)
    assert (report.waiting, report.failed, row.status, row.pending) == (1, 0, "Waiting", True)
    assert w.crm.all("invoices") == []
    label = {"customers": "Customer No.", "units-of-measure": "Unit of Measure Code",
             "items": "item 'HW-LAPTOP' is not in CRM yet", "ship-to-addresses": "Ship-to Code"}  # fmt: skip
    assert label[missing] in row.error
    _, crm_id, key = CRM_SETS[missing]
    Couplings(w.store).save_many([Coupling(missing, guid(1200), crm_id, key)])
    assert run_posted_invoices(w.deps).created == 1  # BC unchanged: the pending row is retried
    assert only_invoice(w)["invoicenumber"] == "PS-INV1001"


def test_an_item_crm_never_gets_is_a_write_in_line() -> None:
    w = connector()
    posted(w, lines=[line(1, lineObjectNumber="HW-CABLE", description="USB-C cable",
                          description2="2 m", unitPrice=19, lineDiscountAmount=0)])  # fmt: skip
    assert run_posted_invoices(w.deps).created == 1
    [detail] = w.crm.all("invoicedetails")
    assert (detail["isproductoverridden"], detail["productdescription"]) == (
        True,
        "USB-C cable 2 m",
    )
    assert "_uomid_value" not in detail


def test_a_retry_after_a_lost_answer_does_not_duplicate(monkeypatch: pytest.MonkeyPatch) -> None:
    w = connector()
    posted(w)
    real = w.crm.execute

    def lost(items: Sequence[Operation | ChangeSet], **kwargs: Any) -> list[OperationResult]:
        real(items, **kwargs)  # Dataverse did it; the answer never arrived
        raise UncertainWriteError("connection reset after the $batch was sent")

    monkeypatch.setattr(w.crm, "execute", lost)
    first = run_posted_invoices(w.deps)
    [row] = staged_invoices(w.deps)
    assert (first.waiting, row.status, row.pending) == (1, "Waiting", True)
    monkeypatch.setattr(w.crm, "execute", real)
    second = run_posted_invoices(w.deps)
    assert second.created == 1
    assert len(w.crm.all("invoices")) == 1 and len(w.crm.all("invoicedetails")) == 2
    assert [r.status for r in staged_invoices(w.deps)] == ["Created"]


def test_a_second_run_writes_nothing() -> None:
    w = connector()
    posted(w)
    posted(w, "PS-INV1002", bc_id=guid(951), lines=[line(4)])
    assert run_posted_invoices(w.deps).created == 2
    writes, requests = len(w.crm.writes), w.crm.requests
    again = run_posted_invoices(w.deps)  # the overlap reads the newest invoice again
    assert again.read >= 1 and again.written == 0 and again.failed == 0
    assert (len(w.crm.writes), w.crm.requests) == (writes, requests)
    w.bc.change("crmPostedSalesInvoices", BC_INVOICE)  # touched in BC, its values the same
    touched = run_posted_invoices(w.deps)
    assert (touched.staged, touched.unchanged, touched.written) == (1, 1, 0)
    assert (len(w.crm.writes), w.crm.requests) == (writes, requests)  # CRM not even read
    w.crm.delete("invoicedetails", line_id(BC_INVOICE, guid(962)))
    chosen = run_posted_invoices(w.deps, ["PS-INV1001"])  # the batch job writes it again
    assert (chosen.updated, len(w.crm.all("invoices")), len(w.crm.all("invoicedetails"))) == (
        1, 2, 3)  # fmt: skip


def test_a_refusal_by_crm_is_an_error_on_the_staging_row_naming_the_field() -> None:
    w = connector()
    posted(w)
    w.crm.fail_next(RejectedError(
        "A validation error occurred.  The length of the 'billto_name' attribute of the "
        "'invoice' entity exceeded the maximum allowed length of '200'.",
        status=400, detail="0x80044331"), when=lambda entity_set, _: entity_set == "invoices")  # fmt: skip
    report = run_posted_invoices(w.deps)
    [row] = staged_invoices(w.deps)
    assert (report.failed, row.status, row.pending) == (1, "Error", True)
    assert (
        "PS-INV1001 header: CRM refused billto_name (BC customerName, customerName2)" in row.error
    )
    assert w.crm.all("invoices") == [] and w.crm.all("invoicedetails") == []  # all or nothing
    assert run_posted_invoices(w.deps, automatic=True).written == 0  # the timer leaves Errors
    assert run_posted_invoices(w.deps).created == 1  # the batch job retries them


def test_an_invoice_crm_has_from_someone_else_is_refused_not_overwritten() -> None:
    w = connector()
    other = w.crm.add("invoices", {"invoicenumber": "PS-INV1001", "name": "typed in CRM"})
    posted(w)
    run_posted_invoices(w.deps)
    [row] = staged_invoices(w.deps)
    assert row.status == "Error" and "that the hub did not write" in row.error
    assert [i["invoiceid"] for i in w.crm.all("invoices")] == [other]


def test_chosen_numbers_and_one_bc_does_not_have() -> None:
    w = connector()
    posted(w)
    posted(w, "PS-INV1002", bc_id=guid(951), lines=[])
    report = run_posted_invoices(w.deps, ["ps-inv1002", "PS-INV9999"])
    assert (report.created, report.failed) == (1, 1)
    assert report.errors == ["PS-INV9999: not a posted sales invoice in BC"]
    assert [i["invoicenumber"] for i in w.crm.all("invoices")] == ["PS-INV1002"]


def test_the_timer_does_nothing_while_auto_sync_is_off_and_the_batch_job_still_runs() -> None:
    w = connector(posted_invoices=False)
    posted(w)
    timer = run_posted_invoices(w.deps, automatic=True)
    assert (timer.skipped, timer.read, w.bc.reads) == (AUTO_OFF, 0, 0)
    assert list(staged_invoices(w.deps)) == [] and w.crm.all("invoices") == []
    assert run_posted_invoices(w.deps).created == 1
    on = connector(posted_invoices=True)
    posted(on)
    assert run_posted_invoices(on.deps, automatic=True).created == 1


def test_a_disabled_integration_stops_the_timer_and_refuses_a_manual_run() -> None:
    w = connector()
    w.deps.crm_setup = replace(w.deps.crm_setup, enabled=False)
    posted(w)
    assert run_posted_invoices(w.deps, automatic=True).skipped == DISABLED
    with pytest.raises(ConfigurationError, match="CRM_INTEGRATION_ENABLED"):
        run_posted_invoices(w.deps)
    assert w.crm.all("invoices") == []


def test_an_invoice_of_more_rows_than_a_change_set_holds_goes_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = connector()
    many = [line(n, id=f"b0c00000-0000-4000-8000-{500000 + n:012d}") for n in range(1, 1201)]
    posted(w, lines=many)
    calls = change_sets(w, monkeypatch)
    assert run_posted_invoices(w.deps).created == 1
    [items] = calls  # one $batch: change sets of at most 1,000 requests, header first
    assert [len(c.operations) for c in items if isinstance(c, ChangeSet)] == [1000, 201]
    assert len(w.crm.all("invoicedetails")) == 1200
    assert sorted(d["lineitemnumber"] for d in w.crm.all("invoicedetails"))[-1] == 1200


def test_the_maps_name_coupled_entities_and_a_real_toggle() -> None:
    coupled = {e.coupled_as for e in ENTITIES} | {"salespersons", "currencies"}  # Map CRM Data
    for entity_map in (HEADER, PRODUCT_LINE, WRITE_IN_LINE):
        assert set(entity_map.depends_on) <= coupled, entity_map.name
    assert HEADER.auto_sync in AutoSync.__dataclass_fields__


def test_an_invoice_that_cancels_a_credit_memo_is_an_ordinary_invoice() -> None:
    """BC's status Corrective on an invoice: it is the correction (of a credit memo)."""
    w = connector()
    posted(w, status="Corrective")
    assert run_posted_invoices(w.deps).created == 1
    assert only_invoice(w).get("statecode", 0) == 0
