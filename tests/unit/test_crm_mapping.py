"""Map CRM Data on fakes: the product document's §3.5 jobs (salespersons by e-mail,
currencies by code, customers by name), §14 (owners) and §17 (the base currency)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from shared.errors import AuthError, ConfigurationError, RejectedError
from shared.flows.crm_mapping import (
    BASE_CURRENCY_BC_ID,
    CHUNK,
    MappingJob,
    MappingReport,
    Outcome,
    map_crm_data,
)
from shared.flows.flow_status import flow_statuses
from shared.registry import Flow, Table
from shared.sync.couplings import Couplings
from tests.fakes.bc_records import FakeBcRecords
from tests.fakes.dataverse import FakeDataverse
from tests.unit.crm_fixtures import SETUP, World, guid, world

GBP, EUR, USD = (f"c0000000-0000-4000-8000-00000000000{n}" for n in (1, 2, 3))


def salesperson(w: World, n: int, code: str, email: str | None) -> dict[str, Any]:
    return w.bc.add("salespeoplePurchasers", {"id": guid(n), "code": code,
                                              "displayName": code, "email": email})  # fmt: skip


def owner(crm: FakeDataverse, email: str, name: str = "", *, disabled: bool = False) -> str:
    return crm.add("systemusers", {"internalemailaddress": email, "fullname": name or email,
                                   "isdisabled": disabled})  # fmt: skip


def currency(crm: FakeDataverse, row_id: str, code: str, name: str = "") -> str:
    return crm.add("transactioncurrencies", {"transactioncurrencyid": row_id,
                                             "isocurrencycode": code, "currencyname": name or code,
                                             "statecode": 0})  # fmt: skip


def customer(bc: FakeBcRecords, n: int, number: str, name: str) -> dict[str, Any]:
    return bc.add("customers", {"id": guid(n), "number": number, "displayName": name})


def account(crm: FakeDataverse, name: str, number: str = "", *, active: bool = True) -> str:
    return crm.add("accounts", {"name": name, "accountnumber": number,
                                "statecode": 0 if active else 1})  # fmt: skip


def outcomes(report: MappingReport) -> dict[str, tuple[Outcome, str]]:
    return {r.bc_key: (r.outcome, r.crm_id) for r in report.records}


def detail(report: MappingReport, key: str) -> str:
    return next(r.detail for r in report.records if r.bc_key == key)


# --- salespersons ⇄ owners by e-mail ---------------------------------------------------------
def test_a_salesperson_is_coupled_to_the_owner_with_its_email_and_bc_gets_the_crm_id() -> None:
    w = world()
    person = salesperson(w, 1, "PS", " Peter.Saddow@CRONUS.example ")  # trimmed, any case
    peter = owner(w.crm, "peter.saddow@cronus.example", "Peter Saddow")
    report = map_crm_data(w.deps, MappingJob.SALESPERSONS)

    assert outcomes(report) == {"PS": (Outcome.COUPLED, peter)}
    assert "Peter Saddow" in detail(report, "PS")
    coupling = Couplings(w.store).by_bc("salespersons", person["id"])
    assert coupling is not None and (coupling.crm_id, coupling.key) == (peter, "PS")
    assert coupling.written_back and w.bc.crm_id(person["id"]) == peter  # "BCS CRM ID"
    assert Couplings(w.store).by_crm("salespersons", peter) == coupling


def test_a_salesperson_without_an_email_or_without_an_owner_is_no_match() -> None:
    w = world()
    salesperson(w, 1, "JO", "jim.olive@cronus.example")
    salesperson(w, 2, "XX", None)
    owner(w.crm, "annette.hill@cronus.example")
    owner(w.crm, "jim.olive@cronus.example", disabled=True)  # a disabled user owns nothing
    report = map_crm_data(w.deps, MappingJob.SALESPERSONS)

    assert outcomes(report) == {"JO": (Outcome.NO_MATCH, ""), "XX": (Outcome.NO_MATCH, "")}
    assert "jim.olive@cronus.example" in detail(report, "JO")
    assert detail(report, "XX") == "the salesperson has no e-mail"
    assert list(Couplings(w.store).all("salespersons")) == [] and w.bc.batches == 0


def test_two_owners_with_the_email_are_several_matches_named_not_a_guess() -> None:
    w = world()
    salesperson(w, 1, "PS", "peter.saddow@cronus.example")
    first = owner(w.crm, "peter.saddow@cronus.example", "Peter Saddow")
    second = owner(w.crm, "PETER.SADDOW@cronus.example", "Peter Saddow (admin)")
    report = map_crm_data(w.deps, MappingJob.SALESPERSONS)

    assert outcomes(report) == {"PS": (Outcome.SEVERAL_MATCHES, "")}
    assert first in detail(report, "PS") and second in detail(report, "PS")
    assert list(Couplings(w.store).all("salespersons")) == [] and w.bc.batches == 0


def test_two_salespeople_with_one_owners_email_are_several_matches_for_both() -> None:
    w = world()
    salesperson(w, 1, "PS", "peter.saddow@cronus.example")
    salesperson(w, 2, "PS2", "Peter.Saddow@cronus.example")
    salesperson(w, 3, "AH", "annette.hill@cronus.example")
    owner(w.crm, "peter.saddow@cronus.example", "Peter Saddow")
    annette = owner(w.crm, "annette.hill@cronus.example", "Annette Hill")
    report = map_crm_data(w.deps, MappingJob.SALESPERSONS)

    assert outcomes(report) == {
        "PS": (Outcome.SEVERAL_MATCHES, ""),
        "PS2": (Outcome.SEVERAL_MATCHES, ""),
        "AH": (Outcome.COUPLED, annette),
    }
    assert "PS, PS2" in detail(report, "PS") and "PS, PS2" in detail(report, "PS2")
    assert [c.key for c in Couplings(w.store).all("salespersons")] == ["AH"]


def test_a_second_run_finds_everything_already_coupled_and_writes_nothing() -> None:
    w = world()
    salesperson(w, 1, "PS", "peter.saddow@cronus.example")
    peter = owner(w.crm, "peter.saddow@cronus.example")
    map_crm_data(w.deps, MappingJob.SALESPERSONS)
    batches, rows = w.bc.batches, dict(w.store.rows(Table.COUPLINGS))
    again = map_crm_data(w.deps, MappingJob.SALESPERSONS)

    assert outcomes(again) == {"PS": (Outcome.ALREADY_COUPLED, peter)}
    assert w.bc.batches == batches and w.store.rows(Table.COUPLINGS) == rows  # same etags


def test_an_owner_coupled_to_another_salesperson_is_not_taken_from_it() -> None:
    w = world()
    first = salesperson(w, 1, "PS", "peter.saddow@cronus.example")
    peter = owner(w.crm, "peter.saddow@cronus.example")
    map_crm_data(w.deps, MappingJob.SALESPERSONS)
    w.bc.change("salespeoplePurchasers", first["id"], email="p.saddow@cronus.example")
    salesperson(w, 2, "PX", "peter.saddow@cronus.example")  # a new one with Peter's e-mail
    report = map_crm_data(w.deps, MappingJob.SALESPERSONS)

    assert outcomes(report) == {"PS": (Outcome.ALREADY_COUPLED, peter),
                                "PX": (Outcome.NO_MATCH, "")}  # fmt: skip
    assert "coupled to BC salesperson PS already" in detail(report, "PX")
    coupling = Couplings(w.store).by_crm("salespersons", peter)
    assert coupling is not None and coupling.bc_id == first["id"]


def test_a_dry_run_writes_nothing_and_says_what_it_would_couple() -> None:
    w = world()
    person = salesperson(w, 1, "PS", "peter.saddow@cronus.example")
    peter = owner(w.crm, "peter.saddow@cronus.example")
    report = map_crm_data(w.deps, MappingJob.SALESPERSONS, dry_run=True)

    assert outcomes(report) == {"PS": (Outcome.COUPLED, peter)}
    assert list(Couplings(w.store).all("salespersons")) == []
    assert w.bc.batches == 0 and w.bc.crm_id(person["id"]) == ""
    assert report.as_dict()["dryRun"] is True
    assert report.lines()[0].endswith("(dry run: nothing written)")
    assert "would couple" in report.lines()[0] and "would couple" in report.lines()[1]


def test_a_refused_write_back_is_reported_on_the_record_and_retried_by_the_next_run() -> None:
    w = world()
    person = salesperson(w, 1, "PS", "peter.saddow@cronus.example")
    other = salesperson(w, 2, "AH", "annette.hill@cronus.example")
    peter = owner(w.crm, "peter.saddow@cronus.example")
    owner(w.crm, "annette.hill@cronus.example")
    w.bc.failing[person["id"]] = RejectedError("The record is locked by another user")
    report = map_crm_data(w.deps, MappingJob.SALESPERSONS)

    assert outcomes(report)["PS"] == (Outcome.COUPLED, peter)
    assert "not written back to BC: The record is locked" in detail(report, "PS")
    assert report.write_back_failures == 1 and report.as_dict()["writeBackFailed"] == 1
    assert w.bc.crm_id(other["id"])  # the other record was not held up
    coupling = Couplings(w.store).by_bc("salespersons", person["id"])
    assert coupling is not None and not coupling.written_back

    del w.bc.failing[person["id"]]
    again = map_crm_data(w.deps, MappingJob.SALESPERSONS)
    assert outcomes(again)["PS"] == (Outcome.ALREADY_COUPLED, peter)
    assert detail(again, "PS") == "CRM id written back to BC now"
    assert w.bc.crm_id(person["id"]) == peter
    coupling = Couplings(w.store).by_bc("salespersons", person["id"])
    assert coupling is not None and coupling.written_back


def test_credentials_refused_on_write_back_stop_the_job_and_mark_the_flow_failing() -> None:
    w = world()
    person = salesperson(w, 1, "PS", "peter.saddow@cronus.example")
    owner(w.crm, "peter.saddow@cronus.example")
    w.bc.failing[person["id"]] = AuthError("BC refused the token", settings=["HUB_CLIENT_ID"])
    with pytest.raises(AuthError):
        map_crm_data(w.deps, MappingJob.SALESPERSONS)

    status = next(s for s in flow_statuses(w.deps) if s["flow"] == Flow.CRM_MAPPING.value)
    assert status["state"] == "failing" and status["settings"] == ["HUB_CLIENT_ID"]
    assert list(Couplings(w.store).all("salespersons")) == []


def test_many_records_are_read_and_coupled_in_chunks() -> None:
    w = world()
    count = CHUNK + 50
    for n in range(count):
        salesperson(w, n + 1, f"S{n:04d}", f"s{n}@cronus.example")
        owner(w.crm, f"s{n}@cronus.example")
    report = map_crm_data(w.deps, MappingJob.SALESPERSONS)

    assert report.counts()[Outcome.COUPLED] == count
    assert [r.bc_key for r in report.records] == [f"S{n:04d}" for n in range(count)]
    assert len(list(Couplings(w.store).all("salespersons"))) == count


# --- currencies by code, and the base currency ----------------------------------------------
def currency_world(organization: bool = True) -> World:
    w = world()
    currency(w.crm, GBP, "GBP", "Pound Sterling")
    currency(w.crm, EUR, "EUR", "Euro")
    currency(w.crm, USD, "USD", "US Dollar")
    if organization:
        w.crm.add("organizations", {"name": "CRONUS", "_basecurrencyid_value": GBP})
    w.bc.add("currencies", {"id": guid(1), "code": "EUR", "displayName": "Euro"})
    w.bc.add("currencies", {"id": guid(2), "code": "DKK", "displayName": "Danish krone"})
    return w


def test_currencies_are_coupled_by_code_and_the_base_currency_to_bcs_blank_code() -> None:
    w = currency_world()
    report = map_crm_data(w.deps, MappingJob.CURRENCIES)

    assert [(r.bc_key, r.outcome, r.crm_id) for r in report.records] == [
        ("", Outcome.COUPLED_BASE_CURRENCY, GBP),
        ("EUR", Outcome.COUPLED, EUR),
        ("DKK", Outcome.NO_MATCH, ""),
    ]
    couplings = Couplings(w.store)
    base = couplings.by_bc("currencies", BASE_CURRENCY_BC_ID)
    assert base is not None and (base.crm_id, base.key, base.written_back) == (GBP, "", True)
    assert couplings.by_crm("currencies", GBP) == base  # CRM's base currency → blank in BC
    assert w.bc.crm_id(guid(1)) == EUR and w.bc.batches == 1  # nothing written back for base

    again = map_crm_data(w.deps, MappingJob.CURRENCIES)
    assert [r.outcome for r in again.records] == [
        Outcome.ALREADY_COUPLED, Outcome.ALREADY_COUPLED, Outcome.NO_MATCH,
    ]  # fmt: skip


def test_a_bc_currency_with_the_base_currencys_code_is_several_matches_with_blank() -> None:
    w = currency_world()
    w.bc.add("currencies", {"id": guid(3), "code": "GBP", "displayName": "Pound"})
    report = map_crm_data(w.deps, MappingJob.CURRENCIES)

    assert outcomes(report)[""] == (Outcome.SEVERAL_MATCHES, "")
    assert outcomes(report)["GBP"] == (Outcome.SEVERAL_MATCHES, "")
    assert "BC's blank currency code, GBP" in detail(report, "GBP")
    assert Couplings(w.store).by_crm("currencies", GBP) is None


def test_a_bc_currency_added_with_the_base_code_later_does_not_take_it_from_blank() -> None:
    w = currency_world()
    map_crm_data(w.deps, MappingJob.CURRENCIES)
    w.bc.add("currencies", {"id": guid(3), "code": "GBP", "displayName": "Pound"})
    report = map_crm_data(w.deps, MappingJob.CURRENCIES)

    assert outcomes(report)[""] == (Outcome.ALREADY_COUPLED, GBP)
    assert outcomes(report)["GBP"] == (Outcome.NO_MATCH, "")
    assert "coupled to BC's blank currency code already" in detail(report, "GBP")


def test_without_a_base_currency_in_crm_blank_is_no_match_and_the_rest_proceeds() -> None:
    w = currency_world(organization=False)
    report = map_crm_data(w.deps, MappingJob.CURRENCIES)

    assert outcomes(report)[""] == (Outcome.NO_MATCH, "")
    assert "base currency" in detail(report, "")
    assert outcomes(report)["EUR"] == (Outcome.COUPLED, EUR)


# --- customers ⇄ accounts by name -----------------------------------------------------------
def test_customers_are_coupled_by_name_and_duplicates_on_either_side_are_reported() -> None:
    w = world()
    customer(w.bc, 1, "C00010", "Adatum Corporation")
    customer(w.bc, 2, "C00020", "O'Neil Plumbing Ltd.")
    customer(w.bc, 3, "C00030", "Trey Research")
    customer(w.bc, 4, "C00031", " trey research ")
    customer(w.bc, 5, "C00040", "Fabrikam")
    adatum = account(w.crm, "ADATUM CORPORATION", "A-1")
    account(w.crm, "Adatum Corporation", "A-2", active=False)  # deactivated: no candidate
    first = account(w.crm, "O'Neil Plumbing Ltd.", "A-3")
    second = account(w.crm, "O'Neil Plumbing Ltd.", "A-4")
    account(w.crm, "Trey Research", "A-5")
    report = map_crm_data(w.deps, MappingJob.CUSTOMERS)

    assert outcomes(report) == {
        "C00010": (Outcome.COUPLED, adatum),
        "C00020": (Outcome.SEVERAL_MATCHES, ""),
        "C00030": (Outcome.SEVERAL_MATCHES, ""),
        "C00031": (Outcome.SEVERAL_MATCHES, ""),
        "C00040": (Outcome.NO_MATCH, ""),
    }
    assert f"O'Neil Plumbing Ltd. A-3 ({first})" in detail(report, "C00020")
    assert second in detail(report, "C00020") and "C00030, C00031" in detail(report, "C00031")
    coupling = Couplings(w.store).by_key("customers", "C00010")
    assert coupling is not None and coupling.crm_id == adatum
    assert w.bc.crm_id(guid(1)) == adatum


# --- fatal errors and the report ------------------------------------------------------------
def test_a_disabled_integration_is_refused_naming_its_setting() -> None:
    w = world(replace(SETUP, enabled=False))
    with pytest.raises(ConfigurationError) as raised:
        map_crm_data(w.deps, MappingJob.SALESPERSONS)
    assert raised.value.settings == ("CRM_INTEGRATION_ENABLED",)


def test_without_dataverse_the_job_names_dataverse_url_on_the_flows_status() -> None:
    w = world()
    w.deps.dataverse = None
    with pytest.raises(ConfigurationError) as raised:
        map_crm_data(w.deps, MappingJob.CUSTOMERS)
    assert raised.value.settings == ("DATAVERSE_URL",)
    status = next(s for s in flow_statuses(w.deps) if s["flow"] == Flow.CRM_MAPPING.value)
    assert status["state"] == "failing" and status["settings"] == ["DATAVERSE_URL"]


def test_the_report_as_data_and_as_text() -> None:
    w = world()
    salesperson(w, 1, "PS", "peter.saddow@cronus.example")
    salesperson(w, 2, "JO", "jim.olive@cronus.example")
    peter = owner(w.crm, "peter.saddow@cronus.example", "Peter Saddow")
    report = map_crm_data(w.deps, MappingJob.SALESPERSONS, correlation_id="run-1")
    data = report.as_dict()

    assert data["job"] == "salespersons" and data["dryRun"] is False
    assert data["correlationId"] == "run-1"
    assert data["counts"] == {"coupled": 1, "coupled (base currency)": 0, "already coupled": 0,
                              "no match": 1, "several matches": 0}  # fmt: skip
    assert data["records"][0] == {
        "bcId": guid(1), "bcKey": "PS", "crmId": peter, "outcome": "coupled",
        "detail": f'CRM owner Peter Saddow ({peter}) has the e-mail "peter.saddow@cronus.example"',
    }  # fmt: skip
    lines = report.lines()
    assert lines[0] == "Map CRM Data, salespersons: 1 coupled, 1 no match"
    assert lines[1].split()[:3] == ["PS", "coupled", peter]
    assert lines[2].split()[:4] == ["JO", "no", "match", "-"]
