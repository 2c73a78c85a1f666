"""End to end: Project Operations invoices and their revisions → BC through the local
host (product document 001): the poll over HTTP (as Power Automate calls it), Correct
Invoice through the `project-credit-notes` queue and the host's queue trigger, Correct
Invoice over HTTP, the stagings over HTTP and `hub project`, on Azurite and both
simulators."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli_project import project
from hub.demo.crm import DEMO_CRM_SETTINGS, get, post
from hub.demo.walker import call
from hub.host import LocalHost
from sandbox.run import RunningSandbox
from shared import bootstrap
from shared.adapters.business_central.client import BusinessCentralClient
from shared.adapters.dataverse.client import DataverseClient
from shared.bootstrap import build_business_central, build_dataverse
from shared.config import Settings
from shared.entities.project_invoices import HEADER_COLUMNS
from shared.flows.project_poll import WATERMARK
from shared.sync.maps import Direction
from shared.sync.watermarks import Watermarks

pytestmark = [pytest.mark.e2e, pytest.mark.azurite, pytest.mark.sandbox]

WORK = [
    {"description": "Cutover rehearsal", "category": "Consulting Hours", "quantity": 6,
     "price": 130},
    {"description": "Hypercare", "category": "Consulting Hours", "quantity": 2, "price": 110},
]  # fmt: skip


@pytest.fixture
def host_settings() -> dict[str, str]:
    return {
        **DEMO_CRM_SETTINGS,
        "PROJECT_BC_INVOICE_INTEGRATION": "true",
        "PROJECT_CORRECT_POSTED_INVOICE": "Cancel invoice",
        "PROJECT_REVENUE_ACCOUNT": "6100",
        "PROJECT_DIMENSION": "PROJECT",
    }


def coupled_account(host: LocalHost, crm: DataverseClient) -> str:
    """A new account made a BC customer through the host (CRM Data: Create in BC), the
    currencies mapped: what a project invoice for it needs in BC."""
    post(host, "crm/setup/default-units")
    post(host, "crm/setup/default-price-list")
    post(host, "crm/bc-to-crm/run", {"entities": ["countries-regions", "payment-terms"]})
    post(host, "crm/map/currencies")
    gb = next(crm.rows("bcs_countryregions", filter="bcs_code eq 'GB'"))
    account = crm.create("accounts", {
        "name": f"Project E2E {uuid.uuid4().hex[:8]}", "address1_city": "York",
        "bcs_CountryRegionId@odata.bind": f"/bcs_countryregions({gb['bcs_countryregionid']})",
    })  # fmt: skip
    post(host, "crm/crm-to-bc/run", {"entities": ["customers"]})
    post(host, "crm/crm-data/customers/create-in-bc", {"ids": [account]})
    assert crm.get("accounts", account)["bcs_bccustomerno"]
    return account


def poll_from_now(crm: DataverseClient) -> None:
    """The hub's poll begins at this moment: the session's other project invoices (and
    the seed's) are not this test's to send to BC."""
    feed = crm.changes("invoices", select=HEADER_COLUMNS, delta_link=None)
    list(feed)
    assert feed.delta_link
    deps = bootstrap.deps()
    Watermarks(deps.store).keep_token(Direction.CRM_TO_BC, WATERMARK, feed.delta_link,
                                      deps.clock())  # fmt: skip


def project_invoice(sandbox: RunningSandbox, crm: DataverseClient, account: str) -> dict[str, Any]:
    """A confirmed project invoice for the Adatum Cloud Migration project, with its details."""
    found = next(crm.rows("msdyn_projects", filter="msdyn_subject eq 'Adatum Cloud Migration'"))
    invoice = dict(sandbox.dataverse.create_project_invoice(
        f"PO-{uuid.uuid4().hex[:8].upper()}", account, found["msdyn_projectid"], WORK,
        confirm=True))  # fmt: skip
    return invoice


def post_in_bc(bc: BusinessCentralClient, invoice_id: str) -> dict[str, Any]:
    """A BC user posts the invoice the hub wrote."""
    v2 = f"{bc.api_path}/{bc.company}/salesInvoices"
    bc.http.request("POST", f"{v2}({invoice_id})/Microsoft.NAV.post")
    return dict(bc.http.get_json(f"{v2}({invoice_id})"))


def wait_for(host: LocalHost, route: str, status: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        row = get(host, route)
        if row.get("status") == status:
            return row
        assert time.monotonic() < deadline, f"{route} is still {row.get('status')}: {row}"
        time.sleep(0.25)


def hub_project(*args: str) -> list[dict[str, Any]]:
    """`hub project …` in this process, on the host's storage (one JSON row a line)."""
    result = CliRunner().invoke(project, list(args))
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines() if line.strip()]


