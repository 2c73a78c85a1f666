"""Posted sales invoices: the companion page the CRM connector reads them through
(`crmPostedSalesInvoices`, BC_CUSTOM_API.md) and v2.0's `cancel`."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.sandbox.bc_documents import error, item_line, ok, post, sales_invoice, unique
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox


def posted_invoice(bc: Api, *lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    invoice = sales_invoice(bc, *(lines or (item_line("HW-LAPTOP", 1),)), **fields)
    assert post(bc, "salesInvoices", invoice["id"]).status_code == 204
    return ok(bc.get(f"/salesInvoices({invoice['id']})"))


def companion(bc_custom: Api, invoice_id: str) -> dict[str, Any]:
    return ok(bc_custom.get(f"/crmPostedSalesInvoices({invoice_id})", params={"$expand": "lines"}))


def cancel(bc: Api, invoice_id: str) -> Any:
    return bc.request("POST", f"/salesInvoices({invoice_id})/Microsoft.NAV.cancel")


def test_a_posted_invoice_shows_with_the_fields_the_connector_maps(bc: Api, bc_custom: Api) -> None:
    """BC_CUSTOM_API.md `crmPostedSalesInvoices`: table 112 with the codes v2.0 shows as
    ids or not at all (Name 2, payment terms, shipment method, shipping agent, location,
    ship-to, tax area), the totals, and its lines (table 113) with Description 2, the
    unit, the line discount and Line Amount; same `id` and `number` as v2.0's."""
    invoice = posted_invoice(bc, item_line("HW-LAPTOP", 2, discountAmount=98,
                                           description2="Spring offer"),
                             customerNumber="C00020", invoiceDate="2026-04-01")  # fmt: skip
    row = companion(bc_custom, invoice["id"])
    customer = ok(bc.get("/customers", params={"$filter": "number eq 'C00020'"}))["value"][0]
    terms = ok(bc.get(f"/paymentTerms({customer['paymentTermsId']})"))["code"]
    area = ok(bc.get(f"/taxAreas({customer['taxAreaId']})"))["code"]
    assert (row["number"], row["customerNumber"], row["customerName"]) == (
        invoice["number"], "C00020", customer["displayName"])  # fmt: skip
    assert (row["documentDate"], row["postingDate"], row["dueDate"]) == (
        "2026-04-01", invoice["postingDate"], invoice["dueDate"])  # fmt: skip
    assert (row["paymentTermsCode"], row["taxAreaCode"], row["salespersonCode"]) == (
        terms, area, customer["salespersonCode"])  # fmt: skip
    assert (row["addressLine1"], row["currencyCode"], row["status"]) == (
        customer["addressLine1"], invoice["currencyCode"], "Open")  # fmt: skip
    assert row["totalAmountIncludingTax"] == invoice["totalAmountIncludingTax"] == 2500.0
    [line] = row["lines"]
    assert (line["lineObjectNumber"], line["description2"], line["quantity"]) == (
        "HW-LAPTOP", "Spring offer", 2)  # fmt: skip
    assert (line["unitPrice"], line["lineDiscountAmount"], line["lineAmount"]) == (1299, 98, 2500)
    assert line["unitOfMeasureCode"] == "PCS" and line["taxAmount"] == 0


def test_only_posted_invoices_show_and_the_page_is_read_only(bc: Api, bc_custom: Api) -> None:
    """BC_CUSTOM_API.md `crmPostedSalesInvoices`: posted invoices only (a draft is not in
    table 112), found by `lastModifiedDateTime` and `number`; POST, PATCH, DELETE → 405."""
    draft = sales_invoice(bc, item_line())
    assert bc_custom.get(f"/crmPostedSalesInvoices({draft['id']})").status_code == 404
    invoice = posted_invoice(bc)
    found = ok(bc_custom.get("/crmPostedSalesInvoices", params={
        "$filter": f"number eq '{invoice['number']}'"}))["value"]  # fmt: skip
    assert [row["id"] for row in found] == [invoice["id"]]
    since = ok(bc_custom.get("/crmPostedSalesInvoices", params={
        "$filter": f"lastModifiedDateTime gt {invoice['lastModifiedDateTime']}"}))["value"]  # fmt: skip
    assert invoice["id"] not in {row["id"] for row in since}
    for method in ("PATCH", "DELETE"):
        answer = bc_custom.request(method, f"/crmPostedSalesInvoices({invoice['id']})",
                                   json={} if method == "PATCH" else None,
                                   headers={"If-Match": "*"})  # fmt: skip
        assert answer.status_code == 405
    assert bc_custom.request("POST", "/crmPostedSalesInvoices", json={}).status_code == 405


