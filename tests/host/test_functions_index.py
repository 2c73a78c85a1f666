"""Reading the function index from an app: trigger kinds, arguments and `%SETTING%` resolution."""

from __future__ import annotations

import re

import azure.functions as func
import pytest

from hub.functions_index import (
    FunctionIndex,
    HttpFunction,
    QueueFunction,
    TimerFunction,
    TriggerKind,
    build_index,
    load_app,
)
from hub.host_errors import FunctionIndexError, HostError, ScheduleError, SettingsError
from tests.host import sample_app
from tests.host.conftest import settings_lookup

NO_SETTINGS: dict[str, str] = {}


@pytest.fixture(scope="module")
def index() -> FunctionIndex:
    return build_index(sample_app, settings_lookup(SAMPLE_SCHEDULE="0 */2 * * * *"))


def test_every_function_is_described_with_its_trigger_kind(index: FunctionIndex) -> None:
    kinds = {spec.name: spec.kind for spec in index}
    assert kinds["scheduled_timer"] is TriggerKind.TIMER
    assert kinds["orders_from_bus"] is TriggerKind.SERVICE_BUS
    assert kinds["jobs_from_storage"] is TriggerKind.QUEUE
    assert kinds["get_item"] is TriggerKind.HTTP
    assert len(index) == len(index.timers) + len(index.queues) + len(index.http)


def test_timer_schedule_is_resolved_from_settings(index: FunctionIndex) -> None:
    timer = index.get("scheduled_timer")
    assert isinstance(timer, TimerFunction)
    assert (timer.schedule, timer.run_on_startup, timer.trigger_arg) == (
        "0 */2 * * * *",
        False,
        "timer",
    )
    startup = index.get("startup_timer")
    assert isinstance(startup, TimerFunction) and startup.run_on_startup


def test_queue_name_is_resolved_and_connection_kept(index: FunctionIndex) -> None:
    orders = index.get("orders_from_bus")
    assert isinstance(orders, QueueFunction)
    assert (orders.queue, orders.connection, orders.trigger_arg) == (
        "sample-orders",
        "ServiceBusConnection",
        "message",
    )
    jobs = index.get("jobs_from_storage")
    assert isinstance(jobs, QueueFunction) and jobs.queue == "sample-jobs"


def test_http_route_methods_and_auth_levels(index: FunctionIndex) -> None:
    lines = index.get("order_lines")
    assert isinstance(lines, HttpFunction)
    assert lines.route == "orders/{id:int}/lines/{line?}"
    assert lines.methods == ("GET", "DELETE")
    assert lines.auth_level is func.AuthLevel.ANONYMOUS
    levels = {spec.name: spec.auth_level for spec in index.http}
    assert levels["default_auth"] is func.AuthLevel.FUNCTION  # the app's default
    assert levels["reset_all"] is func.AuthLevel.ADMIN
    files = index.get("files")
    assert isinstance(files, HttpFunction) and files.methods == ()  # any method


def test_user_function_and_context_argument(index: FunctionIndex) -> None:
    assert index.get("get_item").user_function.__name__ == "get_item"
    assert index.get("with_context").wants_context
    assert not index.get("get_item").wants_context


def test_app_can_be_indexed_again_and_still_indexed_by_others() -> None:
    first = build_index(sample_app.app, settings_lookup())
    second = build_index("tests.host.sample_app", settings_lookup())
    assert [spec.name for spec in first] == [spec.name for spec in second]
    assert len(sample_app.app.get_functions()) == len(first)
    sample_app.app.functions_bindings = None


def test_missing_setting_names_function_and_setting() -> None:
    lookup = {"SAMPLE_SCHEDULE": "0 0 0 1 1 *"}.get
    with pytest.raises(SettingsError, match=r"'orders_from_bus'.*SAMPLE_ORDERS_QUEUE"):
        build_index(_fresh_sample_app(), lookup)


def test_reference_inside_a_longer_value_is_resolved() -> None:
    app = func.FunctionApp()

    @app.service_bus_queue_trigger(arg_name="m", queue_name="%ENV%-orders", connection="C")
    def orders(m: func.ServiceBusMessage) -> None: ...

    (spec,) = build_index(app, {"ENV": "dev"}.get)
    assert isinstance(spec, QueueFunction) and spec.queue == "dev-orders"


def test_five_field_schedule_is_rejected_with_the_function_name() -> None:
    app = func.FunctionApp()

    @app.timer_trigger(schedule="*/5 * * * *", arg_name="t")
    def every_five(t: func.TimerRequest) -> None: ...

    with pytest.raises(ScheduleError, match=r"'every_five'.*5 fields; NCRONTAB needs 6"):
        build_index(app, NO_SETTINGS.get)


def test_unknown_trigger_kind_names_the_function() -> None:
    app = func.FunctionApp()

    @app.blob_trigger(arg_name="blob", path="inbox/{name}", connection="Storage")
    def on_blob(blob: func.InputStream) -> None: ...

    with pytest.raises(FunctionIndexError, match=r"'on_blob'.*'blobTrigger' is not supported"):
        build_index(app, NO_SETTINGS.get)


def test_output_bindings_are_refused_with_the_function_name() -> None:
    app = func.FunctionApp()

    @app.route(route="x", auth_level=func.AuthLevel.ANONYMOUS)
    @app.queue_output(arg_name="out", queue_name="q", connection="Storage")
    def writes(req: func.HttpRequest, out: func.Out[str]) -> None: ...

    with pytest.raises(FunctionIndexError, match=r"'writes'.*binding 'queue'"):
        build_index(app, NO_SETTINGS.get)


def test_load_app_errors_are_clear() -> None:
    with pytest.raises(HostError, match="cannot import the app module 'no_such_app'"):
        load_app("no_such_app")
    with pytest.raises(HostError, match=re.escape("has no 'app = func.FunctionApp(...)'")):
        load_app("tests.host.conftest")


def test_unknown_function_name_lists_the_known_ones(index: FunctionIndex) -> None:
    with pytest.raises(HostError, match="no function named 'nope' \\(known: boom, "):
        index.get("nope")


def _fresh_sample_app() -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
    app.register_functions(sample_app.queues)
    return app
