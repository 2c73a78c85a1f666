"""Queue triggers fed from the Bus port: complete on success, abandon on failure, dead-letter."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable

import pytest

from hub.host import LocalHost
from hub.host_errors import HostError
from hub.queues import failure_text
from shared.ports.bus import OutgoingMessage
from tests.fakes.bus import InMemoryBus
from tests.host import sample_app
from tests.host.conftest import eventually, settings_lookup
from tests.host.sample_app import Recorder

ORDERS = "sample-orders"


def order(number: int, **fields: object) -> OutgoingMessage:
    return OutgoingMessage(
        body=json.dumps({"id": number, **fields}),
        message_id=f"order-{number}",
        properties={"source": "tests"},
    )


def test_service_bus_messages_are_processed_and_completed(
    make_host: Callable[..., LocalHost], bus: InMemoryBus, calls: Recorder
) -> None:
    bus.send(ORDERS, [order(number) for number in range(5)])
    make_host().start()
    assert calls.wait_for(lambda: len(calls.of("orders_from_bus")) == 5)
    assert eventually(lambda: bus.pending(ORDERS) == 0)
    seen = sorted(calls.of("orders_from_bus"), key=lambda call: call["payload"]["id"])
    assert seen[0] == {
        "payload": {"id": 0},
        "message_id": "order-0",
        "delivery_count": 1,
        "session_id": None,
        "properties": {"source": "tests"},
        "content_type": "application/json",
    }
    assert bus.peek_dead_letters(ORDERS) == []


def test_a_failing_message_is_abandoned_then_dead_lettered_after_max_deliveries(
    make_host: Callable[..., LocalHost], bus: InMemoryBus, calls: Recorder
) -> None:
    bus.send(ORDERS, [order(7, fail=True), order(8)])
    make_host().start()
    assert eventually(lambda: len(bus.peek_dead_letters(ORDERS)) == 1)
    (dead,) = bus.peek_dead_letters(ORDERS)
    assert dead.message_id == "order-7"
    assert dead.dead_letter_reason == "MaxDeliveryCountExceeded"
    assert dead.dead_letter_description == "ValueError: order 7 is invalid"
    attempts = [
        call["delivery_count"]
        for call in calls.of("orders_from_bus")
        if call["message_id"] == "order-7"
    ]
    assert attempts == [1, 2, 3]
    assert eventually(lambda: bus.pending(ORDERS) == 0)


def test_storage_queue_messages_arrive_as_queue_messages(
    make_host: Callable[..., LocalHost], bus: InMemoryBus, calls: Recorder
) -> None:
    bus.send("sample-jobs", [OutgoingMessage(body='{"job": 1}', message_id="job-1")])
    make_host().start()
    assert calls.wait_for(lambda: bool(calls.of("jobs_from_storage")))
    assert calls.of("jobs_from_storage") == [
        {"id": "job-1", "body": '{"job": 1}', "dequeue_count": 1}
    ]
    assert eventually(lambda: bus.pending("sample-jobs") == 0)


def test_concurrency_is_bounded_per_function(
    make_host: Callable[..., LocalHost], bus: InMemoryBus, calls: Recorder
) -> None:
    bus.send(ORDERS, [order(number, sleep=0.05) for number in range(12)])
    make_host(concurrency=3).start()
    assert calls.wait_for(lambda: len(calls.of("orders_from_bus")) == 12)
    assert 2 <= calls.max_active <= 3


def test_stop_lets_running_invocations_finish_and_settle(
    make_host: Callable[..., LocalHost], bus: InMemoryBus, calls: Recorder
) -> None:
    bus.send(ORDERS, [order(1, sleep=0.3)])
    host = make_host()
    host.start()
    assert calls.wait_for(lambda: calls.active == 1)
    host.stop()
    assert len(calls.of("orders_from_bus")) == 1
    assert bus.pending(ORDERS) == 0


def test_queue_triggers_without_a_bus_are_a_clear_error() -> None:
    with pytest.raises(HostError, match=r"queue-triggered functions \(orders_from_bus, "):
        LocalHost(sample_app, bus=None, settings_lookup=settings_lookup())


def test_failure_text_names_the_exception_class() -> None:
    assert failure_text(KeyError("x")) == "KeyError: 'x'"
    assert failure_text(None) == "unknown error"


def test_a_taken_http_port_is_a_clear_error(make_host: Callable[..., LocalHost]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(HostError, match=f"cannot listen for HTTP on 127.0.0.1:{port}"):
            make_host(http_port=port).start()
