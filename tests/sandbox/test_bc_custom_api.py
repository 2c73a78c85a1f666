"""Deleting documents, and the hub's companion API (force delete, credit memo line dimensions)."""

from __future__ import annotations

import pytest

from sandbox.run import RunningSandbox
from tests.sandbox.bc_documents import (
    error,
    item_line,
    ok,
    post,
    purchase_credit_memo,
    purchase_invoice,
    request,
    sales_invoice,
    unique,
)
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox


def test_deleting_a_draft_removes_lines_and_dimensions(sandbox: RunningSandbox, bc: Api) -> None:
    invoice = sales_invoice(bc, item_line(), item_line("SPE_E5"))
    path = f"/salesInvoices({invoice['id']})"
    state = sandbox.business_central.state
    line_ids = [line["id"] for line in ok(bc.get(f"{path}/salesInvoiceLines"))["value"]]

    assert error(bc.request("DELETE", path))[0] == "BadRequest_InvalidToken"  # If-Match needed
    assert bc.request("DELETE", path, headers={"If-Match": 'W/"stale"'}).status_code == 409
    current = ok(bc.get(path))["@odata.etag"]
    assert bc.request("DELETE", path, headers={"If-Match": current}).status_code == 204

    assert bc.get(path).status_code == 404
    assert all(state.find("salesInvoiceLines", "id", line_id) == [] for line_id in line_ids)
    for parent in (invoice["id"], *line_ids):
        assert state.find("dimensionSetLines", "parentId", parent) == []


def test_an_assigned_posting_number_blocks_delete_until_forced(
    sandbox: RunningSandbox, bc: Api, bc_custom: Api
) -> None:
    memo = purchase_credit_memo(bc, item_line())
    admin = sandbox.business_central.admin
    admin.set_posting_number("purchaseCreditMemos", memo["id"], "PP-CR9001")
    path = f"/purchaseCreditMemos({memo['id']})"

    code, message = error(bc.request("DELETE", path, headers={"If-Match": "*"}))
    assert code == "Application_CallbackNotAllowed"
    assert "gap in the number series for posted credit memos" in message
    assert "PP-CR9001" in message
    shown = ok(bc_custom.get(f"/purchaseDocuments({memo['id']})"))
    assert (shown["documentType"], shown["postingNumber"]) == ("Credit Memo", "PP-CR9001")

    forced = bc_custom.request(
        "POST", f"/purchaseDocuments({memo['id']})/Microsoft.NAV.forceDelete"
    )
    assert forced.status_code == 204
    assert bc.get(path).status_code == 404
    assert bc_custom.get(f"/purchaseDocuments({memo['id']})").status_code == 404


def test_force_delete_refuses_posted_documents(bc: Api, bc_custom: Api) -> None:
    invoice = purchase_invoice(bc, item_line())
    post(bc, "purchaseInvoices", invoice["id"])
    code, message = error(
        bc_custom.request("POST", f"/purchaseDocuments({invoice['id']})/Microsoft.NAV.forceDelete")
    )
    assert code == "Application_DialogException" and "is posted" in message
    sales = sales_invoice(bc)
    missing = bc_custom.request(
        "POST", f"/purchaseDocuments({sales['id']})/Microsoft.NAV.forceDelete"
    )
    assert missing.status_code == 404


def test_purchase_documents_list_and_filter(bc: Api, bc_custom: Api) -> None:
    number = f"V00010-{unique()}"
    invoice = purchase_invoice(bc, vendorNumber="V00010", vendorInvoiceNumber=number)
    memo = purchase_credit_memo(bc, vendorNumber="V00010", vendorCreditMemoNumber=number)
    rows = ok(
        bc_custom.get(
            "/purchaseDocuments",
            params={"$filter": f"vendorInvoiceNumber eq '{number}'", "$orderby": "documentType"},
        )
    )["value"]
    assert [(r["id"], r["documentType"], r["currencyCode"]) for r in rows] == [
        (memo["id"], "Credit Memo", "EUR"), (invoice["id"], "Invoice", "EUR")]  # fmt: skip
    assert rows[1]["postingNumber"] == "" and rows[1]["status"] == "Draft"
    assert error(bc_custom.request("POST", "/purchaseDocuments", json={}), 405)[0] == (
        "BadRequest_MethodNotAllowed"
    )


