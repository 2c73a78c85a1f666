"""The EcpPro triggers, called as the Functions host calls them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import azure.functions as func
from azure.functions.servicebus import ServiceBusMessage
from azure.functions.timer import TimerRequest

from shared.errors import AuthError
from shared.flows.deps import Deps
from shared.registry import Queue, Table
from tests.fakes.ecppro import FakeEcpPro

Functions = dict[str, Callable[..., Any]]


def service_bus(body: bytes, message_id: str) -> ServiceBusMessage:
    return ServiceBusMessage(
        body=body,
        message_id=message_id,
        delivery_count=1,
        application_properties={},
        user_properties={},
    )


def http(method: str, route: str, route_params: dict[str, str], **params: str) -> func.HttpRequest:
    return func.HttpRequest(
        method,
        f"http://localhost/api/{route}",
        headers={"x-correlation-id": "corr-1"},
        params=params,
        route_params=route_params,
        body=b"",
    )


def test_refresh_http_returns_counts(user_functions: Functions, fake_deps: Deps) -> None:
    response = user_functions["ecppro_refresh_http"](
        http("POST", "ecppro/licenses/refresh", {"list": "licenses"})
    )
    body = json.loads(response.get_body())
    assert response.status_code == 200
    assert (body["inserted"], body["active"], body["correlationId"]) == (1, 1, "corr-1")
    assert fake_deps.store.get(Table.ECPPRO_ROWS, "licenses", "l1").data["Code"] == "SPE_E3"


def test_refresh_http_unknown_list_is_400_naming_the_field(
    user_functions: Functions, fake_deps: Deps
) -> None:
    response = user_functions["ecppro_refresh_http"](
        http("POST", "ecppro/printers/refresh", {"list": "printers"})
    )
    error = json.loads(response.get_body())["error"]
    assert response.status_code == 400
    assert error["field"] == "list"


def test_refresh_http_with_refused_credentials_is_502_naming_settings(
    user_functions: Functions, fake_deps: Deps
) -> None:
    source = fake_deps.ecppro
    assert isinstance(source, FakeEcpPro)
    source.failure = AuthError(
        "EcpPro rejected the credentials. Check ECPPRO_CUSTOMER_ID and ECPPRO_SECRET_KEY."
    )
    response = user_functions["ecppro_refresh_http"](
        http("POST", "ecppro/licenses/refresh", {"list": "licenses"})
    )
    assert response.status_code == 502
    assert "ECPPRO_SECRET_KEY" in json.loads(response.get_body())["error"]["message"]


def test_list_http_fetches_when_empty_and_pages(user_functions: Functions, fake_deps: Deps) -> None:
    response = user_functions["ecppro_list_http"](
        http("GET", "ecppro/licenses", {"list": "licenses"}, pageSize="10")
    )
    body = json.loads(response.get_body())
    assert response.status_code == 200
    assert body["fetchedNow"]["inserted"] == 1
    assert body["items"][0]["displayName"] == "Microsoft 365 E3"
    assert body["status"]["lastResult"] == "Succeeded"


def test_list_http_bad_page_size_is_400(user_functions: Functions, fake_deps: Deps) -> None:
    response = user_functions["ecppro_list_http"](
        http("GET", "ecppro/licenses", {"list": "licenses"}, pageSize="0")
    )
    assert response.status_code == 400
    assert json.loads(response.get_body())["error"]["field"] == "pageSize"


def test_timer_queues_one_refresh_per_list(user_functions: Functions, fake_deps: Deps) -> None:
    user_functions["ecppro_refresh_timer"](TimerRequest(past_due=False))
    assert len(fake_deps.bus.receive(Queue.ECPPRO_REFRESH, max_messages=32)) == 5


def test_worker_refreshes_from_a_service_bus_message(
    user_functions: Functions, fake_deps: Deps
) -> None:
    message = service_bus(b'{"list": "licenses", "reason": "timer"}', "m-1")
    user_functions["ecppro_refresh_worker"](message)
    assert fake_deps.store.get(Table.ECPPRO_ROWS, "licenses", "l1").data["Status"] == "Active"


def test_worker_quarantines_a_malformed_message(user_functions: Functions, fake_deps: Deps) -> None:
    message = service_bus(b'{"list": "printers"}', "m-2")
    user_functions["ecppro_refresh_worker"](message)  # completes: retrying cannot fix it
    kept = fake_deps.store.get("quarantine", Queue.ECPPRO_REFRESH, "m-2").data
    assert "printers" in kept["Payload"]


def test_worker_completes_on_refused_credentials(
    user_functions: Functions, fake_deps: Deps
) -> None:
    source = fake_deps.ecppro
    assert isinstance(source, FakeEcpPro)
    source.failure = AuthError("refused")
    message = service_bus(b'{"list": "licenses"}', "m-3")
    user_functions["ecppro_refresh_worker"](message)  # no exception: no redelivery storm


def test_quarantine_lists_what_was_refused(user_functions: Functions, fake_deps: Deps) -> None:
    user_functions["ecppro_refresh_worker"](service_bus(b'{"list": "printers"}', "m-9"))
    response = user_functions["quarantine_http"](
        http("GET", "quarantine", {}, source=Queue.ECPPRO_REFRESH)
    )
    body = json.loads(response.get_body())
    assert response.status_code == 200 and body["count"] == 1
    assert body["items"][0]["key"] == "m-9" and "printers" in body["items"][0]["payload"]
    bad = user_functions["quarantine_http"](http("GET", "quarantine", {}, limit="0"))
    assert bad.status_code == 400
