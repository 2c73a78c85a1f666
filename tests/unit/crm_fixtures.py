"""A CRM ⇄ BC world on fakes: BC records, a Dataverse with the connector's tables and the
seeded "Default" unit group and price list, a staging store, and the setup that names them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from shared.domain.crm import AutoSync, CrmSetup
from shared.flows.deps import Deps
from tests.fakes.bc_records import FakeBcRecords
from tests.fakes.bus import InMemoryBus
from tests.fakes.business_central import FakeBusinessCentral
from tests.fakes.dataverse import FakeDataverse
from tests.fakes.ecppro import FakeEcpPro
from tests.fakes.store import InMemoryStagingStore

GROUP = "0c6f1b1e-0000-4000-8000-000000000001"
BASE_UNIT = "0c6f1b1e-0000-4000-8000-000000000002"
PRICE_LIST = "0c6f1b1e-0000-4000-8000-000000000003"
CRM_URL = "https://contoso.crm.dynamics.com"

KEYS = {
    **{f"bcs_{name}s": ("bcs_code",) for name in (
        "paymentterm", "shipmentmethod", "shippingagent", "taxarea", "location",
        "countryregion", "configtemplate")},
    "products": ("productnumber",),
}  # fmt: skip
SETUP = CrmSetup(enabled=True, crm_url=CRM_URL, default_unit_group_id=GROUP,
                 default_unit_id=BASE_UNIT, default_price_list_id=PRICE_LIST)  # fmt: skip


def guid(n: int) -> str:
    return f"b0c00000-0000-4000-8000-{n:012d}"


@dataclass
class World:
    deps: Deps
    bc: FakeBcRecords
    crm: FakeDataverse
    store: InMemoryStagingStore


def world(setup: CrmSetup = SETUP, **auto: bool) -> World:
    bc, store = FakeBcRecords(), InMemoryStagingStore()
    crm = FakeDataverse(KEYS, clock=bc.tick)  # one clock: which side changed last is known
    crm.add("uomschedules", {"uomscheduleid": GROUP, "name": "Default", "baseuomname": "PCS"})
    crm.add("uoms", {"uomid": BASE_UNIT, "name": "PCS", "_uomscheduleid_value": GROUP,
                     "isschedulebaseuom": True, "quantity": 1})  # fmt: skip
    crm.add("pricelevels", {"pricelevelid": PRICE_LIST, "name": "Default"})
    if auto:
        setup = replace(setup, auto_sync=AutoSync(**auto))
    deps = Deps(
        store=store, bus=InMemoryBus(), ecppro=FakeEcpPro({}), bc=FakeBusinessCentral(),
        dataverse=crm, bc_records=bc, crm_setup=setup,
        clock=lambda: datetime(2025, 3, 1, 12, 0, tzinfo=UTC),
    )  # fmt: skip
    return World(deps, bc, crm, store)


def payment_term(bc: FakeBcRecords, n: int, code: str, name: str = "") -> dict[str, Any]:
    return bc.add("paymentTerms", {"id": guid(n), "code": code, "displayName": name or code})


def unit(bc: FakeBcRecords, n: int, code: str) -> dict[str, Any]:
    return bc.add("unitsOfMeasure", {"id": guid(n), "code": code, "displayName": code.title()})


def item(
    bc: FakeBcRecords, n: int, number: str, kind: str = "Service", unit_code: str = "PCS",
    group: str = "", name: str = "", name2: str = "",
) -> dict[str, Any]:  # fmt: skip
    return bc.add("items", {
        "id": guid(n), "number": number, "displayName": name or f"Item {number}",
        "displayName2": name2, "type": kind, "baseUnitOfMeasureCode": unit_code,
        "inventoryPostingGroupCode": group,
    })  # fmt: skip


def posting_group(bc: FakeBcRecords, n: int, code: str, create_in_crm: bool) -> None:
    bc.add("inventoryPostingGroupSettings", {"id": guid(n), "code": code,
                                             "createInCrm": create_in_crm}, api="companion")  # fmt: skip


TEMPLATE_DEFAULTS = {
    "CUST-DOM": {"customerPostingGroup": "DOMESTIC", "genBusPostingGroup": "DOMESTIC"}
}


def bc_connector_pages(bc: FakeBcRecords) -> None:
    """BC's connector pages as the fake serves them: customers numbered C…, each with a
    company contact; persons numbered CT… under a company contact; ship-to addresses
    unique per customer and code (what the companion API's contract says)."""
    import itertools as _itertools

    from shared.errors import ConflictError, RejectedError

    bc.numbering["crmCustomers"] = ("C", _itertools.count(50))
    bc.numbering["crmContacts"] = ("CT", _itertools.count(100))

    def customer(row: dict[str, Any]) -> dict[str, Any]:
        company = bc.add("contacts", {"id": f"{row['id'][:-4]}c0c0", "type": "Company",
                                      "number": f"CT9{row['number'][1:]}",
                                      "displayName": row.get("displayName", "")})  # fmt: skip
        defaults = TEMPLATE_DEFAULTS.get(str(row.get("templateCode") or ""), {})
        return {**defaults, **row, "companyContactNumber": company["number"]}

    def person(row: dict[str, Any]) -> dict[str, Any]:
        companies = [c for c in bc.sets.get(("v2.0", "contacts"), [])
                     if c["number"] == row.get("companyNumber") and c["type"] == "Company"]  # fmt: skip
        if not companies:
            raise RejectedError(f"The Contact does not exist. No.='{row.get('companyNumber')}'",
                                status=400)  # fmt: skip
        return {**row, "type": "Person", "companyName": companies[0]["displayName"]}

    def ship_to(row: dict[str, Any]) -> dict[str, Any]:
        taken = [s for s in bc.sets.get(("companion", "shipToAddresses"), [])
                 if (s["customerNumber"], s["code"]) == (row.get("customerNumber"), row.get("code"))]  # fmt: skip
        if taken:
            raise ConflictError("The Ship-to Address already exists.", status=400,
                                detail="Internal_EntityWithSameKeyExists")  # fmt: skip
        return row

    bc.on_create.update(crmCustomers=customer, crmContacts=person, shipToAddresses=ship_to)


def crm_masters(w: World) -> dict[str, str]:
    """BC's masters synced to CRM (as BC → CRM would): code → CRM id, coupled."""
    from shared.flows.crm_sync import run_bc_to_crm

    for n, code in enumerate(("GB", "DK"), start=700):
        w.bc.add("countriesRegions", {"id": guid(n), "code": code, "displayName": code})
    payment_term(w.bc, 710, "30 DAYS")
    w.bc.add("configurationTemplates", {"id": guid(720), "code": "CUST-DOM",
                                        "displayName": "Domestic"}, api="companion")  # fmt: skip
    run_bc_to_crm(w.deps, ["countries-regions", "payment-terms", "configuration-templates"])
    ids = {}
    for entity_set in ("bcs_countryregions", "bcs_paymentterms", "bcs_configtemplates"):
        for row in w.crm.all(entity_set):
            ids[row["bcs_code"]] = row[f"{entity_set[:-1]}id"]
    return ids
