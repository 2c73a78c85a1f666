"""Each error kind where the legs meet it: transient retries, record errors on the row,
fatal errors on the flow's status row only, never on an invoice."""

from __future__ import annotations

import pytest

from shared.domain.invoices import PurchaseStatus, SalesStatus
from shared.errors import AuthError, ConfigurationError, ContractError, RejectedError
from shared.flows.deps import Deps
from shared.flows.flow_status import flow_statuses
from shared.flows.invoice_purchase import handle_purchase
from shared.flows.invoice_sales import handle_sales
from shared.flows.invoice_staging import load_invoice
from shared.ports.store import Entity
from tests.unit.invoice_fixtures import bc_of, imported, invoice, make_deps

BC_REFUSED = AuthError(
    "Business Central POST .../salesInvoices answered 401. Business Central refused the hub's "
    "credentials: check HUB_TENANT_ID, HUB_CLIENT_ID, HUB_CLIENT_SECRET",
    settings=("HUB_TENANT_ID", "HUB_CLIENT_ID", "HUB_CLIENT_SECRET"),
    status=401,
)


def status_of(deps: Deps, flow: str) -> dict[str, object]:
    return next(row for row in flow_statuses(deps) if row["flow"] == flow)


def row_data(deps: Deps, invoice_id: str) -> dict[str, object]:
    return dict(deps.store.get("invoices", "ecppro", invoice_id).data)


@pytest.mark.parametrize(
    "error",
    [
        BC_REFUSED,
        ConfigurationError("BC_COMPANY_ID is not set", settings=("BC_COMPANY_ID",)),
        ContractError("Business Central answered a $batch of 3 requests with no responses"),
    ],
)
def test_a_fatal_error_touches_no_invoice_and_is_raised_for_redelivery(error: Exception) -> None:
    deps = make_deps(*(invoice(f"i{n}", f"INV-{n}") for n in range(3)))
    for n in range(3):
        imported(deps, f"i{n}")
    before = {f"i{n}": row_data(deps, f"i{n}") for n in range(3)}
    for n in range(3):  # every invoice delivered while the secret is expired
        bc_of(deps).fail_next = [error]
        with pytest.raises(type(error)):
            handle_sales(f"i{n}", deps)
    assert {f"i{n}": row_data(deps, f"i{n}") for n in range(3)} == before  # not one write
    status = status_of(deps, "invoice-sales")
    assert status["state"] == "failing" and status["lastError"] == str(error)
    assert status["settings"] == list(getattr(error, "settings", ()))


def test_once_the_cause_is_fixed_the_invoices_proceed_without_a_reprocess() -> None:
    deps = make_deps(invoice("i1", "INV-1"), invoice("i2", "INV-2"))
    imported(deps, "i1")
    imported(deps, "i2")
    bc_of(deps).fail_next = [BC_REFUSED]
    with pytest.raises(AuthError):
        handle_sales("i1", deps)
    assert status_of(deps, "invoice-sales")["settings"] == [
        "HUB_TENANT_ID",
        "HUB_CLIENT_ID",
        "HUB_CLIENT_SECRET",
    ]
    # The secret is renewed; the bus redelivers the same messages.
    assert handle_sales("i1", deps).sales.status is SalesStatus.CREATED
    assert handle_sales("i2", deps).sales.status is SalesStatus.CREATED
    assert status_of(deps, "invoice-sales")["state"] == "healthy"


def test_a_refused_credential_on_the_purchase_leg_leaves_its_status_as_it_was() -> None:
    deps = make_deps(invoice("i1", "INV-1"))
    imported(deps, "i1")
    handle_sales("i1", deps)
    bc_of(deps).fail_next = [BC_REFUSED]
    with pytest.raises(AuthError):
        handle_purchase("i1", deps)
    staged = load_invoice(deps.store, "i1")
    assert (staged.purchase.status, staged.purchase.error, staged.purchase.attempts) == (
        PurchaseStatus.NEW,
        "",
        0,
    )
    assert status_of(deps, "invoice-purchase")["state"] == "failing"
    assert status_of(deps, "invoice-sales")["state"] == "healthy"


def test_a_record_error_is_written_on_the_invoice_with_the_refusal() -> None:
    deps = make_deps(invoice("i1", "INV-1"))
    imported(deps, "i1")
    bc_of(deps).fail_next = [RejectedError("The Sales Header already has 5000 lines", status=400)]
    staged = handle_sales("i1", deps)
    assert staged.sales.status is SalesStatus.ERROR
    assert staged.sales.error == (
        "EcpPro invoice INV-1 (i1): Business Central refused it: "
        "The Sales Header already has 5000 lines"
    )
    assert status_of(deps, "invoice-sales")["state"] == "healthy"  # the flow itself works


def test_healthy_runs_write_the_status_row_at_most_once_a_minute() -> None:
    deps = make_deps(*(invoice(f"i{n}", f"INV-{n}") for n in range(5)))
    writes: list[str] = []
    upsert = deps.store.upsert_many

    def counting(table: str, entities: object, **kwargs: object) -> int:
        rows = list(entities)  # type: ignore[call-overload]
        writes.extend(entity.row for entity in rows if table == "syncstatus")
        return upsert(table, rows, **kwargs)  # type: ignore[arg-type]

    deps.store.upsert_many = counting  # type: ignore[method-assign]
    for n in range(5):
        imported(deps, f"i{n}")
        handle_sales(f"i{n}", deps)
    assert writes.count("invoice-sales") == 1
    assert writes.count("invoice-import") == 1
    assert isinstance(deps.store.get("syncstatus", "flow", "invoice-sales"), Entity)
