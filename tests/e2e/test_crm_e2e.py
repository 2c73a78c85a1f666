"""End to end: BC to CRM Data Sync, the Setup actions, BC Data, the timer and Map CRM Data
through the local host's HTTP routes (as Power Automate calls them), on Azurite and both
simulators."""

from __future__ import annotations

import pytest

from hub.demo.crm import DEMO_CRM_SETTINGS, get, post
from hub.host import LocalHost
from sandbox.run import RunningSandbox
from shared.bootstrap import build_dataverse
from shared.config import Settings

pytestmark = [pytest.mark.e2e, pytest.mark.azurite, pytest.mark.sandbox]


@pytest.fixture
def host_settings() -> dict[str, str]:
    return DEMO_CRM_SETTINGS


def test_masters_reach_crm_once_through_the_host(host: LocalHost, sandbox: RunningSandbox) -> None:
    found = {**post(host, "crm/setup/default-units"), **post(host, "crm/setup/default-price-list")}
    assert set(found) == {"CRM_DEFAULT_UNIT_GROUP_ID", "CRM_DEFAULT_UNIT_ID",
                          "CRM_DEFAULT_PRICE_LIST_ID"}  # fmt: skip
    report = post(host, "crm/bc-to-crm/run", {"all": True})
    by_entity = {e["entity"]: e for e in report["entities"]}
    assert by_entity["items"]["created"] + by_entity["items"]["coupled"] > 0
    assert all(e["failed"] == 0 and e["waiting"] == 0 for e in report["entities"]), report
    persons = by_entity["contacts-to-crm"]  # the seeded persons' customers are born in BC
    assert persons["filtered"] >= 3 and persons["created"] >= 1, persons
    assert sum(e["created"] + e["coupled"] for e in report["entities"]) > 20
    again = post(host, "crm/bc-to-crm/run", {"all": True})
    assert again["written"] == 0
    data = get(host, "crm/bc-data/items")
    assert data["count"] > 0
    product = data["records"][0]
    assert product["crmIdOnBcRecord"] and product["link"].endswith(f"&id={product['crmId']}")
    dataverse = build_dataverse(Settings())
    assert dataverse.get("products", product["crmId"])["productnumber"] == product["key"]


def test_the_timer_carries_an_edit_made_in_bc(host: LocalHost, sandbox: RunningSandbox) -> None:
    post(host, "crm/setup/default-units")
    post(host, "crm/setup/default-price-list")
    post(host, "crm/bc-to-crm/run", {"entities": ["shipment-methods"]})
    admin = sandbox.business_central.admin
    method = next(iter(admin.store.snapshot("shipmentMethods")))[0]
    admin.upsert("shipmentMethods", {"id": method["id"], "displayName": "Edited in BC"})
    result = host.fire_timer("crm_bc_to_crm_timer")
    assert result.succeeded, result.error
    entry = next(r for r in get(host, "crm/logs/bc-to-crm", entity="shipment-methods")["records"]
                 if r["key"] == method["code"])  # fmt: skip
    assert (entry["operation"], entry["updated"]) == ("Update", True)
    dataverse = build_dataverse(Settings())
    assert (
        dataverse.get("bcs_shipmentmethods", entry["targetId"])["bcs_description"] == "Edited in BC"
    )


def test_bad_requests_name_the_field(host: LocalHost) -> None:
    from hub.demo.walker import call

    nothing = call(host, "POST", "crm/bc-to-crm/run", json_body={})
    assert nothing.status_code == 400 and "entities" in nothing.text
    unknown = call(host, "POST", "crm/bc-to-crm/run", json_body={"entities": ["spaceships"]})
    assert unknown.status_code == 400 and unknown.json()["error"]["field"] == "entities"
    direction = call(host, "GET", "crm/logs/sideways")
    assert direction.status_code == 400 and direction.json()["error"]["field"] == "direction"


