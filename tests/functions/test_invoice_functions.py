"""The invoice triggers, called as the Functions host calls them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import azure.functions as func
import pytest
from azure.functions.servicebus import ServiceBusMessage

from shared import bootstrap
from shared.domain.invoices import SalesStatus
from shared.flows.deps import Deps
from shared.flows.invoice_import import handle_import
from shared.flows.invoice_staging import load_invoice
from shared.registry import Queue
from tests.unit.invoice_fixtures import invoice, make_deps

Functions = dict[str, Callable[..., Any]]


@pytest.fixture
def deps() -> Iterator[Deps]:
    wired = make_deps(invoice("i1", "INV-1"), invoice("i2", "INV-2", customer="C99999"))
    with bootstrap.override(wired):
        yield wired


def request(method: str, route: str, route_params: dict[str, str] | None = None,
            body: Any = None, **params: str) -> func.HttpRequest:  # fmt: skip
    data = json.dumps(body).encode() if body is not None else b""
    return func.HttpRequest(method, f"http://localhost/api/{route}", params=params,
                            route_params=route_params or {}, body=data)  # fmt: skip


def answer(response: func.HttpResponse) -> tuple[int, Any]:
    return response.status_code, json.loads(response.get_body())


def message(body: dict[str, Any], message_id: str = "m1") -> ServiceBusMessage:
    return ServiceBusMessage(body=json.dumps(body).encode(), message_id=message_id, delivery_count=1,
                             application_properties={}, user_properties={})  # fmt: skip


def test_import_action_then_queue_sales_answers_202(user_functions: Functions, deps: Deps) -> None:
    action = user_functions["invoice_batch_action_http"]
    status, body = answer(action(request("POST", "invoices/actions/import", {"action": "import"})))
    assert (status, body["imported"]) == (200, 2)
    response = action(
        request(
            "POST", "invoices/actions/create-sales-documents", {"action": "create-sales-documents"}
        )
    )
    status, body = answer(response)
    assert status == 202 and body["queued"] == 2
    assert response.headers["Location"] == "/api/invoices?view=sales-created"
    assert len(deps.bus.receive(Queue.INVOICE_SALES, max_messages=10)) == 2


def test_worker_runs_the_sales_leg(user_functions: Functions, deps: Deps) -> None:
    handle_import(deps)
    user_functions["invoice_sales_worker"](message({"invoice_id": "i1", "leg": "sales"}))
    assert load_invoice(deps.store, "i1").sales.status is SalesStatus.CREATED


def test_view_lists_errors_with_readable_messages(user_functions: Functions, deps: Deps) -> None:
    handle_import(deps)
    for invoice_id in ("i1", "i2"):
        user_functions["invoice_sales_worker"](
            message({"invoice_id": invoice_id, "leg": "sales"}, invoice_id)
        )
    status, body = answer(
        user_functions["invoice_view_http"](request("GET", "invoices", view="sales-error"))
    )
    assert status == 200 and body["count"] == 1
    assert "C99999" in body["items"][0]["sales"]["error"]
    status, _ = answer(
        user_functions["invoice_view_http"](request("GET", "invoices", view="nonsense"))
    )
    assert status == 400


def test_refused_reprocess_is_400_naming_the_field(user_functions: Functions, deps: Deps) -> None:
    handle_import(deps)
    user_functions["invoice_sales_worker"](message({"invoice_id": "i1", "leg": "sales"}))
    user_functions["invoice_purchase_worker"](
        message({"invoice_id": "i1", "leg": "purchase"}, "m2")
    )
    status, body = answer(user_functions["invoice_action_http"](
        request("POST", "invoices/i1/reprocess-purchase", {"id": "i1", "action": "reprocess-purchase"})))  # fmt: skip
    assert status == 400
    assert body["error"]["field"] == "Purchase Document No."
    assert "force-delete" in body["error"]["message"]


def test_unknown_invoice_is_404(user_functions: Functions, deps: Deps) -> None:
    status, _ = answer(
        user_functions["invoice_get_http"](request("GET", "invoices/nope", {"id": "nope"}))
    )
    assert status == 404


def test_mapping_read_and_refused_write(user_functions: Functions, deps: Deps) -> None:
    mapping = user_functions["invoice_mapping_http"]
    status, body = answer(mapping(request("GET", "invoice-mapping")))
    assert (
        status == 200
        and {"ecpproField": "invoiceNumber", "bcField": "External Document No."} in body["mapping"]
    )
    bad = {"mapping": [*body["mapping"], {"ecpproField": "x", "bcField": "Shoe Size"}]}
    status, error = answer(mapping(request("PUT", "invoice-mapping", body=bad)))
    assert status == 400 and error["error"]["field"] == "Shoe Size"
    assert answer(mapping(request("GET", "invoice-mapping")))[1] == body  # nothing changed


def test_malformed_queue_message_is_quarantined(user_functions: Functions, deps: Deps) -> None:
    user_functions["invoice_sales_worker"](message({"invoice": "i1"}, "bad-1"))
    assert "invoice_id" in deps.store.get("quarantine", "invoice-queues", "bad-1").data["Error"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"invoice_id": "", "leg": "sales"}', "invoice_id"),
        (b'{"invoice_id": "i1", "leg": "sideways"}', "leg"),
        (b"not json", "body"),
        (b'{"invoice_id": "i1", "leg": "sales"}\xff\xfe', "body"),  # not UTF-8
    ],
)
def test_a_malformed_message_is_quarantined_alone_with_its_field(
    user_functions: Functions, deps: Deps, body: bytes, field: str
) -> None:
    bad = ServiceBusMessage(body=body, message_id="bad-1", delivery_count=1,
                            application_properties={}, user_properties={})  # fmt: skip
    user_functions["invoice_sales_worker"](bad)  # completes: the same bytes cannot get better
    kept = deps.store.get("quarantine", "invoice-queues", "bad-1").data
    assert kept["Field"] == field and kept["Error"]
    handle_import(deps)
    user_functions["invoice_sales_worker"](message({"invoice_id": "i1", "leg": "sales"}, "m2"))
    assert load_invoice(deps.store, "i1").sales.status is SalesStatus.CREATED


def test_an_invoice_id_with_a_slash_is_addressable(user_functions: Functions, deps: Deps) -> None:
    # EcpPro ids may hold '/': callers send it as %2F, which Azure leaves encoded in the route.
    source = deps.ecppro
    source.lists["invoices"].append(invoice("tenant/7/INV-9", "INV-9"))  # type: ignore[attr-defined]
    handle_import(deps)
    status, body = answer(
        user_functions["invoice_get_http"](
            request("GET", "invoices/x", {"id": "tenant%2F7%2FINV-9"})
        )
    )
    assert (status, body["id"], body["invoiceNumber"]) == (200, "tenant/7/INV-9", "INV-9")
    status, _ = answer(user_functions["invoice_action_http"](
        request("POST", "invoices/x/reprocess-sales", {"id": "tenant%2F7%2FINV-9", "action": "reprocess-sales"})
    ))  # fmt: skip
    assert status == 200


@pytest.mark.parametrize(
    ("function", "route_params"),
    [("invoice_view_http", {}), ("ecppro_list_http", {"list": "tenants"})],
)  # fmt: skip
def test_a_malformed_continuation_is_400_naming_it(
    user_functions: Functions, deps: Deps, function: str, route_params: dict[str, str]
) -> None:
    status, body = answer(
        user_functions[function](request("GET", "x", route_params, continuation="%%garbage"))
    )
    assert status == 400 and body["error"]["field"] == "continuation"
