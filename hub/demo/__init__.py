"""`hub demo`: the flows end to end on this machine, narrated.

Starts a fresh Azurite and the sandbox on free loopback ports, runs `function_app.py` in
the local host with the storage-queue bus, and drives it the way Power Automate and the
timers do: HTTP actions with the function key, a timer whose fan-out goes through the
queue, a refused credential, the invoice legs. It prints what it did and ends with one
summary line.

- `environment`: Azurite + sandbox + host, started and stopped together;
- `walker`: the one way the demo calls the host and walks paged answers;
- `lists`, `invoices`, `crm`: the steps.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import click

from hub.demo.credit_notes import credit_notes
from hub.demo.crm import crm_to_bc, map_crm_data, setup_defaults, sync_masters
from hub.demo.documents import quotes_and_orders
from hub.demo.environment import demo_environment
from hub.demo.invoices import ride_out_an_outage, run_invoice_demo
from hub.demo.lists import (
    change_ecppro_and_run_timer,
    print_table,
    refresh_all,
    refused_credentials,
    show_auth,
)
from hub.demo.nightly import nightly_feeds, posted_invoices
from shared.domain.ecppro import EcpProList

Say = Callable[[str], None]


def run_demo(say: Say = click.echo) -> None:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hub-demo-") as state_dir:
        say("Starting Azurite, the sandbox (Entra, EcpPro, BC, Dataverse) and the local host ...")
        with demo_environment(Path(state_dir)) as (host, sandbox, _settings):
            say(f"  local host on {host.base_url} with {len(list(host.functions))} functions")
            say("1. Function keys are enforced")
            show_auth(host, say)
            say("2. Refresh action (Power Automate's HTTP call) for each EcpPro list")
            refresh_all(host, say)
            say("3. EcpPro changes; the timer refreshes every list through the queue")
            change_ecppro_and_run_timer(host, sandbox, say)
            say("4. EcpPro refuses the credentials")
            refused_credentials(host, sandbox, say)
            say("5. Staged rows (GET /api/ecppro/{list}, paged)")
            rows = print_table(host, say)
            say("6. EcpPro invoices -> Business Central sales and purchase documents")
            invoices = run_invoice_demo(host, sandbox, say)
            say("7. Business Central goes down for a while; queued work backs off and lands")
            ride_out_an_outage(host, sandbox, say)
            say("8. CRM Integration Setup: Get Default UOM GUIDs and Get Default List Price GUIDs")
            setup_defaults(host, say)
            say("9. Run BC to CRM Data Sync: the masters, twice, then an edit through the timer")
            masters = sync_masters(host, sandbox, say)
            say("10. Map CRM Data: salespersons by e-mail, currencies by code, customers by name")
            map_crm_data(host, say)
            say(
                "11. CRM -> BC through the CRM Data staging: accounts, contacts both ways, ship-tos"
            )
            customers, contacts = crm_to_bc(host, sandbox, say)
            say("12. Quotes and orders from CRM: revisions, an order from the quote, a write-in")
            quotes, orders = quotes_and_orders(host, say)
            say("13. Posted invoices to CRM: the order from CRM invoiced, a cancelled invoice")
            invoices_crm = posted_invoices(host, say)
            say("14. The nightly feeds: open customer ledger entries and inventory, by difference")
            cle, inventory = nightly_feeds(host, say)
            say("15. Project Operations: confirmed invoices to BC, revisions corrected in BC")
            credit_memos = credit_notes(host, sandbox, say)
    seconds = time.monotonic() - started
    say(
        f"demo: ok lists={len(EcpProList)} rows={rows} invoices={invoices} masters={masters} "
        f"customers={customers} contacts={contacts} quotes={quotes} orders={orders} "
        f"invoices_crm={invoices_crm} cle={cle} inventory={inventory} credit_memos={credit_memos} "
        f"seconds={seconds:.1f}"
    )
