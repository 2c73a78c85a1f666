"""BC master data the invoice flows read: items, accounts, dimensions, default dimensions."""

from __future__ import annotations

import pytest

from sandbox.catalog import CUSTOMERS, DIMENSION_VALUES
from sandbox.run import RunningSandbox
from tests.sandbox.bc_documents import error, ok
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox


def one(bc: Api, path: str, filter_: str) -> list[dict[str, object]]:
    return ok(bc.get(path, params={"$filter": filter_}))["value"]  # type: ignore[no-any-return]


def test_items_are_the_catalog_skus_and_services(bc: Api) -> None:
    e3 = one(bc, "/items", "number eq 'SPE_E3'")[0]
    support = one(bc, "/items", "number eq 'SUPPORT-HRS'")[0]
    assert (e3["type"], e3["unitPrice"], e3["unitCost"]) == ("Non_x002D_Inventory", 33.75, 30.38)
    assert support["type"] == "Service" and support["unitPrice"] == 85.0


def test_accounts_include_sales_purchase_and_a_blocked_one(bc: Api) -> None:
    accounts = {row["number"]: row for row in ok(bc.get("/accounts"))["value"]}
    assert accounts["6100"]["displayName"] == "Sales, services"
    assert accounts["7100"]["displayName"] == "Purchases, services"
    assert accounts["7190"]["blocked"] is True
    assert accounts["2310"]["directPosting"] is False
    assert accounts["6100"]["category"] == "Income" and not accounts["6100"]["blocked"]


def test_dimension_values_top_level_and_under_their_dimension(bc: Api) -> None:
    dimension = one(bc, "/dimensions", "code eq 'COSTCENTRE'")[0]
    nested = ok(bc.get(f"/dimensions({dimension['id']})/dimensionValues"))["value"]
    top = one(bc, "/dimensionValues", f"dimensionId eq {dimension['id']}")
    expected = {v.code for v in DIMENSION_VALUES if v.dimension == "COSTCENTRE"}
    assert {row["code"] for row in nested} == {row["code"] for row in top} == expected
    assert "CC-300" not in expected  # EcpPro uses it, BC lacks it
    codes = {row["code"] for row in ok(bc.get("/dimensions"))["value"]}
    assert codes == {"AREA", "COSTCENTRE", "CUSTOMERGROUP", "DEPARTMENT", "PROJECT"}


def test_dimension_values_show_only_the_documented_fields(bc: Api) -> None:
    value = ok(bc.get("/dimensionValues"))["value"][0]
    assert set(value) == {"@odata.etag", "id", "code", "dimensionId", "displayName",
                          "consolidationCode", "lastModifiedDateTime"}  # fmt: skip
    code, message = error(bc.get("/dimensionValues", params={"$filter": "dimensionCode eq 'AREA'"}))
    assert code == "BadRequest" and "dimensionCode" in message


def test_customers_have_default_dimensions_and_one_has_none(bc: Api) -> None:
    for party in CUSTOMERS:
        customer = one(bc, "/customers", f"number eq '{party.number}'")[0]
        defaults = ok(bc.get(f"/customers({customer['id']})/defaultDimensions"))["value"]
        assert {(d["dimensionCode"], d["dimensionValueCode"]) for d in defaults} == set(
            party.dimensions
        )
        assert all(d["parentType"] == "Customer" and d["parentId"] == customer["id"]
                   for d in defaults)  # fmt: skip
    assert any(not party.dimensions for party in CUSTOMERS)
    adatum = one(bc, "/customers", "number eq 'C00010'")[0]
    expanded = ok(bc.get(f"/customers({adatum['id']})", params={"$expand": "defaultDimensions"}))
    group = [d for d in expanded["defaultDimensions"] if d["dimensionCode"] == "CUSTOMERGROUP"]
    assert group[0]["postingValidation"] == "Same_x0020_Code"  # escaped, as BC writes enums


def test_vendors_and_items_have_default_dimension_sets(bc: Api) -> None:
    vendor = one(bc, "/vendors", "number eq 'V00030'")[0]
    item = one(bc, "/items", "number eq 'SPE_E5'")[0]
    assert [d["dimensionValueCode"] for d in ok(
        bc.get(f"/vendors({vendor['id']})/defaultDimensions"))["value"]] == ["US"]  # fmt: skip
    assert ok(bc.get(f"/items({item['id']})/defaultDimensions"))["value"] == []


@pytest.mark.parametrize("entity_set", ["accounts", "dimensions", "dimensionValues"])
def test_finance_master_data_is_read_only(bc: Api, entity_set: str) -> None:
    code, message = error(bc.request("POST", f"/{entity_set}", json={"code": "X"}), 405)
    assert code == "BadRequest_MethodNotAllowed" and entity_set in message


def test_admin_can_block_and_add_parties(sandbox: RunningSandbox, bc: Api) -> None:
    admin = sandbox.business_central.admin
    added = admin.add_customer("C00990", "Blocked Later Ltd.", "EUR")
    admin.block("customers", "C00990", "Invoice")
    shown = ok(bc.get(f"/customers({added['id']})"))
    assert (shown["number"], shown["currencyCode"], shown["blocked"]) == (
        "C00990",
        "EUR",
        "Invoice",
    )
