"""The nightly feeds on fakes (product document §21, §22): open customer ledger entries
and inventory per location mirrored in CRM by difference — insert, update, delete,
unchanged — with the account's Balance and the product's Inventory; a run stopped midway
resumes, a second run writes nothing, CRM's rows are never deleted wholesale."""

from __future__ import annotations

from typing import Any

import pytest

import shared.sync.snapshot as snapshot
from shared.errors import TransientError
from shared.flows.crm_nightly import run_nightly
from shared.sync.couplings import Coupling, Couplings
from shared.sync.snapshot import target_id
from tests.unit.crm_fixtures import World, guid, world

ADATUM, FABRIKAM = guid(801), guid(802)  # CRM accounts
LAPTOP, DOCK = guid(803), guid(804)  # CRM products
MAIN, BASE = guid(805), guid(806)


def connector() -> World:
    w = world()
    w.crm.add("accounts", {"accountid": ADATUM, "name": "Adatum"})
    w.crm.add("accounts", {"accountid": FABRIKAM, "name": "Fabrikam"})
    w.crm.add("products", {"productid": LAPTOP, "name": "Laptop", "productnumber": "HW-LAPTOP"})
    w.crm.add("products", {"productid": DOCK, "name": "Dock", "productnumber": "HW-DOCK"})
    w.crm.add("bcs_locations", {"bcs_locationid": MAIN, "bcs_code": "MAIN"})
    w.crm.add("transactioncurrencies", {"transactioncurrencyid": BASE, "isocurrencycode": "GBP"})
    coupled = [("customers", ADATUM, "C00010"), ("customers", FABRIKAM, "C00020"),
               ("items", LAPTOP, "HW-LAPTOP"), ("items", DOCK, "HW-DOCK"),
               ("locations", MAIN, "MAIN"), ("currencies", BASE, "")]  # fmt: skip
    Couplings(w.store).save_many(
        Coupling(entity, guid(900 + n), crm_id, key)
        for n, (entity, crm_id, key) in enumerate(coupled)
    )
    return w


def entry(w: World, number: int, customer: str, remaining: float, **more: Any) -> dict[str, Any]:
    return w.bc.add("customerLedgerEntries", {
        "id": guid(10_000 + number), "entryNumber": number, "customerNumber": customer,
        "postingDate": "2026-11-02", "dueDate": "2026-12-02", "documentType": "Invoice",
        "documentNumber": f"PS-INV{number}", "description": f"Invoice PS-INV{number}",
        "currencyCode": "", "amount": remaining, "remainingAmount": remaining,
        "remainingAmountLCY": remaining, "open": True, **more,
    }, api="companion")  # fmt: skip


def stock(w: World, item: str, location: str, quantity: float) -> None:
    w.bc.add("locationInventories", {"id": guid(20_000 + len(w.bc.sets.get(
        ("companion", "locationInventories"), []))), "itemNumber": item,
        "locationCode": location, "quantity": quantity}, api="companion")  # fmt: skip


def remove(w: World, entity_set: str, record_id: str) -> None:
    rows = w.bc.sets[("companion", entity_set)]
    rows[:] = [r for r in rows if r["id"] != record_id]


def crm_entry(w: World, number: int) -> dict[str, Any] | None:
    key = f"{number:012d}"
    return w.crm.tables.get("bcs_customerledgerentries", {}).get(
        target_id("customer-ledger-entries", key)
    )


def test_open_entries_reach_crm_with_the_account_balance_and_a_second_run_writes_nothing() -> None:
    w = connector()
    entry(w, 101, "C00010", 1000.0)
    entry(w, 102, "C00010", 300.5, documentType="Payment", amount=-300.5)
    entry(w, 103, "C00099", 50.0)  # a customer CRM does not have
    report = run_nightly(w.deps, ["customer-ledger-entries"]).results[0]
    assert (report.created, report.skipped, report.totals_written) == (2, 1, 2), report.as_dict()
    assert w.crm.tables["accounts"][FABRIKAM]["bcs_balance"] == 0.0  # first run: every account
    row = crm_entry(w, 101)
    assert row is not None and row["_bcs_accountid_value"] == ADATUM
    assert (row["bcs_documenttype"], row["bcs_documentno"], row["bcs_remainingamount"]) == (
        862070001,
        "PS-INV101",
        1000.0,
    )
    assert (row["bcs_entryno"], row["bcs_duedate"], row["_transactioncurrencyid_value"]) == (
        101,
        "2026-12-02",
        BASE,
    )  # blank BC currency: CRM's base currency
    assert w.crm.tables["accounts"][ADATUM]["bcs_balance"] == 1300.5
    writes = len(w.crm.writes)
    again = run_nightly(w.deps, ["customer-ledger-entries"]).results[0]
    assert (again.written, again.unchanged, len(w.crm.writes)) == (0, 2, writes)


def test_a_night_of_changes_inserts_updates_and_deletes_only_what_changed() -> None:
    w = connector()
    entry(w, 101, "C00010", 1000.0)
    entry(w, 102, "C00010", 200.0)
    entry(w, 201, "C00020", 75.0)
    run_nightly(w.deps, ["customer-ledger-entries"])
    untouched = target_id("customer-ledger-entries", f"{201:012d}")
    w.bc.change(
        "customerLedgerEntries", guid(10_101), remainingAmount=400.0, remainingAmountLCY=400.0
    )  # part paid
    remove(w, "customerLedgerEntries", guid(10_102))  # closed: leaves BC's open list
    entry(w, 103, "C00010", 60.0)
    writes = len(w.crm.writes)
    night = run_nightly(w.deps, ["customer-ledger-entries"]).results[0]
    assert (night.created, night.updated, night.deleted, night.unchanged) == (1, 1, 1, 1)
    assert crm_entry(w, 102) is None and crm_entry(w, 101)["bcs_remainingamount"] == 400.0  # type: ignore[index]
    assert all(row_id != untouched for _, row_id, _ in w.crm.writes[writes:])
    assert w.crm.tables["accounts"][ADATUM]["bcs_balance"] == 460.0
    assert night.totals_written == 1  # Fabrikam's balance did not change


