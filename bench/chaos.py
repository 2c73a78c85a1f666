"""Chaos: EcpPro invoices through both legs while everything that can go wrong does.

- Business Central answers 10 % of requests 429 and 5 % 503, and cuts the answer of 3 %
  of writes after carrying them out (the connection drops before the reply);
- every queue message is delivered twice: half of the pairs at the same moment, half a
  little apart;
- the host (`hub serve`, a separate process) is killed with SIGKILL once, half-way
  through the sales leg, and started again.

Then BC and staging are compared: `duplicates` counts sales documents and purchase lines
beyond one per invoice (and cost line); `lost` counts invoices not in a final state or
missing in BC; `wrong_errors` counts invoices in Error (every invoice here is valid).

Prints `chaos: invoices=<n> duplicates=<d> lost=<l> wrong_errors=<e>` last. Goal: all 0.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import requests

from hub.azurite import Azurite, start_azurite
from sandbox.ecppro.invoices import invoice_records
from sandbox.run import RunningSandbox, SandboxConfig, start_sandbox
from shared.adapters.bus import StorageQueueBus
from shared.adapters.table_store import TableStagingStore
from shared.domain.invoices import (
    PURCHASE_DONE,
    SALES_DONE,
    DocumentKind,
    ProcessInvoice,
    PurchaseStatus,
    SalesStatus,
    StagedInvoice,
)
from shared.flows.invoice_plans import own_line_ids
from shared.flows.invoice_purchase import LEG as PURCHASE_LEG
from shared.flows.invoice_staging import iter_headers, load_invoice
from shared.ports.bus import OutgoingMessage
from shared.registry import Queue

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "chaos"
FUNCTION_KEY = "chaos-function-key"
HOST_SETTINGS = {
    "HUB_BUS_KIND": "storagequeue",
    "HUB_TABLE_PREFIX": PREFIX,
    "HUB_LOCAL_FUNCTION_KEY": FUNCTION_KEY,
    "HUB_LOCAL_MASTER_KEY": "chaos-master-key",
    "HUB_LOCAL_LOCK_SECONDS": "10",
    "HUB_RETRY_FIRST_DELAY_SECONDS": "1",
    "HUB_RETRY_MAX_DELAY_SECONDS": "4",
    "HUB_RETRY_WINDOW_MINUTES": "60",
    "HTTP_MAX_ATTEMPTS": "4",
    "HTTP_RETRY_BUDGET_SECONDS": "5",
    "ECPPRO_REFRESH_SCHEDULE": "0 0 */4 * * *",
    "ECPPRO_INVOICE_IMPORT_SCHEDULE": "0 */15 * * * *",
    "ECPPRO_STATUS_SYNC_SCHEDULE": "0 */30 * * * *",
    "CRM_BC_TO_CRM_SCHEDULE": "0 */2 * * * *",
    "CRM_CRM_TO_BC_SCHEDULE": "0 */5 * * * *",
    "CRM_DOCUMENTS_SCHEDULE": "*/30 * * * * *",
    "CRM_CLE_SCHEDULE": "0 0 1 * * *",
    "CRM_INVENTORY_SCHEDULE": "0 30 1 * * *",
    "PROJECT_INVOICES_SCHEDULE": "0 */2 * * * *",
    "ECPPRO_POST_SALES_DOCUMENTS": "true",
    "ECPPRO_CREATE_PURCHASE_INVOICE": "true",
    "ECPPRO_APPLY_COST_CENTRE_DIMENSION": "true",
    "ECPPRO_SALES_ACCOUNT_NUMBER": "6100",
    "ECPPRO_PURCHASE_ACCOUNT_NUMBER": "7100",
}


@dataclass(frozen=True)
class ChaosResult:
    invoices: int
    duplicates: int
    lost: int
    wrong_errors: int
    seconds: float
    faults: dict[str, int]

    def line(self) -> str:
        return (
            f"chaos: invoices={self.invoices} duplicates={self.duplicates} lost={self.lost} "
            f"wrong_errors={self.wrong_errors}"
        )


class Host:
    """`hub serve` in a process of its own, so it can be killed like a crashed worker."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hub", "serve", "--no-timers", "--port", str(self.port)],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(self.url("status"), headers=self.headers, timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError(f"the host did not start; see {self.log}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    @property
    def headers(self) -> dict[str, str]:
        return {"x-functions-key": FUNCTION_KEY}

    def url(self, route: str) -> str:
        return f"http://127.0.0.1:{self.port}/api/{route}"


def chaos_invoices(count: int, seed: int) -> list[dict[str, Any]]:
    """Valid EcpPro invoices (the seed's generator, without its deliberate bad cost centre)."""
    records = invoice_records(random.Random(seed), [], count)
    for record in records:
        if record["costCentre"] == "CC-300":
            record["costCentre"] = "CC-200"
    return records


def twice(
    queue: Queue, invoice_ids: list[str], leg: Literal["sales", "purchase"], bus: StorageQueueBus
) -> None:
    """Each message delivered twice: half of the pairs at once, half two seconds apart."""
    later = datetime.now(UTC) + timedelta(seconds=2)
    messages = []
    for n, invoice_id in enumerate(invoice_ids):
        body = ProcessInvoice(invoice_id=invoice_id, leg=leg).model_dump_json()
        messages.append(OutgoingMessage(body, f"chaos-{leg}:{invoice_id}:a"))
        messages.append(OutgoingMessage(body, f"chaos-{leg}:{invoice_id}:b",
                                        scheduled_at=later if n % 2 else None))  # fmt: skip
    bus.send(queue, messages)


def wait_for(store: TableStagingStore, ids: set[str], done: Any, timeout: float,
             on_progress: Any = None) -> list[StagedInvoice]:  # fmt: skip
    """Poll staging until every invoice satisfies `done` (or the time is up)."""
    deadline = time.monotonic() + timeout
    while True:
        headers = [h for h in iter_headers(store) if h.id in ids]
        finished = [h for h in headers if done(h)]
        if on_progress is not None:
            on_progress(len(finished))
        if len(finished) == len(ids) or time.monotonic() > deadline:
            return headers
        time.sleep(0.5)


def measure(
    sandbox: RunningSandbox, store: TableStagingStore, ids: set[str]
) -> tuple[int, int, int]:
    admin = sandbox.business_central.admin
    sales = Counter(
        document["externalDocumentNumber"]
        for entity_set in ("salesInvoices", "salesCreditMemos")
        for document in admin.documents(entity_set)
    )
    purchase_lines = [
        line
        for entity_set, lines in (("purchaseInvoices", "purchaseInvoiceLines"),
                                  ("purchaseCreditMemos", "purchaseCreditMemoLines"))
        for document in admin.documents(entity_set)
        for line in document.get(lines, [])
    ]  # fmt: skip
    marked = Counter(line.get("description2", "") for line in purchase_lines)
    line_ids = Counter(line["id"] for line in purchase_lines)
    duplicates = lost = wrong = 0
    for invoice_id in ids:
        invoice = load_invoice(store, invoice_id)
        cost_lines = sum(1 for line in invoice.lines if line.unit_cost is not None)
        # An invoice's purchase lines carry its number (description2) or, on credit memos,
        # which have no description2, the ids the hub gave them.
        kind = invoice.purchase.document_kind
        bought = (
            marked[invoice.invoice_number]
            if kind is not DocumentKind.PURCHASE_CREDIT_MEMO
            else sum(line_ids[i] for i in own_line_ids(invoice, PURCHASE_LEG, kind))
        )
        duplicates += max(0, sales[invoice.invoice_number.upper()] - 1)
        duplicates += max(0, bought - cost_lines)
        if (
            SalesStatus.ERROR is invoice.sales.status
            or PurchaseStatus.ERROR is invoice.purchase.status
        ):
            wrong += 1
        elif (
            not invoice.sales.status.value.startswith("Posted")
            or invoice.purchase.status not in (*PURCHASE_DONE, PurchaseStatus.NOT_APPLICABLE)
            or sales[invoice.invoice_number.upper()] == 0
            or bought < cost_lines
        ):
            lost += 1
    return duplicates, lost, wrong


def run(
    invoices: int = 120,
    seed: int = 7,
    timeout: float = 300,
    say: Any = print,
    host_log: Path | None = None,
) -> ChaosResult:
    """Run the chaos once; `host_log` keeps the host's output (both runs of it)."""
    started = time.monotonic()
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="hub-chaos-") as state:
        azurite: Azurite = start_azurite()
        stack.callback(azurite.stop)
        sandbox = stack.enter_context(
            start_sandbox(SandboxConfig(state_dir=Path(state)).on_free_ports())
        )
        for old in sandbox.ecppro.state.list("invoices"):
            sandbox.ecppro.state.delete("invoices", old["id"])
        sandbox.ecppro.state.upsert("invoices", chaos_invoices(invoices, seed))
        env = {**os.environ, **sandbox.client_settings(), **HOST_SETTINGS,
               "HUB_STORAGE_CONNECTION": azurite.connection_string}  # fmt: skip
        host = Host(env, _free_port(), host_log or Path(state) / "host.log")
        host.start()
        stack.callback(host.stop)
        store = TableStagingStore.from_connection_string(azurite.connection_string, prefix=PREFIX)
        bus = StorageQueueBus(azurite.connection_string, table_prefix=PREFIX)
        stack.callback(bus.close)
        imported = requests.post(
            host.url("invoices/actions/import"), headers=host.headers, timeout=120
        )
        imported.raise_for_status()
        ids = {h.id for h in iter_headers(store)}
        say(f"  staged {len(ids)} invoices; BC now throttles, fails and loses answers")
        sandbox.business_central.faults.configure(
            throttle_probability=0.10, retry_after_seconds=0, unavailable_probability=0.05,
            cut_answer_probability=0.03, seed=seed,
        )  # fmt: skip
        twice(Queue.INVOICE_SALES, sorted(ids), "sales", bus)
        killed: list[int] = []

        def kill_half_way(finished: int) -> None:
            if not killed and finished >= len(ids) // 2:
                killed.append(finished)
                host.kill()
                say(
                    f"  host killed (SIGKILL) with {finished} of {len(ids)} sales legs done; restarting"
                )
                host.start()

        wait_for(store, ids, lambda h: h.sales.status in SALES_DONE or (h.sales.status is SalesStatus.ERROR
                 and "will retry" not in h.sales.error), timeout, kill_half_way)  # fmt: skip
        eligible = sorted(h.id for h in iter_headers(store) if h.id in ids
                          and h.purchase.status is PurchaseStatus.NEW and h.sales.status in SALES_DONE)  # fmt: skip
        say(f"  sales legs settled; {len(eligible)} invoices to buy (each message twice)")
        twice(Queue.INVOICE_PURCHASE, eligible, "purchase", bus)
        wait_for(store, set(eligible), lambda h: h.purchase.status in (*PURCHASE_DONE, PurchaseStatus.ERROR,
                 PurchaseStatus.NOT_APPLICABLE), timeout)  # fmt: skip
        # Sales documents of invoices whose posting was cut are posted by their redelivery.
        wait_for(store, ids, lambda h: h.sales.status.value.startswith("Posted"), timeout=60)
        faults = sandbox.business_central.faults.describe()
        sandbox.reset_faults()
        duplicates, lost, wrong = measure(sandbox, store, ids)
    return ChaosResult(len(ids), duplicates, lost, wrong, time.monotonic() - started,
                       {"injected": faults["injected"], "cut": faults["cut"], "killed": len(killed)})  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--invoices", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--host-log", type=Path, default=None, help="Keep the host's output here.")
    args = parser.parse_args()
    result = run(args.invoices, args.seed, host_log=args.host_log)
    print(f"(faults injected: {result.faults}; {result.seconds:.0f} s)")
    print(result.line())


if __name__ == "__main__":
    main()
