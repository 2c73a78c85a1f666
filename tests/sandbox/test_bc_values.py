"""Values BC accepts for a property: its documented enum members and its type, nothing else.

Enum members come from the resource pages' property descriptions and, where a page names
only the type, from the base application's enum reference; error codes and texts from
`webservices/dynamics-error-codes`.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.sandbox.bc_documents import error, item_line, ok, sales_invoice, unique
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox

# (entity set, enum property, the documented members)
ENUM_PROPERTIES = [
    ("customers", "type", ("Company", "Person")),  # dynamics_customer
    ("customers", "blocked", (" ", "Ship", "Invoice", "All")),  # dynamics_customer
    ("vendors", "blocked", (" ", "Payment", "All")),  # dynamics_vendor
    ("items", "type", ("Inventory", "Service", "Non-Inventory")),  # dynamics_item
    ("contacts", "type", ("Company", "Person")),  # dynamics_contact
    # dynamics_countryregion names NAV.countryRegionAddressFormat; the members are those of
    # application/base-application/enum/microsoft.foundation.address.country-region-address-format
    ("countriesRegions", "addressFormat",
     ("Post Code+City", "City+Post Code", "City+County+Post Code",
      "Blank Line+Post Code+City", "Custom")),
]  # fmt: skip
CASES = [(s, p, v) for s, p, values in ENUM_PROPERTIES for v in values]


def minimal(entity_set: str) -> dict[str, str]:
    """What a POST needs besides the property under test."""
    if entity_set == "countriesRegions":
        return {"code": unique("C")[:10]}
    return {"displayName": unique("V")}


def create(bc: Api, entity_set: str, **fields: Any) -> dict[str, Any]:
    body = {**minimal(entity_set), **fields}
    return ok(bc.request("POST", f"/{entity_set}", json=body), 201)


@pytest.mark.parametrize(("entity_set", "name", "value"), CASES)
def test_each_documented_enum_member_is_accepted(
    bc: Api, entity_set: str, name: str, value: str
) -> None:
    """api-reference/v2.0/resources/dynamics_customer, _vendor, _item, _contact and
    _countryregion: the members each property's description (or enum) lists."""
    created = create(bc, entity_set, **{name: value})
    assert created[name] == escaped(value)
    assert ok(bc.get(f"/{entity_set}({created['id']})"))[name] == escaped(value)


def escaped(member: str) -> str:
    """A member as BC writes it in JSON: what an OData identifier cannot hold as `_xHHHH_`
    (the itemLedgerEntry GET example's `Positive_x0020_Adjmt_x002E_`)."""
    return re.sub(r"[^A-Za-z0-9_]", lambda match: f"_x{ord(match.group()):04X}_", member)


@pytest.mark.parametrize(
    ("entity_set", "name", "value"),
    [("customers", "blocked", "Everything"), ("customers", "type", "Robot"),
     ("vendors", "blocked", "Ship"), ("items", "type", "Kit"),
     ("contacts", "type", "Household"), ("countriesRegions", "addressFormat", "Zip+City")],
)  # fmt: skip
def test_a_value_outside_the_enum_is_refused(
    bc: Api, entity_set: str, name: str, value: str
) -> None:
    """api-reference/v2.0/resources/dynamics_customer (and the pages above): only the
    listed members; BC answers 400 Application_EvaluateException 'The value "..." cannot
    be evaluated into type Option.' (webservices/dynamics-error-codes)."""
    body = {**minimal(entity_set), name: value}
    code, message = error(bc.request("POST", f"/{entity_set}", json=body))
    assert code == "Application_EvaluateException"
    assert message.startswith(f'The value "{value}" cannot be evaluated into type Option.')


