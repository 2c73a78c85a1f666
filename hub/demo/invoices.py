"""The invoice part of `hub demo`: EcpPro invoices → BC sales and purchase documents.

Imports the sandbox's EcpPro invoices plus one for a customer BC does not know, runs both
legs through the queues, fixes the customer in BC, reprocesses the failed invoice and
prints the four views.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import click

from hub.demo.walker import all_items, call
from hub.host import LocalHost
from sandbox.run import RunningSandbox

Say = Callable[[str], None]
UNKNOWN_CUSTOMER = "C09999"
LARGE_LINES = 500


def add_large_invoice(sandbox: RunningSandbox, lines: int = LARGE_LINES) -> dict[str, Any]:
    """An EcpPro invoice of `lines` licence lines, all with a unit cost: 5 BC transactions'
    worth of lines and 3 dimensions on every purchase line (two customer defaults + the
    cost centre)."""
    template = next(i for i in sandbox.ecppro.state.list("invoices") if i["totalAmount"] > 0)
    sku = next(ln for ln in template["lines"] if ln.get("unitCost") is not None)
    rows = [{**sku, "lineNo": 10000 + n, "quantity": 1 + n % 5,
             "amount": round((1 + n % 5) * sku["unitPrice"], 2)} for n in range(lines)]  # fmt: skip
    record = {**template, "id": "9b0c1d2e-0000-4000-8000-00000000b160", "invoiceNumber": "INV-DEMO-LARGE",
              "customerNumber": "C00010", "costCentre": "CC-100", "lines": rows,
              "providerInvoiceNumber": "DEMO-LARGE-PROVIDER",
              "totalAmount": round(sum(row["amount"] for row in rows), 2)}  # fmt: skip
    sandbox.ecppro.state.upsert("invoices", record)
    return record


def add_unknown_customer_invoice(sandbox: RunningSandbox) -> dict[str, Any]:
    template = next(i for i in sandbox.ecppro.state.list("invoices") if i["totalAmount"] > 0)
    record = {**template, "id": "9b0c1d2e-0000-4000-8000-00000000d3m0", "invoiceNumber": "INV-DEMO-NEWCUST",
              "customerNumber": UNKNOWN_CUSTOMER, "customerName": "Northwind Traders (new)"}  # fmt: skip
    sandbox.ecppro.state.upsert("invoices", record)
    return record


def rows(host: LocalHost, view: str = "all") -> list[dict[str, Any]]:
    return all_items(host, "invoices", view=view)


def run_leg_action(
    host: LocalHost, action: str, leg: str, body: dict[str, Any] | None = None, timeout: float = 180
) -> dict[str, Any]:
    """Run a create-* action and wait until the workers took every queued invoice.

    A worker counts an attempt on the invoice's leg whatever the outcome, so an invoice is
    done once its attempt count moved past what it was before the action.
    """
    before = {row["id"]: row[leg]["attempts"] for row in rows(host)}
    queued = run_action(host, action, body)
    pending = set(queued["invoiceIds"])
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        current = {row["id"]: row[leg]["attempts"] for row in rows(host)}
        pending = {i for i in pending if current.get(i, 0) <= before.get(i, 0)}
        if pending:
            time.sleep(0.3)
    if pending:
        raise click.ClickException(f"{len(pending)} invoices still waiting for the {leg} leg")
    return queued


def run_action(host: LocalHost, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = call(host, "POST", f"invoices/actions/{action}", json_body=body)
    if response.status_code not in (200, 202):
        raise click.ClickException(f"{action} failed: {response.status_code} {response.text}")
    return dict(response.json())


def run_invoice_demo(host: LocalHost, sandbox: RunningSandbox, say: Say) -> int:
    extra = add_unknown_customer_invoice(sandbox)
    large = add_large_invoice(sandbox)
    imported = run_action(host, "import")
    say(
        f"  import: {imported['imported']} invoices staged (one for unknown customer "
        f"{UNKNOWN_CUSTOMER}, one of {LARGE_LINES} lines)"
    )
    again = run_action(host, "import")
    say(
        f"  import again: imported={again['imported']} unchanged={again['unchanged']} (no duplicates)"
    )
    queued = run_leg_action(host, "create-sales-documents", "sales")
    say(f"  Create Sales Documents: 202, {queued['queued']} messages on {queued['queue']}")
    for row in rows(host, "sales-error"):
        say(f"  sales error: {row['sales']['error']}")
    queued = run_leg_action(host, "create-purchase-documents", "purchase")
    say(f"  Create Purchase Documents: 202, {queued['queued']} eligible invoices queued")
    show_reuse(host, say)
    show_large(host, sandbox, large, say)
    fix_customer_and_reprocess(host, sandbox, extra, say)
    return print_views(host, say)


def show_reuse(host: LocalHost, say: Say) -> None:
    everything = rows(host)
    credits = [r for r in everything if r["sales"]["documentType"] == "Sales Credit Memo"]
    purchase_credits = [
        r for r in everything if r["purchase"]["documentType"] == "Purchase Credit Memo"
    ]
    say(f"  credits (negative totals): {len(credits)} sales credit memos, "
        f"{len(purchase_credits)} purchase credit memos")  # fmt: skip
    bought = rows(host, "purchase-created")
    documents = {r["purchase"]["documentNumber"] for r in bought}
    say(f"  purchase: {len(bought)} invoices on {len(documents)} purchase documents "
        "(open documents reused per vendor, vendor invoice no., type and currency)")  # fmt: skip
    for row in rows(host, "purchase-error")[:3]:
        say(f"  purchase error: {row['purchase']['error']}")


def show_large(host: LocalHost, sandbox: RunningSandbox, large: dict[str, Any], say: Say) -> None:
    """The 500-line invoice: one sales document, one purchase document, every line once."""
    row = call(host, "GET", f"invoices/{large['id']}").json()
    sales_number, purchase_number = (
        row["sales"]["documentNumber"],
        row["purchase"]["documentNumber"],
    )
    admin = sandbox.business_central.admin
    sales = admin.document("salesInvoices", admin.by_number("salesInvoices", sales_number)["id"])
    purchase = admin.document(
        "purchaseInvoices", admin.by_number("purchaseInvoices", purchase_number)["id"]
    )
    sold = len(sales["salesInvoiceLines"])
    ours = [
        ln
        for ln in purchase["purchaseInvoiceLines"]
        if ln["description2"] == large["invoiceNumber"]
    ]
    complete = sum(len(ln["dimensionSetLines"]) == 3 for ln in ours)
    say(f"  {large['invoiceNumber']}: {sold} lines on {sales_number}; {len(ours)} lines on "
        f"{purchase_number}, {complete} with their 3 dimensions (BC takes 100 requests per transaction)")  # fmt: skip
    if not sold == len(ours) == complete == LARGE_LINES:
        raise click.ClickException(f"the large invoice did not land whole: {row}")


def fix_customer_and_reprocess(
    host: LocalHost, sandbox: RunningSandbox, extra: dict[str, Any], say: Say
) -> None:
    sandbox.business_central.admin.add_customer(UNKNOWN_CUSTOMER, extra["customerName"])
    say(f"  customer {UNKNOWN_CUSTOMER} created in Business Central; Reprocess Sales ...")
    response = call(host, "POST", f"invoices/{extra['id']}/reprocess-sales")
    if response.status_code != 200:
        raise click.ClickException(f"reprocess-sales failed: {response.text}")
    run_leg_action(host, "create-sales-documents", "sales", {"invoiceIds": [extra["id"]]})
    row = call(host, "GET", f"invoices/{extra['id']}").json()
    say(
        f"  {row['invoiceNumber']}: {row['sales']['status']} {row['sales']['documentNumber']} -> {row['sales']['link']}"
    )
    if row["sales"]["status"] not in ("Posted Sales Invoice", "Created"):
        raise click.ClickException(f"the reprocessed invoice did not succeed: {row['sales']}")


def print_views(host: LocalHost, say: Say) -> int:
    counts = {view: len(rows(host, view)) for view in
              ("sales-created", "sales-error", "purchase-created", "purchase-error",
               "purchase-not-applicable", "all")}  # fmt: skip
    say("  " + "  ".join(f"{view}={count}" for view, count in counts.items()))
    return counts["all"]


def ride_out_an_outage(
    host: LocalHost, sandbox: RunningSandbox, say: Say, seconds: float = 8
) -> None:
    """BC answers 503 to everything for a while: the queued invoice backs off, then lands."""
    template = next(i for i in sandbox.ecppro.state.list("invoices") if i["totalAmount"] > 0)
    record = {
        **template,
        "id": "9b0c1d2e-0000-4000-8000-0000000000a1",
        "invoiceNumber": "INV-DEMO-OUTAGE",
    }
    sandbox.ecppro.state.upsert("invoices", record)
    run_action(host, "import")
    faults = sandbox.business_central.faults
    faults.configure(unavailable_probability=1.0)
    try:
        run_action(host, "create-sales-documents", {"invoiceIds": [record["id"]]})
        down_until = time.monotonic() + seconds
        while time.monotonic() < down_until:
            time.sleep(0.5)
        during = call(host, "GET", f"invoices/{record['id']}").json()["sales"]
    finally:
        faults.configure(unavailable_probability=0.0)
    say(f"  BC answers 503 for {seconds:.0f} s: {record['invoiceNumber']} is {during['status']} "
        f"after {during['attempts']} attempts ({(during['error'] or '')[:70]}...)")  # fmt: skip
    deadline = time.monotonic() + 60
    row = during
    while time.monotonic() < deadline and row["status"] == "New":
        time.sleep(0.5)
        row = call(host, "GET", f"invoices/{record['id']}").json()["sales"]
    dead = call(host, "GET", "dead-letters/invoice-sales").json()["count"]
    say(f"  BC back: {row['status']} {row['documentNumber']} after {row['attempts']} attempts, "
        f"retried 2, 4, 4 ... s apart; dead letters: {dead}")  # fmt: skip
    if row["status"] == "New" or dead or during["attempts"] < 2:
        raise click.ClickException(f"the outage was not ridden out: {during} then {row}")
