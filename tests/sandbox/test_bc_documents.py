"""BC documents through the standard API: creating, reading, filtering, changing lines."""

from __future__ import annotations

import pytest

from sandbox.business_central.finance_seed import default_dimension_row
from sandbox.run import RunningSandbox
from tests.sandbox.bc_documents import (
    account_line,
    error,
    item_line,
    new_id,
    ok,
    purchase_credit_memo,
    purchase_invoice,
    sales_invoice,
    unique,
)
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox

KINDS = [
    ("salesInvoices", "salesInvoiceLines", {"customerNumber": "C00020"}, "S-INV", "unitPrice"),
    ("salesCreditMemos", "salesCreditMemoLines", {"customerNumber": "C00020"}, "S-CR", "unitPrice"),
    ("purchaseInvoices", "purchaseInvoiceLines", {"vendorNumber": "V00020"}, "P-INV", "unitCost"),
    ("purchaseCreditMemos", "purchaseCreditMemoLines", {"vendorNumber": "V00020"}, "P-CR",
     "unitCost"),
]  # fmt: skip


@pytest.mark.parametrize(("header_set", "line_set", "party", "prefix", "price"), KINDS)
def test_deep_insert_with_client_ids_and_expand(
    bc: Api, header_set: str, line_set: str, party: dict[str, str], prefix: str, price: str
) -> None:
    header_id, line_id, marker = new_id(), new_id(), f"DOC-{new_id()[:8]}"
    # purchase credit memo lines have no description2 (dynamics_purchasecreditmemoline)
    second = {"description2": marker} if line_set != "purchaseCreditMemoLines" else {}
    body = {"id": header_id.upper(), **party, line_set: [
        {"id": line_id, **item_line("SPE_E5", 3), **second},
        account_line("6100" if prefix.startswith("S") else "7100", 2, **{price: 10.5}),
    ]}  # fmt: skip
    created = ok(bc.request("POST", f"/{header_set}", json=body), 201)

    assert created["id"] == header_id and created["number"].startswith(prefix)
    assert created["status"] == "Draft" and created["@odata.etag"].startswith('W/"')
    unit = 54.75 if price == "unitPrice" else 49.28
    assert created["totalAmountExcludingTax"] == round(3 * unit + 21, 2)
    assert created[line_set][0]["id"] == line_id
    read = ok(bc.get(f"/{header_set}({header_id})", params={"$expand": line_set}))
    lines = read[line_set]
    assert [line["sequence"] for line in lines] == [10000, 20000]
    assert lines[0]["description"] == "Microsoft 365 E5" and lines[0][price] == unit
    assert lines[0].get("description2") == second.get("description2")
    assert lines[1]["amountExcludingTax"] == 21
    nested = ok(bc.get(f"/{header_set}({header_id})/{line_set}({line_id})"))
    assert nested["documentId"] == header_id


def test_numbers_follow_the_series_and_defaults_are_filled_in(bc: Api) -> None:
    first = sales_invoice(bc)
    second = sales_invoice(bc, invoiceDate="2025-05-10")
    assert int(second["number"][5:]) == int(first["number"][5:]) + 1
    assert (second["postingDate"] >= "2025", second["dueDate"]) == (True, "2025-06-09")
    assert (first["customerName"], first["currencyCode"]) == ("Adatum Corporation", "")
    euro = sales_invoice(bc, customerNumber="C00030")
    assert euro["currencyCode"] == "EUR"  # the customer's currency unless told otherwise
    local = sales_invoice(bc, customerNumber="C00030", currencyCode="GBP")
    assert local["currencyCode"] == ""  # the company's own currency is blank


@pytest.mark.parametrize(
    ("body", "code", "text"),
    [
        ({"customerNumber": "C99999"}, "Internal_RecordNotFound",
         "The Customer does not exist. Identification fields and values: No.='C99999'"),
        ({"customerId": "00000000-0000-4000-8000-000000000001"}, "Internal_RecordNotFound",
         "The Customer does not exist"),
        ({}, "Application_DialogException", 'A "customerNumber" or a "customerId" must be provided.'),
        ({"customerNumber": "C00010", "currencyCode": "XXX"}, "Application_DialogException",
         'The "currencyCode" does not match to a Currency.'),
        ({"customerNumber": "C00010", "invoiceDate": "10/05/2025"}, "BadRequest", "Edm.Date"),
        ({"customerNumber": "C00010", "shoeSize": 42}, "BadRequest", "shoeSize"),
        ({"customerNumber": "C00010", "status": "Open"}, "BadRequest_InvalidOperation", "status"),
        ({"customerNumber": "C00010", "discountAmount": 5}, "BadRequest_InvalidOperation",
         "discountAmount"),
        ({"customerNumber": "C00010", "id": "not-a-guid"}, "Application_InvalidGUID", "GUID"),
        ({"customerNumber": "C00010", "externalDocumentNumber": "X" * 36},
         "Application_StringExceededLength", "36"),
    ],
)  # fmt: skip
def test_header_validation(bc: Api, body: dict[str, object], code: str, text: str) -> None:
    got_code, message = error(bc.request("POST", "/salesInvoices", json=body))
    assert got_code == code and text in message and "CorrelationId" in message


