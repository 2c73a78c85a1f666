"""BC → CRM masters through the engine against both simulators over real HTTP: the BC
API v2.0 + companion API simulator as the source, the Dataverse simulator as the target,
with their service-protection limits on."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from sandbox.run import RunningSandbox
from shared.config import Settings
from shared.flows.crm_setup import effective_setup
from shared.flows.crm_sync import run_bc_to_crm
from shared.flows.deps import Deps
from shared.sync.couplings import Couplings
from shared.sync.logs import SyncLog
from shared.sync.maps import Direction
from tests.adapters.crm_support import clients, connector_deps

pytestmark = pytest.mark.sandbox

MASTERS = ["payment-terms", "shipment-methods", "shipping-agents", "tax-areas", "locations",
           "configuration-templates", "countries-regions", "units-of-measure"]  # fmt: skip


@pytest.fixture
def deps(sandbox_settings: Settings) -> Deps:
    return connector_deps(sandbox_settings)


def test_every_master_reaches_crm_once_and_its_guid_reaches_bc(deps: Deps) -> None:
    bc, crm = clients(deps)
    report = run_bc_to_crm(deps, MASTERS)
    assert all(r.failed == 0 and r.waiting == 0 for r in report.results), report.as_dict()
    couplings = Couplings(deps.store)
    for result in report.results:
        assert result.read > 0 and result.written_back == result.written
    crm_ids = {row["id"]: row["crmId"] for row in bc.records("crmIds", api="companion")}
    for entity in MASTERS:
        for coupling in couplings.all(entity):
            assert crm_ids[coupling.bc_id] == coupling.crm_id, (entity, coupling.key)
    codes = [row["bcs_code"] for row in crm.rows("bcs_paymentterms", select=["bcs_code"])]
    assert len(codes) == len(set(codes))  # coupled by code, never a second row


def test_a_second_run_reads_the_echo_and_writes_nothing(deps: Deps) -> None:
    bc, crm = clients(deps)
    run_bc_to_crm(deps, MASTERS)
    bc_before, crm_before = bc.http.requests_sent, crm.http.requests_sent
    again = run_bc_to_crm(deps, MASTERS)
    assert again.written == 0 and sum(r.written_back for r in again.results) == 0
    # only the check that the unit group and unit still exist; no match query, no write
    assert crm.http.requests_sent - crm_before == 2
    assert bc.http.requests_sent - bc_before == len(MASTERS)  # one read per entity


def test_items_follow_their_unit_and_get_a_price_list_item(
    deps: Deps, sandbox: RunningSandbox
) -> None:
    bc, crm = clients(deps)
    admin = sandbox.business_central.admin
    code = f"U{uuid.uuid4().hex[:6].upper()}"
    number = f"HUB-{uuid.uuid4().hex[:8].upper()}"
    unit = admin.upsert("unitsOfMeasure", {"code": code, "displayName": "Test unit"})
    item = admin.upsert("items", {
        "number": number, "displayName": "Test item", "type": "Service",
        "baseUnitOfMeasureId": unit["id"], "baseUnitOfMeasureCode": code,
    })  # fmt: skip
    run_bc_to_crm(deps, MASTERS[:-1])
    first = run_bc_to_crm(deps, ["items"]).results[0]
    assert first.waiting >= 1  # its unit is not in CRM yet
    waiting = [e for e in SyncLog(deps.store, Direction.BC_TO_CRM).entries("items", pending=True)]
    assert any(e.key == number and f"'{code}'" in e.error for e in waiting)
    run_bc_to_crm(deps, ["units-of-measure"])
    second = run_bc_to_crm(deps, ["items"]).results[0]
    assert second.failed == 0 and second.waiting == 0
    product = crm.get("products", {"productnumber": number})
    unit_id = Couplings(deps.store).by_bc("units-of-measure", unit["id"])
    assert unit_id is not None and product["_defaultuomid_value"] == unit_id.crm_id
    setup = effective_setup(deps)
    assert product["_defaultuomscheduleid_value"] == setup.default_unit_group_id
    prices = list(
        crm.rows("productpricelevels", filter=f"_productid_value eq {product['productid']}")
    )
    assert [(p["_pricelevelid_value"], p["amount"]) for p in prices] == [
        (setup.default_price_list_id, 0)
    ]
    row = next(r for r in bc.records("crmIds", api="companion") if r["id"] == item["id"])
    assert row["crmId"] == product["productid"]


def test_inventory_items_need_their_groups_create_in_crm_flag(
    deps: Deps, sandbox: RunningSandbox
) -> None:
    _, crm = clients(deps)
    admin = sandbox.business_central.admin
    kept, dropped = (f"HW-{uuid.uuid4().hex[:8].upper()}" for _ in range(2))
    for number, group in ((kept, "RESALE"), (dropped, "SPARES")):  # RESALE has the flag
        admin.upsert("items", {"number": number, "displayName": number, "type": "Inventory",
                               "inventoryPostingGroupCode": group})  # fmt: skip
    run_bc_to_crm(deps, ["units-of-measure"])
    result = run_bc_to_crm(deps, ["items"]).results[0]
    assert result.filtered >= 1
    assert crm.get("products", {"productnumber": kept})["productnumber"] == kept
    assert list(crm.rows("products", filter=f"productnumber eq '{dropped}'")) == []


def test_the_sync_rides_out_dataverse_service_protection(
    deps: Deps, sandbox: RunningSandbox
) -> None:
    sandbox.dataverse.limits.configure(requests=3, window_seconds=1)
    refused = sandbox.dataverse.limits.refused
    report = run_bc_to_crm(deps, MASTERS, full=True)
    assert all(r.failed == 0 for r in report.results)
    assert sandbox.dataverse.limits.refused > refused  # throttled, and waited out


def test_a_wrong_default_guid_is_refused_before_anything_is_written(deps: Deps) -> None:
    from shared.errors import ConfigurationError

    _, crm = clients(deps)
    wrong = replace(
        deps, crm_setup=replace(deps.crm_setup, default_unit_group_id=str(uuid.uuid4()))
    )
    before = crm.http.requests_sent
    with pytest.raises(ConfigurationError, match="CRM_DEFAULT_UNIT_GROUP_ID"):
        run_bc_to_crm(wrong, ["units-of-measure"])
    assert crm.http.requests_sent - before == 1  # the check's read, no write
