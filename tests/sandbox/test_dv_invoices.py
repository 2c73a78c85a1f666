"""The Dataverse invoice as the posted-invoice flow writes it: Bill To columns, totals from
lines with tax and a manual discount, and the Canceled state."""

from __future__ import annotations

import pytest

from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox
REPRESENTATION = {"Prefer": "return=representation"}


@pytest.mark.parametrize("entity_set", ["invoices", "quotes", "salesorders"])
def test_bill_to_columns_are_written_and_their_lengths_checked(
    dataverse: Api, entity_set: str
) -> None:
    """learn.microsoft.com/dynamics365/sales/developer/entities/invoice (and quote,
    salesorder): writable BillTo_Name (MaxLength 200), BillTo_Line1 and BillTo_Line2
    (250), BillTo_City (80), BillTo_PostalCode (20); a longer value → 400 0x80044331."""
    body = {"name": "Bill to", "billto_name": "N" * 200, "billto_line1": "1 Quay Street",
            "billto_line2": "L" * 250, "billto_city": "Hull", "billto_postalcode": "HU1 1AA"}  # fmt: skip
    row = dataverse.request("POST", f"/{entity_set}", json=body, headers=REPRESENTATION).json()
    assert {name: row[name] for name in body} == body
    refused = dataverse.request("POST", f"/{entity_set}", json={**body, "billto_name": "N" * 201})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "0x80044331"
    assert "'billto_name'" in refused.json()["error"]["message"]


def test_invoice_totals_come_from_lines_with_tax_and_discount(dataverse: Api) -> None:
    """entities/invoicedetail: BaseAmount = price × quantity, ExtendedAmount = BaseAmount −
    ManualDiscountAmount + Tax; entities/invoice: TotalLineItemAmount (Detail Amount),
    TotalTax and TotalAmount follow the lines. The system pricing calculation computes
    them, so a value written for one is ignored (DATAVERSE_SIMULATOR.md)."""
    invoice = dataverse.request("POST", "/invoices", json={"name": "Totals"},
                                headers=REPRESENTATION).json()  # fmt: skip
    dataverse.request("POST", "/invoicedetails", json={
        "invoiceid@odata.bind": f"/invoices({invoice['invoiceid']})", "isproductoverridden": True,
        "productdescription": "Consulting", "quantity": 2, "priceperunit": 100,
        "ispriceoverridden": True, "manualdiscountamount": 20, "tax": 36,
        "extendedamount": 1})  # fmt: skip
    line = dataverse.get(f"/invoices({invoice['invoiceid']})/invoice_details").json()["value"][0]
    assert (line["baseamount"], line["extendedamount"]) == (200, 216)
    totals = dataverse.get(f"/invoices({invoice['invoiceid']})", params={
        "$select": "totallineitemamount,totaltax,totalamount"}).json()  # fmt: skip
    assert (totals["totallineitemamount"], totals["totaltax"], totals["totalamount"]) == (
        180, 36, 216)  # fmt: skip
