"""End to end: EcpPro invoices → staging (Azurite) → queues → BC simulator, through the local host."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from hub.azurite import Azurite
from hub.demo import DEMO_INVOICE_SETTINGS
from hub.demo_invoices import rows, run_action, wait_until_settled
from hub.host import LocalHost
from sandbox.run import RunningSandbox
from shared import bootstrap
from shared.config import Settings
from shared.domain.invoices import ProcessInvoice
from shared.flows.invoice_actions import SALES_QUEUE
from shared.ports import OutgoingMessage

pytestmark = [pytest.mark.e2e, pytest.mark.azurite, pytest.mark.sandbox]
_prefixes = itertools.count()


@pytest.fixture
def host(
    azurite: Azurite, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalHost]:
    values = {
        **sandbox.client_settings(),
        **DEMO_INVOICE_SETTINGS,
        "HUB_STORAGE_CONNECTION": azurite.connection_string,
        "HUB_BUS_KIND": "storagequeue",
        "HUB_TABLE_PREFIX": f"inv{next(_prefixes)}",
        "ECPPRO_REFRESH_SCHEDULE": "0 0 */4 * * *",
        "ECPPRO_POST_SALES_DOCUMENTS": "false",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    deps = bootstrap.build_deps(Settings())
    with bootstrap.override(deps), LocalHost("function_app", bus=deps.bus, timers=False) as running:
        yield running


def sales_documents(sandbox: RunningSandbox, reference: str) -> list[dict]:
    kinds = ("salesInvoices", "salesCreditMemos")
    return [d for kind in kinds for d in sandbox.business_central.admin.documents(kind)
            if d.get("externalDocumentNumber") == reference]  # fmt: skip


def test_invoices_flow_through_both_legs_without_duplicates(
    host: LocalHost, sandbox: RunningSandbox
) -> None:
    assert run_action(host, "import")["imported"] == len(sandbox.ecppro.state.list("invoices"))
    queued = run_action(host, "create-sales-documents")
    wait_until_settled(host, "sales", queued["invoiceIds"], timeout=120)
    created = rows(host, "sales-created")
    assert created and all(r["sales"]["status"] == "Created" for r in created)
    one = created[0]
    assert len(sales_documents(sandbox, one["invoiceNumber"])) == 1
    # The same message delivered again (a redelivery after a lost lock) creates nothing new.
    again = ProcessInvoice(invoice_id=one["id"], leg="sales").model_dump_json()
    bootstrap.deps().bus.send(
        SALES_QUEUE, [OutgoingMessage(body=again, message_id="redelivered-1")]
    )
    queued = run_action(host, "create-purchase-documents")
    wait_until_settled(host, "purchase", queued["invoiceIds"], timeout=120)
    assert len(sales_documents(sandbox, one["invoiceNumber"])) == 1
    bought = rows(host, "purchase-created")
    assert bought
    assert len({r["purchase"]["documentNumber"] for r in bought}) < len(
        bought
    )  # open documents reused
    assert all("CC-300" in r["purchase"]["error"] for r in rows(host, "purchase-error"))