@pytest.mark.parametrize(
    ("line", "code", "text"),
    [
        (item_line("NOPE"), "Internal_RecordNotFound",
         "The Item does not exist. Identification fields and values: No.='NOPE'"),
        (account_line("9999"), "Internal_RecordNotFound", "The G/L Account does not exist"),
        (account_line("7190"), "Application_FieldValidationException",
         "Blocked must be equal to 'No'  in G/L Account: No.=7190. Current value is 'Yes'."),
        (account_line("2310"), "Application_FieldValidationException", "Direct Posting"),
        (item_line(description2="x" * 51), "Application_StringExceededLength", "50"),
        ({"lineType": "Gadget"}, "Application_EvaluateException",
         'The value "Gadget" cannot be evaluated into type Option.'),
        (item_line(amountExcludingTax=5), "BadRequest_InvalidOperation", "amountExcludingTax"),
    ],
)  # fmt: skip
def test_line_validation_rolls_back_the_whole_deep_insert(
    bc: Api, line: dict[str, object], code: str, text: str
) -> None:
    reference = unique("BAD")
    body = {"customerNumber": "C00010", "externalDocumentNumber": reference,
            "salesInvoiceLines": [item_line(), line]}  # fmt: skip
    got_code, message = error(bc.request("POST", "/salesInvoices", json=body))
    assert got_code == code and text in message
    found = bc.get("/salesInvoices", params={"$filter": f"externalDocumentNumber eq '{reference}'"})
    assert ok(found)["value"] == []


def test_a_duplicate_client_id_is_refused(bc: Api) -> None:
    existing = sales_invoice(bc)
    body = {"id": existing["id"], "customerNumber": "C00010"}
    code, message = error(bc.request("POST", "/salesInvoices", json=body))
    assert code == "Internal_EntityWithSameKeyExists" and existing["id"] in message


def test_the_filters_the_hub_uses(bc: Api) -> None:
    invoice = sales_invoice(bc, externalDocumentNumber="INV-2025-00001-" + unique())
    reference = invoice["externalDocumentNumber"]
    found = ok(bc.get("/salesInvoices", params={
        "$filter": f"externalDocumentNumber eq '{reference}'"}))["value"]  # fmt: skip
    assert [row["id"] for row in found] == [invoice["id"]]
    lower = ok(bc.get("/salesInvoices", params={
        "$filter": f"externalDocumentNumber eq '{reference.lower()}'"}))["value"]  # fmt: skip
    assert lower == []  # BC compares text case-sensitively

    vendor_invoice = f"V00010-202505-{unique()}"
    purchase = purchase_invoice(bc, item_line(), vendorNumber="V00010", currencyCode="",
                                vendorInvoiceNumber=vendor_invoice)  # fmt: skip
    purchase_invoice(bc, vendorNumber="V00010", vendorInvoiceNumber=vendor_invoice)  # EUR
    filter_ = (f"vendorNumber eq 'V00010' and vendorInvoiceNumber eq '{vendor_invoice}' "
               "and currencyCode eq '' and status eq 'Draft'")  # fmt: skip
    rows = ok(bc.get("/purchaseInvoices", params={
        "$filter": filter_, "$expand": "purchaseInvoiceLines"}))["value"]  # fmt: skip
    assert [row["id"] for row in rows] == [purchase["id"]]
    assert rows[0]["purchaseInvoiceLines"][0]["lineObjectNumber"] == "SPE_E3"


def test_top_level_lines_need_a_document_filter(bc: Api) -> None:
    invoice = sales_invoice(bc, item_line())
    code, message = error(bc.get("/salesInvoiceLines"))
    assert code == "Application_DialogException" and "Document Id" in message
    lines = ok(bc.get("/salesInvoiceLines", params={"$filter": f"documentId eq {invoice['id']}"}))
    assert len(lines["value"]) == 1


