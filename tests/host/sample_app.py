"""A function app used only by the local host's tests: every trigger kind, route shape and auth level.

The functions record what they received in `calls`, so tests can assert on side effects
(for example that a function refused with 401 never ran).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import azure.functions as func


class Recorder:
    """Thread-safe record of calls: (function name, what it saw)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.calls: list[tuple[str, Any]] = []
        self.active = 0
        self.max_active = 0

    def record(self, name: str, value: Any) -> None:
        with self._changed:
            self.calls.append((name, value))
            self._changed.notify_all()

    def of(self, name: str) -> list[Any]:
        with self._changed:
            return [value for called, value in self.calls if called == name]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    def busy(self, seconds: float) -> None:
        """Stay busy for `seconds`, tracking how many callers are busy at once."""
        with self._changed:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self._changed.notify_all()
        time.sleep(seconds)
        with self._changed:
            self.active -= 1
            self._changed.notify_all()

    def reset(self) -> None:
        with self._changed:
            self.calls.clear()
            self.active = self.max_active = 0


calls = Recorder()

timers = func.Blueprint()


@timers.function_name("scheduled_timer")
@timers.timer_trigger(schedule="%SAMPLE_SCHEDULE%", arg_name="timer")
def scheduled_timer(timer: func.TimerRequest) -> None:
    calls.record("scheduled_timer", timer.past_due)


@timers.function_name("startup_timer")
@timers.timer_trigger(schedule="0 0 3 * * *", arg_name="timer", run_on_startup=True)
def startup_timer(timer: func.TimerRequest) -> None:
    calls.record("startup_timer", timer.past_due)


@timers.function_name("slow_timer")
@timers.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer")
def slow_timer(timer: func.TimerRequest) -> None:
    calls.busy(0.1)
    calls.record("slow_timer", timer.past_due)


queues = func.Blueprint()


@queues.function_name("orders_from_bus")
@queues.service_bus_queue_trigger(
    arg_name="message", queue_name="%SAMPLE_ORDERS_QUEUE%", connection="ServiceBusConnection"
)
def orders_from_bus(message: func.ServiceBusMessage) -> None:
    payload = json.loads(message.get_body())
    calls.busy(payload.get("sleep", 0))
    calls.record(
        "orders_from_bus",
        {
            "payload": payload,
            "message_id": message.message_id,
            "delivery_count": message.delivery_count,
            "session_id": message.session_id,
            "properties": dict(message.application_properties),
            "content_type": message.content_type,
        },
    )
    if payload.get("fail"):
        raise ValueError(f"order {payload['id']} is invalid")


@queues.function_name("jobs_from_storage")
@queues.queue_trigger(arg_name="job", queue_name="sample-jobs", connection="AzureWebJobsStorage")
def jobs_from_storage(job: func.QueueMessage) -> None:
    calls.record(
        "jobs_from_storage",
        {"id": job.id, "body": job.get_body().decode(), "dequeue_count": job.dequeue_count},
    )


http = func.Blueprint()


@http.function_name("get_item")
@http.route(route="items/{id}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def get_item(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps({"id": req.route_params["id"], "query": dict(req.params)}),
        mimetype="application/json",
    )


@http.function_name("export_items")
@http.route(route="items/export", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def export_items(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("export", headers={"X-Export": "yes"})


@http.function_name("order_lines")
@http.route(
    route="orders/{id:int}/lines/{line?}",
    methods=[func.HttpMethod.GET, func.HttpMethod.DELETE],
    auth_level=func.AuthLevel.ANONYMOUS,
)
def order_lines(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps({"method": req.method, **req.route_params}), status_code=202
    )


@http.function_name("files")
@http.route(route="files/{*path}", auth_level=func.AuthLevel.ANONYMOUS)
def files(req: func.HttpRequest) -> str:
    return str(req.route_params.get("path", ""))


@http.function_name("echo")
@http.route(route="echo", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def echo(req: func.HttpRequest) -> func.HttpResponse:
    calls.record("echo", req.get_body().decode())
    body = {
        "body": req.get_json(),
        "params": dict(req.params),
        "header": req.headers.get("x-sample"),
        "url": req.url,
    }
    return func.HttpResponse(json.dumps(body), status_code=201, mimetype="application/json")


@http.function_name("default_auth")
@http.route(route="default-auth", methods=["GET"])
def default_auth(req: func.HttpRequest) -> func.HttpResponse:
    calls.record("default_auth", req.method)
    return func.HttpResponse("ok")


@http.function_name("reset_all")
@http.route(route="ops/reset", methods=["POST"], auth_level=func.AuthLevel.ADMIN)
def reset_all(req: func.HttpRequest) -> func.HttpResponse:
    calls.record("reset_all", req.method)
    return func.HttpResponse(status_code=204)


@http.function_name("boom")
@http.route(route="boom", auth_level=func.AuthLevel.ANONYMOUS)
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("connection string AccountKey=secret-detail leaked")


@http.function_name("with_context")
@http.route(route="context", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def with_context(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return func.HttpResponse(f"{context.function_name} {context.invocation_id}")


@http.function_name("greet")
@http.route(route="greet/{name:alpha}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
async def greet(req: func.HttpRequest) -> func.HttpResponse:
    await asyncio.sleep(0)
    return func.HttpResponse(f"hello {req.route_params['name']}")


app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(timers)
app.register_functions(queues)
app.register_functions(http)

SETTINGS = {"SAMPLE_SCHEDULE": "0 0 0 1 1 *", "SAMPLE_ORDERS_QUEUE": "sample-orders"}
