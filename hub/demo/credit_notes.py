"""The Project Operations part of `hub demo` (product document 001): confirmed project
invoices go to BC through the BC Invoice Stagings; revisions made in Project Operations
are corrected in BC through the Correct Invoice queue — a full reversal (BC's own cancel,
the draft revision confirmed by the hub), a partial one (a credit memo of the
differences), an unposted invoice cancelled ("Deleted"), a paid invoice refused, and,
with partial credit notes switched off, a partial revision refused."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import click

from hub.demo.crm import Say, get, post
from hub.host import LocalHost
from sandbox.run import RunningSandbox
from shared import bootstrap
from shared.bootstrap import build_business_central, build_dataverse
from shared.config import get_settings

DEMO_PROJECT_SETTINGS = {
    "PROJECT_BC_INVOICE_INTEGRATION": "true",
    "PROJECT_AUTO_CONFIRM_CREDIT_NOTES": "true",
    "PROJECT_ALLOW_PARTIAL_CREDIT_NOTES": "true",
    "PROJECT_CORRECT_POSTED_INVOICE": "Cancel invoice",
    "PROJECT_REVENUE_ACCOUNT": "6100",
    "PROJECT_DIMENSION": "PROJECT",
    "PROJECT_NON_CHANGEABLE_FIELDS": "postingDate,customerNumber,lines/quantity,lines/unitPrice",
}
WORK = [
    {"description": "Migration workshop", "category": "Consulting Hours", "quantity": 16,
     "price": 120.0},
    {"description": "Train to Reading", "category": "Travel Expenses",
     "transaction_class": "Expense", "quantity": 1, "price": 180.0},
]  # fmt: skip
DONE = ("Posted", "Created", "Deleted", "Refused", "Error", "Nothing to credit")


def credit_notes(host: LocalHost, sandbox: RunningSandbox, say: Say) -> int:
    """Answers how many BC credit memos Correct Invoice made."""
    settings = get_settings()
    crm, bc = build_dataverse(settings), build_business_central(settings)
    dataverse, admin = sandbox.dataverse, sandbox.business_central.admin
    account = crm.get("accounts", {"accountnumber": "C00010"}, select=["accountid", "name"])
    project = next(crm.rows("msdyn_projects", filter="msdyn_subject eq 'Adatum Cloud Migration'",
                            select=["msdyn_projectid"]))["msdyn_projectid"]  # fmt: skip
    today = datetime.now(UTC).date().isoformat()
    stamp = datetime.now(UTC).strftime("%H%M%S")

    def invoice(n: int) -> dict[str, Any]:
        return dataverse.create_project_invoice(f"PI-{stamp}-{n}", account["accountid"], project,
                                                WORK, invoice_date=today, confirm=True)  # fmt: skip

    originals = {name: invoice(n) for n, name in enumerate(
        ("full", "partial", "unposted", "paid", "refused partial"), start=1)}  # fmt: skip
    report = post(host, "project/invoices/run", {})
    say(f"  {len(originals)} confirmed project invoices for {account['name']} (and the seed's "
        f"confirmed project invoice with its revision): {report['created']} BC sales invoices, "
        f"{report['revisions']} revision staged")  # fmt: skip
    for row in get(host, "project/credit-memos")["records"]:  # the seed's revision only, so far
        seeded = _settled(host, row["id"])
        rebilled = get(host, f"project/invoices/{row['id']}")
        say(f"  the seed's revision of {row['invoiceNumber']} (made before BC had it): BC Unposted "
            f"Invoice Number = {seeded['bcUnpostedInvoiceNo']}; the part it keeps is billed "
            f"anew as BC invoice {rebilled.get('bcUnpostedInvoiceNo')}")  # fmt: skip
    staged = {
        name: get(host, f"project/invoices/{inv['invoiceid']}") for name, inv in originals.items()
    }
    first = staged["full"]
    say(f"  BC Invoice Staging {first['number']}: {first['status']}, BC invoice "
        f"{first['bcUnpostedInvoiceNo']}, customer {first['customerAccountNumber']}, lines on "
        f"G/L 6100 with dimension PROJECT = ADATUM-CLOUD")  # fmt: skip
    base = f"{bc.api_path}/{bc.company}"
    for name in ("full", "partial", "paid", "refused partial"):
        bc.http.request(
            "POST", f"{base}/salesInvoices({staged[name]['bcInvoiceId']})/Microsoft.NAV.post"
        )
    paid = bc.odata.get(f"{base}/salesInvoices", staged["paid"]["bcInvoiceId"])
    admin.settle(paid["customerNumber"], paid["number"])
    post(host, "project/invoices/run", {})
    say(f"  the user posts four of them in BC; {paid['number']} is paid; the poll sees them Posted")

    details = {name: _details(crm, inv["invoiceid"]) for name, inv in originals.items()}
    revisions = {
        "full": dataverse.revise_project_invoice(originals["full"]["invoiceid"], confirm=False),
        "partial": dataverse.revise_project_invoice(
            originals["partial"]["invoiceid"], confirm=True, kept={details["partial"]["Migration workshop"]: 10}),
        "unposted": dataverse.revise_project_invoice(originals["unposted"]["invoiceid"], confirm=True),
        "paid": dataverse.revise_project_invoice(originals["paid"]["invoiceid"], confirm=True),
    }  # fmt: skip
    report = post(host, "project/invoices/run", {})
    say(f"  revisions in Project Operations: {report['confirmed']} draft confirmed by the hub "
        f"(Auto Confirm), {report['revisions']} staged, {report['queued']} queued for Correct "
        f"Invoice")  # fmt: skip
    outcomes = {name: _settled(host, rev["invoiceid"]) for name, rev in revisions.items()}
    for name, row in outcomes.items():
        say(f"  {name:<9} {row['revisionNumber']}: {_outcome(row)}")

    strict = replace(bootstrap.deps(), credit_notes=replace(bootstrap.deps().credit_notes,
                                                            allow_partial=False))  # fmt: skip
    with bootstrap.override(strict):
        refused = dataverse.revise_project_invoice(
            originals["refused partial"]["invoiceid"], confirm=True,
            kept={details["refused partial"]["Migration workshop"]: 10})  # fmt: skip
        post(host, "project/invoices/run", {})
        row = _settled(host, refused["invoiceid"])
    say(f"  with PROJECT_ALLOW_PARTIAL_CREDIT_NOTES off, {row['revisionNumber']}: {_outcome(row)}")
    written = crm.get("invoices", revisions["full"]["invoiceid"],
                      select=["bcs_bccreditmemono", "bcs_bccreditmemoposted", "msdyn_projectinvoicestatus"])  # fmt: skip
    say(
        f"  in Project Operations the full revision shows BC credit memo "
        f"{written['bcs_bccreditmemono']} (posted: {written['bcs_bccreditmemoposted']})"
    )
    memos = get(host, "project/credit-memos")
    return sum(1 for r in memos["records"] if r.get("status") in ("Posted", "Created")
               and r.get("bcCreditMemoId"))  # fmt: skip


def _details(crm: Any, invoice_id: str) -> dict[str, str]:
    """The invoice's line details: description → id."""
    rows = crm.rows("msdyn_invoicelinetransactions", filter=f"_msdyn_invoice_value eq {invoice_id}",
                    select=["msdyn_invoicelinetransactionid", "msdyn_description"])  # fmt: skip
    return {r["msdyn_description"]: r["msdyn_invoicelinetransactionid"] for r in rows}


def _settled(host: LocalHost, revision_id: str, timeout: float = 60.0) -> dict[str, Any]:
    """The Dataverse Credit Memo once the queue's Correct Invoice has settled it."""
    deadline = time.monotonic() + timeout
    while True:
        response = get(host, f"project/credit-memos/{revision_id}")
        if response.get("status") in DONE and response.get("status") != "New":
            return response
        if time.monotonic() > deadline:
            raise click.ClickException(f"revision {revision_id} is still {response.get('status')}")
        time.sleep(0.5)


def _outcome(row: dict[str, Any]) -> str:
    status = row.get("status")
    if status == "Posted":
        lines = [line for line in row.get("lines", []) if line.get("quantity")]
        return (f"credit memo {row['bcPostedCreditMemoId']} posted, Coupled, applied to "
                f"{row.get('bcPostedInvoiceNo') or 'the invoice'}; "
                + ", ".join(f"{line['description']} −{line['quantity']:g}" for line in lines))  # fmt: skip
    if status == "Deleted":
        return f"BC Unposted Invoice Number = {row['bcUnpostedInvoiceNo']} (the unposted invoice deleted)"
    return f"{status}: {row.get('error')}"
