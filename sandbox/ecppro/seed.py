"""Deterministic EcpPro seed data: MSPs' tenants with users, contacts, groups, licenses, invoices.

`generate(EcpProSeed(seed=42))` gives the same records on every run (one
`random.Random(seed)` drives everything; ids are GUIDs drawn from it). Defaults: 3 MSPs,
50 tenants, about 60 users per tenant (±25 %), 40 invoices.

Consistency rules (documented in ECPPRO_API.md, checked by the tests):

- a tenant's `totalUsers`, `totalContacts`, `totalGroups`, `totalLicenses` count its
  records; `licensedUsers` = enabled Member users; `inactiveUsers` = users never signed
  in or not within 30 days before `REFERENCE_TIME`; `unallocatedLicenses` = sum of its
  paid (non-free) licenses' `availableUnits`, its percent relative to their
  `prepaidUnits`; percentages = round(100 * part / whole, 2), 0 when whole is 0,
- the tenant's `entraLicense` follows its SKUs (P2 with E5/Entra P2, P1 with E3/Business
  Premium/Entra P1, else Free); the main SKU's `consumedUnits` = `licensedUsers`,
- users carry their tenant's `tenantName` and `mspName`; `lastSignedIn` is never before
  `createdOn`; a group's `isDynamic` matches `membershipType`,
- invoices use the customers, vendors, currencies and SKUs of `sandbox.catalog`, so they
  match the Business Central seed; `amount` = round(quantity * unitPrice, 2) and
  `totalAmount` = round(sum of amounts, 2); every 10th invoice (from the 8th) is a credit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.catalog import LICENSE_SKUS, mailbox_name, random_id
from sandbox.ecppro import names
from sandbox.ecppro.invoices import invoice_records

LISTS = ("tenants", "users", "contacts", "groups", "licenses", "invoices")
REFERENCE_TIME = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
INACTIVE_AFTER = timedelta(days=30)
Record = dict[str, Any]


@dataclass(frozen=True)
class EcpProSeed:
    """How much data to make, and from which seed."""

    seed: int = 42
    msps: int = 3
    tenants: int = 50
    users_per_tenant: int = 60
    invoices: int = 40


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def percent(part: float, whole: float) -> float:
    return round(100 * part / whole, 2) if whole else 0


def generate(config: EcpProSeed) -> dict[str, list[Record]]:
    """Every list of the API, each sorted by id."""
    rng = random.Random(config.seed)
    msps = [(random_id(rng), names.MSP_NAMES[i % len(names.MSP_NAMES)]) for i in range(config.msps)]
    data: dict[str, list[Record]] = {name: [] for name in LISTS}
    for tenant_name in _tenant_names(rng, config.tenants):
        msp_id, msp_name = rng.choice(msps)
        tenant = {
            "id": random_id(rng),
            "displayName": tenant_name,
            "mspId": msp_id,
            "mspName": msp_name,
        }
        records = _tenant_records(rng, tenant, config.users_per_tenant)
        for name, rows in records.items():
            data[name].extend(rows)
        data["tenants"].append(_tenant_summary(rng, tenant, records))
    tenant_ids = [tenant["id"] for tenant in data["tenants"]]
    data["invoices"] = invoice_records(rng, tenant_ids, config.invoices)
    return {name: sorted(rows, key=lambda row: row["id"]) for name, rows in data.items()}


def _tenant_names(rng: random.Random, count: int) -> list[str]:
    combos = [f"{a} {b}" for a in names.TENANT_FIRST for b in names.TENANT_SECOND]
    rng.shuffle(combos)
    # Beyond the pool, names repeat with a number, as real directories have "... 2".
    return [
        combos[i % len(combos)] + (f" {i // len(combos) + 1}" if i >= len(combos) else "")
        for i in range(count)
    ]


def _domain(tenant_name: str) -> str:
    return mailbox_name(tenant_name).replace(".", "")[:24] + ".onmicrosoft.com"


def _tenant_records(
    rng: random.Random, tenant: Record, users_per_tenant: int
) -> dict[str, list[Record]]:
    spread = users_per_tenant // 4
    user_count = max(1, rng.randint(users_per_tenant - spread, users_per_tenant + spread))
    users = [_user(rng, tenant, i) for i in range(user_count)]
    _unique_upns(users)
    licensed = sum(1 for u in users if u["isEnabled"] and u["userType"] == "Member")
    return {
        "users": users,
        "contacts": [_contact(rng, tenant) for _ in range(rng.randint(3, 15))],
        "groups": [
            _group(rng, tenant, name) for name in rng.sample(names.GROUP_NAMES, rng.randint(4, 12))
        ],
        "licenses": _licenses(rng, tenant, licensed),
    }


def _user(rng: random.Random, tenant: Record, index: int) -> Record:
    first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
    guest = index > 0 and rng.random() < 0.08
    domain = _domain(tenant["displayName"])
    mailbox = mailbox_name(first, last)
    upn = f"{mailbox}_partner.example#EXT#@{domain}" if guest else f"{mailbox}@{domain}"
    created = REFERENCE_TIME - timedelta(days=rng.uniform(30, 1500))
    # Most people sign in every few days; about one in ten never has.
    recently = timedelta(days=min(rng.expovariate(1 / 12), 400))
    signed_in = None if rng.random() < 0.1 else REFERENCE_TIME - recently
    if signed_in is not None and signed_in < created:
        signed_in = created + (REFERENCE_TIME - created) / 2
    return {
        "id": random_id(rng), "tenantId": tenant["id"], "displayName": f"{first} {last}",
        "userPrincipalName": upn,
        "userRole": "Admin" if index == 0 or rng.random() < 0.04 else "User",
        "userType": "Guest" if guest else "Member",
        "isEnabled": index == 0 or rng.random() < 0.92, "mfaEnabled": rng.random() < 0.75,
        "tenantName": tenant["displayName"], "mspName": tenant["mspName"],
        "lastSignedIn": iso(signed_in) if signed_in else None, "createdOn": iso(created),
    }  # fmt: skip


def _unique_upns(users: list[Record]) -> None:
    seen: dict[str, int] = {}
    for user in users:
        upn = user["userPrincipalName"]
        seen[upn] = seen.get(upn, 0) + 1
        if seen[upn] > 1:
            local, _, domain = upn.partition("@")
            user["userPrincipalName"] = f"{local}{seen[upn]}@{domain}"


def _contact(rng: random.Random, tenant: Record) -> Record:
    first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
    company = rng.choice(names.CONTACT_COMPANIES)
    company_domain = mailbox_name(company).replace(".", "")[:20] + ".example"
    return {
        "id": random_id(rng), "tenantId": tenant["id"], "displayName": f"{first} {last}",
        "email": f"{mailbox_name(first, last)}@{company_domain}", "companyName": company,
        "officePhone": f"+44 20 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
        "mobilePhone": f"+44 7{rng.randint(100, 999)} {rng.randint(100000, 999999)}" if rng.random() < 0.7 else "",
        "isEnabled": rng.random() < 0.9,
        "createdOn": iso(REFERENCE_TIME - timedelta(days=rng.uniform(1, 900))),
    }  # fmt: skip


def _group(rng: random.Random, tenant: Record, name: str) -> Record:
    group_type = rng.choice(("Security", "Distribution", "Microsoft 365"))
    dynamic = group_type != "Distribution" and rng.random() < 0.2
    if group_type == "Microsoft 365":
        visibility = rng.choice(("Public", "Private", "Private", "HiddenMembership"))
    else:
        visibility = "Private"
    mail_enabled = group_type != "Security"
    return {
        "id": random_id(rng), "tenantId": tenant["id"], "displayName": name,
        "email": f"{mailbox_name(name).replace('.', '-')}@{_domain(tenant['displayName'])}" if mail_enabled else None,
        "groupType": group_type, "membershipType": "Dynamic" if dynamic else "Assigned",
        "isDynamic": dynamic, "isEnabled": rng.random() < 0.95,
        "isTeam": group_type == "Microsoft 365" and rng.random() < 0.6, "visibility": visibility,
    }  # fmt: skip


def _licenses(rng: random.Random, tenant: Record, licensed_users: int) -> list[Record]:
    paid = [sku for sku in LICENSE_SKUS if not sku.is_free]
    free = [sku for sku in LICENSE_SKUS if sku.is_free]
    chosen = rng.sample(paid, rng.randint(2, 5)) + rng.sample(free, rng.randint(0, 2))
    rows = []
    for position, sku in enumerate(chosen):
        if sku.is_free:
            prepaid, consumed = 10_000, rng.randint(0, 25)
        else:
            # The first paid SKU is the tenant's main plan: every licensed user has one.
            consumed = licensed_users if position == 0 else rng.randint(0, licensed_users)
            prepaid = consumed + rng.randint(0, 10)
        rows.append({
            "id": random_id(rng), "tenantId": tenant["id"], "displayName": sku.name, "code": sku.code,
            "prepaidUnits": prepaid, "consumedUnits": consumed, "availableUnits": prepaid - consumed,
            "percentageUsed": percent(consumed, prepaid), "isFree": sku.is_free,
        })  # fmt: skip
    return rows


def _entra_license(codes: set[str]) -> str:
    if codes & {"SPE_E5", "AAD_PREMIUM_P2"}:
        return "P2"
    if codes & {"SPE_E3", "O365_BUSINESS_PREMIUM", "AAD_PREMIUM"}:
        return "P1"
    return "Free"


def _tenant_summary(rng: random.Random, tenant: Record, records: dict[str, list[Record]]) -> Record:
    users, licenses = records["users"], records["licenses"]
    cutoff = REFERENCE_TIME - INACTIVE_AFTER
    inactive = sum(1 for u in users if u["lastSignedIn"] is None or u["lastSignedIn"] < iso(cutoff))
    # Free SKUs come with 10,000 units that nobody buys: they are left out of allocation.
    paid = [lic for lic in licenses if not lic["isFree"]]
    unallocated = sum(lic["availableUnits"] for lic in paid)
    prepaid = sum(lic["prepaidUnits"] for lic in paid)
    return {
        "id": tenant["id"], "displayName": tenant["displayName"], "entityType": "Tenant",
        "mspId": tenant["mspId"], "mspName": tenant["mspName"],
        "entraLicense": _entra_license({lic["code"] for lic in licenses}),
        "secureScore": round(rng.uniform(20, 95), 1),
        "totalUsers": len(users),
        "licensedUsers": sum(1 for u in users if u["isEnabled"] and u["userType"] == "Member"),
        "inactiveUsers": inactive, "inactiveUsersPercent": percent(inactive, len(users)),
        "totalContacts": len(records["contacts"]), "totalGroups": len(records["groups"]),
        "totalLicenses": len(licenses), "unallocatedLicenses": unallocated,
        "unallocatedLicensesPercent": percent(unallocated, prepaid),
    }  # fmt: skip