def test_a_customer_whose_entries_all_closed_has_a_zero_balance() -> None:
    w = connector()
    entry(w, 301, "C00020", 90.0)
    run_nightly(w.deps, ["customer-ledger-entries"])
    remove(w, "customerLedgerEntries", guid(10_301))
    run_nightly(w.deps, ["customer-ledger-entries"])
    assert w.crm.tables["accounts"][FABRIKAM]["bcs_balance"] == 0.0
    assert not w.crm.tables["bcs_customerledgerentries"]


def test_a_run_stopped_midway_resumes_where_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    w = connector()
    monkeypatch.setattr(snapshot, "CHANGE_SET", 3)
    monkeypatch.setattr(snapshot, "IN_FLIGHT", 1)
    for n in range(1, 11):
        entry(w, n, "C00010", 10.0)
    real, calls = w.crm.execute, []

    def dies_on_the_third(items: Any, **options: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise TransientError("Dataverse unavailable (test)")
        return real(items, **options)

    monkeypatch.setattr(w.crm, "execute", dies_on_the_third)
    with pytest.raises(TransientError):
        run_nightly(w.deps, ["customer-ledger-entries"])
    assert len(w.crm.tables["bcs_customerledgerentries"]) == 6  # two change sets made it
    monkeypatch.setattr(w.crm, "execute", real)
    resumed = run_nightly(w.deps, ["customer-ledger-entries"]).results[0]
    assert (resumed.created, resumed.unchanged) == (4, 6)
    assert len(w.crm.tables["bcs_customerledgerentries"]) == 10
    assert w.crm.tables["accounts"][ADATUM]["bcs_balance"] == 100.0


def test_a_row_crm_refuses_is_that_rows_error_and_the_others_go() -> None:
    from shared.errors import RejectedError

    w = connector()
    for n in (401, 402, 403):
        entry(w, n, "C00010", 5.0)
    bad = target_id("customer-ledger-entries", f"{402:012d}")
    w.crm.fail_next(RejectedError("bcs_description is too long", status=400),
                    when=lambda s, k: k == bad)  # fmt: skip
    w.crm.fail_next(RejectedError("bcs_description is too long", status=400),
                    when=lambda s, k: k == bad)  # fmt: skip
    result = run_nightly(w.deps, ["customer-ledger-entries"]).results[0]
    assert result.failed == 1 and "Customer Ledger Entry 000000000402" in result.errors[0]
    assert crm_entry(w, 401) is not None and crm_entry(w, 403) is not None
    again = run_nightly(w.deps, ["customer-ledger-entries"]).results[0]
    assert (again.created, again.unchanged) == (1, 2)  # the refused row is tried again


def test_inventory_per_location_with_a_blank_location_and_the_product_total() -> None:
    w = connector()
    stock(w, "HW-LAPTOP", "MAIN", 25)
    stock(w, "HW-LAPTOP", "", 2)  # no location: shown at a blank location
    stock(w, "HW-DOCK", "MAIN", 40)
    stock(w, "HW-CABLE", "MAIN", 300)  # an item CRM does not have
    result = run_nightly(w.deps, ["inventory"]).results[0]
    assert (result.created, result.skipped, result.totals_written) == (3, 1, 2)
    rows = {(r["_bcs_productid_value"], r["bcs_locationcode"]): r
            for r in w.crm.tables["bcs_inventories"].values()}  # fmt: skip
    assert (
        rows[(LAPTOP, "")]["bcs_quantity"] == 2
        and "_bcs_locationid_value" not in rows[(LAPTOP, "")]
    )
    assert rows[(LAPTOP, "MAIN")]["_bcs_locationid_value"] == MAIN
    assert w.crm.tables["products"][LAPTOP]["bcs_inventory"] == 27
    assert w.crm.tables["products"][DOCK]["bcs_inventory"] == 40


def test_unknown_feeds_and_a_disabled_integration_are_refused_by_name() -> None:
    from dataclasses import replace

    from shared.errors import ConfigurationError, ValidationError

    w = connector()
    with pytest.raises(ValidationError, match="unknown feed ledger"):
        run_nightly(w.deps, ["ledger"])
    w.deps.crm_setup = replace(w.deps.crm_setup, enabled=False)
    assert run_nightly(w.deps, automatic=True).skipped
    with pytest.raises(ConfigurationError, match="CRM_INTEGRATION_ENABLED"):
        run_nightly(w.deps)


def test_rows_the_product_wrote_before_the_hub_are_replaced_never_doubled() -> None:
    w = connector()
    entry(w, 101, "C00010", 1000.0)
    for number in (101, 999):  # the product's own delete-and-recreate left these
        w.crm.add("bcs_customerledgerentries", {"bcs_entryno": number, "bcs_remainingamount": 1.0})
    result = run_nightly(w.deps, ["customer-ledger-entries"]).results[0]
    assert (result.created, result.deleted) == (1, 2)
    [row] = w.crm.tables["bcs_customerledgerentries"].values()
    assert row["bcs_customerledgerentryid"] == target_id("customer-ledger-entries", f"{101:012d}")
    w.crm.add("bcs_customerledgerentries", {"bcs_entryno": 555})  # made in CRM by hand later
    assert run_nightly(w.deps, ["customer-ledger-entries"]).results[0].deleted == 0