def test_a_revision_reaches_bc_through_the_poll_and_the_queue(
    host: LocalHost, sandbox: RunningSandbox
) -> None:
    settings = Settings()
    crm, bc = build_dataverse(settings), build_business_central(settings)
    account = coupled_account(host, crm)
    poll_from_now(crm)
    invoice = project_invoice(sandbox, crm, account)

    first = post(host, "project/invoices/run")

    assert (first["read"], first["created"], first["failed"]) == (1, 1, 0), first
    staged = get(host, f"project/invoices/{invoice['invoiceid']}")
    assert staged["status"] == "Created in BC" and staged["bcUnpostedInvoiceNo"], staged
    assert sorted(line["dimensionCode"] for line in staged["lines"]) == [
        "Adatum Cloud Migration"] * 2  # fmt: skip
    posted = post_in_bc(bc, staged["bcInvoiceId"])
    revision = str(sandbox.dataverse.revise_project_invoice(invoice["invoiceid"],
                                                            confirm=True)["invoiceid"])  # fmt: skip

    second = post(host, "project/invoices/run")  # stages the revision, queues Correct Invoice

    assert (second["revisions"], second["queued"], second["failed"]) == (1, 1, 0), second
    row = wait_for(host, f"project/credit-memos/{revision}", "Posted")
    assert (row["coupled"], row["error"], row["bcPostedInvoiceNo"]) == (True, "", posted["number"])
    assert row["bcPostedCreditMemoId"].startswith("PS-CR")
    assert sorted(line["quantity"] for line in row["lines"]) == [2, 6]
    cancelled = bc.http.get_json(f"{bc.api_path}/{bc.company}/salesInvoices({posted['id']})")
    assert cancelled["status"] == "Canceled"
    original = get(host, f"project/invoices/{invoice['invoiceid']}")
    assert (original["status"], original["bcPostedCreditMemoId"]) == (
        "Credited", row["bcPostedCreditMemoId"])  # fmt: skip
    written = crm.get("invoices", revision, select=["bcs_bccreditmemono", "bcs_bccreditmemoposted"])
    assert (written["bcs_bccreditmemono"], written["bcs_bccreditmemoposted"]) == (
        row["bcPostedCreditMemoId"], True)  # fmt: skip
    assert post(host, "project/invoices/run")["queued"] == 0  # the write-backs queue nothing

    listed = {r["id"]: r for r in hub_project("credit-memos")}
    assert listed[revision]["status"] == "Posted"
    [one] = hub_project("credit-memos", revision)
    assert one["bcPostedCreditMemoId"] == row["bcPostedCreditMemoId"] and len(one["lines"]) == 2


def test_correct_invoice_over_http_answers_why_it_refused(
    host: LocalHost, sandbox: RunningSandbox
) -> None:
    """A paid invoice: Correct Invoice (as Power Automate calls it for one revision)
    answers Refused with the reason, and the staging lists it under Refused."""
    settings = Settings()
    crm, bc = build_dataverse(settings), build_business_central(settings)
    account = coupled_account(host, crm)
    poll_from_now(crm)
    invoice = project_invoice(sandbox, crm, account)
    processed = post(host, "project/invoices/process", {"ids": [invoice["invoiceid"]]})
    assert processed["created"] == 1, processed
    staged = get(host, f"project/invoices/{invoice['invoiceid']}")
    posted = post_in_bc(bc, staged["bcInvoiceId"])
    sandbox.business_central.admin.settle(posted["customerNumber"], posted["number"])
    revision = str(sandbox.dataverse.revise_project_invoice(invoice["invoiceid"],
                                                            confirm=True)["invoiceid"])  # fmt: skip

    answer = post(host, "project/credit-memos/correct", {"ids": [revision]})

    [record] = answer["records"]
    assert (answer["corrected"], record["id"], record["status"]) == (0, revision, "Refused")
    assert f"BC invoice {posted['number']} is already paid" in record["error"], record
    refused = get(host, "project/credit-memos", status="Refused")
    assert [r["id"] for r in refused["records"]] == [revision]
    assert [r["id"] for r in hub_project("credit-memos", "--status", "Refused")] == [revision]
    unknown = call(
        host, "POST", "project/credit-memos/correct", json_body={"ids": [str(uuid.uuid4())]}
    )
    assert unknown.status_code == 404, unknown.text
