"""EcpPro seed data: deterministic, sized as asked, and internally consistent."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import pytest

from sandbox.catalog import CURRENCIES, CUSTOMERS, LICENSE_SKUS, VENDORS
from sandbox.ecppro.seed import LISTS, EcpProSeed, generate, percent

Data = dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def data() -> Data:
    return generate(EcpProSeed())


def by_tenant(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["tenantId"]].append(row)
    return grouped


def test_same_seed_same_data_other_seed_other_data(data: Data) -> None:
    assert generate(EcpProSeed()) == data
    assert generate(EcpProSeed(seed=43))["users"] != data["users"]


def test_default_sizes(data: Data) -> None:
    assert len(data["tenants"]) == 50
    assert len({t["mspId"] for t in data["tenants"]}) == 3
    assert 2500 <= len(data["users"]) <= 3500
    assert len(data["invoices"]) == 40


def test_sizes_are_configurable() -> None:
    small = generate(EcpProSeed(seed=1, msps=1, tenants=4, users_per_tenant=8, invoices=5))
    assert len(small["tenants"]) == 4
    assert len(small["invoices"]) == 5
    assert all(6 <= len(users) <= 10 for users in by_tenant(small["users"]).values())


def test_every_list_is_sorted_by_unique_ids(data: Data) -> None:
    for name in LISTS:
        ids = [row["id"] for row in data[name]]
        assert ids == sorted(ids) and len(ids) == len(set(ids)), name


def test_tenant_counts_match_its_records(data: Data) -> None:
    users, contacts = by_tenant(data["users"]), by_tenant(data["contacts"])
    groups, licenses = by_tenant(data["groups"]), by_tenant(data["licenses"])
    for tenant in data["tenants"]:
        mine = users[tenant["id"]]
        paid = [lic for lic in licenses[tenant["id"]] if not lic["isFree"]]
        licensed = [u for u in mine if u["isEnabled"] and u["userType"] == "Member"]
        inactive = [
            u
            for u in mine
            if u["lastSignedIn"] is None or u["lastSignedIn"] < "2025-05-31T12:00:00Z"
        ]
        unallocated = sum(lic["availableUnits"] for lic in paid)
        assert tenant["totalUsers"] == len(mine)
        # The main plan covers every licensed user; other SKUs cover some of them.
        assert tenant["licensedUsers"] == len(licensed) == max(lic["consumedUnits"] for lic in paid)
        assert tenant["inactiveUsers"] == len(inactive)
        assert tenant["inactiveUsersPercent"] == round(100 * len(inactive) / len(mine), 2)
        assert tenant["totalContacts"] == len(contacts[tenant["id"]])
        assert tenant["totalGroups"] == len(groups[tenant["id"]])
        assert tenant["totalLicenses"] == len(licenses[tenant["id"]])
        assert tenant["unallocatedLicenses"] == unallocated
        assert tenant["unallocatedLicensesPercent"] == percent(
            unallocated, sum(lic["prepaidUnits"] for lic in paid)
        )
        assert (
            0 <= tenant["secureScore"] <= 100
            and round(tenant["secureScore"], 1) == tenant["secureScore"]
        )
        assert tenant["entityType"] == "Tenant" and tenant["entraLicense"] in {"P1", "P2", "Free"}


def test_records_are_consistent(data: Data) -> None:
    tenants = {t["id"]: t for t in data["tenants"]}
    for user in data["users"]:
        tenant = tenants[user["tenantId"]]
        assert (user["tenantName"], user["mspName"]) == (tenant["displayName"], tenant["mspName"])
        assert user["createdOn"].endswith("Z")
        assert user["lastSignedIn"] is None or user["lastSignedIn"] >= user["createdOn"]
        assert user["userRole"] in {"Admin", "User"} and user["userType"] in {"Member", "Guest"}
    for group in data["groups"]:
        assert group["isDynamic"] == (group["membershipType"] == "Dynamic")
        assert group["groupType"] in {"Security", "Distribution", "Microsoft 365"}
        assert group["visibility"] in {"Public", "Private", "HiddenMembership"}
    for lic in data["licenses"]:
        assert lic["availableUnits"] == lic["prepaidUnits"] - lic["consumedUnits"] >= 0
        assert lic["percentageUsed"] == percent(lic["consumedUnits"], lic["prepaidUnits"])


def test_invoices_use_the_shared_catalog_and_add_up(data: Data) -> None:
    customers = {c.number: c for c in CUSTOMERS}
    currencies = {"", *(c.code for c in CURRENCIES)}
    skus = {s.code for s in LICENSE_SKUS}
    for invoice in data["invoices"]:
        assert customers[invoice["customerNumber"]].name == invoice["customerName"]
        assert invoice["currencyCode"] in currencies
        assert invoice["vendorNumber"] in {v.number for v in VENDORS}
        assert invoice["dueDate"] > invoice["invoiceDate"]
        assert invoice["totalAmount"] == round(sum(line["amount"] for line in invoice["lines"]), 2)
        for line in invoice["lines"]:
            assert line["amount"] == round(line["quantity"] * line["unitPrice"], 2)
            assert (line["unitCost"] is None) == (line["productCode"] not in skus)
    assert sum(1 for invoice in data["invoices"] if invoice["totalAmount"] < 0) >= 3
    providers = Counter(invoice["providerInvoiceNumber"] for invoice in data["invoices"])
    assert max(providers.values()) > 1  # one distributor bill covers several invoices


def test_names_exercise_quoting_and_encoding(data: Data) -> None:
    names = [user["displayName"] for user in data["users"]]
    assert any("'" in name for name in names)
    assert any(not name.isascii() for name in names)
    assert all(user["userPrincipalName"].isascii() for user in data["users"])