def test_changing_a_line_recomputes_the_totals(bc: Api) -> None:
    invoice = sales_invoice(bc, item_line("SPE_E3", 2))
    line = ok(bc.get(f"/salesInvoices({invoice['id']})/salesInvoiceLines"))["value"][0]
    path = f"/salesInvoices({invoice['id']})/salesInvoiceLines({line['id']})"

    changed = ok(bc.request("PATCH", path, json={"quantity": 6, "discountPercent": 50},
                            headers={"If-Match": line["@odata.etag"]}))  # fmt: skip
    header = ok(bc.get(f"/salesInvoices({invoice['id']})"))
    assert changed["amountExcludingTax"] == 101.25 == header["totalAmountExcludingTax"]
    assert changed["discountAmount"] == 101.25
    assert header["@odata.etag"] != invoice["@odata.etag"]
    for field, value in [
        ("lineObjectNumber", "SPE_E5"),
        ("sequence", 99),
        ("documentId", new_id()),
    ]:
        code, message = error(
            bc.request("PATCH", path, json={field: value}, headers={"If-Match": "*"})
        )
        assert code == "Application_DialogException" and f'"{field}"' in message
    assert bc.request("DELETE", path, headers={"If-Match": "*"}).status_code == 204
    assert ok(bc.get(f"/salesInvoices({invoice['id']})"))["totalAmountExcludingTax"] == 0


def test_the_customer_cannot_change_once_there_are_lines(bc: Api) -> None:
    empty, full = sales_invoice(bc), sales_invoice(bc, item_line())
    moved = ok(bc.request("PATCH", f"/salesInvoices({empty['id']})",
                          json={"customerNumber": "C00030"}, headers={"If-Match": "*"}))  # fmt: skip
    assert (moved["customerName"], moved["currencyCode"]) == ("Müller & Söhne GmbH", "EUR")
    code, message = error(
        bc.request(
            "PATCH",
            f"/salesInvoices({full['id']})",
            json={"customerNumber": "C00030"},
            headers={"If-Match": "*"},
        )
    )
    assert code == "Application_DialogException" and "still has one or more lines" in message


def test_a_blocked_customer_gets_no_invoice_but_a_credit_memo(
    sandbox: RunningSandbox, bc: Api
) -> None:
    number = f"C9{unique()[-4:]}"
    sandbox.business_central.admin.add_customer(number, "Invoice Blocked Ltd.", blocked="Invoice")
    code, message = error(bc.request("POST", "/salesInvoices", json={"customerNumber": number}))
    assert code == "Application_DialogException"
    assert message.startswith(f"You cannot create this type of document when Customer {number}")
    credit = bc.request("POST", "/salesCreditMemos", json={"customerNumber": number})
    assert credit.status_code == 201


def test_purchase_credit_memo_lines_take_the_unit_cost(bc: Api) -> None:
    memo = purchase_credit_memo(bc, item_line("POWER_BI_PRO", 1))
    assert memo["totalAmountExcludingTax"] == 12.6 and memo["vendorName"] == "Pax8 UK Ltd"


