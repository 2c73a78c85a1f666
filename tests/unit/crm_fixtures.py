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
    bc, crm, store = FakeBcRecords(), FakeDataverse(KEYS), InMemoryStagingStore()
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