def test_the_xml_escaped_member_names_bc_writes_in_json_are_accepted(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_customer and dynamics_item: BC spells the
    blank member and the hyphen escaped (`_x0020_`, `Non_x002D_Inventory`, as the
    itemLedgerEntry GET example shows `Positive_x0020_Adjmt_x002E_`); a client that echoes
    them back is understood, the plain spelling too, and answers are escaped either way;
    `$filter` compares with the member itself."""
    customer = create(bc, "customers", blocked="_x0020_")
    item = create(bc, "items", type="Non-Inventory")
    assert (customer["blocked"], item["type"]) == ("_x0020_", "Non_x002D_Inventory")
    found = ok(
        bc.get(
            "/items",
            params={"$filter": f"number eq '{item['number']}' and type eq 'Non-Inventory'"},
        )
    )
    assert [row["id"] for row in found["value"]] == [item["id"]]


def test_line_types_are_the_documented_members(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_salesinvoiceline: lineType is "Comment",
    "Account", "Item", "Resource", "Fixed Asset" or "Charge"; a member without a record
    of that kind in the company is a missing record, not a bad value."""
    invoice = sales_invoice(bc)
    path = f"/salesInvoices({invoice['id']})/salesInvoiceLines"
    for line_type, number in (("Comment", ""), ("Account", "6100"), ("Item", "SPE_E3")):
        body = {"lineType": line_type, "lineObjectNumber": number, "description": "x"}
        assert ok(bc.request("POST", path, json=body), 201)["lineType"] == line_type
    resource = bc.request("POST", path, json={"lineType": "Resource", "lineObjectNumber": "R1"})
    assert error(resource)[0] == "Internal_RecordNotFound"


@pytest.mark.parametrize(
    ("fields", "code", "text"),
    [
        ({"creditLimit": "lots"}, "BadRequest",
         "Cannot convert the literal 'lots' to the expected type 'Edm.Decimal'."),
        ({"taxLiable": "yes"}, "BadRequest",
         "Cannot convert the literal 'yes' to the expected type 'Edm.Boolean'."),
        ({"phoneNumber": 4420}, "BadRequest",
         "Cannot convert the literal '4420' to the expected type 'Edm.String'."),
        ({"city": None}, "BadRequest",
         "Cannot convert the literal 'null' to the expected type 'Edm.String'."),
        ({"paymentTermsId": "thirty-days"}, "Application_InvalidGUID",
         "Invalid format of GUID string."),
        ({"city": "C" * 31}, "Application_StringExceededLength",
         "The length of the string is 31, but it must be less than or equal to 30 characters."),
    ],
)  # fmt: skip
def test_a_value_of_the_wrong_type_or_size_is_refused(
    bc: Api, fields: dict[str, Any], code: str, text: str
) -> None:
    """api-reference/v2.0/resources/dynamics_customer: creditLimit is a decimal, taxLiable
    a boolean, phoneNumber and city strings (City is Text[30] in BC), paymentTermsId a GUID.
    Codes and texts: webservices/dynamics-error-codes."""
    got, message = error(bc.request("POST", "/customers", json={"displayName": "x", **fields}))
    assert got == code and message.startswith(text)


def test_code_fields_are_stored_in_upper_case(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_paymentterm: `code` is the payment term's Code
    field, which BC keeps in upper case."""
    code = f"n{uuid.uuid4().hex[:6]}"
    created = ok(bc.request("POST", "/paymentTerms", json={"code": code, "displayName": "x"}), 201)
    assert created["code"] == code.upper()


def test_nested_lines_are_checked_like_top_level_bodies(bc: Api) -> None:
    """api-reference/v2.0/api/dynamics_salesinvoice_create (deep insert of lines): a line's
    quantity is a decimal; nothing of the document is created when a line is refused."""
    reference = unique("NEST")
    body = {"customerNumber": "C00010", "externalDocumentNumber": reference,
            "salesInvoiceLines": [{**item_line(), "quantity": "two"}]}  # fmt: skip
    code, message = error(bc.request("POST", "/salesInvoices", json=body))
    assert (code, "Edm.Decimal" in message) == ("BadRequest", True)
    found = bc.get("/salesInvoices", params={"$filter": f"externalDocumentNumber eq '{reference}'"})
    assert ok(found)["value"] == []
