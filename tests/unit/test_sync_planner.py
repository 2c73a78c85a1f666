"""The engine's pure decisions: transforms, lookups (with BC's blank base currency),
hashes against the coupling, hub-chosen ids."""

from __future__ import annotations

import pytest

from shared.sync.couplings import Coupling, SyncState
from shared.sync.maps import (
    Choice,
    Copy,
    Direction,
    EntityMap,
    Field,
    Join,
    Lookup,
    MappingProblem,
    Split,
)
from shared.sync.planner import (
    Invalid,
    Unchanged,
    Wait,
    Write,
    WriteBack,
    map_payload,
    payload_hash,
    plan_record,
    target_id_for,
)

INVOICES = EntityMap(
    name="posted-invoices", label="Posted Sales Invoice", direction=Direction.BC_TO_CRM,
    source_set="salesInvoices", target_set="invoices", target_table="invoice",
    source_key="number", target_key="invoicenumber",
    fields=(Field("invoicenumber", ("number",), Copy(100)),
            Field("name", ("customerName",), Split(0, 100))),
    lookups=(Lookup("currencyCode", "currencies", "transactioncurrencyid@odata.bind",
                    "transactioncurrencies", blank_is_base=True),),
)  # fmt: skip
BASE = Coupling(
    "currencies", "00000000-0000-0000-0000-000000000000", "c0ffee00-0000-4000-8000-000000000001", ""
)
EUR = Coupling(
    "currencies",
    "e0000000-0000-4000-8000-000000000001",
    "c0ffee00-0000-4000-8000-000000000002",
    "EUR",
)


def resolve(lookup: Lookup, key: str) -> Coupling | None:
    return {"": BASE, "EUR": EUR}.get(key.upper()) if lookup.entity == "currencies" else None


def invoice(currency: str = "", **more: object) -> dict[str, object]:
    return {"id": "a1000000-0000-4000-8000-000000000001", "number": "PS-INV1001",
            "customerName": "Adatum", "currencyCode": currency, **more}  # fmt: skip


def test_a_blank_bc_currency_is_crms_base_currency_and_a_code_its_coupled_currency() -> None:
    base = map_payload(INVOICES, invoice(""), resolve)
    euro = map_payload(INVOICES, invoice("EUR"), resolve)
    assert isinstance(base, dict) and isinstance(euro, dict)
    assert base["transactioncurrencyid@odata.bind"] == f"/transactioncurrencies({BASE.crm_id})"
    assert euro["transactioncurrencyid@odata.bind"] == f"/transactioncurrencies({EUR.crm_id})"
    waiting = map_payload(INVOICES, invoice("USD"), resolve)
    assert isinstance(waiting, Wait) and "currencies 'USD' is not coupled" in waiting.reason


def test_transforms() -> None:
    assert Split(0, 100)(("x" * 150,), "name") == "x" * 100
    assert Split(1, 100)(("x" * 150,), "name") == "x" * 50
    assert Join(" ", limit=5)(("Surface", "Laptop"), "displayName") == "Surfa"
    assert Join(" ")(("Surface", "", None, "Laptop"), "displayName") == "Surface Laptop"
    assert Choice({"Non-Inventory": 2})(("Non_x002D_Inventory",), "type") == 2
    with pytest.raises(MappingProblem, match="type 'Kit' has no counterpart"):
        Choice({"Service": 3})(("Kit",), "type")
    with pytest.raises(MappingProblem, match="11 characters; the target holds 10") as problem:
        Copy(10)(("X" * 11,), "code")
    assert problem.value.field == "code"


def test_decisions_against_the_coupling() -> None:
    row = invoice("EUR")
    mapped = map_payload(INVOICES, row, resolve)
    assert isinstance(mapped, dict)
    new = plan_record(INVOICES, row, None, None, resolve, None)
    assert isinstance(new, Write) and new.operation == "Create"
    assert new.target_id == target_id_for("posted-invoices", str(row["id"]))
    matched = plan_record(
        INVOICES, row, None, "c0ffee00-0000-4000-8000-00000000abcd", resolve, None
    )
    assert isinstance(matched, Write) and matched.operation == "Couple"
    synced = SyncState(payload_hash(mapped), None, "Created")
    coupling = Coupling("posted-invoices", str(row["id"]), new.target_id, "PS-INV1001",
                        to_crm=synced, written_back=True)  # fmt: skip
    assert isinstance(plan_record(INVOICES, row, coupling, None, resolve, None), Unchanged)
    not_back = Coupling(**{**coupling.__dict__, "written_back": False})
    assert isinstance(plan_record(INVOICES, row, not_back, None, resolve, None), WriteBack)
    changed = plan_record(INVOICES, invoice("EUR", customerName="Adatum Ltd"), coupling, None,
                          resolve, None)  # fmt: skip
    assert isinstance(changed, Write) and changed.operation == "Update"
    failed = Coupling(**{**coupling.__dict__, "to_crm": SyncState(synced.hash, None, "Failed")})
    assert isinstance(plan_record(INVOICES, row, failed, None, resolve, None), Write)
    too_long = plan_record(INVOICES, invoice("EUR", number="N" * 101), None, None, resolve, None)
    assert isinstance(too_long, Invalid) and too_long.field == "number"