def test_an_account_reaches_bc_through_crm_data_and_create_in_bc(
    host: LocalHost, sandbox: RunningSandbox
) -> None:
    """Auto-sync of customers is off in these settings: the timer stages, the operator's
    Create in BC (as Power Automate calls it) creates, and the BC No. reaches CRM."""
    post(host, "crm/setup/default-units")
    post(host, "crm/setup/default-price-list")
    post(host, "crm/bc-to-crm/run", {"entities": ["countries-regions", "payment-terms"]})
    dataverse = build_dataverse(Settings())
    gb = next(dataverse.rows("bcs_countryregions", filter="bcs_code eq 'GB'"))
    name = "Fabrikam Residences " + "and Holiday Lettings " * 5  # 125 characters: Name 2
    account = dataverse.create("accounts", {
        "name": name.strip(), "address1_line1": "2 Quay Street", "address1_city": "Cardiff",
        "bcs_CountryRegionId@odata.bind": f"/bcs_countryregions({gb['bcs_countryregionid']})",
    })  # fmt: skip
    result = host.fire_timer("crm_to_bc_timer")
    assert result.succeeded, result.error
    staged = {r["crmId"]: r for r in get(host, "crm/crm-data/customers")["records"]}
    assert staged[account]["pending"] and not staged[account]["bcNo"], staged[account]
    created = post(host, "crm/crm-data/customers/create-in-bc", {"ids": [account]})
    assert created["created"] == 1, created
    row = next(r for r in get(host, "crm/crm-data/customers")["records"] if r["crmId"] == account)
    assert row["status"] == "Created" and row["bcNo"], row
    customer = next(c for c, _ in sandbox.business_central.admin.store.snapshot("customers")
                    if c["number"] == row["bcNo"])  # fmt: skip
    assert (customer["displayName"], customer["city"]) == (name[:100], "Cardiff")
    assert dataverse.get("accounts", account)["bcs_bccustomerno"] == row["bcNo"]
    post(host, "crm/crm-to-bc/run", {"entities": ["customers"]})  # stages the write-back
    after = next(r for r in get(host, "crm/crm-data/customers")["records"] if r["crmId"] == account)
    assert (after["status"], after["bcNo"]) in {("Created", row["bcNo"]), ("Synced", row["bcNo"])}
    named = [c for c, _ in sandbox.business_central.admin.store.snapshot("customers")
             if c["displayName"] == name[:100]]  # fmt: skip
    assert len(named) == 1  # the written-back No. created nothing more


def test_a_quote_delivered_twice_at_once_is_one_bc_quote(
    host: LocalHost, sandbox: RunningSandbox
) -> None:
    """The timer and Power Automate's call race on the same quote: one BC document."""
    import threading

    post(host, "crm/setup/default-units")
    post(host, "crm/setup/default-price-list")
    post(host, "crm/bc-to-crm/run", {"entities": ["countries-regions", "units-of-measure",
                                                  "items"]})  # fmt: skip
    post(host, "crm/map/currencies")
    dataverse = build_dataverse(Settings())
    gb = next(dataverse.rows("bcs_countryregions", filter="bcs_code eq 'GB'"))
    account = dataverse.create("accounts", {
        "name": "Wide World Importers", "address1_city": "Leeds",
        "bcs_CountryRegionId@odata.bind": f"/bcs_countryregions({gb['bcs_countryregionid']})",
    })  # fmt: skip
    post(host, "crm/crm-to-bc/run", {"entities": ["customers"]})
    post(host, "crm/crm-data/customers/create-in-bc", {"ids": [account]})
    product = next(dataverse.rows("products", filter="productnumber eq 'SUPPORT-HRS'"))
    hour = next(dataverse.rows("uoms", filter="name eq 'HOUR'"))
    price_list = next(dataverse.rows("pricelevels", filter="name eq 'Default'"))
    base = next(dataverse.rows("organizations"))["_basecurrencyid_value"]
    quote = dataverse.create("quotes", {
        "name": "Raced", "customerid_account@odata.bind": f"/accounts({account})",
        "pricelevelid@odata.bind": f"/pricelevels({price_list['pricelevelid']})",
        "transactioncurrencyid@odata.bind": f"/transactioncurrencies({base})",
        "quote_details": [{"productid@odata.bind": f"/products({product['productid']})",
                           "uomid@odata.bind": f"/uoms({hour['uomid']})", "quantity": 6,
                           "lineitemnumber": 1}],
    })  # fmt: skip
    dataverse.upsert("quotes", quote, {"statecode": 1, "statuscode": 2}, mode="update")
    number = dataverse.get("quotes", quote)["quotenumber"]
    outcomes: list[object] = []
    racers = [threading.Thread(target=lambda: outcomes.append(host.fire_timer("crm_documents_timer"))),
              threading.Thread(target=lambda: outcomes.append(
                  post(host, "crm/documents/run", {"entities": ["quotes"]})))]  # fmt: skip
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert len(outcomes) == 2
    post(host, "crm/documents/quotes/reprocess", {"numbers": [number]})  # and once more
    in_bc = [d for d, _ in sandbox.business_central.admin.store.snapshot("salesQuotes")
             if d.get("number") == number.upper()]  # fmt: skip
    assert len(in_bc) == 1
    staged = get(host, f"crm/documents/quotes/{number}")
    assert staged["status"] in ("Created", "Synced") and staged["bcNo"] == number.upper()


