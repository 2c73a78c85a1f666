"""CRM → BC through the CRM Data staging, on fakes: accounts → customers, person contacts
both ways, ship-to addresses (product document §3.3, §4, §5, §10; setup fields 14, 15, 17)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from shared.domain.crm import AutoSync
from shared.flows.crm_sync import run_bc_to_crm
from shared.flows.crm_to_bc import create_in_bc, run_crm_to_bc, staging_of
from shared.sync.logs import SyncLog
from shared.sync.maps import Direction
from shared.sync.planner import target_id_for
from shared.sync.watermarks import Watermarks
from tests.unit.crm_fixtures import SETUP, World, bc_connector_pages, crm_masters, world

AUTO = AutoSync(customers=True, contacts_to_bc=True, contacts_to_crm=True)


def connector(auto: AutoSync = AUTO) -> tuple[World, dict[str, str]]:
    w = world(setup=replace(SETUP, auto_sync=auto))
    bc_connector_pages(w.bc)
    return w, crm_masters(w)


def account(w: World, masters: dict[str, str], name: str = "Adatum Corporation",
            **values: Any) -> str:  # fmt: skip
    return w.crm.add("accounts", {
        "name": name, "telephone1": "+44 20 7946 0100", "emailaddress1": "ap@adatum.example",
        "websiteurl": "https://adatum.example", "address1_line1": "10 High Street",
        "address1_line2": "Floor 2", "address1_line3": "not sent", "address1_city": "London",
        "address1_postalcode": "EC1A 1BB", "bcs_taxliable": True,
        "_bcs_countryregionid_value": masters["GB"], "_bcs_paymenttermid_value": masters["30 DAYS"],
        "_bcs_configtemplateid_value": masters["CUST-DOM"], **values,
    })  # fmt: skip


def customers(w: World) -> list[dict[str, Any]]:
    return w.bc.sets.get(("companion", "crmCustomers"), [])


def staged(w: World, name: str, crm_id: str) -> Any:
    return staging_of(w.deps, name)[1].get(crm_id)


def test_an_account_becomes_a_customer_and_its_number_comes_back() -> None:
    w, masters = connector()
    account_id = account(w, masters)
    report = run_crm_to_bc(w.deps, automatic=True)
    assert report.staged["customers"] == 1 and report.results[0].created == 1
    [customer] = customers(w)
    assert customer["id"] == target_id_for("customers", account_id)
    assert (customer["displayName"], customer["name2"]) == ("Adatum Corporation", "")
    assert (customer["addressLine1"], customer["addressLine2"]) == ("10 High Street", "Floor 2")
    assert "not sent" not in customer.values()  # street 3 does not flow
    assert (customer["country"], customer["paymentTermsCode"], customer["templateCode"]) == (
        "GB", "30 DAYS", "CUST-DOM")  # fmt: skip
    assert customer["customerPostingGroup"] == "DOMESTIC"  # the template's defaults, by BC
    assert (customer["homePage"], customer["crmId"]) == ("https://adatum.example", account_id)
    assert w.crm.tables["accounts"][account_id]["bcs_bccustomerno"] == customer["number"]
    row = staged(w, "customers", account_id)
    assert (row.status, row.bc_number, row.pending) == ("Created", customer["number"], False)
    assert row.fields["displayName"] == "Adatum Corporation"


@pytest.mark.parametrize(
    ("length", "name", "name2"), [(100, 100, 0), (101, 100, 1), (150, 100, 50)]
)
def test_a_long_name_is_split_into_name_and_name_2(length: int, name: int, name2: int) -> None:
    w, masters = connector()
    account(w, masters, "N" * length)
    run_crm_to_bc(w.deps, automatic=True)
    [customer] = customers(w)
    assert (len(customer["displayName"]), len(customer["name2"])) == (name, name2)


@pytest.mark.parametrize("length", [151, 160])
def test_a_name_longer_than_bc_holds_is_refused_on_the_staging_row(length: int) -> None:
    w, masters = connector()
    account_id = account(w, masters, "N" * length)
    run_crm_to_bc(w.deps, automatic=True)
    row = staged(w, "customers", account_id)
    assert row.status == "Error" and customers(w) == []
    assert row.error.startswith("name:") and f"{length} characters" in row.error
    assert "holds 150" in row.error


@pytest.mark.parametrize(
    ("values", "field"),
    [({"address1_line1": "S" * 101}, "address1_line1"),
     ({"address1_line2": "S" * 51}, "address1_line2"),
     ({"emailaddress1": "ap at adatum"}, "emailaddress1")],
)  # fmt: skip
def test_values_bc_would_refuse_are_named_on_the_staging_row(
    values: dict[str, str], field: str
) -> None:
    w, masters = connector()
    account_id = account(w, masters, **values)
    run_crm_to_bc(w.deps, automatic=True)
    row = staged(w, "customers", account_id)
    assert row.status == "Error" and row.error.startswith(f"{field}:")


def test_a_master_not_in_bc_yet_waits_and_the_row_goes_through_once_it_is() -> None:
    w, masters = connector()
    new_country = w.crm.add("bcs_countryregions", {"bcs_code": "NO", "bcs_description": "Norway"})
    account_id = account(w, masters, _bcs_countryregionid_value=new_country)
    run_crm_to_bc(w.deps, automatic=True)
    row = staged(w, "customers", account_id)
    assert row.status == "Waiting" and row.pending and row.attempts == 1
    assert row.error.startswith("Country/Region: the CRM record") and "not in BC yet" in row.error
    # BC gets Norway and sends it to CRM, which couples it to the CRM row by its code
    w.bc.add("countriesRegions", {"id": "b0c00000-0000-4000-8000-000000000799", "code": "NO",
                                  "displayName": "Norway"})  # fmt: skip
    run_bc_to_crm(w.deps, ["countries-regions"])
    run_crm_to_bc(w.deps, automatic=True)
    assert staged(w, "customers", account_id).status == "Created"
    assert customers(w)[0]["country"] == "NO"


def test_without_auto_sync_rows_wait_for_create_in_bc_for_one_row_or_all() -> None:
    w, masters = connector(AutoSync())
    first, second = account(w, masters, "First Ltd"), account(w, masters, "Second Ltd")
    report = run_crm_to_bc(w.deps, automatic=True)
    assert report.staged["customers"] == 2 and report.results == []
    assert staged(w, "customers", first).status == "New" and customers(w) == []
    one = create_in_bc(w.deps, "customers", [first])
    assert one.created == 1 and [c["displayName"] for c in customers(w)] == ["First Ltd"]
    rest = create_in_bc(w.deps, "customers")
    assert rest.created == 1 and staged(w, "customers", second).status == "Created"


def test_a_refused_row_waits_for_a_fix_in_crm_or_a_manual_create() -> None:
    w, masters = connector()
    account_id = account(w, masters, emailaddress1="broken@")
    run_crm_to_bc(w.deps, automatic=True)
    run_crm_to_bc(w.deps, automatic=True)
    assert staged(w, "customers", account_id).attempts == 1  # not retried by the timer
    w.crm.upsert("accounts", account_id, {"emailaddress1": "fixed@adatum.example"})
    run_crm_to_bc(w.deps, automatic=True)
    assert staged(w, "customers", account_id).status == "Created"


def test_a_later_account_change_updates_the_customer() -> None:
    w, masters = connector()
    account_id = account(w, masters)
    run_crm_to_bc(w.deps, automatic=True)
    w.crm.upsert("accounts", account_id, {"telephone1": "+44 20 7946 0999"})
    report = run_crm_to_bc(w.deps, automatic=True)
    assert report.results[0].updated == 1
    [customer] = customers(w)
    assert customer["phoneNumber"] == "+44 20 7946 0999" and len(customers(w)) == 1
    assert staged(w, "customers", account_id).status == "Updated"


def test_the_number_written_back_to_the_account_is_not_an_update() -> None:
    w, masters = connector()
    account_id = account(w, masters)
    run_crm_to_bc(w.deps, automatic=True)
    again = run_crm_to_bc(w.deps, automatic=True)  # the account changed: its BC No. came back
    assert again.staged["customers"] == 1
    assert again.results[0].unchanged == 1 and again.results[0].written == 0
    assert staged(w, "customers", account_id).status == "Synced"


def contact(w: World, account_id: str | None, **values: Any) -> str:
    return w.crm.add("contacts", {
        "salutation": "Mr.", "firstname": "Jürgen", "lastname": "Müller", "jobtitle": "IT Manager",
        "emailaddress1": "jm@adatum.example", "telephone2": "+44 20 1111 2222",
        **({"_parentcustomerid_value": account_id} if account_id else {}), **values,
    })  # fmt: skip


def persons(w: World) -> list[dict[str, Any]]:
    return w.bc.sets.get(("companion", "crmContacts"), [])


def test_a_crm_contact_becomes_a_person_under_its_customers_company_contact() -> None:
    w, masters = connector()
    account_id = account(w, masters)
    contact_id = contact(w, account_id)
    report = run_crm_to_bc(w.deps, automatic=True)  # customers first, then their contacts
    assert [r.entity for r in report.results] == ["customers", "contacts", "ship-to-addresses"]
    [person] = persons(w)
    company = customers(w)[0]["companyContactNumber"]
    assert (person["companyNumber"], person["salutationCode"], person["surname"]) == (
        company, "MR", "Müller")  # fmt: skip
    assert (person["homePhone"], person["crmId"]) == ("+44 20 1111 2222", contact_id)


def test_a_contact_without_an_account_is_refused_and_one_whose_account_is_not_in_bc_waits() -> None:
    w, masters = connector(AutoSync(contacts_to_bc=True))  # customers not auto-synced
    orphan = contact(w, None)
    waiting = contact(w, account(w, masters))
    run_crm_to_bc(w.deps, automatic=True)
    assert staged(w, "contacts", orphan).status == "Error"
    assert "Company Name" in staged(w, "contacts", orphan).error
    row = staged(w, "contacts", waiting)
    assert row.status == "Waiting" and "Company Name (its account's BC customer)" in row.error
    create_in_bc(w.deps, "customers")
    run_crm_to_bc(w.deps, automatic=True)
    assert staged(w, "contacts", waiting).status == "Created"


def test_a_bc_person_becomes_a_crm_contact_and_nothing_echoes_back() -> None:
    w, masters = connector()
    account_id = account(w, masters)
    run_crm_to_bc(w.deps, automatic=True)
    company = customers(w)[0]["companyContactNumber"]
    person = w.bc.add("crmContacts", {
        "id": "b0c00000-0000-4000-8000-000000000900", "number": "CT00900", "type": "Person",
        "companyNumber": company, "firstName": "Aoife", "surname": "O'Brien",
        "salutationCode": "MS", "email": "aob@adatum.example",
    }, api="companion")  # fmt: skip
    w.bc.add("contacts", {"id": "b0c00000-0000-4000-8000-000000000901", "type": "Company",
                          "number": "CT00901", "displayName": "Not synced"})  # fmt: skip
    result = run_bc_to_crm(w.deps, ["contacts-to-crm"]).results[0]
    assert result.created == 1 and result.read == 1  # company contacts are not listed
    crm_id = target_id_for("contacts", person["id"])
    created = w.crm.tables["contacts"][crm_id]
    assert (created["lastname"], created["_parentcustomerid_value"]) == ("O'Brien", account_id)
    assert w.bc.crm_id(person["id"]) == crm_id
    # CRM's change feed now shows the new contact: staged, but BC already has it
    report = run_crm_to_bc(w.deps, automatic=True)
    contacts = next(r for r in report.results if r.entity == "contacts")
    assert contacts.unchanged == 1 and contacts.written == 0
    # and BC's side: the CRM id written back moved the person, which is no change for CRM
    assert run_bc_to_crm(w.deps, ["contacts-to-crm"]).results[0].written == 0


def test_a_bc_person_whose_customer_is_not_in_crm_is_skipped_not_kept_waiting() -> None:
    w, _ = connector()
    person = w.bc.add("crmContacts", {
        "id": "b0c00000-0000-4000-8000-000000000910", "number": "CT00910", "type": "Person",
        "companyNumber": "CT-BC-ONLY", "firstName": "Born", "surname": "In BC",
    }, api="companion")  # fmt: skip
    result = run_bc_to_crm(w.deps, ["contacts-to-crm"]).results[0]
    assert (result.filtered, result.waiting, result.written) == (1, 0, 0)
    entry = next(e for e in SyncLog(w.deps.store, Direction.BC_TO_CRM).entries("contacts-to-crm")
                 if e.record_id == person["id"])  # fmt: skip
    assert entry.operation == "Skip" and "Company No. (its customer's account)" in entry.error
    # the watermark moved past it (a waiting record would hold it before it for ever)
    mark = Watermarks(w.deps.store).get(Direction.BC_TO_CRM, "contacts-to-crm")
    assert mark is not None and mark.isoformat() >= person["lastModifiedDateTime"][:19]


def test_a_contact_changed_on_both_sides_is_a_conflict_won_by_the_later_change() -> None:
    w, masters = connector()
    account_id = account(w, masters)
    contact_id = contact(w, account_id)
    run_crm_to_bc(w.deps, automatic=True)
    [person] = persons(w)
    w.bc.change("crmContacts", person["id"], jobTitle="CTO")  # BC first …
    w.crm.upsert("contacts", contact_id, {"jobtitle": "CIO"})  # … then CRM: CRM is newer
    report = run_crm_to_bc(w.deps, automatic=True)
    contacts = next(r for r in report.results if r.entity == "contacts")
    assert contacts.conflicts == 1 and persons(w)[0]["jobTitle"] == "CIO"
    entry = next(e for e in SyncLog(w.store, Direction.CRM_TO_BC).entries("contacts"))
    assert entry.operation == "Conflict" and '"jobtitle": "CTO"' in entry.error
    # the BC → CRM run sees its own value came from CRM: nothing to write back
    assert run_bc_to_crm(w.deps, ["contacts-to-crm"]).results[0].written == 0


def test_a_conflict_won_by_bc_keeps_crms_values_on_the_log_and_bc_flows_to_crm() -> None:
    w, masters = connector()
    account_id = account(w, masters)
    contact_id = contact(w, account_id)
    run_crm_to_bc(w.deps, automatic=True)
    [person] = persons(w)
    w.crm.upsert("contacts", contact_id, {"jobtitle": "CIO"})  # CRM first …
    w.bc.change("crmContacts", person["id"], jobTitle="CTO")  # … then BC: BC is newer
    run_crm_to_bc(w.deps, automatic=True)
    assert persons(w)[0]["jobTitle"] == "CTO"
    row = staged(w, "contacts", contact_id)
    assert row.status == "Conflict" and '"jobTitle": "CIO"' in row.error
    assert run_bc_to_crm(w.deps, ["contacts-to-crm"]).results[0].updated == 1
    assert w.crm.tables["contacts"][contact_id]["jobtitle"] == "CTO"


def test_a_ship_to_address_follows_its_accounts_customer() -> None:
    w, masters = connector()
    account_id = account(w, masters)
    ship_to = w.crm.add("bcs_shiptoaddresses", {
        "bcs_code": "GOODS-IN", "bcs_customerno": "", "_bcs_accountid_value": account_id,
        "bcs_name": "Goods-in", "bcs_street1": "1 Dock Road", "bcs_city": "Tilbury",
        "_bcs_countryregionid_value": masters["GB"], "bcs_taxliable": True,
    })  # fmt: skip
    report = run_crm_to_bc(w.deps, automatic=True)
    assert next(r for r in report.results if r.entity == "ship-to-addresses").created == 1
    [address] = w.bc.sets[("companion", "shipToAddresses")]
    assert (address["customerNumber"], address["code"], address["crmId"]) == (
        customers(w)[0]["number"], "GOODS-IN", ship_to)  # fmt: skip


def test_a_record_deleted_in_crm_is_marked_and_nothing_happens_in_bc() -> None:
    w, masters = connector(AutoSync())
    account_id = account(w, masters)
    run_crm_to_bc(w.deps, automatic=True)
    w.crm.delete("accounts", account_id)
    run_crm_to_bc(w.deps, automatic=True)
    row = staged(w, "customers", account_id)
    assert (row.status, row.pending) == ("Deleted in CRM", False)
    assert create_in_bc(w.deps, "customers").read == 0
