"""The connector's API pages `crmCustomers` and `crmContacts`, and ship-to addresses from CRM.

Each test names its section of sandbox/BC_CUSTOM_API.md ("Connector sets") and, for an
error text taken from BC, where it comes from: webservices/dynamics-error-codes for the
codes, and for the e-mail check the base application's codeunit 9520 "Mail Management"
(`ValidateEmailAddressField`, label InvalidEmailAddressErr) with the System
Application's codeunit 8894 "Email Account" (`ValidateEmailAddress`: `<error>The email
address "%1" is not valid.</error>`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sandbox.catalog import SALUTATIONS, TEMPLATE_DEFAULTS
from tests.sandbox.bc_documents import error, ok
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox
EMPTY = "00000000-0000-0000-0000-000000000000"
ANY = {"If-Match": "*"}


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def rows(api: Api, path: str, filter_: str) -> list[dict[str, Any]]:
    return ok(api.get(path, params={"$filter": filter_}))["value"]  # type: ignore[no-any-return]


def text_of(message: str) -> str:
    return message.split("  CorrelationId")[0]


def now() -> str:
    moment = datetime.now(UTC) - timedelta(seconds=1)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def crm_customer(bc_custom: Api, **fields: Any) -> dict[str, Any]:
    body = {"displayName": unique("Crm Customer"), **fields}
    return ok(bc_custom.request("POST", "/crmCustomers", json=body), 201)


def crm_contact(bc_custom: Api, **fields: Any) -> dict[str, Any]:
    body = {"companyNumber": "CT000010", "firstName": "Ada", "surname": unique("Lovelace"),
            **fields}  # fmt: skip
    return ok(bc_custom.request("POST", "/crmContacts", json=body), 201)


# --- crmCustomers ----------------------------------------------------------------------


def test_a_customer_made_for_crm_is_a_v2_customer_with_its_company_contact(
    bc: Api, bc_custom: Api
) -> None:
    """sandbox/BC_CUSTOM_API.md `crmCustomers`: the same records as v2.0 `customers` (same
    id and number from the customer number series; codes stand for v2.0's ids, homePage
    is v2.0's website); a new customer gets its Company contact (companyContactNumber,
    where its persons go); crmIds lists it."""
    chosen, crm_id = str(uuid.uuid4()), str(uuid.uuid4())
    created = crm_customer(
        bc_custom, id=chosen.upper(), name2="Trading as Crm", faxNumber="+44 20 7946 0999",
        homePage="www.crm.example", email=" buyer@crm.example ", country="gb",
        taxAreaCode="domestic", paymentTermsCode="14 DAYS", shipmentMethodCode="EXW",
        shippingAgentCode="DHL", crmId=crm_id,
    )  # fmt: skip
    assert created["id"] == chosen and created["number"].startswith("C")
    assert (created["email"], created["country"], created["taxAreaCode"]) == (
        "buyer@crm.example", "GB", "DOMESTIC",
    )  # fmt: skip
    v2 = ok(bc.get(f"/customers({chosen})"))
    assert (v2["number"], v2["displayName"], v2["website"]) == (
        created["number"], created["displayName"], "www.crm.example",
    )  # fmt: skip
    terms = rows(bc, "/paymentTerms", "code eq '14 DAYS'")[0]
    assert v2["paymentTermsId"] == terms["id"] and "name2" not in v2 and "crmId" not in v2
    company = rows(bc, "/contacts", f"type eq 'Company' and companyName eq '{v2['displayName']}'")
    assert [(c["number"], c["email"]) for c in company] == [
        (created["companyContactNumber"], "buyer@crm.example")
    ]
    person = crm_contact(bc_custom, companyNumber=created["companyContactNumber"])
    assert person["companyName"] == created["displayName"]
    assert [
        (r["entitySet"], r["crmId"]) for r in rows(bc_custom, "/crmIds", f"crmId eq {crm_id}")
    ] == [("customers", crm_id)]


def test_a_template_fills_the_customer_before_the_body(bc_custom: Api) -> None:
    """sandbox/BC_CUSTOM_API.md `crmCustomers` `templateCode`: on POST the template's
    default values (catalog TEMPLATE_DEFAULTS) first, the body's over them; the posting
    groups it fills are read-only, and vatBusPostingGroup is the tax area."""
    created = crm_customer(bc_custom, templateCode="cust-eu", paymentTermsCode="CM")
    defaults = TEMPLATE_DEFAULTS["CUST-EU"]
    assert created["templateCode"] == "CUST-EU"
    assert (created["customerPostingGroup"], created["genBusPostingGroup"]) == ("EU", "EU")
    assert (created["taxAreaCode"], created["vatBusPostingGroup"]) == ("EU", "EU")
    assert created["shipmentMethodCode"] == defaults["shipmentMethodCode"]
    assert created["paymentTermsCode"] == "CM"  # the body wins


def test_changing_the_template_applies_it_to_fields_the_body_leaves_out(bc_custom: Api) -> None:
    """sandbox/BC_CUSTOM_API.md `crmCustomers` `templateCode` on PATCH: a new template's
    values overwrite the fields the body does not set; the same code or "" applies nothing."""
    created = crm_customer(bc_custom, templateCode="CUST-DOM", shipmentMethodCode="PICKUP")
    path = f"/crmCustomers({created['id']})"
    body = {"templateCode": "CUST-EXP", "paymentTermsCode": "CM"}
    changed = ok(bc_custom.request("PATCH", path, headers=ANY, json=body))
    assert (changed["customerPostingGroup"], changed["genBusPostingGroup"]) == ("FOREIGN", "EXPORT")
    assert (changed["taxAreaCode"], changed["shipmentMethodCode"]) == ("EXPORT", "CIF")
    assert (changed["shippingAgentCode"], changed["paymentTermsCode"]) == ("FEDEX", "CM")
    ok(bc_custom.request("PATCH", path, headers=ANY, json={"shipmentMethodCode": "FOB"}))
    same = ok(bc_custom.request("PATCH", path, headers=ANY,
                                json={"templateCode": "CUST-EXP", "city": "Leeds"}))  # fmt: skip
    assert same["shipmentMethodCode"] == "FOB"
    cleared = ok(bc_custom.request("PATCH", path, headers=ANY, json={"templateCode": ""}))
    assert (cleared["templateCode"], cleared["customerPostingGroup"]) == ("", "FOREIGN")


@pytest.mark.parametrize(
    ("fields", "code", "text"),
    [
        ({"taxAreaCode": "MARS"}, "Internal_InvalidTableRelation",
         "The field Tax Area Code of table Customer contains a value (MARS) that cannot be "
         "found in the related table (Tax Area)."),
        ({"paymentTermsCode": "NEVER"}, "Internal_InvalidTableRelation",
         "The field Payment Terms Code of table Customer contains a value (NEVER) that cannot "
         "be found in the related table (Payment Terms)."),
        ({"shipmentMethodCode": "CARRIER"}, "Internal_InvalidTableRelation",
         "The field Shipment Method Code of table Customer contains a value (CARRIER) that "
         "cannot be found in the related table (Shipment Method)."),
        ({"shippingAgentCode": "PIGEON"}, "Internal_InvalidTableRelation",
         "The field Shipping Agent Code of table Customer contains a value (PIGEON) that "
         "cannot be found in the related table (Shipping Agent)."),
        ({"country": "XX"}, "Internal_InvalidTableRelation",
         "The field Country/Region Code of table Customer contains a value (XX) that cannot "
         "be found in the related table (Country/Region)."),
        ({"templateCode": "CUST-MARS"}, "Internal_InvalidTableRelation",
         "The field Template Code of table Customer contains a value (CUST-MARS) that cannot "
         "be found in the related table (Config. Template Header)."),
        ({"templateCode": "ITEM-HW"}, "Application_DialogException",
         "The configuration template ITEM-HW is for table 27 Item, not for table 18 Customer."),
        ({"name2": "N" * 51}, "Application_StringExceededLength",
         f"The length of the string is 51, but it must be less than or equal to 50 "
         f"characters. Value: {'N' * 51}"),
        ({"faxNumber": "9" * 31}, "Application_StringExceededLength",
         "The length of the string is 31, but it must be less than or equal to 30"),
        ({"email": "buyer at crm.example"}, "Application_DialogException",
         'The email address "buyer at crm.example" is not valid.'),
        ({"email": "a@b@crm.example"}, "Application_DialogException",
         'The email address "a@b@crm.example" is not valid.'),
        ({"email": "buyer@crm.example;ap@crm.example"}, "Application_DialogException",
         'The email address "buyer@crm.example;ap@crm.example" is not valid.'),
        ({"number": "C99998"}, "BadRequest_InvalidOperation", "Control 'number' is read-only."),
        ({"customerPostingGroup": "EU"}, "BadRequest_InvalidOperation",
         "Control 'customerPostingGroup' is read-only."),
        ({"genBusPostingGroup": "EU"}, "BadRequest_InvalidOperation",
         "Control 'genBusPostingGroup' is read-only."),
        ({"vatBusPostingGroup": "EU"}, "BadRequest_InvalidOperation",
         "Control 'vatBusPostingGroup' is read-only."),
        ({"companyContactNumber": "CT000010"}, "BadRequest_InvalidOperation",
         "Control 'companyContactNumber' is read-only."),
    ],
)  # fmt: skip
def test_crm_customer_refusals(
    bc_custom: Api, fields: dict[str, Any], code: str, text: str
) -> None:
    """sandbox/BC_CUSTOM_API.md `crmCustomers` refusals: table relations and string
    lengths as webservices/dynamics-error-codes shows them, a template for another table,
    the e-mail as Mail Management / Email Account refuse it (module doc), read-only fields;
    the same on PATCH."""
    body = {"displayName": unique("Refused"), **fields}
    got, message = error(bc_custom.request("POST", "/crmCustomers", json=body))
    assert got == code and text_of(message).startswith(text)
    customer = crm_customer(bc_custom)
    patch = bc_custom.request("PATCH", f"/crmCustomers({customer['id']})", json=fields,
                              headers=ANY)  # fmt: skip
    assert error(patch)[0] == code


def test_v2_customers_and_vendors_check_the_email_too(bc: Api) -> None:
    """Mail Management's ValidateEmailAddressField runs on the Customer and Vendor tables'
    E-Mail, so API v2.0 writes are refused the same way (400 Application_DialogException)."""
    for entity_set in ("customers", "vendors"):
        body = {"displayName": unique("Mail"), "email": "@example.com"}
        got, message = error(bc.request("POST", f"/{entity_set}", json=body))
        assert (got, text_of(message)) == (
            "Application_DialogException", 'The email address "@example.com" is not valid.',
        )  # fmt: skip


def test_crm_customers_filter_by_modification_crm_id_and_number(bc: Api, bc_custom: Api) -> None:
    """sandbox/BC_CUSTOM_API.md `crmCustomers` `$filter`: `lastModifiedDateTime gt`,
    `crmId eq`, `number eq`; a customer written through v2.0 shows here too."""
    start, crm_id = now(), str(uuid.uuid4())
    created = crm_customer(bc_custom, crmId=crm_id)
    v2 = ok(bc.request("POST", "/customers", json={"displayName": unique("From v2")}), 201)
    changed = {
        r["id"] for r in rows(bc_custom, "/crmCustomers", f"lastModifiedDateTime gt {start}")
    }
    assert {created["id"], v2["id"]} <= changed
    assert [r["id"] for r in rows(bc_custom, "/crmCustomers", f"crmId eq {crm_id}")] == [
        created["id"]
    ]
    numbered = rows(bc_custom, "/crmCustomers", f"number eq '{v2['number']}'")
    assert [(r["id"], r["displayName"]) for r in numbered] == [(v2["id"], v2["displayName"])]
    seeded = ok(bc_custom.get("/crmCustomers?$filter=number eq 'C00010'"))["value"][0]
    assert (seeded["customerPostingGroup"], seeded["vatBusPostingGroup"]) == (
        "DOMESTIC",
        "DOMESTIC",
    )


def test_crm_customers_cannot_be_deleted(bc_custom: Api) -> None:
    """sandbox/BC_CUSTOM_API.md `crmCustomers`: DELETE → 405 BadRequest_MethodNotAllowed."""
    customer = crm_customer(bc_custom)
    refused = bc_custom.request("DELETE", f"/crmCustomers({customer['id']})", headers=ANY)
    assert error(refused, 405)[0] == "BadRequest_MethodNotAllowed"
    assert ok(bc_custom.get(f"/crmCustomers({customer['id']})"))["id"] == customer["id"]


# --- crmContacts -----------------------------------------------------------------------


def test_a_person_made_for_crm_is_a_v2_person_contact(bc: Api, bc_custom: Api) -> None:
    """sandbox/BC_CUSTOM_API.md `crmContacts`: the same records as v2.0 `contacts` (Type
    Person); BC composes displayName from the name parts; a person without an address
    takes its company's; crmIds lists it."""
    chosen, crm_id, surname = str(uuid.uuid4()), str(uuid.uuid4()), unique("Byron")
    created = crm_contact(
        bc_custom, id=chosen, salutationCode="dr", firstName="Augusta", middleName="Ada",
        surname=surname, jobTitle="Analyst", homePhone="+44 1632 960001",
        faxNumber="+44 1632 960002", email="ada@adatum.example", crmId=crm_id,
    )  # fmt: skip
    assert created["id"] == chosen and created["number"].startswith("CT")
    assert (created["displayName"], created["salutationCode"]) == (f"Augusta Ada {surname}", "DR")
    assert (created["companyNumber"], created["companyName"]) == ("CT000010", "Adatum Corporation")
    company = ok(bc.get("/contacts?$filter=number eq 'CT000010'"))["value"][0]
    assert (created["city"], created["addressLine1"]) == (company["city"], company["addressLine1"])
    v2 = ok(bc.get(f"/contacts({chosen})"))
    assert (v2["type"], v2["number"], v2["displayName"]) == (
        "Person", created["number"], created["displayName"],
    )  # fmt: skip
    assert "homePhone" not in v2 and "surname" not in v2
    assert [r["entitySet"] for r in rows(bc_custom, "/crmIds", f"crmId eq {crm_id}")] == [
        "contacts"
    ]


