"""Contacts of the BC simulator: schema (API v2.0 `dynamics_contact`), seed rows and BC's rules.

BC behaviour reproduced:

- every customer has a contact of type Company (BC creates it with the customer and keeps
  its name, address, phone and e-mail in step; `contactBusinessRelation` "Customer"); the
  connector syncs only Person contacts, which hang under a company by `companyNumber`,
- a Company contact's `companyNumber` and `companyName` are its own number and name; a
  Person's `companyName` is its company's name (renaming the company renames it on its
  persons), and a new Person without an address takes the company's,
- `companyNumber` must name a contact (400 `Internal_RecordNotFound` "The Contact does not
  exist. Identification fields and values: No.='CT999999'") of type Company (400
  `Application_FieldValidationException` "Type must be equal to 'Company'  in Contact:
  No.=CT000050. Current value is 'Person'."),
- `displayName` must be given on POST ('A "displayName" must be provided.') and cannot
  be blanked ('The blank "displayName" is not allowed.'), as the APIV2 contacts page says,
- `searchName` follows `displayName` in upper case unless given, as BC's Search Name does,
- a Person's `displayName` (Name) is broken down into First Name, Middle Name and Surname
  as the Contact table's NameBreakdown does (last word the surname, the one before it the
  middle name when there are three or more, the rest the first name); the companion
  `crmContacts` writes the parts instead and BC composes Name from them (CalculatedName),
- `email` is checked as BC's E-Mail field is (`business_central_emails`),
- numbers come from the CT number series (CT000010, CT000020 ...).

Choices where the docs are silent: `contactBusinessRelation` and `lastInteractionDate`
are read-only (BC maintains both); a contact without a business relation shows "None".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.business_central.dialect import dialog, must_equal, record_not_found
from sandbox.business_central.emails import with_checked_email
from sandbox.business_central.relations import check_relations
from sandbox.business_central.schema import (
    EMPTY_GUID,
    EntitySchema,
    boolean,
    code,
    date_,
    enum,
    ro,
    text,
)
from sandbox.business_central.seed import CRM_ID, address, master_id, stamp
from sandbox.catalog import CONTACT_PERSONS, CUSTOMERS
from sandbox.odata.spec import NumberSeries
from sandbox.odata.store import EntityStore, Record

CONTACTS = "contacts"
_ADDRESS = ("addressLine1", "addressLine2", "city", "state", "country", "postalCode")
_FROM_CUSTOMER = (*_ADDRESS, "phoneNumber", "email", "website", "faxNumber")
NAME_PARTS = ("firstName", "middleName", "surname")
# Contact (table 5050) fields v2.0 does not show; the companion API's crmContacts does
# ("Home Phone" is the connector's table extension field).
CONTACT_TABLE_FIELDS = {
    "salutationCode": "", **dict.fromkeys(NAME_PARTS, ""), "homePhone": "", "faxNumber": "",
}  # fmt: skip

CONTACTS_SCHEMA = EntitySchema(
    CONTACTS, "contact", (
        code("number", 20), enum("type", "contactType"), text("displayName", 100),
        text("jobTitle", 30), code("companyNumber", 20), text("companyName", 100),
        ro(enum("contactBusinessRelation", "contactBusinessRelation")), *address(),
        text("phoneNumber", 30), text("mobilePhoneNumber", 30), text("email", 80),
        text("website", 80), code("searchName", 100), boolean("privacyBlocked"),
        text("taxRegistrationNumber", 20), ro(date_("lastInteractionDate")),
    ), hidden={**CRM_ID, "customerId": EMPTY_GUID, **CONTACT_TABLE_FIELDS},
    defaults={"contactBusinessRelation": "None"},
    number_series=NumberSeries("number", "CT", width=6),
)  # fmt: skip


def company_contact(customer: Mapping[str, Any], number: str = "") -> Record:
    """The Company contact BC keeps for a customer (its number drawn when "")."""
    return {
        "number": number, "type": "Company", "displayName": customer["displayName"],
        "contactBusinessRelation": "Customer", "customerId": customer["id"],
        "searchName": str(customer["displayName"]).upper(),
        **{name: customer.get(name, "") for name in _FROM_CUSTOMER},
    }  # fmt: skip


def contact_rows() -> list[dict[str, Any]]:
    companies = {}
    rows = []
    for index, party in enumerate(CUSTOMERS):
        number = f"CT{10 * (index + 1):06d}"
        companies[party.number] = (number, party.name)
        customer = {"id": master_id("customers", party.number), "displayName": party.name,
                    "city": party.city, "country": party.country, "email": party.email}  # fmt: skip
        rows.append({**company_contact(customer, number), "companyNumber": number,
                     "companyName": party.name, "id": master_id(CONTACTS, number)})  # fmt: skip
    for index, person in enumerate(CONTACT_PERSONS):
        number = f"CT{10 * (len(CUSTOMERS) + index + 1):06d}"
        company_number, company_name = companies.get(person.company, ("", ""))
        name = f"{person.first} {person.last}"
        rows.append({
            "id": master_id(CONTACTS, number), "number": number, "type": "Person",
            "displayName": name, "jobTitle": person.job_title, "companyNumber": company_number,
            "companyName": company_name, "email": person.email, "searchName": name.upper(),
            "contactBusinessRelation": "Customer" if company_number else "None",
            **name_parts(name),
        })  # fmt: skip
    return [{**row, "lastModifiedDateTime": stamp(100 + i)} for i, row in enumerate(rows)]


class ContactRules:
    """Writes to `contacts`, as the engine's writer for that set."""

    def __init__(self, store: EntityStore) -> None:
        self.store = store

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        if not record.get("displayName"):
            raise dialog('A "displayName" must be provided.')
        check_relations(self.store, name, record)
        fields = {"searchName": str(record["displayName"]).upper(), **with_checked_email(record)}
        if fields.get("type") == "Person":
            _break_down_name(fields)
        company = self._company(fields)
        if company is not None and not any(fields.get(n) for n in _ADDRESS):
            fields.update({n: company[n] for n in _ADDRESS})
        created, etag = self.store.insert(name, fields)
        if created["type"] == "Company":  # its own company: known once numbered
            return self.store.update(name, created["id"], own_company(created))
        return created, etag

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        current, _ = self.store.get(name, key)
        if "displayName" in changes and not changes["displayName"]:
            raise dialog('The blank "displayName" is not allowed.')
        check_relations(self.store, name, changes)
        fields = with_checked_email(changes)
        if "displayName" in fields and "searchName" not in fields:
            fields["searchName"] = str(fields["displayName"]).upper()
        merged = {**current, **fields}
        if merged["type"] == "Person":
            _break_down_name(fields)
        if merged["type"] == "Company":
            fields.update(own_company(merged))
        else:
            self._company(merged)
            fields.update(companyName=merged["companyName"],
                          contactBusinessRelation=merged["contactBusinessRelation"])  # fmt: skip
        updated = self.store.update(name, key, fields, if_match=if_match)
        if merged["type"] == "Company" and current["displayName"] != merged["displayName"]:
            rename_persons(self.store, current["number"], merged["displayName"])
        return updated

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        self.store.delete(name, key, if_match=if_match)

    def _company(self, fields: Record) -> Record | None:
        """A Person's company, checked as BC does; fills in companyName and the relation."""
        if fields.get("type", "Company") == "Company":
            return None
        number = fields.get("companyNumber") or ""
        if not number:
            fields.update(companyName="", contactBusinessRelation="None")
            return None
        found = [row for row, _ in self.store.find(CONTACTS, "number", number)
                 if row["number"] == number]  # fmt: skip
        if not found:
            raise record_not_found("Contact", {"No.": str(number)})
        company = dict(found[0])
        if company["type"] != "Company":
            raise must_equal("Type", "Company", "Contact", f"No.={number}", company["type"])
        fields.update(companyName=company["displayName"],
                      contactBusinessRelation=company["contactBusinessRelation"])  # fmt: skip
        return company