def test_an_order_from_crm_gives_its_invoice_its_codes_and_order_no(
    bc: Api, bc_custom: Api
) -> None:
    """api-reference/v2.0/resources/dynamics_salesorder `shipAndInvoice` and
    dynamics_salesinvoice `orderNumber`: posting a sales order transfers its header
    (Sales-Post), so the posted invoice has the order's Name 2, shipping agent, location
    and ship-to code (BC_CUSTOM_API.md `crmPostedSalesInvoices`) and names the order."""
    code = unique("ST")[:10]
    ok(bc_custom.request("POST", "/shipToAddresses", json={
        "customerNumber": "C00010", "code": code, "displayName": "Dock 4"}), 201)  # fmt: skip
    order = ok(bc_custom.request("POST", "/crmSalesOrders", json={
        "customerNumber": "C00010", "crmId": str(uuid.uuid4()), "customerName2": "Northern Branch",
        "shippingAgentCode": "FEDEX", "locationCode": "MAIN", "shipToCode": code,
        "lines": [{"lineType": "Item", "lineObjectNumber": "HW-DOCK", "quantity": 1}],
    }), 201)  # fmt: skip
    assert bc.request("POST", f"/salesOrders({order['id']})/Microsoft.NAV.shipAndInvoice"
                      ).status_code == 204  # fmt: skip
    [row] = ok(bc_custom.get("/crmPostedSalesInvoices", params={
        "$filter": f"orderNumber eq '{order['number']}'"}))["value"]  # fmt: skip
    assert (row["customerName2"], row["shippingAgentCode"], row["locationCode"]) == (
        "Northern Branch", "FEDEX", "MAIN")  # fmt: skip
    assert row["shipToCode"] == code and row["number"].startswith("PS-INV")


def test_cancel_posts_a_corrective_credit_memo_and_marks_the_invoice_canceled(
    bc: Api, bc_custom: Api
) -> None:
    """api-reference/v2.0/resources/dynamics_salesinvoice, bound action `cancel` (204):
    a credit memo naming the invoice is posted (status Corrective, `invoiceNumber`), the
    invoice's ledger entry is closed by it and the invoice becomes Canceled; its
    `lastModifiedDateTime` moves, so a poll sees it."""
    invoice = posted_invoice(bc)
    assert cancel(bc, invoice["id"]).status_code == 204
    after = companion(bc_custom, invoice["id"])
    assert after["status"] == "Canceled"
    assert after["lastModifiedDateTime"] > invoice["lastModifiedDateTime"]
    [credit] = ok(bc.get("/salesCreditMemos", params={
        "$filter": f"invoiceNumber eq '{invoice['number']}'"}))["value"]  # fmt: skip
    assert credit["status"] == "Corrective" and credit["number"].startswith("PS-CR")
    assert credit["totalAmountIncludingTax"] == invoice["totalAmountIncludingTax"]
    entries = ok(bc_custom.get("/customerLedgerEntries", params={
        "$filter": f"documentNumber eq '{invoice['number']}'"}))["value"]  # fmt: skip
    assert entries == []  # closed: the open-entries page no longer lists it


@pytest.mark.parametrize("case", ["draft", "canceled", "applied"])
def test_cancel_is_refused_where_bc_refuses_it(bc: Api, case: str) -> None:
    """dynamics_salesinvoice `cancel` through Correct Posted Sales Invoice: a draft is no
    posted invoice, a canceled one cannot be canceled again, one a credit memo was
    applied to (partially paid) cannot be canceled; 400 Application_DialogException,
    nothing changes."""
    if case == "draft":
        invoice = sales_invoice(bc, item_line())
        expected = "The invoice cannot be found."
    else:
        invoice = posted_invoice(bc)
        expected = "has already been cancelled." if case == "canceled" else "partially paid."
    if case == "canceled":
        assert cancel(bc, invoice["id"]).status_code == 204
    if case == "applied":
        credit = ok(bc.request("POST", "/salesCreditMemos", json={
            "customerNumber": "C00010", "invoiceId": invoice["id"],
            "salesCreditMemoLines": [item_line("HW-LAPTOP", 1, unitPrice=100)]}), 201)  # fmt: skip
        assert post(bc, "salesCreditMemos", credit["id"]).status_code == 204
    before = ok(bc.get(f"/salesInvoices({invoice['id']})"))
    code, message = error(cancel(bc, invoice["id"]))
    assert code == "Application_DialogException" and expected in message
    assert ok(bc.get(f"/salesInvoices({invoice['id']})"))["status"] == before["status"]
