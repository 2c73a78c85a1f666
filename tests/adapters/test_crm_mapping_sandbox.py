"""Map CRM Data against the simulators over real HTTP: BC's v2.0 salespeople, currencies
and customers, its companion `crmIds`, and Dataverse's owners, currencies, accounts and
organization, through the hub's own clients.

The simulators are shared by the whole session, so exact outcomes are asserted on records
each test makes with unique values; on the seed only what no other test changes (BC's
salesperson PS shares Peter Saddow's e-mail, JO has no owner; GBP is CRM's base currency).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from sandbox.run import RunningSandbox
from shared.adapters.business_central.client import BusinessCentralClient
from shared.adapters.dataverse.client import DataverseClient
from shared.bootstrap import build_business_central, build_dataverse
from shared.config import Settings
from shared.domain.crm import CrmSetup
from shared.flows.crm_mapping import BASE_CURRENCY_BC_ID, MappingJob, Outcome, map_crm_data
from shared.flows.deps import Deps
from shared.sync.couplings import Couplings
from tests.fakes.bus import InMemoryBus
from tests.fakes.ecppro import FakeEcpPro
from tests.fakes.store import InMemoryStagingStore

pytestmark = pytest.mark.sandbox


@pytest.fixture
def dataverse(sandbox_settings: Settings) -> DataverseClient:
    return build_dataverse(sandbox_settings)


@pytest.fixture
def bc(sandbox_settings: Settings) -> BusinessCentralClient:
    return build_business_central(sandbox_settings)


@pytest.fixture
def deps(bc: BusinessCentralClient, dataverse: DataverseClient) -> Iterator[Deps]:
    """The hub's clients on the sandbox; couplings in a store of the test's own."""
    yield Deps(
        store=InMemoryStagingStore(), bus=InMemoryBus(), ecppro=FakeEcpPro({}), bc=bc,
        bc_records=bc, dataverse=dataverse, crm_setup=CrmSetup(enabled=True),
        clock=lambda: datetime.now(UTC),
    )  # fmt: skip


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}".upper()


def salesperson(sandbox: RunningSandbox, code: str, email: str) -> str:
    record = sandbox.business_central.admin.upsert("salespeoplePurchasers", {
        "id": str(uuid.uuid4()), "code": code, "displayName": f"Salesperson {code}",
        "email": email,
    })  # fmt: skip
    return str(record["id"])


def owner(dataverse: DataverseClient, email: str) -> str:
    return dataverse.create("systemusers", {"firstname": "Test", "lastname": email.split("@")[0],
                                            "internalemailaddress": email, "domainname": email})  # fmt: skip


def crm_id_in_bc(bc: BusinessCentralClient, record_id: str) -> str:
    """The record's "BCS CRM ID" as BC's companion API shows it."""
    rows = list(bc.records("crmIds", api="companion", filter=f"id eq {record_id}"))
    assert len(rows) == 1, rows
    return str(rows[0]["crmId"])


def test_salespersons_are_coupled_by_email_and_bc_shows_the_crm_id(
    sandbox: RunningSandbox, bc: BusinessCentralClient, dataverse: DataverseClient, deps: Deps
) -> None:
    domain = f"{uuid.uuid4().hex[:8]}.example"
    matched = salesperson(sandbox, unique("M"), f"Match@{domain}")  # e-mails match in any case
    single = owner(dataverse, f"match@{domain}")
    several_crm = salesperson(sandbox, unique("SC"), f"twice@{domain}")
    owner(dataverse, f"twice@{domain}")
    owner(dataverse, f"TWICE@{domain}")
    several_bc = [salesperson(sandbox, unique("SB"), f"shared@{domain}") for _ in range(2)]
    owner(dataverse, f"shared@{domain}")
    lonely = salesperson(sandbox, unique("N"), f"nobody@{domain}")

    report = map_crm_data(deps, MappingJob.SALESPERSONS)
    by_id = {record.bc_id: record for record in report.records}

    assert (by_id[matched].outcome, by_id[matched].crm_id) == (Outcome.COUPLED, single)
    assert by_id[several_crm].outcome is Outcome.SEVERAL_MATCHES
    assert all(by_id[i].outcome is Outcome.SEVERAL_MATCHES for i in several_bc)
    assert by_id[lonely].outcome is Outcome.NO_MATCH
    assert crm_id_in_bc(bc, matched) == single
    coupling = Couplings(deps.store).by_crm("salespersons", single)
    assert coupling is not None and coupling.bc_id == matched and coupling.written_back

    again = {r.bc_id: r.outcome for r in map_crm_data(deps, MappingJob.SALESPERSONS).records}
    assert again[matched] is Outcome.ALREADY_COUPLED


def test_the_seeded_salespeople_match_the_seeded_owners(
    bc: BusinessCentralClient, dataverse: DataverseClient, deps: Deps
) -> None:
    peter = next(dataverse.rows("systemusers",
                                filter="internalemailaddress eq 'peter.saddow@cronus.example'"))  # fmt: skip
    report = map_crm_data(deps, MappingJob.SALESPERSONS, dry_run=True)
    by_key = {record.bc_key: record for record in report.records}

    assert (by_key["PS"].outcome, by_key["PS"].crm_id) == (Outcome.COUPLED, peter["systemuserid"])
    assert by_key["JO"].outcome is Outcome.NO_MATCH
    assert list(Couplings(deps.store).all("salespersons")) == []  # a dry run writes nothing


def test_currencies_by_code_and_crms_base_currency_for_bcs_blank_code(
    bc: BusinessCentralClient, dataverse: DataverseClient, deps: Deps
) -> None:
    organization = next(dataverse.rows("organizations"))
    base = dataverse.get("transactioncurrencies", str(organization["_basecurrencyid_value"]))
    euro = next(dataverse.rows("transactioncurrencies", filter="isocurrencycode eq 'EUR'"))
    report = map_crm_data(deps, MappingJob.CURRENCIES)
    by_key = {record.bc_key: record for record in report.records}

    assert base["isocurrencycode"] == "GBP"
    assert report.records[0].bc_id == BASE_CURRENCY_BC_ID
    assert (by_key[""].outcome, by_key[""].crm_id) == (
        Outcome.COUPLED_BASE_CURRENCY, base["transactioncurrencyid"],
    )  # fmt: skip
    assert (by_key["EUR"].outcome, by_key["EUR"].crm_id) == (
        Outcome.COUPLED, euro["transactioncurrencyid"],
    )  # fmt: skip
    assert crm_id_in_bc(bc, by_key["EUR"].bc_id) == euro["transactioncurrencyid"]
    coupling = Couplings(deps.store).by_crm("currencies", base["transactioncurrencyid"])
    assert coupling is not None and (coupling.bc_id, coupling.key) == (BASE_CURRENCY_BC_ID, "")


def test_customers_are_coupled_by_name(
    sandbox: RunningSandbox, bc: BusinessCentralClient, dataverse: DataverseClient, deps: Deps
) -> None:
    name = f"Northwind {uuid.uuid4().hex[:8]} Traders"
    number = unique("T")[:20]
    customer = sandbox.business_central.admin.add_customer(number, name)
    crm = dataverse.create("accounts", {"name": f"  {name.upper()} "})
    twice = f"Contoso {uuid.uuid4().hex[:8]}"
    other = sandbox.business_central.admin.add_customer(unique("U")[:20], twice)
    for _ in range(2):
        dataverse.create("accounts", {"name": twice})

    report = map_crm_data(deps, MappingJob.CUSTOMERS)
    by_id = {record.bc_id: record for record in report.records}

    assert (by_id[customer["id"]].outcome, by_id[customer["id"]].crm_id) == (Outcome.COUPLED, crm)
    assert by_id[other["id"]].outcome is Outcome.SEVERAL_MATCHES
    assert crm_id_in_bc(bc, customer["id"]) == crm
    coupling = Couplings(deps.store).by_key("customers", number)
    assert coupling is not None and coupling.crm_id == crm