def test_names_stay_in_step_through_either_api(bc: Api, bc_custom: Api) -> None:
    """sandbox/BC_CUSTOM_API.md `crmContacts` displayName: a changed name part recomposes
    it; a v2.0 displayName is broken down into the parts as BC's Contact NameBreakdown does
    (last word the surname, the word before it the middle name)."""
    created = crm_contact(bc_custom)
    path = f"/crmContacts({created['id']})"
    renamed = ok(bc_custom.request("PATCH", path, headers=ANY, json={"surname": "King"}))
    assert renamed["displayName"] == "Ada King"
    ok(bc.request("PATCH", f"/contacts({created['id']})", headers=ANY,
                  json={"displayName": "Augusta Ada Byron King"}))  # fmt: skip
    parts = ok(bc_custom.get(path))
    assert (parts["firstName"], parts["middleName"], parts["surname"]) == (
        "Augusta Ada", "Byron", "King",
    )  # fmt: skip
    seeded = rows(bc_custom, "/crmContacts", "surname eq 'Doe'")
    assert [(r["firstName"], r["displayName"]) for r in seeded] == [("Jane", "Jane Doe")]


@pytest.mark.parametrize(
    ("fields", "code", "text"),
    [
        ({"companyNumber": ""}, "Application_DialogException",
         'A "companyNumber" must be provided.'),
        ({"companyNumber": "CT999999"}, "Internal_RecordNotFound",
         "The Contact does not exist. Identification fields and values: No.='CT999999'"),
        ({"salutationCode": "SIR"}, "Internal_InvalidTableRelation",
         "The field Salutation Code of table Contact contains a value (SIR) that cannot be "
         "found in the related table (Salutation)."),
        ({"country": "XX"}, "Internal_InvalidTableRelation",
         "The field Country/Region Code of table Contact contains a value (XX) that cannot "
         "be found in the related table (Country/Region)."),
        ({"firstName": "", "surname": ""}, "Application_DialogException",
         'A "firstName" or a "surname" must be provided.'),
        ({"firstName": "F" * 31}, "Application_StringExceededLength",
         "The length of the string is 31, but it must be less than or equal to 30"),
        ({"homePhone": "1" * 31}, "Application_StringExceededLength",
         "The length of the string is 31, but it must be less than or equal to 30"),
        ({"email": "ada@"}, "Application_DialogException",
         'The email address "ada@" is not valid.'),
        ({"displayName": "Ada"}, "BadRequest_InvalidOperation",
         "Control 'displayName' is read-only."),
        ({"companyName": "Other"}, "BadRequest_InvalidOperation",
         "Control 'companyName' is read-only."),
        ({"number": "CT999990"}, "BadRequest_InvalidOperation", "Control 'number' is read-only."),
    ],
)  # fmt: skip
def test_crm_contact_refusals(bc_custom: Api, fields: dict[str, Any], code: str, text: str) -> None:
    """sandbox/BC_CUSTOM_API.md `crmContacts` refusals: company, salutation and country
    relations and lengths (webservices/dynamics-error-codes), the composed name, the
    e-mail (Mail Management / Email Account, module doc), read-only fields; also on PATCH."""
    body = {"companyNumber": "CT000010", "firstName": "Ada", "surname": "Refused", **fields}
    got, message = error(bc_custom.request("POST", "/crmContacts", json=body))
    assert got == code and text_of(message).startswith(text)
    person = crm_contact(bc_custom)
    patch = bc_custom.request("PATCH", f"/crmContacts({person['id']})", json=fields, headers=ANY)
    assert error(patch)[0] == code


