"""The EcpPro triggers, called as the Functions host calls them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
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


def test_refresh_http_with_refused_credentials_is_502_naming_settings_and_keeps_rows(
    user_functions: Functions, fake_deps: Deps
) -> None:
    refresh = user_functions["ecppro_refresh_http"]
    assert refresh(http("POST", "ecppro/licenses/refresh", {"list": "licenses"})).status_code == 200
    source = fake_deps.ecppro
    assert isinstance(source, FakeEcpPro)
    source.failure = AuthError(
        "EcpPro refused", settings=("ECPPRO_CUSTOMER_ID", "ECPPRO_SECRET_KEY")
    )
    response = refresh(http("POST", "ecppro/licenses/refresh", {"list": "licenses"}))
    error = json.loads(response.get_body())["error"]
    assert response.status_code == 502
    assert (error["kind"], error["settings"]) == (
        "fatal",
        ["ECPPRO_CUSTOMER_ID", "ECPPRO_SECRET_KEY"],
    )
    kept = fake_deps.store.get(Table.ECPPRO_ROWS, "licenses", "l1").data
    assert kept["Status"] == "Active"  # the staged row survived the refused refresh


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


def test_refused_credentials_are_retried_later_and_the_status_says_why(
    user_functions: Functions, fake_deps: Deps
) -> None:
    source = fake_deps.ecppro
    assert isinstance(source, FakeEcpPro)
    source.failure = AuthError("EcpPro refused", settings=("ECPPRO_SECRET_KEY",))
    message = service_bus(b'{"list": "licenses"}', "m-3")
    user_functions["ecppro_refresh_worker"](message)  # completed: a copy comes back later
    [(queue, retry)] = fake_deps.bus.sent  # type: ignore[attr-defined]
    assert (queue, retry.message_id) == (Queue.ECPPRO_REFRESH, "m-3#retry-1")
    assert retry.scheduled_at == fake_deps.clock() + timedelta(seconds=30)
    status = fake_deps.store.get(Table.STATUS, "ecppro", "licenses").data
    assert (status["LastResult"], status["Settings"]) == ("Failed", "ECPPRO_SECRET_KEY")
    assert list(fake_deps.store.query(Table.ECPPRO_ROWS, partition="licenses")) == []
    flows = json.loads(user_functions["status_http"](http("GET", "status", {})).get_body())
    refresh = next(f for f in flows["flows"] if f["flow"] == "ecppro-refresh")
    assert (flows["failing"], refresh["state"], refresh["settings"]) == (
        1,
        "failing",
        ["ECPPRO_SECRET_KEY"],
    )
    source.failure = None  # the secret is fixed: the retry succeeds by itself
    again = service_bus(retry.body.encode(), retry.message_id)
    user_functions["ecppro_refresh_worker"](again)
    assert fake_deps.store.get(Table.ECPPRO_ROWS, "licenses", "l1").data["Status"] == "Active"
    flows = json.loads(user_functions["status_http"](http("GET", "status", {})).get_body())
    assert flows["failing"] == 0


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
