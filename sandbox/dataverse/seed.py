"""Entity sets, lookups and deterministic seed rows of the Dataverse simulator.

Columns are the logical names of the account and contact tables. Lookups appear as
`_<attribute>_value` (read) and are written through the navigation property named in
`LOOKUPS` (`parentcustomerid_account@odata.bind`). Seed names include an apostrophe and
non-ASCII letters; timestamps lie in the past.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.catalog import CUSTOMERS, mailbox_name, stable_id
from sandbox.odata.store import EntitySetSpec

ACCOUNTS = EntitySetSpec(
    "accounts",
    "Microsoft.Dynamics.CRM.account",
    key="accountid",
    fields=(
        "name", "accountnumber", "telephone1", "emailaddress1", "websiteurl",
        "address1_line1", "address1_city", "address1_postalcode", "address1_country",
        "_transactioncurrencyid_value", "statecode", "statuscode", "createdon", "modifiedon",
    ),
    created_field="createdon",
    modified_field="modifiedon",
)  # fmt: skip

CONTACTS = EntitySetSpec(
    "contacts",
    "Microsoft.Dynamics.CRM.contact",
    key="contactid",
    fields=(
        "firstname", "lastname", "emailaddress1", "telephone1", "mobilephone", "jobtitle",
        "_parentcustomerid_value", "statecode", "statuscode", "createdon", "modifiedon",
    ),
    created_field="createdon",
    modified_field="modifiedon",
)  # fmt: skip

# entity set → navigation property → (lookup attribute as read, target entity set)
LOOKUPS: dict[str, dict[str, tuple[str, str]]] = {
    "contacts": {"parentcustomerid_account": ("_parentcustomerid_value", "accounts")},
}

_SEED_TIME = datetime(2025, 2, 3, 9, 30, tzinfo=UTC)
_PEOPLE = (
    ("Siobhán", "O'Neil", "Finance Director"),
    ("Jürgen", "Müller", "IT Manager"),
    ("Aoife", "O'Brien", "Office Manager"),
    ("Renée", "Dubois", "Head of Operations"),
    ("Tomás", "García", "CTO"),
    ("Priya", "Natarajan", "Procurement Lead"),
)


def _stamp(index: int) -> str:
    return (_SEED_TIME + timedelta(minutes=17 * index)).isoformat().replace("+00:00", "Z")


def account_rows() -> list[dict[str, Any]]:
    return [
        {
            "accountid": stable_id("dataverse", "accounts", party.number),
            "name": party.name, "accountnumber": party.number,
            "telephone1": f"+44 20 7946 1{100 + i}", "emailaddress1": party.email,
            "websiteurl": None, "address1_line1": f"{10 + i} High Street",
            "address1_city": party.city, "address1_postalcode": f"{1000 + 37 * i}",
            "address1_country": party.country, "_transactioncurrencyid_value": None,
            "statecode": 0, "statuscode": 1, "createdon": _stamp(i), "modifiedon": _stamp(i),
        }
        for i, party in enumerate(CUSTOMERS)
    ]  # fmt: skip


def contact_rows() -> list[dict[str, Any]]:
    accounts = account_rows()
    rows = []
    for i, (first, last, title) in enumerate(_PEOPLE):
        account = accounts[i % len(accounts)]
        rows.append({
            "contactid": stable_id("dataverse", "contacts", str(i)),
            "firstname": first, "lastname": last,
            "emailaddress1": f"{mailbox_name(first, last)}@example.com",
            "telephone1": f"+44 20 7946 2{100 + i}", "mobilephone": f"+44 7700 900{100 + i}",
            "jobtitle": title, "_parentcustomerid_value": account["accountid"],
            "statecode": 0, "statuscode": 1,
            "createdon": _stamp(10 + i), "modifiedon": _stamp(10 + i),
        })  # fmt: skip
    return rows


def seed_sets() -> list[tuple[EntitySetSpec, list[dict[str, Any]]]]:
    # Dataverse answers null for every column a create left out; new rows are active.
    active = {"statecode": 0, "statuscode": 1}
    return [
        (replace(ACCOUNTS, defaults={**dict.fromkeys(ACCOUNTS.fields), **active}), account_rows()),
        (replace(CONTACTS, defaults={**dict.fromkeys(CONTACTS.fields), **active}), contact_rows()),
    ]
