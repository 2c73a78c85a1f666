"""The CRM ⇄ BC part of `hub demo`: the Setup actions, BC to CRM Data Sync of the masters
(twice: the second run writes nothing), the BC Data view, the timer, and the three Map
CRM Data jobs, all through the host's HTTP routes as Power Automate would call them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from hub.demo.walker import call
from hub.host import LocalHost
from sandbox.run import RunningSandbox

Say = Callable[[str], None]

MASTERS = ["payment-terms", "shipment-methods", "shipping-agents", "tax-areas", "locations",
           "configuration-templates", "countries-regions", "units-of-measure", "items"]  # fmt: skip
DEMO_CRM_SETTINGS = {
    "CRM_INTEGRATION_ENABLED": "true",
    "CRM_KEEP_QUOTE_NO": "true",
    "CRM_SALES_ORDER_NO_SERIES": "CRM-ORD",
    "CRM_DO_NOT_MODIFY_QUOTES": "true",
    "CRM_DO_NOT_MODIFY_ORDERS": "true",
    "CRM_AUTO_SYNC_ITEMS": "true",
    "CRM_AUTO_SYNC_UOM": "true",
    "CRM_AUTO_SYNC_COUNTRIES": "true",
}


def post(host: LocalHost, route: str, body: Any = None, **params: Any) -> dict[str, Any]:
    response = call(host, "POST", route, json_body=body, **params)
    if response.status_code != 200:
        raise click.ClickException(f"POST {route}: {response.status_code} {response.text}")
    return dict(response.json())


def get(host: LocalHost, route: str, **params: Any) -> dict[str, Any]:
    response = call(host, "GET", route, **params)
    if response.status_code != 200:
        raise click.ClickException(f"GET {route}: {response.status_code} {response.text}")
    return dict(response.json())


def setup_defaults(host: LocalHost, say: Say) -> None:
    units = post(host, "crm/setup/default-units")
    prices = post(host, "crm/setup/default-price-list")
    for setting, value in {**units, **prices}.items():
        say(f"  {setting} = {value} (looked up in CRM by name)")


def sync_masters(host: LocalHost, sandbox: RunningSandbox, say: Say) -> int:
    """BC to CRM Data Sync of every source type, twice; answers the masters in CRM."""
    report = post(host, "crm/bc-to-crm/run", {"entities": MASTERS})
    for entity in report["entities"]:
        say(f"  {entity['entity']:<24} read {entity['read']:>3}: created {entity['created']:>2}, "
            f"coupled {entity['coupled']:>2} (already in CRM by code), filtered "
            f"{entity['filtered']}, failed {entity['failed']}, CRM id back in BC "
            f"{entity['writtenBack']}")  # fmt: skip
        for error in entity["errors"]:
            say(f"    {error}")
    masters = sum(e["created"] + e["coupled"] for e in report["entities"])
    again = post(host, "crm/bc-to-crm/run", {"entities": MASTERS})
    unchanged = sum(e["unchanged"] for e in again["entities"])
    say(f"  second run: read {sum(e['read'] for e in again['entities'])} (the CRM ids written "
        f"back changed them in BC), {unchanged} unchanged, written {again['written']}")  # fmt: skip
    data = get(host, "crm/bc-data/payment-terms")
    for record in data["records"][:2]:
        say(f"  BC Data, payment term {record['key']}: CRM {record['crmId']}  {record['link']}")
    term = next(iter(sandbox.business_central.admin.store.snapshot("paymentTerms")))[0]
    sandbox.business_central.admin.upsert(
        "paymentTerms", {"id": term["id"], "displayName": f"{term['displayName']} (edited)"}
    )
    host.fire_timer("crm_bc_to_crm_timer")
    logged = get(host, "crm/logs/bc-to-crm", entity="payment-terms")["records"]
    edited = next(r for r in logged if r["key"] == term["code"])
    say(f"  payment term {term['code']} edited in BC; the 2-minute timer carried it: "
        f"{edited['operation']}, Updated in CRM = {edited['updated']}")  # fmt: skip
    return int(masters)


def map_crm_data(host: LocalHost, say: Say) -> None:
    for job in ("salespersons", "currencies", "customers"):
        report = post(host, f"crm/map/{job}")
        counts = ", ".join(f"{outcome} {n}" for outcome, n in report["counts"].items() if n)
        say(f"  {job}: {counts}")
        for record in report["records"]:
            if record["outcome"] not in ("coupled", "already coupled"):
                detail = f": {record['detail']}" if record.get("detail") else ""
                say(f"    {record['bcKey'] or record['bcId']}: {record['outcome']}{detail}")


def add_bc_person(customer_id: str) -> None:
    """A person contact made in BC, under the company contact of a customer."""
    from shared.bootstrap import build_business_central
    from shared.config import get_settings
    from shared.ports.business_central import BcWrite

    bc = build_business_central(get_settings())
    customer = next(bc.records("crmCustomers", api="companion", filter=f"id eq {customer_id}"))
    [result] = bc.write_many([BcWrite("POST", "crmContacts", {
        "companyNumber": customer["companyContactNumber"], "firstName": "Ola",
        "surname": "Nordmann", "jobTitle": "Purchasing", "email": "ola@nordicfjord.example",
    }, api="companion")])  # fmt: skip
    if result.error is not None:
        raise click.ClickException(f"BC refused the demo's person contact: {result.error}")


def crm_to_bc(host: LocalHost, sandbox: RunningSandbox, say: Say) -> tuple[int, int]:
    """CRM → BC through the CRM Data staging; answers (customers, contacts) in step."""
    from shared.bootstrap import build_dataverse
    from shared.config import get_settings

    dataverse = build_dataverse(get_settings())
    norway = dataverse.create("bcs_countryregions", {"bcs_code": "NO", "bcs_description": "Norway"})
    gb = next(dataverse.rows("bcs_countryregions", filter="bcs_code eq 'GB'"))[
        "bcs_countryregionid"
    ]
    accounts = {
        "Tailspin Toys": {"address1_line1": "1 Harbour Way", "address1_city": "Bristol"},
        "Nordic Fjord Supplies": {"address1_line1": "Kaigata 4", "address1_city": "Bergen",
                                  "bcs_CountryRegionId@odata.bind": f"/bcs_countryregions({norway})"},
        "Long Street Traders": {"address1_line1": "Unit 7, " + "The Very Long Industrial Estate " * 4,
                                "address1_city": "Leeds"},
    }  # fmt: skip
    ids = {}
    for name, values in accounts.items():
        ids[name] = dataverse.create("accounts", {
            "name": name, "emailaddress1": f"ap@{name.split()[0].lower()}.example",
            "bcs_CountryRegionId@odata.bind": f"/bcs_countryregions({gb})", **values,
        })  # fmt: skip
    dataverse.create("contacts", {
        "firstname": "Lena", "lastname": "Berg", "salutation": "Ms.", "jobtitle": "Buyer",
        "parentcustomerid_account@odata.bind": f"/accounts({ids['Tailspin Toys']})",
    })  # fmt: skip
    report = post(host, "crm/crm-to-bc/run", {"all": True})
    for entity in report["entities"]:
        say(f"  {entity['entity']:<18} staged {report['staged'].get(entity['entity'], 0):>2}: "
            f"created {entity['created']}, coupled {entity['coupled']}, updated "
            f"{entity['updated']}, waiting {entity['waiting']}, refused {entity['failed']}")  # fmt: skip
    staged = get(host, "crm/crm-data/customers")
    for row in staged["records"]:
        if row["status"] in ("Waiting", "Error"):
            say(f"  CRM Data, {row['crm'].get('name')}: {row['status']} - {row['error'][:110]}")
    sandbox.business_central.admin.upsert(
        "countriesRegions",
        {"code": "NO", "displayName": "Norway", "addressFormat": "Post Code+City"},
    )
    post(host, "crm/bc-to-crm/run", {"entities": ["countries-regions"]})
    post(host, "crm/crm-data/customers/create-in-bc", {})
    nordic = next(r for r in get(host, "crm/crm-data/customers")["records"]
                  if r["crmId"] == ids["Nordic Fjord Supplies"])  # fmt: skip
    say(f"  Norway sent from BC to CRM; Nordic Fjord Supplies retried: {nordic['status']} as "
        f"customer {nordic['bcNo']}")  # fmt: skip
    add_bc_person(nordic["bcId"])
    customers = get(host, "crm/crm-data/customers")["statuses"]
    contacts_to_crm = post(host, "crm/bc-to-crm/run", {"entities": ["contacts-to-crm"]})
    to_crm = contacts_to_crm["entities"][0]
    say(f"  BC person contacts → CRM: created {to_crm['created']}, unchanged "
        f"{to_crm['unchanged']} (the ones that came from CRM are not echoed back)")  # fmt: skip
    in_bc = sum(n for status, n in customers.items() if status in ("Created", "Coupled",
                                                                     "Updated", "Synced"))  # fmt: skip
    contacts = get(host, "crm/crm-data/contacts")["statuses"]
    synced = sum(n for status, n in contacts.items() if status in ("Created", "Updated", "Synced"))
    return in_bc, synced + int(to_crm["created"])