def test_a_person_cannot_be_the_company(bc_custom: Api) -> None:
    """sandbox/BC_CUSTOM_API.md `crmContacts` `companyNumber`: a Person's number → 400
    Application_FieldValidationException, the TestField text of webservices/dynamics-error-codes."""
    jane = rows(bc_custom, "/crmContacts", "surname eq 'Doe'")[0]
    body = {"companyNumber": jane["number"], "surname": "Nested"}
    got, message = error(bc_custom.request("POST", "/crmContacts", json=body))
    assert (got, text_of(message)) == (
        "Application_FieldValidationException",
        f"Type must be equal to 'Company'  in Contact: No.={jane['number']}. Current value "
        "is 'Person'.",
    )


def test_company_contacts_are_outside_the_page(bc: Api, bc_custom: Api) -> None:
    """sandbox/BC_CUSTOM_API.md `crmContacts` (Type = Person): Company contacts are not
    listed, not read and not written here (404); DELETE → 405."""
    company = ok(bc.get("/contacts?$filter=number eq 'CT000010'"))["value"][0]
    assert rows(bc_custom, "/crmContacts", "number eq 'CT000010'") == []
    assert error(bc_custom.get(f"/crmContacts({company['id']})"), 404)[0] == "BadRequest_NotFound"
    patch = bc_custom.request("PATCH", f"/crmContacts({company['id']})", headers=ANY,
                              json={"jobTitle": "Owner"})  # fmt: skip
    assert error(patch, 404)[0] == "BadRequest_NotFound"
    person = crm_contact(bc_custom)
    refused = bc_custom.request("DELETE", f"/crmContacts({person['id']})", headers=ANY)
    assert error(refused, 405)[0] == "BadRequest_MethodNotAllowed"


