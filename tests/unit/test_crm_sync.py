"""BC → CRM masters through the entity-sync engine, on fakes: every rule of the product
document's §3.1, §6–9, §11–13, §15–16 and the engine's own (hash, waits, write-back)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shared.errors import AuthError, ConfigurationError, RejectedError, ThrottledError
from shared.flows.crm_setup import get_default_price_list, get_default_units
from shared.flows.crm_sync import run_bc_to_crm
from shared.flows.flow_status import flow_statuses
from shared.registry import Flow
from shared.sync.couplings import Couplings
from shared.sync.logs import SyncLog
from shared.sync.maps import Direction
from shared.sync.planner import target_id_for
from shared.sync.runner import CHUNK
from tests.unit.crm_fixtures import (
    BASE_UNIT,
    GROUP,
    PRICE_LIST,
    SETUP,
    guid,
    item,
    payment_term,
    posting_group,
    unit,
    world,
)


def test_a_new_master_is_created_with_the_hubs_id_and_its_guid_goes_back_to_bc() -> None:
    w = world()
    term = payment_term(w.bc, 1, "NET30", "Net 30 days")
    report = run_bc_to_crm(w.deps, ["payment-terms"])
    crm_id = target_id_for("payment-terms", term["id"])
    assert report.results[0].created == 1 and report.results[0].written_back == 1
    row = w.crm.tables["bcs_paymentterms"][crm_id]
    assert (row["bcs_code"], row["bcs_description"]) == ("NET30", "Net 30 days")
    assert w.bc.crm_id(term["id"]) == crm_id  # "BCS CRM ID"
    coupling = Couplings(w.store).by_crm("payment-terms", crm_id)
    assert coupling is not None and coupling.bc_id == term["id"] and coupling.key == "NET30"
    entry = next(SyncLog(w.store, Direction.BC_TO_CRM).entries("payment-terms"))
    assert (entry.operation, entry.updated, entry.target_id) == ("Create", True, crm_id)


def test_a_second_run_writes_nothing_although_the_write_back_changed_the_bc_record() -> None:
    w = world()
    payment_term(w.bc, 1, "NET30")
    run_bc_to_crm(w.deps, ["payment-terms"])
    writes, batches = len(w.crm.writes), w.bc.batches
    again = run_bc_to_crm(w.deps, ["payment-terms"])
    assert again.results[0].read == 1 and again.results[0].unchanged == 1  # the echo, dropped
    assert again.written == 0 and len(w.crm.writes) == writes and w.bc.batches == batches


def test_a_changed_record_is_updated_and_only_it() -> None:
    w = world()
    first, _ = payment_term(w.bc, 1, "NET30"), payment_term(w.bc, 2, "NET14")
    run_bc_to_crm(w.deps, ["payment-terms"])
    w.bc.change("paymentTerms", first["id"], displayName="Thirty days net")
    before = len(w.crm.writes)
    result = run_bc_to_crm(w.deps, ["payment-terms"]).results[0]
    assert (result.updated, result.created) == (1, 0)
    assert [write[1] for write in w.crm.writes[before:]] == [
        target_id_for("payment-terms", first["id"])
    ]
    row = w.crm.tables["bcs_paymentterms"][target_id_for("payment-terms", first["id"])]
    assert row["bcs_description"] == "Thirty days net"


def test_a_crm_record_with_the_same_code_is_coupled_not_duplicated() -> None:
    w = world()
    existing = w.crm.add("bcs_paymentterms", {"bcs_code": "NET30", "bcs_description": "old"})
    term = payment_term(w.bc, 1, "net30")  # BC's Code fields are upper case; match ignores case
    result = run_bc_to_crm(w.deps, ["payment-terms"]).results[0]
    assert (result.coupled, result.created) == (1, 0)
    assert list(w.crm.tables["bcs_paymentterms"]) == [existing]
    assert w.bc.crm_id(term["id"]) == existing


def test_a_value_too_long_for_crm_is_a_record_error_naming_the_field() -> None:
    w = world()
    payment_term(w.bc, 1, "NET30", "x" * 101)
    payment_term(w.bc, 2, "NET14")
    result = run_bc_to_crm(w.deps, ["payment-terms"]).results[0]
    assert (result.failed, result.created) == (1, 1)
    failed = next(e for e in SyncLog(w.store, Direction.BC_TO_CRM).entries("payment-terms")
                  if not e.updated)  # fmt: skip
    assert failed.key == "NET30" and failed.error.startswith("displayName:")
    assert "101 characters" in failed.error


def test_a_record_crm_refuses_is_logged_and_the_others_go_through() -> None:
    w = world()
    refused = payment_term(w.bc, 1, "NET30")
    payment_term(w.bc, 2, "NET14")
    crm_id = target_id_for("payment-terms", refused["id"])
    w.crm.fail_next(RejectedError("0x80044331 too long", status=400), when=lambda s, k: k == crm_id)
    result = run_bc_to_crm(w.deps, ["payment-terms"]).results[0]
    assert (result.failed, result.created) == (1, 1)
    assert w.bc.crm_id(refused["id"]) == ""  # nothing written back for it
    entry = next(e for e in SyncLog(w.store, Direction.BC_TO_CRM).entries("payment-terms")
                 if e.key == "NET30")  # fmt: skip
    assert (entry.operation, entry.updated, entry.attempts) == ("Fail", False, 1)


def test_a_throttled_record_waits_and_the_next_run_writes_it() -> None:
    w = world()
    slow = payment_term(w.bc, 1, "NET30")
    crm_id = target_id_for("payment-terms", slow["id"])
    w.crm.fail_next(ThrottledError("429", status=429), when=lambda s, k: k == crm_id)
    first = run_bc_to_crm(w.deps, ["payment-terms"]).results[0]
    assert (first.waiting, first.created) == (1, 0)
    entry = next(SyncLog(w.store, Direction.BC_TO_CRM).entries("payment-terms"))
    assert (entry.operation, entry.updated) == ("Wait", False)
    second = run_bc_to_crm(w.deps, ["payment-terms"]).results[0]
    assert second.created == 1 and crm_id in w.crm.tables["bcs_paymentterms"]


def test_a_failed_write_back_is_retried_without_writing_crm_again() -> None:
    w = world()
    term = payment_term(w.bc, 1, "NET30")
    w.bc.failing[term["id"]] = RejectedError("The record is locked", status=400)
    first = run_bc_to_crm(w.deps, ["payment-terms"]).results[0]
    assert first.created == 1 and first.written_back == 0
    assert w.bc.crm_id(term["id"]) == ""
    del w.bc.failing[term["id"]]
    writes = len(w.crm.writes)
    second = run_bc_to_crm(w.deps, ["payment-terms"]).results[0]
    assert second.written_back == 1 and len(w.crm.writes) == writes
    assert w.bc.crm_id(term["id"]) == target_id_for("payment-terms", term["id"])


def test_units_go_under_the_default_unit_group_and_an_existing_name_is_coupled() -> None:
    w = world()
    pcs, box = unit(w.bc, 1, "PCS"), unit(w.bc, 2, "BOX")
    w.crm.add("uoms", {"name": "BOX", "_uomscheduleid_value": "another-group"})  # not ours
    result = run_bc_to_crm(w.deps, ["units-of-measure"]).results[0]
    assert (result.coupled, result.created) == (1, 1)
    assert w.bc.crm_id(pcs["id"]) == BASE_UNIT
    new = w.crm.tables["uoms"][target_id_for("units-of-measure", box["id"])]
    assert (new["name"], new["_uomscheduleid_value"], new["_baseuom_value"], new["quantity"]) == (
        "BOX", GROUP, BASE_UNIT, 1)  # fmt: skip


def test_items_services_and_non_inventory_always_inventory_only_with_its_group_flag() -> None:
    w = world()
    posting_group(w.bc, 90, "RESALE", True)
    posting_group(w.bc, 91, "RAW", False)
    item(w.bc, 1, "SUPPORT", "Service")
    item(w.bc, 2, "LICENCE", "Non_x002D_Inventory")  # as BC writes the member in JSON
    item(w.bc, 3, "LAPTOP", "Inventory", group="RESALE")
    item(w.bc, 4, "STEEL", "Inventory", group="RAW")
    unit(w.bc, 50, "PCS")
    report = run_bc_to_crm(w.deps, ["units-of-measure", "items"])
    items = report.results[1]
    assert (items.created, items.filtered) == (3, 1)
    numbers = {row["productnumber"] for row in w.crm.all("products")}
    assert numbers == {"SUPPORT", "LICENCE", "LAPTOP"}
    types = {row["productnumber"]: row["producttypecode"] for row in w.crm.all("products")}
    assert types == {"SUPPORT": 3, "LICENCE": 2, "LAPTOP": 1}


def test_a_new_product_gets_its_unit_group_base_unit_and_a_price_list_item_at_zero() -> None:
    w = world()
    box = unit(w.bc, 1, "BOX")
    laptop = item(w.bc, 2, "LAPTOP", unit_code="BOX", name="Surface Laptop", name2="15 inch")
    run_bc_to_crm(w.deps, ["units-of-measure", "items"])
    product_id = target_id_for("items", laptop["id"])
    product = w.crm.tables["products"][product_id]
    box_id = target_id_for("units-of-measure", box["id"])
    assert product["name"] == "Surface Laptop 15 inch"
    assert (product["_defaultuomscheduleid_value"], product["_defaultuomid_value"]) == (
        GROUP,
        box_id,
    )
    [price] = [p for p in w.crm.all("productpricelevels") if p["_productid_value"] == product_id]
    assert (price["_pricelevelid_value"], price["_uomid_value"], price["amount"]) == (
        PRICE_LIST, box_id, 0)  # fmt: skip
    w.bc.change("items", laptop["id"], displayName="Surface Laptop 7")
    run_bc_to_crm(w.deps, ["items"])
    assert len(w.crm.all("productpricelevels")) == 1  # an update adds no second price item
    assert w.crm.tables["products"][product_id]["name"] == "Surface Laptop 7 15 inch"


def test_an_item_whose_unit_is_not_in_crm_yet_waits_and_follows_its_unit() -> None:
    w = world()
    laptop = item(w.bc, 1, "LAPTOP", unit_code="BOX")
    first = run_bc_to_crm(w.deps, ["items"]).results[0]
    assert (first.waiting, first.created) == (1, 0)
    entry = next(SyncLog(w.store, Direction.BC_TO_CRM).entries("items"))
    assert entry.operation == "Wait" and "units-of-measure 'BOX'" in entry.error
    unit(w.bc, 2, "BOX")
    run_bc_to_crm(w.deps, ["units-of-measure"])
    second = run_bc_to_crm(w.deps, ["items"]).results[0]  # read again: the watermark waited
    assert second.created == 1
    assert w.bc.crm_id(laptop["id"]) == target_id_for("items", laptop["id"])


def test_the_watermark_reads_only_what_changed() -> None:
    w = world()
    for n in range(5):
        payment_term(w.bc, n, f"T{n}")
    run_bc_to_crm(w.deps, ["payment-terms"])
    run_bc_to_crm(w.deps, ["payment-terms"])  # reads the write-back echoes once
    w.bc.change("paymentTerms", guid(3), displayName="changed")
    w.deps.crm_sync_overlap_seconds = 0
    result = run_bc_to_crm(w.deps, ["payment-terms"]).results[0]
    assert (result.read, result.updated) == (1, 1)


def test_records_are_streamed_and_written_a_chunk_at_a_time() -> None:
    w = world()
    for n in range(2 * CHUNK + 200):
        payment_term(w.bc, n, f"T{n:04d}")
    requests = w.crm.requests
    result = run_bc_to_crm(w.deps, ["payment-terms"]).results[0]
    assert result.created == 2 * CHUNK + 200
    # per chunk: one match query batch, one write batch, write-back in batches of 100
    assert w.crm.requests - requests == 3 * 2
    assert w.bc.batches == 2 * (CHUNK // 100) + 2


def test_the_timer_runs_only_auto_sync_entities_and_nothing_while_disabled() -> None:
    w = world(items=False, units_of_measure=True)
    payment_term(w.bc, 1, "NET30")
    unit(w.bc, 2, "PCS")
    item(w.bc, 3, "SUPPORT")
    report = run_bc_to_crm(w.deps, automatic=True)
    ran = {r.entity for r in report.results}
    assert "payment-terms" in ran and "units-of-measure" in ran
    assert "items" not in ran and "countries-regions" not in ran
    off = world(setup=replace(SETUP, enabled=False))
    assert run_bc_to_crm(off.deps, automatic=True).skipped
    with pytest.raises(ConfigurationError) as refused:
        run_bc_to_crm(off.deps, ["payment-terms"])
    assert refused.value.settings == ("CRM_INTEGRATION_ENABLED",)


def test_a_missing_or_wrong_default_guid_stops_the_run_naming_the_setting() -> None:
    w = world(setup=replace(SETUP, default_price_list_id=""))
    item(w.bc, 1, "SUPPORT")
    with pytest.raises(ConfigurationError) as missing:
        run_bc_to_crm(w.deps, ["items"])
    assert "CRM_DEFAULT_PRICE_LIST_ID" in missing.value.settings
    assert w.crm.writes == []
    wrong = world(setup=replace(SETUP, default_unit_group_id=guid(999)))
    with pytest.raises(ConfigurationError, match="CRM_DEFAULT_UNIT_GROUP_ID"):
        run_bc_to_crm(wrong.deps, ["units-of-measure"])
    status = {s["flow"]: s for s in flow_statuses(wrong.deps)}
    assert "CRM_DEFAULT_UNIT_GROUP_ID" in status[Flow.CRM_BC_TO_CRM.value]["settings"]


def test_refused_credentials_stop_the_run_and_record_nothing_on_the_records() -> None:
    w = world()
    payment_term(w.bc, 1, "NET30")
    w.crm.fail_next(AuthError("401 from Dataverse", settings=["HUB_CLIENT_SECRET"]))
    with pytest.raises(AuthError):
        run_bc_to_crm(w.deps, ["payment-terms"])
    assert list(SyncLog(w.store, Direction.BC_TO_CRM).entries()) == []
    assert list(Couplings(w.store).all("payment-terms")) == []


def test_the_setup_actions_find_the_default_guids_by_name() -> None:
    w = world(setup=replace(SETUP, default_unit_group_id="", default_unit_id="",
                            default_price_list_id=""))  # fmt: skip
    assert get_default_units(w.deps).as_dict() == {
        "CRM_DEFAULT_UNIT_GROUP_ID": GROUP, "CRM_DEFAULT_UNIT_ID": BASE_UNIT}  # fmt: skip
    assert get_default_price_list(w.deps).as_dict() == {"CRM_DEFAULT_PRICE_LIST_ID": PRICE_LIST}
    unit(w.bc, 1, "BOX")
    assert run_bc_to_crm(w.deps, ["units-of-measure"]).results[0].created == 1  # found ones used
    w.crm.add("pricelevels", {"name": "Default"})  # a second one: never guess
    with pytest.raises(ConfigurationError, match="2 price list 'Default'") as several:
        get_default_price_list(w.deps)
    assert several.value.settings == ("CRM_DEFAULT_PRICE_LIST_NAME",)