def test_purchase_credit_memo_lines_have_no_description2(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_purchasecreditmemoline lists no description2
    (nor does the APIV2PurchCrMemoLines page), unlike dynamics_purchaseinvoiceline."""
    memo = purchase_credit_memo(bc, item_line("POWER_BI_PRO", 1))
    path = f"/purchaseCreditMemos({memo['id']})/purchaseCreditMemoLines"
    code, message = error(
        bc.request("POST", path, json={**item_line("SPE_E3", 1), "description2": "x"})
    )
    assert code == "BadRequest" and "'description2' does not exist" in message
    invoice = purchase_invoice(bc, item_line("POWER_BI_PRO", 1))
    path = f"/purchaseInvoices({invoice['id']})/purchaseInvoiceLines"
    assert ok(bc.request("POST", path, json={**item_line("SPE_E3", 1), "description2": "x"}), 201)


def test_reference_numbers_are_code_fields_stored_upper_cased(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_salesinvoice: externalDocumentNumber is the
    External Document No., a Code[35] (purchase: Vendor Invoice No.); Code values are
    upper case."""
    sold, bought = unique("inv").lower(), unique("pi").lower()
    assert sales_invoice(bc, externalDocumentNumber=sold)["externalDocumentNumber"] == sold.upper()
    purchase = purchase_invoice(bc, item_line("POWER_BI_PRO", 1), vendorInvoiceNumber=bought)
    assert purchase["vendorInvoiceNumber"] == bought.upper()


def test_deep_insert_nests_dimensions_on_header_and_lines(bc: Api) -> None:
    body = {"customerNumber": "C00040", "dimensionSetLines": [
        {"code": "DEPARTMENT", "valueCode": "SALES"}],
        "salesInvoiceLines": [{**item_line(), "dimensionSetLines": [
            {"code": "COSTCENTRE", "valueCode": "CC-200"}]}]}  # fmt: skip
    created = ok(bc.request("POST", "/salesInvoices", json=body), 201)
    line = created["salesInvoiceLines"][0]
    line_dimensions = ok(
        bc.get(f"/salesInvoices({created['id']})/salesInvoiceLines({line['id']})/dimensionSetLines")
    )
    assert created["shortcutDimension1Code"] == "SALES"  # fmt: skip
    assert [d["code"] for d in created["dimensionSetLines"]] == ["DEPARTMENT"]
    assert {d["valueCode"] for d in line_dimensions["value"]} == {"SALES", "CC-200"}
    bad = {
        "customerNumber": "C00040",
        "salesInvoiceLines": [
            {**item_line(), "dimensionSetLines": [{"code": "COSTCENTRE", "valueCode": "CC-300"}]}
        ],
    }
    assert "CC-300" in error(bc.request("POST", "/salesInvoices", json=bad))[1]


def test_items_pass_their_default_dimensions_to_lines(sandbox: RunningSandbox, bc: Api) -> None:
    admin = sandbox.business_central.admin
    item = admin.upsert("items", {"number": f"IT{unique()[-6:]}", "displayName": "Tagged",
                                  "unitPrice": 5.0, "unitCost": 4.0, "blocked": False,
                                  "baseUnitOfMeasureCode": "PCS"})  # fmt: skip
    admin.upsert("defaultDimensions", default_dimension_row("Item", item["id"], "COSTCENTRE",
                                                            "CC-100"))  # fmt: skip
    invoice = sales_invoice(bc, item_line(item["number"], 1), customerNumber="C00040")
    line = invoice["salesInvoiceLines"][0]
    rows = ok(bc.get(f"/salesInvoices({invoice['id']})/salesInvoiceLines({line['id']})"
                     "/dimensionSetLines"))["value"]  # fmt: skip
    assert [(row["code"], row["valueCode"]) for row in rows] == [("COSTCENTRE", "CC-100")]
    assert ok(bc.get(f"/salesInvoices({invoice['id']})/dimensionSetLines"))["value"] == []


def test_lines_can_be_added_top_level_with_a_document_id(bc: Api) -> None:
    invoice = sales_invoice(bc)
    added = ok(bc.request("POST", "/salesInvoiceLines",
                          json={"documentId": invoice["id"], **item_line()}), 201)  # fmt: skip
    assert added["documentId"] == invoice["id"] and added["sequence"] == 10000
    code, message = error(bc.request("POST", "/salesInvoiceLines", json=item_line()))
    assert code == "Application_DialogException" and "document id" in message
    mismatched = bc.request("POST", f"/salesInvoices({invoice['id']})/salesInvoiceLines",
                            json={"documentId": new_id(), **item_line()})  # fmt: skip
    assert mismatched.status_code == 400


def test_header_changes_need_a_current_etag(bc: Api) -> None:
    invoice = sales_invoice(bc)
    path = f"/salesInvoices({invoice['id']})"
    first = bc.request("PATCH", path, json={"externalDocumentNumber": "A"},
                       headers={"If-Match": invoice["@odata.etag"]})  # fmt: skip
    stale = bc.request("PATCH", path, json={"externalDocumentNumber": "B"},
                       headers={"If-Match": invoice["@odata.etag"]})  # fmt: skip
    assert first.status_code == 200 and first.json()["externalDocumentNumber"] == "A"
    assert error(stale, 409)[0] == "Request_EntityChanged"


def test_a_credit_memo_names_the_posted_invoice_it_corrects(bc: Api) -> None:
    invoice = sales_invoice(bc, item_line())
    draft_id = sales_invoice(bc)["id"]
    assert bc.request("POST", f"/salesInvoices({invoice['id']})/Microsoft.NAV.post").ok
    posted = ok(bc.get(f"/salesInvoices({invoice['id']})"))
    memo = ok(bc.request("POST", "/salesCreditMemos", json={
        "customerNumber": "C00010", "invoiceId": invoice["id"]}), 201)  # fmt: skip
    assert memo["invoiceNumber"] == posted["number"]
    by_number = ok(bc.request("POST", "/salesCreditMemos", json={
        "customerNumber": "C00010", "invoiceNumber": posted["number"]}), 201)  # fmt: skip
    assert by_number["invoiceId"] == invoice["id"]
    _, message = error(bc.request("POST", "/salesCreditMemos", json={
        "customerNumber": "C00010", "invoiceId": draft_id}))  # fmt: skip
    assert message.startswith('The "invoiceId" does not match to an Invoice.')
