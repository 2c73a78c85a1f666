"""Contacts: every customer's Company contact, and the Person contacts the connector syncs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sandbox.catalog import CUSTOMERS
from tests.sandbox.bc_documents import error, ok
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox


def contacts(bc: Api, filter_: str) -> list[dict[str, Any]]:
    return ok(bc.get("/contacts", params={"$filter": filter_}))["value"]  # type: ignore[no-any-return]


def company_of(bc: Api, name: str) -> dict[str, Any]:
    quoted = name.replace("'", "''")
    rows = contacts(bc, f"type eq 'Company' and displayName eq '{quoted}'")
    assert len(rows) == 1, rows
    return rows[0]


def person(bc: Api, **fields: Any) -> Any:
    body = {"type": "Person", "displayName": f"Pat {uuid.uuid4().hex[:6]}", **fields}
    return bc.request("POST", "/contacts", json=body)


def test_every_customer_has_its_company_contact(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_contact: type "Company" or "Person";
    companyNumber/companyName name the company; contactBusinessRelation says it is a
    customer's (enum "Contact Business Relation")."""
    for party in CUSTOMERS:
        company = company_of(bc, party.name)
        assert company["companyNumber"] == company["number"]
        assert (company["companyName"], company["contactBusinessRelation"]) == (
            party.name,
            "Customer",
        )
        assert company["number"].startswith("CT")


def test_a_person_takes_its_companys_name_and_address(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_contact: a Person's companyNumber names its
    company contact; BC fills companyName and, for a person without one, the address."""
    adatum = company_of(bc, "Adatum Corporation")
    created = ok(person(bc, companyNumber=adatum["number"], jobTitle="Buyer"), 201)
    assert (created["companyName"], created["city"]) == ("Adatum Corporation", adatum["city"])
    assert created["contactBusinessRelation"] == "Customer"
    assert created["searchName"] == created["displayName"].upper()
    own = ok(person(bc, companyNumber=adatum["number"], city="Leeds"), 201)
    assert own["city"] == "Leeds"


def test_renaming_the_company_renames_it_on_its_persons(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_contact (PATCH contact): companyName shows the
    company's current name."""
    company = ok(bc.request("POST", "/contacts", json={"displayName": "Old Name Ltd."}), 201)
    assert (company["type"], company["companyNumber"]) == ("Company", company["number"])
    worker = ok(person(bc, companyNumber=company["number"]), 201)
    ok(bc.request("PATCH", f"/contacts({company['id']})", json={"displayName": "New Name Ltd."},
                  headers={"If-Match": company["@odata.etag"]}))  # fmt: skip
    assert ok(bc.get(f"/contacts({worker['id']})"))["companyName"] == "New Name Ltd."


@pytest.mark.parametrize(
    ("fields", "code", "text"),
    [
        ({"companyNumber": "CT999999"}, "Internal_RecordNotFound",
         "The Contact does not exist. Identification fields and values: No.='CT999999'"),
        ({"companyNumber": "__PERSON__"}, "Application_FieldValidationException",
         "Type must be equal to 'Company'  in Contact: No.="),
        ({"displayName": ""}, "Application_DialogException", 'A "displayName" must be provided.'),
        ({"country": "XX"}, "Internal_InvalidTableRelation",
         "The field Country/Region Code of table Contact contains a value (XX)"),
    ],
)  # fmt: skip
def test_a_person_needs_a_real_company(
    bc: Api, fields: dict[str, Any], code: str, text: str
) -> None:
    """api-reference/v2.0/resources/dynamics_contact: companyNumber is the number of a
    Company contact; error codes as webservices/dynamics-error-codes lists them."""
    if fields.get("companyNumber") == "__PERSON__":
        someone = ok(person(bc), 201)
        fields = {"companyNumber": someone["number"]}
    got, message = error(person(bc, **fields))
    assert got == code and message.startswith(text)


def test_a_new_customer_gets_a_company_contact_that_follows_it(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_customer and dynamics_contact: BC keeps a
    Company contact for each customer, with the customer's name and address; deleting the
    customer leaves the contact without a business relation ("None")."""
    name = f"Contoso {uuid.uuid4().hex[:6]}"
    created = ok(bc.request("POST", "/customers", json={"displayName": name, "city": "York"}), 201)
    company = company_of(bc, name)
    assert (company["city"], company["contactBusinessRelation"]) == ("York", "Customer")
    renamed = f"{name} Group"
    ok(bc.request("PATCH", f"/customers({created['id']})", json={"displayName": renamed},
                  headers={"If-Match": "*"}))  # fmt: skip
    assert company_of(bc, renamed)["id"] == company["id"]
    bc.request("DELETE", f"/customers({created['id']})", headers={"If-Match": "*"})
    assert ok(bc.get(f"/contacts({company['id']})"))["contactBusinessRelation"] == "None"


def test_person_contacts_changed_since_a_moment(bc: Api) -> None:
    """api-reference/v2.0/dynamics-rate-limits (`lastModifiedDateTime gt` polling) on
    api-reference/v2.0/resources/dynamics_contact, as the connector reads only persons."""
    start = (datetime.now(UTC) - timedelta(seconds=1)).isoformat(timespec="seconds")
    start = start.replace("+00:00", "Z")
    created = ok(person(bc), 201)
    changed = contacts(bc, f"type eq 'Person' and lastModifiedDateTime gt {start}")
    assert created["id"] in {row["id"] for row in changed}
    assert all(row["type"] == "Person" for row in changed)
    before = contacts(bc, f"type eq 'Person' and lastModifiedDateTime lt {start}")
    assert before and created["id"] not in {row["id"] for row in before}
    assert all(row["lastModifiedDateTime"] < start for row in before)  # other tests edit some
