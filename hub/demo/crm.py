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

DEMO_CRM_SETTINGS = {
    "CRM_INTEGRATION_ENABLED": "true",
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
    report = post(host, "crm/bc-to-crm/run", {"all": True})
    for entity in report["entities"]:
        say(f"  {entity['entity']:<24} read {entity['read']:>3}: created {entity['created']:>2}, "
            f"coupled {entity['coupled']:>2} (already in CRM by code), filtered "
            f"{entity['filtered']}, failed {entity['failed']}, CRM id back in BC "
            f"{entity['writtenBack']}")  # fmt: skip
        for error in entity["errors"]:
            say(f"    {error}")
    masters = sum(e["created"] + e["coupled"] for e in report["entities"])
    again = post(host, "crm/bc-to-crm/run", {"all": True})
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
