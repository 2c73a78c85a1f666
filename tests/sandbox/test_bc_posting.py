"""Microsoft.NAV.post: posted numbers, status, read-only afterwards, and BC's refusals."""

from __future__ import annotations

import pytest

from sandbox.business_central.finance_seed import default_dimension_row
from sandbox.run import RunningSandbox
from tests.sandbox.bc_documents import (
    account_line,
    error,
    item_line,
    ok,
    post,
    purchase_credit_memo,
    purchase_invoice,
    sales_invoice,
    unique,
)
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox


def test_posting_keeps_the_id_and_gives_the_posted_number(bc: Api) -> None:
    invoice = sales_invoice(bc, item_line(), account_line(quantity=2, unitPrice=85))
    lines_before = ok(bc.get(f"/salesInvoices({invoice['id']})/salesInvoiceLines"))["value"]

    answer = post(bc, "salesInvoices", invoice["id"])

    assert answer.status_code == 204 and answer.content == b""
    posted = ok(bc.get(f"/salesInvoices({invoice['id']})", params={"$expand": "salesInvoiceLines"}))
    assert posted["status"] == "Open" and posted["number"].startswith("PS-INV")
    assert posted["remainingAmount"] == posted["totalAmountIncludingTax"] == 237.5
    lines_after = posted["salesInvoiceLines"]
    assert [line["lineObjectNumber"] for line in lines_after] == ["SPE_E3", "6100"]
    assert not {line["id"] for line in lines_before} & {line["id"] for line in lines_after}
    code, message = error(post(bc, "salesInvoices", invoice["id"]))
    assert code == "Application_DialogException"
    assert message.startswith("The action can be applied to a draft invoice only.")


@pytest.mark.parametrize(
    ("create", "entity_set", "prefix"),
    [(purchase_invoice, "purchaseInvoices", "PP-INV"),
     (purchase_credit_memo, "purchaseCreditMemos", "PP-CR")],
)  # fmt: skip
def test_purchase_documents_post_with_their_own_series(
    bc: Api, create: object, entity_set: str, prefix: str
) -> None:
    document = create(bc, item_line())  # type: ignore[operator]
    assert post(bc, entity_set, document["id"]).status_code == 204
    assert ok(bc.get(f"/{entity_set}({document['id']})"))["number"].startswith(prefix)


def test_a_posted_document_is_read_only(bc: Api) -> None:
    # DELETE of a posted invoice meets another rule: test_bc_project_credit_memos.py.
    invoice = sales_invoice(bc, item_line())
    post(bc, "salesInvoices", invoice["id"])
    path = f"/salesInvoices({invoice['id']})"
    line = ok(bc.get(f"{path}/salesInvoiceLines"))["value"][0]
    attempts = [
        bc.request("PATCH", path, json={"externalDocumentNumber": "X"}, headers={"If-Match": "*"}),
        bc.request("POST", f"{path}/salesInvoiceLines", json=item_line()),
        bc.request("PATCH", f"{path}/salesInvoiceLines({line['id']})", json={"quantity": 9},
                   headers={"If-Match": "*"}),
        bc.request("POST", f"{path}/dimensionSetLines", json={"code": "DEPARTMENT",
                                                                "valueCode": "ADM"}),
    ]  # fmt: skip
    for attempt in attempts:
        code, message = error(attempt)
        assert code == "Application_DialogException"
        assert message.startswith("The invoice has been posted and can no longer be modified.")


def test_posting_refuses_an_empty_document_and_lines_without_quantity(bc: Api) -> None:
    empty_invoice = sales_invoice(bc)
    comment_only = sales_invoice(bc, {"lineType": "Comment", "description": "Note"})
    no_quantity = sales_invoice(bc, item_line(quantity=0))
    empty_memo = purchase_credit_memo(bc)

    assert "There is nothing to post." in error(post(bc, "salesInvoices", empty_invoice["id"]))[1]
    assert "There is nothing to post." in error(post(bc, "salesInvoices", comment_only["id"]))[1]
    assert "quantity" in error(post(bc, "salesInvoices", no_quantity["id"]))[1]
    assert "at least one line" in error(post(bc, "purchaseCreditMemos", empty_memo["id"]))[1]