def test_the_nightly_feeds_through_the_host(host: LocalHost, sandbox: RunningSandbox) -> None:
    """The inventory feed on demand (Power Automate), the ledger feed by its timer."""
    post(host, "crm/setup/default-units")
    post(host, "crm/setup/default-price-list")
    post(host, "crm/bc-to-crm/run", {"all": True})
    post(host, "crm/crm-to-bc/run", {"entities": ["customers"]})
    post(host, "crm/crm-data/customers/create-in-bc", {})
    report = post(host, "crm/nightly/run", {"feeds": ["inventory"]})
    [inventory] = report["feeds"]
    assert inventory["failed"] == 0 and inventory["feed"] == "inventory", inventory
    timer = host.fire_timer("crm_cle_timer")
    assert timer.succeeded, timer.error
    again = post(host, "crm/nightly/run", {})
    assert again["written"] == 0, again
    from hub.demo.walker import call

    unknown = call(host, "POST", "crm/nightly/run", json_body={"feeds": ["ledger"]})
    assert unknown.status_code == 400 and unknown.json()["error"]["field"] == "feeds"


def test_a_posted_invoice_reaches_crm_by_the_batch_job(
    host: LocalHost, sandbox: RunningSandbox
) -> None:
    """Power Automate's batch-job call for one posted invoice, then the staging view."""
    from shared.bootstrap import build_business_central

    post(host, "crm/setup/default-units")
    post(host, "crm/setup/default-price-list")
    post(host, "crm/bc-to-crm/run", {"all": True})
    post(host, "crm/map/currencies")
    post(host, "crm/crm-to-bc/run", {"entities": ["customers"]})
    post(host, "crm/crm-data/customers/create-in-bc", {})
    bc = build_business_central(Settings())
    base = f"{bc.api_path}/{bc.company}"
    invoice = bc.http.request("POST", f"{base}/salesInvoices", json={
        "customerNumber": "C00010", "salesInvoiceLines": [
            {"lineType": "Item", "lineObjectNumber": "SUPPORT-HRS", "quantity": 2,
             "unitPrice": 85}]}).json()  # fmt: skip
    bc.http.request("POST", f"{base}/salesInvoices({invoice['id']})/Microsoft.NAV.post")
    number = bc.odata.get(f"{base}/salesInvoices", invoice["id"])["number"]
    report = post(host, "crm/posted-invoices/run", {"numbers": [number]})
    assert report["failed"] == 0, report["errors"]
    assert report["created"] == 1, report
    staged = get(host, f"crm/posted-invoices/{number}")
    assert staged["status"] == "Created" and staged["crmInvoiceId"], staged
    dataverse = build_dataverse(Settings())
    assert dataverse.get("invoices", staged["crmInvoiceId"])["invoicenumber"] == number
    post(host, "crm/posted-invoices/run", {})  # the batch job over everything changed
    assert post(host, "crm/posted-invoices/run", {})["written"] == 0  # and again: nothing
