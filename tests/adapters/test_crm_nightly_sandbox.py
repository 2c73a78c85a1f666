"""The nightly feeds against both simulators over real HTTP: BC's companion
`customerLedgerEntries` and `locationInventories` (sandbox/BC_CUSTOM_API.md) mirrored in
Dataverse's `bcs_customerledgerentries` and `bcs_inventories`, which the product's own
job had already filled (the Dataverse seed), with account balances and product totals."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from shared.config import Settings
from shared.flows.crm_mapping import MappingJob, map_crm_data
from shared.flows.crm_nightly import run_nightly
from shared.flows.crm_sync import run_bc_to_crm
from shared.flows.crm_to_bc import create_in_bc, stage_crm_changes
from shared.flows.deps import Deps
from shared.sync.couplings import Couplings
from shared.sync.snapshot import target_id
from tests.adapters.crm_support import clients, connector_deps

pytestmark = pytest.mark.sandbox


@pytest.fixture
def deps(sandbox_settings: Settings) -> Deps:
    deps = connector_deps(sandbox_settings)
    run_bc_to_crm(deps, ["payment-terms", "shipment-methods", "shipping-agents", "tax-areas",
                         "locations", "configuration-templates", "countries-regions",
                         "units-of-measure", "items"])  # fmt: skip
    map_crm_data(deps, MappingJob.CURRENCIES)
    stage_crm_changes(deps, ["customers"])  # the seeded accounts carry their BC customer No.
    _, crm = clients(deps)
    seeded = [row["accountid"] for row in crm.rows(
        "accounts", filter="bcs_bccustomerno ne null", select=["accountid"])]  # fmt: skip
    create_in_bc(deps, "customers", seeded)  # only those: other tests' accounts are theirs
    return deps


def post_invoice(bc: Any, customer: str, price: float) -> None:
    """A posted sales invoice: BC writes its open customer ledger entry."""
    base = f"{bc.api_path}/{bc.company}"
    invoice = bc.http.request("POST", f"{base}/salesInvoices", json={
        "customerNumber": customer, "salesInvoiceLines": [
            {"lineType": "Item", "lineObjectNumber": "SUPPORT-HRS", "quantity": 1,
             "unitPrice": price}]}).json()  # fmt: skip
    bc.http.request("POST", f"{base}/salesInvoices({invoice['id']})/Microsoft.NAV.post")


def test_open_entries_and_balances_mirror_bc_and_the_products_rows_are_replaced(
    deps: Deps,
) -> None:
    bc, crm = clients(deps)
    coupled = {c.key: c.crm_id for c in Couplings(deps.store).all("customers")}
    for customer, price in (("C00010", 120.0), ("C00010", 80.0), ("C00020", 45.5)):
        post_invoice(bc, customer, price)
    report = run_nightly(deps, ["customer-ledger-entries"]).results[0]
    assert report.failed == 0, report.as_dict()
    open_entries = [e for e in bc.records("customerLedgerEntries", api="companion")
                    if e["customerNumber"] in coupled]  # fmt: skip
    in_crm = {row["bcs_entryno"]: row for row in crm.rows("bcs_customerledgerentries")}
    assert sorted(in_crm) == sorted(e["entryNumber"] for e in open_entries) and in_crm
    for entry in open_entries:
        row = in_crm[entry["entryNumber"]]
        assert row["bcs_customerledgerentryid"] == target_id(
            "customer-ledger-entries", f"{entry['entryNumber']:012d}"
        )
        assert row["_bcs_accountid_value"] == coupled[entry["customerNumber"]]
        assert row["bcs_remainingamount"] == entry["remainingAmount"]
    balances: dict[str, float] = defaultdict(float)
    for entry in open_entries:
        balances[entry["customerNumber"]] += entry["remainingAmountLCY"]
    for number, account_id in coupled.items():
        account = crm.get("accounts", account_id, select=["bcs_balance"])
        assert account["bcs_balance"] == pytest.approx(balances.get(number, 0.0))
    again = run_nightly(deps, ["customer-ledger-entries"]).results[0]
    assert again.written == 0 and again.unchanged == len(open_entries)


def test_inventory_per_location_with_product_totals(deps: Deps) -> None:
    bc, crm = clients(deps)
    items = {c.key: c.crm_id for c in Couplings(deps.store).all("items")}
    report = run_nightly(deps, ["inventory"]).results[0]
    assert report.failed == 0, report.as_dict()
    stock = [s for s in bc.records("locationInventories", api="companion")
             if s["itemNumber"] in items]  # fmt: skip
    rows = list(crm.rows("bcs_inventories"))
    assert len(rows) == len(stock) > 0  # the seed's foreign rows are gone, BC's are in
    totals: dict[str, float] = defaultdict(float)
    for place in stock:
        totals[place["itemNumber"]] += place["quantity"]
    for number, product_id in items.items():
        product = crm.get("products", product_id, select=["bcs_inventory"])
        assert product["bcs_inventory"] == pytest.approx(totals.get(number, 0.0)), number
    assert run_nightly(deps, ["inventory"]).results[0].written == 0
