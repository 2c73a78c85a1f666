"""Posted sales invoices, BC → CRM, against both simulators over real HTTP: invoices
posted in the BC simulator (v2.0 `post`, an order's `shipAndInvoice`, `cancel`) read
through the companion `crmPostedSalesInvoices` (sandbox/BC_CUSTOM_API.md) and written to
the Dataverse simulator's invoices, with its pricing and state rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.adapters.business_central.client import BusinessCentralClient
from shared.adapters.business_central.sales_documents import CompanionSalesDocuments
from shared.config import Settings
from shared.entities.documents import ORDER_CONFIRMED, ORDERS
from shared.entities.posted_invoices import NAME
from shared.flows.crm_documents import run_documents, staging_for
from shared.flows.crm_mapping import MappingJob, map_crm_data
from shared.flows.crm_posted_invoice_plan import invoice_id
from shared.flows.crm_posted_invoices import CORRECTIONS, run_posted_invoices, staged_invoices
from shared.flows.crm_sync import run_bc_to_crm
from shared.flows.deps import Deps
from shared.sync.maps import Direction
from shared.sync.watermarks import Watermarks
from tests.adapters.crm_support import clients, connector_deps
from tests.adapters.test_crm_documents_sandbox import MASTERS, account, header, service_line

pytestmark = pytest.mark.sandbox


@pytest.fixture
def deps(sandbox_settings: Settings) -> Deps:
    """Masters, items and units in CRM, currencies and salespersons mapped; the watermarks
    at this moment, so a run reads what this test posts, not the whole session's."""
    deps = connector_deps(sandbox_settings)
    bc, _ = clients(deps)
    deps = replace(deps, bc_sales=CompanionSalesDocuments(bc), crm_sync_overlap_seconds=0)
    run_bc_to_crm(deps, MASTERS)
    map_crm_data(deps, MappingJob.CURRENCIES)
    map_crm_data(deps, MappingJob.SALESPERSONS)
    now = datetime.now(UTC) - timedelta(seconds=1)
    for name in (NAME, CORRECTIONS):
        Watermarks(deps.store).advance(Direction.BC_TO_CRM, name, now, now)
    return deps


def customer_number(deps: Deps) -> tuple[str, str]:
    """A CRM account made a BC customer (so coupled): (BC No., CRM account id)."""
    _, crm = clients(deps)
    account_id = account(deps)  # its customer No. is written back to the account
    return str(crm.get("accounts", account_id)["bcs_bccustomerno"]), account_id


def post_invoice(bc: BusinessCentralClient, customer: str, **fields: Any) -> dict[str, Any]:
    v2 = f"{bc.api_path}/{bc.company}"
    invoice = bc.http.request("POST", f"{v2}/salesInvoices", json={
        "customerNumber": customer, "salesperson": "PS", "invoiceDate": "2026-05-04",
        "salesInvoiceLines": [
            {"lineType": "Item", "lineObjectNumber": "SUPPORT-HRS", "quantity": 3,
             "unitOfMeasureCode": "HOUR", "discountAmount": 15, "description2": "May"},
            {"lineType": "Account", "lineObjectNumber": "6100", "quantity": 1, "unitPrice": 120,
             "description": "Travel"},
            {"lineType": "Comment", "description": "Thank you for your business"},
        ], **fields,
    }).json()  # fmt: skip
    bc.http.request("POST", f"{v2}/salesInvoices({invoice['id']})/Microsoft.NAV.post")
    return dict(bc.http.get_json(f"{v2}/salesInvoices({invoice['id']})"))


