"""dimensionSetLines on documents and lines: defaults, checks, inheritance, where they exist."""

from __future__ import annotations

import pytest

from sandbox.business_central.finance_seed import dimension_id, dimension_value_id
from tests.sandbox.bc_documents import (
    error,
    item_line,
    ok,
    purchase_credit_memo,
    purchase_invoice,
    sales_invoice,
)
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox


def dimensions(bc: Api, path: str) -> dict[str, str]:
    return {
        row["code"]: row["valueCode"] for row in ok(bc.get(f"{path}/dimensionSetLines"))["value"]
    }


def test_a_document_starts_with_its_customers_defaults_and_lines_inherit(bc: Api) -> None:
    invoice = sales_invoice(bc, item_line())
    line = ok(bc.get(f"/salesInvoices({invoice['id']})/salesInvoiceLines"))["value"][0]
    header_path = f"/salesInvoices({invoice['id']})"

    assert dimensions(bc, header_path) == {"CUSTOMERGROUP": "LARGE", "AREA": "UK"}
    assert dimensions(bc, f"{header_path}/salesInvoiceLines({line['id']})") == {
        "CUSTOMERGROUP": "LARGE", "AREA": "UK"}  # fmt: skip
    assert invoice["shortcutDimension2Code"] == "UK"  # AREA is global dimension 2
    trey = sales_invoice(bc, customerNumber="C00040")
    assert dimensions(bc, f"/salesInvoices({trey['id']})") == {}


def test_a_line_dimension_by_code_or_by_id(bc: Api) -> None:
    invoice = sales_invoice(bc, item_line(), item_line("SPE_E5"))
    lines = ok(bc.get(f"/salesInvoices({invoice['id']})/salesInvoiceLines"))["value"]
    first = f"/salesInvoices({invoice['id']})/salesInvoiceLines({lines[0]['id']})/dimensionSetLines"
    second = (
        f"/salesInvoices({invoice['id']})/salesInvoiceLines({lines[1]['id']})/dimensionSetLines"
    )

    by_code = ok(bc.request("POST", first, json={"code": "costcentre", "valueCode": "cc-100"}), 201)
    by_id = ok(bc.request("POST", second, json={
        "id": dimension_id("COSTCENTRE"),
        "valueId": dimension_value_id("COSTCENTRE", "CC-200")}), 201)  # fmt: skip

    assert (by_code["code"], by_code["valueCode"], by_code["displayName"]) == (
        "COSTCENTRE", "CC-100", "Cost Centre")  # fmt: skip
    assert (
        by_code["parentType"] == "Sales_x0020_Invoice_x0020_Line"
        and by_code["parentId"] == lines[0]["id"]
    )
    assert by_id["valueCode"] == "CC-200" and by_id["id"] == dimension_id("COSTCENTRE")
    one = ok(bc.get(f"{first}({by_code['id']})"))
    assert one["valueDisplayName"] == "Managed services"


@pytest.mark.parametrize(
    ("body", "code", "text"),
    [
        ({"code": "COSTCENTRE", "valueCode": "CC-300"}, "Internal_RecordNotFound",
         "The Dimension Value does not exist. Identification fields and values: "
         "Dimension Code='COSTCENTRE',Code='CC-300'"),
        ({"code": "PROGRAMME", "valueCode": "P1"}, "Internal_RecordNotFound",
         "The Dimension does not exist. Identification fields and values: Code='PROGRAMME'"),
        ({"code": "COSTCENTRE", "valueCode": "CC-900"}, "Application_DialogException",
         "Dimension Value COSTCENTRE - CC-900 is blocked."),
        ({"code": "AREA", "valueCode": "EU"}, "Application_DialogException",
         "The dimension set line already exists."),
        ({"valueCode": "CC-100"}, "Application_DialogException", 'The "id" or "code" field'),
        ({"code": "COSTCENTRE"}, "Application_DialogException", 'The "valueId" or "valueCode"'),
        ({"code": "COSTCENTRE", "valueCode": "CC-100", "parentId": "x"},
         "BadRequest_InvalidOperation", "Control 'parentId' is read-only."),
    ],
)  # fmt: skip
def test_dimension_set_line_refusals(bc: Api, body: dict[str, str], code: str, text: str) -> None:
    invoice = sales_invoice(bc)
    got_code, message = error(
        bc.request("POST", f"/salesInvoices({invoice['id']})/dimensionSetLines", json=body)
    )
    assert got_code == code and message.startswith(text)


