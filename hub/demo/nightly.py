"""The nightly feeds part of `hub demo` (product document §21, §22): BC posts the order
that came from CRM, then the customer ledger and inventory feeds run through the host's
route (as Power Automate would; nightly their timers do) — twice, the second writing
nothing — and CRM shows the account's Balance and the products' Inventory."""

from __future__ import annotations

from hub.demo.crm import Say, post
from hub.host import LocalHost
from shared.bootstrap import build_dataverse
from shared.config import get_settings


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
