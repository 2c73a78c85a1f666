"""Quotes and orders, CRM → BC, against both simulators over real HTTP: the Dataverse
simulator's quotes, ReviseQuote and ConvertQuoteToSalesOrder as the source, the BC
companion API's `crmSalesQuotes` / `crmSalesOrders` (sandbox/BC_CUSTOM_API.md) as the
target, with v2.0 `salesQuotes` / `salesOrders` as a BC user sees them."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import pytest

from shared.adapters.business_central.client import BusinessCentralClient
from shared.adapters.business_central.sales_documents import CompanionSalesDocuments
from shared.adapters.dataverse.client import DataverseClient
from shared.config import Settings
from shared.entities.documents import ORDER_CONFIRMED, ORDERS, QUOTES
from shared.errors import RecordError
from shared.flows.crm_documents import run_documents, staging_for
from shared.flows.crm_mapping import MappingJob, map_crm_data
from shared.flows.crm_sync import run_bc_to_crm
from shared.flows.crm_to_bc import create_in_bc, stage_crm_changes
from shared.flows.deps import Deps
from tests.adapters.crm_support import clients, connector_deps

pytestmark = pytest.mark.sandbox

MASTERS = ["payment-terms", "shipment-methods", "shipping-agents", "locations",
           "configuration-templates", "countries-regions", "units-of-measure", "items"]  # fmt: skip


@pytest.fixture
def deps(sandbox_settings: Settings) -> Deps:
    deps = connector_deps(sandbox_settings)
    bc, _ = clients(deps)
    deps = replace(deps, bc_sales=CompanionSalesDocuments(bc), crm_setup=replace(
        deps.crm_setup, keep_quote_no=True, sales_order_no_series="CRM-ORD",
        do_not_modify_orders=True))  # fmt: skip
    run_bc_to_crm(deps, MASTERS)
    map_crm_data(deps, MappingJob.CURRENCIES)
    return deps


def account(deps: Deps) -> str:
    _, crm = clients(deps)
    country = crm.get("bcs_countryregions", {"bcs_code": "GB"})["bcs_countryregionid"]
    account_id = crm.create("accounts", {
        "name": f"Docs Test {uuid.uuid4().hex[:8]}", "address1_city": "Hull",
        "bcs_CountryRegionId@odata.bind": f"/bcs_countryregions({country})",
    })  # fmt: skip
    stage_crm_changes(deps, ["customers"])
    assert create_in_bc(deps, "customers", [account_id]).created == 1
    return account_id


def header(crm: DataverseClient, account_id: str) -> dict[str, Any]:
    price_list = next(crm.rows("pricelevels", filter="name eq 'Default'"))["pricelevelid"]
    base = next(crm.rows("organizations"))["_basecurrencyid_value"]
    return {"customerid_account@odata.bind": f"/accounts({account_id})",
            "pricelevelid@odata.bind": f"/pricelevels({price_list})",
            "transactioncurrencyid@odata.bind": f"/transactioncurrencies({base})"}  # fmt: skip


def service_line(crm: DataverseClient, quantity: float, number: int, **more: Any) -> dict[str, Any]:
    product = crm.get("products", {"productnumber": "SUPPORT-HRS"})["productid"]
    hour = next(crm.rows("uoms", filter="name eq 'HOUR'"))["uomid"]
    return {"productid@odata.bind": f"/products({product})", "uomid@odata.bind": f"/uoms({hour})",
            "quantity": quantity, "lineitemnumber": number, **more}  # fmt: skip


def active_quote(deps: Deps, lines: int = 2) -> tuple[str, str]:
    _, crm = clients(deps)
    quote_id = crm.create("quotes", {
        **header(crm, account(deps)), "name": "Docs test", "bcs_quotedate": "2026-11-30",
        "description": "Support for the winter",
        "quote_details": [service_line(crm, n, n) for n in range(1, lines + 1)],
    })  # fmt: skip
    crm.upsert("quotes", quote_id, {"statecode": 1, "statuscode": 2}, mode="update")
    return quote_id, str(crm.get("quotes", quote_id)["quotenumber"])


def bc_document(bc: BusinessCentralClient, entity_set: str, reference: str) -> dict[str, Any]:
    [row] = list(bc.odata.list(f"{bc.companion_path}/{bc.company}/{entity_set}",
                               filter=f"yourReference eq '{reference}'", expand="lines"))  # fmt: skip
    return dict(row)


def test_an_active_quote_reaches_bc_under_its_crm_number_and_shows_in_v2(deps: Deps) -> None:
    bc, _ = clients(deps)
    _, number = active_quote(deps)
    result = run_documents(deps, ["quotes"]).results[0]
    assert result.failed == 0 and result.created >= 1, result.as_dict()
    doc = bc_document(bc, "crmSalesQuotes", number)
    assert doc["number"] == number.upper() and doc["crmComplete"] is True
    assert doc["workDescription"] == "Support for the winter" and doc["currencyCode"] == ""
    assert sorted(line["lineAmount"] for line in doc["lines"]) == [85.0, 170.0]
    [v2] = list(bc.records("salesQuotes", filter=f"number eq '{doc['number']}'"))
    assert v2["id"] == doc["id"]
    assert staging_for(deps, QUOTES).get(number).bc_number == doc["number"]


def test_a_revision_archives_the_bc_quote_and_an_order_from_it_archives_and_removes_it(
    deps: Deps,
) -> None:
    bc, crm = clients(deps)
    quote_id, number = active_quote(deps)
    run_documents(deps, ["quotes"])
    revised = crm.http.request("POST", "ReviseQuote", json={
        "QuoteId": quote_id, "ColumnSet": {"AllColumns": True}}).json()  # fmt: skip
    crm.upsert("quotes", revised["quoteid"], {"statecode": 1, "statuscode": 2}, mode="update")
    run_documents(deps, ["quotes"])
    doc = bc_document(bc, "crmSalesQuotes", number)
    assert (doc["noOfArchivedVersions"], doc["crmRevisionNumber"]) == (1, 1)
    order = crm.http.request("POST", "ConvertQuoteToSalesOrder", json={
        "QuoteId": revised["quoteid"], "ColumnSet": {"AllColumns": True}}).json()  # fmt: skip
    crm.upsert("salesorders", order["salesorderid"], {"statuscode": ORDER_CONFIRMED},
               mode="update")  # fmt: skip
    order_number = str(crm.get("salesorders", order["salesorderid"])["ordernumber"])
    run_documents(deps, ["orders"])
    bc_order = bc_document(bc, "crmSalesOrders", order_number)
    assert bc_order["quoteNumber"] == doc["number"] and bc_order["number"].startswith("CO")
    assert not list(bc.records("crmSalesQuotes", api="companion", filter=f"id eq {doc['id']}"))
    versions = list(bc.records("salesDocumentArchives", api="companion",
                               filter=f"documentId eq {doc['id']}"))  # fmt: skip
    assert sorted(v["versionNumber"] for v in versions) == [1, 2]
    assert staging_for(deps, ORDERS).get(order_number).status == "Created"


def test_more_than_100_lines_make_one_complete_document(deps: Deps) -> None:
    bc, _ = clients(deps)
    _, number = active_quote(deps, lines=150)
    run_documents(deps, ["quotes"])
    doc = bc_document(bc, "crmSalesQuotes", number)
    assert len(doc["lines"]) == 150 and doc["crmComplete"] is True
    run_documents(deps, ["quotes"])  # nothing new: nothing written twice
    assert len(bc_document(bc, "crmSalesQuotes", number)["lines"]) == 150


def test_a_crm_number_bc_already_uses_is_refused_on_the_staging_row(deps: Deps) -> None:
    bc, _ = clients(deps)
    _, number = active_quote(deps)
    customer = next(bc.records("customers", filter="number eq 'C00010'"))
    bc.http.request("POST", f"{bc.companion_path}/{bc.company}/crmSalesQuotes",
                    json={"number": number, "customerNumber": customer["number"]})  # fmt: skip
    run_documents(deps, ["quotes"])
    row = staging_for(deps, QUOTES).get(number)
    assert row.status == "Error" and f"No. {number.upper()} is already used in BC" in row.error


def test_a_locked_order_refuses_a_users_edit_but_takes_a_comment_line(deps: Deps) -> None:
    bc, crm = clients(deps)
    order_id = crm.create("salesorders", {
        **header(crm, account(deps)), "name": "Locked", "bcs_documentdate": "2026-11-30",
        "order_details": [service_line(crm, 3, 1)],
    })  # fmt: skip
    crm.upsert("salesorders", order_id, {"statuscode": ORDER_CONFIRMED}, mode="update")
    number = str(crm.get("salesorders", order_id)["ordernumber"])
    run_documents(deps, ["orders"])
    doc = bc_document(bc, "crmSalesOrders", number)
    assert doc["crmLocked"] is True
    v2 = f"{bc.api_path}/{bc.company}"
    with pytest.raises(RecordError, match="does not allow it to be modified"):
        bc.http.request("PATCH", f"{v2}/salesOrders({doc['id']})",
                        json={"requestedDeliveryDate": "2027-01-31"}, headers={"If-Match": "*"})  # fmt: skip
    bc.http.request("POST", f"{v2}/salesOrderLines", json={
        "documentId": doc["id"], "lineType": "Comment", "description": "Ring at the gate"})  # fmt: skip
    assert len(bc_document(bc, "crmSalesOrders", number)["lines"]) == 2