def test_changing_a_header_dimension_follows_through_to_the_lines(bc: Api) -> None:
    invoice = sales_invoice(bc, item_line(), item_line("SPE_E5"))
    header = f"/salesInvoices({invoice['id']})"
    lines = ok(bc.get(f"{header}/salesInvoiceLines"))["value"]
    own = f"{header}/salesInvoiceLines({lines[1]['id']})/dimensionSetLines({dimension_id('AREA')})"
    ok(bc.request("PATCH", own, json={"valueCode": "US"}, headers={"If-Match": "*"}))

    area = f"{header}/dimensionSetLines({dimension_id('AREA')})"
    changed = ok(bc.request("PATCH", area, json={"valueCode": "EU"}, headers={"If-Match": "*"}))
    department = ok(bc.request("POST", f"{header}/dimensionSetLines",
                               json={"code": "DEPARTMENT", "valueCode": "SALES"}), 201)  # fmt: skip

    assert changed["valueCode"] == "EU"
    line_sets = [dimensions(bc, f"{header}/salesInvoiceLines({line['id']})") for line in lines]
    assert line_sets[0] == {"CUSTOMERGROUP": "LARGE", "AREA": "EU", "DEPARTMENT": "SALES"}
    assert line_sets[1]["AREA"] == "US"  # a line's own value stays
    after = ok(bc.get(header))
    assert (after["shortcutDimension1Code"], after["shortcutDimension2Code"]) == ("SALES", "EU")
    removed = bc.request("DELETE", f"{header}/dimensionSetLines({department['id']})",
                         headers={"If-Match": department["@odata.etag"]})  # fmt: skip
    assert removed.status_code == 204
    assert "DEPARTMENT" not in dimensions(bc, f"{header}/salesInvoiceLines({lines[0]['id']})")


def test_the_dimension_of_a_line_cannot_be_swapped(bc: Api) -> None:
    invoice = sales_invoice(bc)
    path = f"/salesInvoices({invoice['id']})/dimensionSetLines({dimension_id('AREA')})"
    code, message = error(bc.request("PATCH", path, json={"code": "DEPARTMENT"},
                                     headers={"If-Match": "*"}))  # fmt: skip
    assert code == "Application_DialogException" and '"id" and "code"' in message
    assert bc.request("PATCH", path, json={"valueCode": "US"}).status_code == 400  # no If-Match


def test_purchase_invoices_have_dimension_set_lines_but_credit_memos_do_not(bc: Api) -> None:
    invoice = purchase_invoice(bc, item_line(), vendorNumber="V00030")
    memo = purchase_credit_memo(bc, item_line())
    memo_line = ok(bc.get(f"/purchaseCreditMemos({memo['id']})/purchaseCreditMemoLines"))
    line_id = memo_line["value"][0]["id"]

    assert dimensions(bc, f"/purchaseInvoices({invoice['id']})") == {"AREA": "US"}
    for path in (f"/purchaseCreditMemos({memo['id']})/dimensionSetLines",
                 f"/purchaseCreditMemos({memo['id']})/purchaseCreditMemoLines({line_id})"
                 "/dimensionSetLines"):  # fmt: skip
        assert error(bc.get(path), 404)[0] == "BadRequest_ResourceNotFound"
        assert bc.request("POST", path, json={"code": "AREA", "valueCode": "EU"}).status_code == 404
    expand = bc.get(f"/purchaseCreditMemos({memo['id']})", params={"$expand": "dimensionSetLines"})
    assert "dimensionSetLines" in error(expand)[1]


def test_dimension_set_lines_need_a_parent(bc: Api) -> None:
    code, message = error(bc.get("/dimensionSetLines"))
    assert code == "Application_DialogException"
    assert message.startswith("You must get to the parent first")


def test_expand_nested_dimensions_with_select_and_filter(bc: Api) -> None:
    invoice = sales_invoice(bc, item_line())
    expanded = ok(
        bc.get(
            f"/salesInvoices({invoice['id']})",
            params={
                "$expand": "salesInvoiceLines($select=id,sequence;$expand=dimensionSetLines("
                "$filter=code eq 'AREA';$select=code,valueCode)),dimensionSetLines"
            },
        )
    )
    line = expanded["salesInvoiceLines"][0]  # fmt: skip
    assert set(line) == {"@odata.etag", "id", "sequence", "dimensionSetLines"}
    assert [(d["code"], d["valueCode"]) for d in line["dimensionSetLines"]] == [("AREA", "UK")]
    assert len(expanded["dimensionSetLines"]) == 2
