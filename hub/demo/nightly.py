"""The BC → CRM part of `hub demo` after the masters (product document §20–22): BC posts
the order that came from CRM and the batch job carries the posted invoices to CRM (that
order becomes Invoiced; an invoice cancelled in BC becomes Canceled); then the customer
ledger and inventory feeds run through the host's route (as Power Automate would; nightly
their timers do) — twice, the second writing nothing — and CRM shows the accounts'
Balance and the products' Inventory."""

from __future__ import annotations

from hub.demo.crm import Say, get, post
from hub.host import LocalHost
from shared.bootstrap import build_business_central, build_dataverse
from shared.config import get_settings


def posted_invoices(host: LocalHost, say: Say) -> int:
    """Answers how many CRM invoices the hub wrote."""
    settings = get_settings()
    crm, bc = build_dataverse(settings), build_business_central(settings)
    base = f"{bc.api_path}/{bc.company}"
    orders = list(bc.odata.list(f"{bc.companion_path}/{bc.company}/crmSalesOrders",
                                filter="startswith(number,'CO')"))  # fmt: skip
    for order in orders:  # the orders that came from CRM, shipped and invoiced in BC
        bc.http.request("POST", f"{base}/salesOrders({order['id']})/Microsoft.NAV.shipAndInvoice")
    posted = [i for i in bc.odata.list(f"{base}/salesInvoices", filter="status eq 'Open'")]
    mistaken = next(i for i in posted if i.get("orderNumber", "") == "")
    bc.http.request("POST", f"{base}/salesInvoices({mistaken['id']})/Microsoft.NAV.cancel")
    report = post(host, "crm/posted-invoices/run", {})
    say(f"  {len(orders)} CRM orders shipped and invoiced in BC; {mistaken['number']} cancelled "
        f"in BC (a corrective credit memo)")  # fmt: skip
    say(f"  batch job: read {report['read']}, created {report['created']} CRM invoices, "
        f"canceled {report['canceled']}, orders set Invoiced {report['ordersInvoiced']}, "
        f"waiting {report['waiting']}")  # fmt: skip
    for order in orders:
        crm_order = next(crm.rows("salesorders", filter=f"ordernumber eq '{order['yourReference']}'",
                                  select=["ordernumber", "statecode"]))  # fmt: skip
        state = "Invoiced" if crm_order["statecode"] == 4 else f"state {crm_order['statecode']}"
        say(f"  CRM order {crm_order['ordernumber']}: {state}")
    canceled = get(host, f"crm/posted-invoices/{mistaken['number']}")
    say(f"  CRM invoice {mistaken['number']}: {canceled['status']}")
    return int(report["created"])


def nightly_feeds(host: LocalHost, say: Say) -> tuple[int, int]:
    """Answers (ledger entries, inventory rows) CRM shows at the end of the step."""
    settings = get_settings()
    crm = build_dataverse(settings)
    first = post(host, "crm/nightly/run", {})
    for feed in first["feeds"]:
        say(f"  {feed['feed']:<24} read {feed['read']:>3}: created {feed['created']}, updated "
            f"{feed['updated']}, deleted {feed['deleted']} (the product's own rows replaced), "
            f"skipped {feed['skipped']} (not in CRM), totals {feed['totalsWritten']}, "
            f"{feed['batches']} $batch requests")  # fmt: skip
    second = post(host, "crm/nightly/run", {})
    say(f"  the next night with nothing changed in BC: {second['written']} writes")
    for account in crm.rows("accounts", filter="bcs_balance gt 0",
                            select=["name", "bcs_balance"]):  # fmt: skip
        say(f"  account {account['name']}: Balance {account['bcs_balance']:,.2f}")
    for product in crm.rows("products", filter="bcs_inventory gt 0",
                            select=["productnumber", "bcs_inventory"]):  # fmt: skip
        say(f"  product {product['productnumber']}: Inventory {product['bcs_inventory']:g}")
    entries = sum(1 for _ in crm.rows("bcs_customerledgerentries", select=["bcs_entryno"]))
    stock = sum(1 for _ in crm.rows("bcs_inventories", select=["bcs_quantity"]))
    return entries, stock