def test_crm_contacts_filter_by_modification_crm_id_and_company(bc_custom: Api) -> None:
    """sandbox/BC_CUSTOM_API.md `crmContacts` `$filter`: `lastModifiedDateTime gt`,
    `crmId eq`, `companyNumber eq`."""
    start, crm_id = now(), str(uuid.uuid4())
    created = crm_contact(bc_custom, companyNumber="CT000030", crmId=crm_id)
    changed = rows(bc_custom, "/crmContacts", f"lastModifiedDateTime gt {start}")
    assert created["id"] in {r["id"] for r in changed}
    assert [r["id"] for r in rows(bc_custom, "/crmContacts", f"crmId eq {crm_id}")] == [
        created["id"]
    ]
    staff = rows(bc_custom, "/crmContacts", "companyNumber eq 'CT000030'")
    assert created["id"] in {r["id"] for r in staff}
    assert {r["companyName"] for r in staff} == {"Müller & Söhne GmbH"}


def test_the_salutations_are_seeded(bc_custom: Api) -> None:
    """sandbox/BC_CUSTOM_API.md `crmContacts` `salutationCode`: every documented code of
    the Salutation table is accepted."""
    person = crm_contact(bc_custom)
    for code, _ in SALUTATIONS:
        changed = ok(bc_custom.request("PATCH", f"/crmContacts({person['id']})", headers=ANY,
                                       json={"salutationCode": code}))  # fmt: skip
        assert changed["salutationCode"] == code


