"""The code tables the CRM connector syncs, as API v2.0 serves them, and their keys and checks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sandbox.catalog import (
    COUNTRIES,
    CURRENCIES,
    ITEM_CATEGORIES,
    LOCATIONS,
    PAYMENT_TERMS,
    SALESPEOPLE,
    SHIPMENT_METHODS,
    TAX_AREAS,
    UNITS_OF_MEASURE,
)
from tests.sandbox.bc_documents import error, ok
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox

# entity set → (a property to change, the seeded codes)
CODE_TABLES: dict[str, tuple[str, set[str]]] = {
    "paymentTerms": ("displayName", {t.code for t in PAYMENT_TERMS}),
    "shipmentMethods": ("displayName", {code for code, _ in SHIPMENT_METHODS}),
    "taxAreas": ("displayName", {code for code, _ in TAX_AREAS}),
    "locations": ("displayName", {location.code for location in LOCATIONS}),
    "countriesRegions": ("displayName", {code for code, _ in COUNTRIES}),
    "currencies": ("displayName", {currency.code for currency in CURRENCIES}),
    "unitsOfMeasure": ("displayName", {code for code, _, _ in UNITS_OF_MEASURE}),
    "itemCategories": ("displayName", {code for code, _ in ITEM_CATEGORIES}),
    "salespeoplePurchasers": ("email", {person.code for person in SALESPEOPLE}),
}


def new_code() -> str:
    return "T" + uuid.uuid4().hex[:7].upper()


def since() -> str:
    moment = datetime.now(UTC) - timedelta(seconds=1)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def codes(bc: Api, entity_set: str) -> set[str]:
    return {row["code"] for row in ok(bc.get(f"/{entity_set}"))["value"]}


@pytest.mark.parametrize("entity_set", sorted(CODE_TABLES))
def test_code_tables_are_served_with_their_codes(bc: Api, entity_set: str) -> None:
    """api-reference/v2.0/resources/dynamics_paymentterm, _shipmentmethod, _taxarea,
    _location, _countryregion, _currency, _unitofmeasure, _itemcategory,
    _salespersonpurchaser: GET lists the company's records."""
    assert CODE_TABLES[entity_set][1] <= codes(bc, entity_set)


@pytest.mark.parametrize("entity_set", sorted(CODE_TABLES))
def test_code_tables_take_post_patch_delete_and_report_changes(bc: Api, entity_set: str) -> None:
    """api-reference/v2.0/resources/dynamics_<entity> lists POST, PATCH and DELETE for each,
    and api-reference/v2.0/dynamics-rate-limits polls with `lastModifiedDateTime gt`."""
    start = since()
    field, seeded = CODE_TABLES[entity_set]
    created = ok(bc.request("POST", f"/{entity_set}", json={"code": new_code()}), 201)
    path = f"/{entity_set}({created['id']})"
    changed = ok(bc.request("PATCH", path, json={field: "x@example.net"},
                            headers={"If-Match": created["@odata.etag"]}))  # fmt: skip
    assert changed[field] == "x@example.net"

    polled = ok(bc.get(f"/{entity_set}", params={"$filter": f"lastModifiedDateTime gt {start}"}))
    assert created["id"] in {row["id"] for row in polled["value"]}
    assert not seeded & {row["code"] for row in polled["value"]}
    assert bc.request("DELETE", path, headers={"If-Match": "*"}).status_code == 204
    assert bc.get(path).status_code == 404