def test_a_posted_invoice_reaches_crm_with_its_lines_and_bcs_totals(deps: Deps) -> None:
    bc, crm = clients(deps)
    number, account_id = customer_number(deps)
    posted = post_invoice(bc, number)
    report = run_posted_invoices(deps)
    [row] = [r for r in staged_invoices(deps) if r.number == posted["number"]]
    assert (row.status, row.error) == ("Created", ""), report.as_dict()
    invoice = crm.get("invoices", invoice_id(posted["id"]))
    base = next(crm.rows("organizations"))["_basecurrencyid_value"]
    assert (invoice["invoicenumber"], invoice["_customerid_value"]) == (
        posted["number"],
        account_id,
    )
    assert invoice["_transactioncurrencyid_value"] == base  # BC's blank currency code
    assert invoice["bcs_documentdate"] == "2026-05-04" and invoice["billto_name"]
    owner = next(
        crm.rows("systemusers", filter="internalemailaddress eq 'peter.saddow@cronus.example'")
    )
    assert invoice["_ownerid_value"] == owner["systemuserid"]
    details = sorted(crm.rows("invoicedetails", filter=f"_invoiceid_value eq {invoice['invoiceid']}"),
                     key=lambda d: d["lineitemnumber"])  # fmt: skip
    assert [d["isproductoverridden"] for d in details] == [False, True]  # no comment line
    assert (details[0]["quantity"], details[0]["manualdiscountamount"]) == (3, 15)
    assert details[0]["description"] == "Managed support hours May"
    assert details[1]["productdescription"] == "Travel"
    # CRM computes its amounts from BC's lines: they agree with BC's totals.
    assert invoice["totallineitemamount"] == posted["totalAmountExcludingTax"] == 3 * 85 - 15 + 120
    assert invoice["totalamount"] == posted["totalAmountIncludingTax"]
    assert invoice["totaltax"] == posted["totalTaxAmount"]
    again = run_posted_invoices(deps)
    assert again.written == 0 and again.failed == 0
    crm.delete("invoicedetails", details[1]["invoicedetailid"])  # a CRM user removes a line
    repaired = run_posted_invoices(deps, [posted["number"]])  # the batch job writes it again
    assert repaired.updated == 1, repaired.as_dict()
    lines = list(crm.rows("invoicedetails", filter=f"_invoiceid_value eq {invoice['invoiceid']}"))
    assert sorted(d["invoicedetailid"] for d in lines) == sorted(
        d["invoicedetailid"] for d in details)  # fmt: skip


def test_an_order_from_crm_is_set_invoiced_when_bc_posts_it(deps: Deps) -> None:
    bc, crm = clients(deps)
    _, account_id = customer_number(deps)
    agent = crm.get("bcs_shippingagents", {"bcs_code": "FEDEX"})["bcs_shippingagentid"]
    order_id = crm.create("salesorders", {
        **header(crm, account_id), "name": "Invoiced order", "bcs_documentdate": "2026-05-06",
        "bcs_ShippingAgentId@odata.bind": f"/bcs_shippingagents({agent})",
        "order_details": [service_line(crm, 2, 1)],
    })  # fmt: skip
    crm.upsert("salesorders", order_id, {"statuscode": ORDER_CONFIRMED}, mode="update")
    order_number = str(crm.get("salesorders", order_id)["ordernumber"])
    run_documents(deps, ["orders"])
    bc_order = staging_for(deps, ORDERS).get(order_number)
    v2 = f"{bc.api_path}/{bc.company}"
    bc.http.request("POST", f"{v2}/salesOrders({bc_order.bc_id})/Microsoft.NAV.shipAndInvoice")
    run_posted_invoices(deps)
    [row] = [r for r in staged_invoices(deps) if r.order_number == bc_order.bc_number]
    assert (row.status, row.crm_order_id, row.order_invoiced) == ("Created", order_id, True)
    order = crm.get("salesorders", order_id)
    assert (order["statecode"], order["statuscode"]) == (4, 100003)
    invoice = crm.get("invoices", row.crm_invoice_id)
    assert (invoice["_salesorderid_value"], invoice["_bcs_shippingagentid_value"]) == (
        order_id, agent)  # fmt: skip


def test_an_invoice_cancelled_in_bc_becomes_canceled_in_crm(deps: Deps) -> None:
    bc, crm = clients(deps)
    number, _ = customer_number(deps)
    posted = post_invoice(bc, number)
    run_posted_invoices(deps)
    assert crm.get("invoices", invoice_id(posted["id"]))["statecode"] == 0
    v2 = f"{bc.api_path}/{bc.company}"
    bc.http.request("POST", f"{v2}/salesInvoices({posted['id']})/Microsoft.NAV.cancel")
    report = run_posted_invoices(deps)
    invoice = crm.get("invoices", invoice_id(posted["id"]))
    assert (invoice["statecode"], invoice["statuscode"]) == (3, 100003), report.as_dict()
    [row] = [r for r in staged_invoices(deps) if r.number == posted["number"]]
    assert row.status == "Canceled" and row.canceled_by.startswith("PS-CR")
    assert run_posted_invoices(deps, [posted["number"]]).written == 0
