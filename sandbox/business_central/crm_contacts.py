"""Companion API `crmContacts`: person contacts as the CRM connector syncs them (BC_CUSTOM_API.md).

AL: an API page over table 5050 Contact, `SourceTableView = where(Type = const(Person))`,
with the fields the connector maps that v2.0 `contacts` lacks: Salutation Code, First
Name, Middle Name, Surname, Fax No. and the connector's table extension field "Home
Phone". Its records are v2.0's Person contacts (same `id`, same `number`): a write here
goes through the contacts' rules (CT number series, the company check, a new person
without an address taking its company's, e-mail), and what v2.0 writes shows here.
Reproduced:

- Company contacts are outside the page's view: not listed, and their id → 404,
- `companyNumber` is required ('A "companyNumber" must be provided.') and must name a
  Company contact (400 `Internal_RecordNotFound` "The Contact does not exist. ..." or
  `Application_FieldValidationException` "Type must be equal to 'Company' ..."),
- `displayName` is read-only: BC composes Name from First Name, Middle Name and Surname
  (CalculatedName), so a person needs a first name or a surname,
- `salutationCode` must be one of the Salutation table's codes (catalog SALUTATIONS) →
  else 400 `Internal_InvalidTableRelation`,
- DELETE → 405 (refused by the route).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.business_central.companion_masters import COMPANION_DOC
from sandbox.business_central.contacts import CONTACTS, NAME_PARTS, full_name
from sandbox.business_central.dialect import dialog, method_not_allowed
from sandbox.business_central.relations import relation_error
from sandbox.business_central.schema import MODIFIED, EntitySchema, code, guid, ro, text
from sandbox.catalog import SALUTATIONS
from sandbox.odata.store import EntityStore, EntityWrites, Record, RecordNotFound

CRM_CONTACTS = "crmContacts"
PERSON = "Person"
_SALUTATION_CODES = frozenset(code_value for code_value, _ in SALUTATIONS)

CRM_CONTACTS_SCHEMA = EntitySchema(
    CRM_CONTACTS, "crmContact", (
        ro(code("number", 20)), code("companyNumber", 20), ro(text("companyName", 100)),
        code("salutationCode", 10), text("firstName", 30), text("middleName", 30),
        text("surname", 30), ro(text("displayName", 100)), text("jobTitle", 30),
        text("phoneNumber", 30), text("homePhone", 30), text("mobilePhoneNumber", 30),
        text("faxNumber", 30), text("email", 80), text("addressLine1", 100),
        text("addressLine2", 50), text("city", 30), text("state", 30), code("postalCode", 20),
        code("country", 10), guid("crmId"),
    ), doc=COMPANION_DOC,
)  # fmt: skip
_FIELDS = tuple(prop.name for prop in CRM_CONTACTS_SCHEMA.props)


def crm_contact_row(contact: Mapping[str, Any]) -> Record:
    """A person contact as `crmContacts` shows it (every property is a Contact field)."""
    return {"id": contact["id"], **{name: contact[name] for name in _FIELDS},
            MODIFIED: contact[MODIFIED]}  # fmt: skip


def crm_contact_rows(store: EntityStore) -> list[tuple[Record, str]]:
    return [(crm_contact_row(row), etag) for row, etag in store.find(CONTACTS, "type", PERSON)]


def crm_contact_lookup(store: EntityStore, key: str) -> tuple[Record, str] | None:
    """One person's `crmContacts` row, by id (None for a Company contact)."""
    try:
        contact, etag = store.get(CONTACTS, key)
    except RecordNotFound:
        return None
    return (crm_contact_row(contact), etag) if contact["type"] == PERSON else None


class CrmContactRules:
    """Writes to `crmContacts`: a Person's fields, written by `contacts`."""

    def __init__(self, store: EntityStore, contacts: EntityWrites) -> None:
        self.store = store
        self.contacts = contacts  # the v2.0 contacts' writer, with BC's rules

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        _require_company(record)
        fields = {**_checked(record), "type": PERSON, "displayName": _name(record)}
        created, etag = self.contacts.insert(CONTACTS, fields)
        return crm_contact_row(created), etag

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        current, _ = self.store.get(CONTACTS, key)
        if current["type"] != PERSON:
            raise RecordNotFound(key)  # outside the page's view
        if "companyNumber" in changes:
            _require_company(changes)
        fields = _checked(changes)
        if any(part in changes for part in NAME_PARTS):
            fields["displayName"] = _name({**current, **changes})
        updated, etag = self.contacts.update(CONTACTS, key, fields, if_match=if_match)
        return crm_contact_row(updated), etag

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        raise method_not_allowed("DELETE", name)  # the route refuses it first


def _require_company(fields: Mapping[str, Any]) -> None:
    if not fields.get("companyNumber"):
        raise dialog('A "companyNumber" must be provided.')


def _checked(fields: Mapping[str, Any]) -> Record:
    salutation = fields.get("salutationCode")
    if salutation and salutation not in _SALUTATION_CODES:
        raise relation_error("Contact", "Salutation Code", salutation, "Salutation")
    return dict(fields)


def _name(parts: Mapping[str, Any]) -> str:
    """Name as BC composes it; a person needs a first name or a surname."""
    if not parts.get("firstName") and not parts.get("surname"):
        raise dialog('A "firstName" or a "surname" must be provided.')
    return full_name(parts)