# --- shipToAddresses -------------------------------------------------------------------


def test_ship_to_addresses_carry_the_crm_id_and_filter_by_customer(bc_custom: Api) -> None:
    """sandbox/BC_CUSTOM_API.md `shipToAddresses`: created from CRM with its GUID
    (`crmId`), listed by `customerNumber eq`; crmIds shows the same id."""
    customer, crm_id = crm_customer(bc_custom), str(uuid.uuid4())
    body = {"customerNumber": customer["number"], "code": "HQ", "displayName": "Head office",
            "contact": "Reception", "email": "hq@crm.example", "phoneNumber": "+44 1",
            "taxLiable": True, "taxAreaCode": "DOMESTIC", "crmId": crm_id}  # fmt: skip
    created = ok(bc_custom.request("POST", "/shipToAddresses", json=body), 201)
    assert (created["crmId"], created["customerId"]) == (crm_id, customer["id"])
    listed = rows(bc_custom, "/shipToAddresses", f"customerNumber eq '{customer['number']}'")
    assert [r["id"] for r in listed] == [created["id"]]
    assert [r["entitySet"] for r in rows(bc_custom, "/crmIds", f"crmId eq {crm_id}")] == [
        "shipToAddresses"
    ]
    bad = bc_custom.request("PATCH", f"/shipToAddresses({created['id']})", headers=ANY,
                            json={"email": "hq@"})  # fmt: skip
    assert text_of(error(bad)[1]) == 'The email address "hq@" is not valid.'