def test_a_code_is_the_primary_key(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_paymentterm: `code` keys the table; a second
    record with it → 400 Internal_EntityWithSameKeyExists (webservices/dynamics-error-codes),
    on POST and on a rename."""
    code, message = error(bc.request("POST", "/paymentTerms", json={"code": "30 DAYS"}))
    assert code == "Internal_EntityWithSameKeyExists"
    assert message.startswith(
        "The Payment Terms already exists. Identification fields and values: Code='30 DAYS'"
    )
    other = ok(bc.request("POST", "/paymentTerms", json={"code": new_code()}), 201)
    rename = bc.request("PATCH", f"/paymentTerms({other['id']})", json={"code": "14 DAYS"},
                        headers={"If-Match": "*"})  # fmt: skip
    assert error(rename)[0] == "Internal_EntityWithSameKeyExists"


def test_payment_terms_take_date_formulas(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_paymentterm: dueDateCalculation and
    discountDateCalculation are date formulas; BC shows them as `30D`, `1M+CM`."""
    seeded = {row["code"]: row for row in ok(bc.get("/paymentTerms"))["value"]}
    assert (seeded["30 DAYS"]["dueDateCalculation"], seeded["1M(8D)"]["discountPercent"]) == (
        "30D",
        2.0,
    )
    body = {"code": new_code(), "dueDateCalculation": "<1m+cm>", "discountDateCalculation": "8D"}
    created = ok(bc.request("POST", "/paymentTerms", json=body), 201)
    assert (created["dueDateCalculation"], created["discountDateCalculation"]) == ("1M+CM", "8D")
    code, message = error(
        bc.request("POST", "/paymentTerms", json={"code": new_code(), "dueDateCalculation": "soon"})
    )
    assert code == "Application_EvaluateException"
    assert message.startswith('The value "soon" cannot be evaluated into type DateFormula.')


def test_tax_areas_are_vat_groups_and_their_type_is_read_only(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_taxarea: taxType is "Sales Tax" or "VAT"; the
    sandbox company uses VAT, so every tax area says VAT, and the API page does not let a
    client set it (400 BadRequest_InvalidOperation)."""
    assert {row["taxType"] for row in ok(bc.get("/taxAreas"))["value"]} == {"VAT"}
    body = {"code": new_code(), "taxType": "Sales Tax"}
    assert error(bc.request("POST", "/taxAreas", json=body))[0] == "BadRequest_InvalidOperation"


@pytest.mark.parametrize("entity_set", ["generalProductPostingGroups", "inventoryPostingGroups"])
def test_posting_groups_are_read_only(bc: Api, entity_set: str) -> None:
    """api-reference/v2.0/resources/dynamics_generalproductpostinggroup and
    _inventorypostinggroup list GET only: writes → 405 BadRequest_MethodNotAllowed."""
    assert {"RESALE", "SPARES"} <= codes(bc, "inventoryPostingGroups")
    assert {"RETAIL", "SERVICES"} <= codes(bc, "generalProductPostingGroups")
    code, _ = error(bc.request("POST", f"/{entity_set}", json={"code": "NEW"}), 405)
    assert code == "BadRequest_MethodNotAllowed"


def test_a_location_country_must_exist(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_location: `country` is the location's
    Country/Region Code, a table relation; a missing one → 400
    Internal_InvalidTableRelation (webservices/dynamics-error-codes)."""
    body = {"code": new_code(), "country": "XX"}
    code, message = error(bc.request("POST", "/locations", json=body))
    assert code == "Internal_InvalidTableRelation"
    assert message.startswith(
        "The field Country/Region Code of table Location contains a value (XX) that cannot be "
        "found in the related table (Country/Region)."
    )


def customer(bc: Api, **fields: Any) -> Any:
    return bc.request("POST", "/customers", json={"displayName": "Checked Ltd.", **fields})


@pytest.mark.parametrize(
    ("fields", "code", "text"),
    [
        ({"paymentTermsId": str(uuid.uuid4())}, "Application_DialogException",
         'The "paymentTermsId" does not match to a Payment Terms.'),
        ({"shipmentMethodId": str(uuid.uuid4())}, "Application_DialogException",
         'The "shipmentMethodId" does not match to a Shipment Method.'),
        ({"paymentMethodId": str(uuid.uuid4())}, "Application_DialogException",
         'The "paymentMethodId" does not match to a Payment Method.'),
        ({"currencyCode": "XYZ"}, "Application_DialogException",
         'The "currencyCode" does not match to a Currency.'),
        ({"country": "XX"}, "Internal_InvalidTableRelation",
         "The field Country/Region Code of table Customer contains a value (XX)"),
        ({"salespersonCode": "NOBODY"}, "Internal_InvalidTableRelation",
         "The field Salesperson Code of table Customer contains a value (NOBODY)"),
        ({"number": "C00010"}, "Internal_EntityWithSameKeyExists",
         "The Customer already exists. Identification fields and values: No.='C00010'"),
        ({"displayName": ""}, "Application_DialogException", 'A "displayName" must be provided.'),
    ],
)  # fmt: skip
def test_customer_references_are_checked(
    bc: Api, fields: dict[str, Any], code: str, text: str
) -> None:
    """api-reference/v2.0/resources/dynamics_customer: paymentTermsId, shipmentMethodId,
    paymentMethodId and currencyCode name records of those tables, `number` is the key."""
    got, message = error(customer(bc, **fields))
    assert got == code and message.startswith(text)


def test_a_customer_shows_its_references_and_tax_area_name(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_customer: taxAreaDisplayName is the tax area's
    name; currencyId follows currencyCode."""
    areas = {row["code"]: row for row in ok(bc.get("/taxAreas"))["value"]}
    created = ok(customer(bc, taxAreaId=areas["EU"]["id"], currencyCode="EUR"), 201)
    euro = next(row for row in ok(bc.get("/currencies"))["value"] if row["code"] == "EUR")
    assert created["taxAreaDisplayName"] == areas["EU"]["displayName"]
    assert created["currencyId"] == euro["id"]
    blank = bc.request("PATCH", f"/customers({created['id']})", json={"displayName": ""},
                       headers={"If-Match": "*"})  # fmt: skip
    assert error(blank)[1].startswith('The blank "displayName" is not allowed.')