def test_credit_memo_line_dimensions_through_the_companion_api(bc: Api, bc_custom: Api) -> None:
    memo = purchase_credit_memo(bc, item_line(), item_line("SPE_E5"), vendorNumber="V00030")
    lines = ok(bc.get(f"/purchaseCreditMemos({memo['id']})/purchaseCreditMemoLines"))["value"]
    body = {"documentId": memo["id"], "lineId": lines[0]["id"], "dimensionCode": "COSTCENTRE",
            "valueCode": "CC-200"}  # fmt: skip

    created = ok(bc_custom.request("POST", "/purchaseCreditMemoLineDimensions", json=body), 201)
    listed = ok(bc_custom.get("/purchaseCreditMemoLineDimensions", params={
        "$filter": f"lineId eq {lines[0]['id']}"}))["value"]  # fmt: skip

    assert (created["dimensionCode"], created["valueCode"]) == ("COSTCENTRE", "CC-200")
    assert {(row["dimensionCode"], row["valueCode"]) for row in listed} == {
        ("AREA", "US"),
        ("COSTCENTRE", "CC-200"),
    }  # the vendor's default came with the line
    refusals = [
        ({**body, "valueCode": "CC-300"}, "CC-300"),
        ({**body, "valueCode": "CC-900"}, "is blocked"),
        ({**body, "lineId": lines[1]["id"], "documentId": sales_invoice(bc)["id"]}, "Purchase Header"),
    ]  # fmt: skip
    for bad, text in refusals:
        assert (
            text
            in error(bc_custom.request("POST", "/purchaseCreditMemoLineDimensions", json=bad))[1]
        )
    area = {**body, "dimensionCode": "AREA", "valueCode": "EU"}  # inherited: POST replaces it
    replaced = ok(bc_custom.request("POST", "/purchaseCreditMemoLineDimensions", json=area), 201)
    assert (replaced["dimensionCode"], replaced["valueCode"]) == ("AREA", "EU")
    path = f"/purchaseCreditMemoLineDimensions({created['id']})"
    assert bc_custom.request("PATCH", path, json={"valueCode": "CC-100"},
                             headers={"If-Match": "*"}).status_code == 405  # fmt: skip
    assert (
        bc_custom.request("DELETE", path, headers={"If-Match": created["@odata.etag"]}).status_code
        == 204
    )
    assert bc_custom.get(path).status_code == 404


def test_line_dimensions_of_a_posted_credit_memo_are_frozen(bc: Api, bc_custom: Api) -> None:
    memo = purchase_credit_memo(bc, item_line())
    post(bc, "purchaseCreditMemos", memo["id"])
    line = ok(bc.get(f"/purchaseCreditMemos({memo['id']})/purchaseCreditMemoLines"))["value"][0]
    body = {"documentId": memo["id"], "lineId": line["id"], "dimensionCode": "COSTCENTRE",
            "valueCode": "CC-100"}  # fmt: skip
    _, message = error(bc_custom.request("POST", "/purchaseCreditMemoLineDimensions", json=body))
    assert message.startswith("The credit memo has been posted and can no longer be modified.")


def test_each_api_serves_only_its_own_sets(
    sandbox: RunningSandbox, bc: Api, bc_custom: Api
) -> None:
    assert error(bc.get("/purchaseDocuments"), 404)[0] == "BadRequest_ResourceNotFound"
    assert error(bc_custom.get("/salesInvoices"), 404)[0] == "BadRequest_ResourceNotFound"
    anonymous = bc_custom.http.get(bc_custom.base + "/purchaseDocuments", timeout=10)
    assert anonymous.status_code == 401


def test_the_companion_api_has_its_own_batch(
    sandbox: RunningSandbox, bc: Api, bc_custom: Api
) -> None:
    memo = purchase_credit_memo(bc, item_line())
    line = ok(bc.get(f"/purchaseCreditMemos({memo['id']})/purchaseCreditMemoLines"))["value"][0]
    company = f"companies({sandbox.config.bc_company_id})"
    inner = [
        request("POST", f"{company}/purchaseCreditMemoLineDimensions", {
            "documentId": memo["id"], "lineId": line["id"], "dimensionCode": "DEPARTMENT",
            "valueCode": "ADM"}),
        request("POST", f"{company}/purchaseCreditMemoLineDimensions", {
            "documentId": memo["id"], "lineId": line["id"], "dimensionCode": "COSTCENTRE",
            "valueCode": "CC-300"}),
    ]  # fmt: skip
    root = bc_custom.base.rsplit("/companies(", 1)[0]
    answer = ok(bc_custom.request("POST", f"{root}/$batch", json={"requests": inner},
                                  headers={"Isolation": "snapshot"}))  # fmt: skip
    assert [a["status"] for a in answer["responses"]] == [201, 400]
    listed = ok(
        bc_custom.get(
            "/purchaseCreditMemoLineDimensions",
            params={"$filter": f"lineId eq {line['id']} and dimensionCode eq 'DEPARTMENT'"},
        )
    )["value"]
    assert listed == []  # rolled back with the failing request  # fmt: skip