def test_negative_totals_cannot_be_posted(bc: Api) -> None:
    invoice = sales_invoice(bc, item_line(quantity=-1))
    sales_memo = ok(
        bc.request(
            "POST",
            "/salesCreditMemos",
            json={"customerNumber": "C00010", "salesCreditMemoLines": [item_line(quantity=-1)]},
        ),
        201,
    )
    purchase_memo = purchase_credit_memo(bc, item_line(quantity=-1))  # fmt: skip

    invoice_error = error(post(bc, "salesInvoices", invoice["id"]))
    assert invoice_error[1].startswith("The total amount for the invoice must be 0 or greater.")
    assert "Amount must be negative" in error(post(bc, "salesCreditMemos", sales_memo["id"]))[1]
    purchase_error = error(post(bc, "purchaseCreditMemos", purchase_memo["id"]))
    assert "Amount must be positive" in purchase_error[1]
    assert ok(bc.get(f"/salesInvoices({invoice['id']})"))["status"] == "Draft"


def test_purchase_posting_needs_a_unique_vendor_document_number(bc: Api) -> None:
    missing = purchase_invoice(bc, item_line(), vendorInvoiceNumber="")
    code, message = error(post(bc, "purchaseInvoices", missing["id"]))
    assert code == "Application_FieldValidationException"
    assert message.startswith("Vendor Invoice No. must have a value in Purchase Header: "
                              f"Document Type=Invoice, No.={missing['number']}.")  # fmt: skip

    number = f"V00010-202505-{unique()}"
    first = purchase_invoice(bc, item_line(), vendorNumber="V00010", vendorInvoiceNumber=number)
    second = purchase_invoice(bc, item_line(), vendorNumber="V00010", vendorInvoiceNumber=number)
    other_vendor = purchase_invoice(bc, item_line(), vendorNumber="V00030",
                                    vendorInvoiceNumber=number)  # fmt: skip
    credit = purchase_credit_memo(bc, item_line(), vendorNumber="V00010",
                                  vendorCreditMemoNumber=number)  # fmt: skip
    assert post(bc, "purchaseInvoices", first["id"]).status_code == 204
    _, message = error(post(bc, "purchaseInvoices", second["id"]))
    assert message.startswith(f"Purchase Invoice {number} already exists for this vendor.")
    assert post(bc, "purchaseInvoices", other_vendor["id"]).status_code == 204
    assert post(bc, "purchaseCreditMemos", credit["id"]).status_code == 204


def test_blocked_parties_cannot_post(sandbox: RunningSandbox, bc: Api) -> None:
    admin = sandbox.business_central.admin
    number = f"V9{unique()[-4:]}"
    vendor = admin.upsert(
        "vendors", {"number": number, "displayName": "Later Blocked", "blocked": " "}
    )
    invoice = purchase_invoice(bc, item_line(), vendorNumber=number)
    admin.block("vendors", number, "All")
    _, message = error(post(bc, "purchaseInvoices", invoice["id"]))
    assert message.startswith(f"You cannot post this type of document when Vendor {number} is "
                              "blocked with type All")  # fmt: skip
    assert vendor["id"] == invoice["vendorId"]


