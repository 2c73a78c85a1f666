"""End to end: EcpPro invoices → staging (Azurite) → queues → BC simulator, through the local host."""

from __future__ import annotations

import itertools
import time

import pytest
from azure.storage.queue import QueueClient

from hub.azurite import Azurite
from hub.demo.invoices import rows, run_action, run_leg_action
from hub.host import LocalHost
from sandbox.run import RunningSandbox
from shared import bootstrap
from shared.adapters.bus import storage_queue_name
from shared.domain.invoices import ProcessInvoice
from shared.ports.bus import OutgoingMessage
from shared.registry import Queue

pytestmark = [pytest.mark.e2e, pytest.mark.azurite, pytest.mark.sandbox]
_prefixes = itertools.count()


def sales_documents(sandbox: RunningSandbox, reference: str) -> list[dict]:
    kinds = ("salesInvoices", "salesCreditMemos")
    return [d for kind in kinds for d in sandbox.business_central.admin.documents(kind)
            if d.get("externalDocumentNumber") == reference]  # fmt: skip


def wait_until_drained(azurite: Azurite, queue: str, timeout: float = 30) -> None:
    client = QueueClient.from_connection_string(
        azurite.connection_string, storage_queue_name(queue)
    )
    deadline = time.monotonic() + timeout
    while client.get_queue_properties().approximate_message_count:
        assert time.monotonic() < deadline, f"{queue} was not drained in {timeout} s"
        time.sleep(0.2)


def test_invoices_flow_through_both_legs_without_duplicates(
    host: LocalHost, sandbox: RunningSandbox, azurite: Azurite
) -> None:
    assert run_action(host, "import")["imported"] == len(sandbox.ecppro.state.list("invoices"))
    run_leg_action(host, "create-sales-documents", "sales", timeout=120)
    created = rows(host, "sales-created")
    assert created and all(r["sales"]["status"] == "Created" for r in created)
    one = created[0]
    assert len(sales_documents(sandbox, one["invoiceNumber"])) == 1
    # The same message delivered again (a redelivery after a lost lock) creates nothing new.
    again = ProcessInvoice(invoice_id=one["id"], leg="sales").model_dump_json()
    bootstrap.deps().bus.send(
        Queue.INVOICE_SALES, [OutgoingMessage(body=again, message_id="redelivered-1")]
    )
    wait_until_drained(azurite, Queue.INVOICE_SALES)
    assert len(sales_documents(sandbox, one["invoiceNumber"])) == 1
    run_leg_action(host, "create-purchase-documents", "purchase", timeout=120)
    bought = rows(host, "purchase-created")
    assert bought
    assert len({r["purchase"]["documentNumber"] for r in bought}) < len(
        bought
    )  # open documents reused
    assert all("CC-300" in r["purchase"]["error"] for r in rows(host, "purchase-error"))