def _break_down_name(fields: Record) -> None:
    """A Person's Name written without its parts fills them, as BC validates Name."""
    if "displayName" in fields and not any(name in fields for name in NAME_PARTS):
        fields.update(name_parts(str(fields["displayName"])))


def name_parts(name: str) -> Record:
    """First Name, Middle Name and Surname as BC's Contact NameBreakdown splits a Name."""
    words = name.split()
    first = words[:-2] if len(words) > 2 else words[:-1] if len(words) > 1 else words
    return {
        "firstName": " ".join(first)[:30],
        "middleName": words[-2][:30] if len(words) > 2 else "",
        "surname": words[-1][:30] if len(words) > 1 else "",
    }


def full_name(parts: Mapping[str, Any]) -> str:
    """Name as BC's Contact CalculatedName composes it from the name parts."""
    return " ".join(str(parts[n]) for n in NAME_PARTS if parts.get(n))[:100]


def own_company(contact: Mapping[str, Any]) -> Record:
    """A Company contact is its own company."""
    return {"companyNumber": contact["number"], "companyName": contact["displayName"]}


def rename_persons(store: EntityStore, company_number: str, name: str) -> None:
    for person, _ in store.find(CONTACTS, "companyNumber", company_number):
        if person["type"] == "Person":
            store.update(CONTACTS, person["id"], {"companyName": name})


def sync_company_contact(store: EntityStore, customer: Mapping[str, Any], created: bool) -> None:
    """Keep the customer's Company contact in step with it (BC's CustCont-Update)."""
    if created:
        contact, _ = store.insert(CONTACTS, company_contact(customer))
        store.update(CONTACTS, contact["id"], own_company(contact))
        return
    for contact, _ in store.find(CONTACTS, "customerId", customer["id"]):
        changes = {name: customer[name] for name in _FROM_CUSTOMER if name in customer}
        if contact["displayName"] != customer["displayName"]:
            changes.update(displayName=customer["displayName"],
                           companyName=customer["displayName"],
                           searchName=str(customer["displayName"]).upper())  # fmt: skip
            rename_persons(store, contact["number"], customer["displayName"])
        if any(contact.get(name) != value for name, value in changes.items()):
            store.update(CONTACTS, contact["id"], changes)


def unlink_company_contact(store: EntityStore, customer_id: str) -> None:
    """A deleted customer leaves its contact without a business relation."""
    for contact, _ in store.find(CONTACTS, "customerId", customer_id):
        store.update(CONTACTS, contact["id"], {"customerId": EMPTY_GUID,
                                                "contactBusinessRelation": "None"})  # fmt: skip