def test_default_dimensions_with_same_code_are_enforced(bc: Api) -> None:
    invoice = sales_invoice(bc, item_line())  # C00010: CUSTOMERGROUP LARGE, Same Code
    group = ok(bc.get(f"/salesInvoices({invoice['id']})/dimensionSetLines"))["value"]
    large = next(row for row in group if row["code"] == "CUSTOMERGROUP")
    ok(
        bc.request(
            "PATCH",
            f"/salesInvoices({invoice['id']})/dimensionSetLines({large['id']})",
            json={"valueCode": "SMALL"},
            headers={"If-Match": large["@odata.etag"]},
        )
    )
    _, message = error(post(bc, "salesInvoices", invoice["id"]))
    assert message.startswith("Select Dimension Value Code LARGE for the Dimension Code "
                              "CUSTOMERGROUP for Customer C00010.")  # fmt: skip


def test_a_value_blocked_after_use_stops_posting(sandbox: RunningSandbox, bc: Api) -> None:
    admin = sandbox.business_central.admin
    value = admin.add_dimension_value("DEPARTMENT", f"D{unique()[-6:]}", "Soon closed")
    invoice = sales_invoice(bc, item_line())
    ok(
        bc.request(
            "POST",
            f"/salesInvoices({invoice['id']})/dimensionSetLines",
            json={"code": "DEPARTMENT", "valueCode": value["code"]},
        ),
        201,
    )
    admin.upsert("dimensionValues", {"id": value["id"], "blocked": True})
    _, message = error(post(bc, "salesInvoices", invoice["id"]))
    assert message.startswith(f"Dimension Value DEPARTMENT - {value['code']} is blocked.")


def test_an_assigned_posting_number_is_used_when_posting(sandbox: RunningSandbox, bc: Api) -> None:
    invoice = purchase_invoice(bc, item_line())
    number = f"PP-INV{unique()[-5:]}"
    sandbox.business_central.admin.set_posting_number("purchaseInvoices", invoice["id"], number)
    assert "postingNumber" not in ok(bc.get(f"/purchaseInvoices({invoice['id']})"))
    assert post(bc, "purchaseInvoices", invoice["id"]).status_code == 204
    assert ok(bc.get(f"/purchaseInvoices({invoice['id']})"))["number"] == number


def test_only_post_is_bound_and_only_with_post(bc: Api) -> None:
    invoice = sales_invoice(bc, item_line())
    path = f"/salesInvoices({invoice['id']})"
    assert bc.get(f"{path}/Microsoft.NAV.post").status_code == 405
    assert error(bc.request("POST", f"{path}/Microsoft.NAV.explode"), 404)[0] == (
        "BadRequest_ResourceNotFound"
    )
    missing = "/salesInvoices(00000000-0000-4000-8000-00000000abcd)/Microsoft.NAV.post"
    assert error(bc.request("POST", missing), 404)[0] == "BadRequest_NotFound"


def test_a_mandatory_default_dimension_must_be_on_the_document(
    sandbox: RunningSandbox, bc: Api
) -> None:
    admin = sandbox.business_central.admin
    vendor = admin.upsert("vendors", {"number": f"V8{unique()[-4:]}", "displayName": "Strict",
                                      "blocked": " ", "currencyCode": ""})  # fmt: skip
    rule = default_dimension_row("Vendor", vendor["id"], "DEPARTMENT", "ADM")
    admin.upsert(
        "defaultDimensions",
        {
            **rule,
            "dimensionValueId": "00000000-0000-0000-0000-000000000000",
            "dimensionValueCode": "",
            "postingValidation": "Code Mandatory",
        },
    )
    invoice = purchase_invoice(bc, item_line(), vendorNumber=vendor["number"])  # fmt: skip
    _, message = error(post(bc, "purchaseInvoices", invoice["id"]))
    assert message.startswith("Select a Dimension Value Code for the Dimension Code DEPARTMENT "
                              f"for Vendor {vendor['number']}.")  # fmt: skip
    ok(
        bc.request(
            "POST",
            f"/purchaseInvoices({invoice['id']})/dimensionSetLines",
            json={"code": "DEPARTMENT", "valueCode": "SALES"},
        ),
        201,
    )
    assert post(bc, "purchaseInvoices", invoice["id"]).status_code == 204
