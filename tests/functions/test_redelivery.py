"""Back-off across deliveries, driven like the host drives it, on a clock the test moves.

A pump plays the bus's part: it takes each message when it is due, calls the trigger, and
completes it or (when the trigger raises) abandons it, dead-lettering it after the
maximum deliveries, as Service Bus does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import azure.functions as func
import pytest
from azure.functions.servicebus import ServiceBusMessage

from shared import bootstrap
from shared.domain.invoices import SalesStatus
from shared.errors import ThrottledError
from shared.flows.deps import Deps
from shared.flows.invoice_actions import queue_sales
from shared.flows.invoice_staging import load_invoice
from shared.registry import Queue
from tests.fakes.bus import InMemoryBus, ManualClock
from tests.unit.invoice_fixtures import bc_of, imported, invoice, make_deps

Functions = dict[str, Callable[..., Any]]


@dataclass
class Outage:
    """BC answers 429 to every write until `until` on the test's clock."""

    clock: ManualClock
    until: timedelta
    started: Any = None

    def __post_init__(self) -> None:
        self.started = self.clock()

    def down(self) -> bool:
        return self.clock() - self.started < self.until


@pytest.fixture
def wired() -> Iterator[tuple[Deps, InMemoryBus, ManualClock]]:
    clock = ManualClock()
    bus = InMemoryBus(max_delivery_count=10, clock=clock)
    deps = make_deps(invoice("i1", "INV-1"))
    deps.bus, deps.dead_letters, deps.clock = bus, bus, clock
    imported(deps, "i1")
    with bootstrap.override(deps):
        yield deps, bus, clock


def as_trigger_input(message: Any) -> ServiceBusMessage:
    return ServiceBusMessage(body=message.body.encode(), message_id=message.message_id,
                             delivery_count=message.delivery_count,
                             application_properties=dict(message.properties),
                             user_properties={})  # fmt: skip


def pump(bus: InMemoryBus, clock: ManualClock, worker: Callable[..., Any],
         outage: Outage, deps: Deps, *, hours: float) -> list[str]:  # fmt: skip
    """Deliver due messages for `hours` of clock time; the ids of those delivered."""
    delivered = []
    deadline = clock() + timedelta(hours=hours)
    while clock() < deadline:
        for message in bus.receive(Queue.INVOICE_SALES, max_messages=10):
            delivered.append(message.message_id)
            if outage.down():
                bc_of(deps).fail_next = [ThrottledError("BC is down", retry_after=None)]
            try:
                worker(as_trigger_input(message))
            except Exception as exc:
                bus.abandon(message, error=f"{type(exc).__name__}: {exc}")
            else:
                bus.complete(message)
            bc_of(deps).fail_next = []
        clock.advance(5)
    return delivered


def test_a_35_minute_outage_is_ridden_out_without_dead_lettering(
    user_functions: Functions, wired: tuple[Deps, InMemoryBus, ManualClock]
) -> None:
    deps, bus, clock = wired
    queue_sales(deps, ["i1"])
    outage = Outage(clock, timedelta(minutes=35))
    delivered = pump(bus, clock, user_functions["invoice_sales_worker"], outage, deps, hours=2)
    staged = load_invoice(deps.store, "i1")
    assert (staged.sales.status, staged.sales.error) == (SalesStatus.CREATED, "")
    assert bus.dead_letters == {}
    # Tried at 0, +30 s, +1, +2, +4, +8, +16 min (all during the outage), then after it.
    assert [d.split("#retry-")[-1] for d in delivered[1:]] == [str(n) for n in range(1, 8)]
    assert len(delivered) == 8


def test_the_retries_back_off_and_are_scheduled_not_redelivered_at_once(
    user_functions: Functions, wired: tuple[Deps, InMemoryBus, ManualClock]
) -> None:
    deps, bus, clock = wired
    queue_sales(deps, ["i1"])
    [first] = bus.receive(Queue.INVOICE_SALES)
    bc_of(deps).fail_next = [ThrottledError("BC is down")]
    user_functions["invoice_sales_worker"](as_trigger_input(first))  # returns: completed
    bus.complete(first)
    assert bus.receive(Queue.INVOICE_SALES) == []  # nothing at once
    clock.advance(29)
    assert bus.receive(Queue.INVOICE_SALES) == []
    clock.advance(1)
    [retry] = bus.receive(Queue.INVOICE_SALES)
    assert retry.properties["hub-retries"] == "1"
    assert json.loads(retry.body)["invoice_id"] == "i1"
    assert "will retry" in load_invoice(deps.store, "i1").sales.error


def test_past_the_window_it_is_dead_lettered_the_row_says_so_and_a_replay_finishes_it(
    user_functions: Functions, wired: tuple[Deps, InMemoryBus, ManualClock]
) -> None:
    deps, bus, clock = wired
    queue_sales(deps, ["i1"])
    outage = Outage(clock, timedelta(hours=6))
    pump(bus, clock, user_functions["invoice_sales_worker"], outage, deps, hours=5)
    [dead] = bus.peek_dead_letters(Queue.INVOICE_SALES)
    assert dead.dead_letter_reason == "MaxDeliveryCountExceeded"
    staged = load_invoice(deps.store, "i1")
    assert staged.sales.status is SalesStatus.NEW  # nothing is wrong with the invoice itself
    assert "dead-lettered after failing for 3.5 h: BC is down" in staged.sales.error
    assert "dead-letters/invoice-sales/replay" in staged.sales.error
    clock.advance(3600 * 2)  # BC is back
    replay = user_functions["dead_letters_replay_http"]
    response = replay(func.HttpRequest("POST", "http://localhost/api/dead-letters/invoice-sales/replay",
                                       route_params={"queue": "invoice-sales"}, body=b""))  # fmt: skip
    assert response.status_code == 200 and json.loads(response.get_body())["replayed"] == 1
    pump(bus, clock, user_functions["invoice_sales_worker"], outage, deps, hours=0.1)
    staged = load_invoice(deps.store, "i1")
    assert (staged.sales.status, staged.sales.error) == (SalesStatus.CREATED, "")
    assert bus.peek_dead_letters(Queue.INVOICE_SALES) == []


def test_dead_letters_can_be_listed_and_an_unknown_queue_is_refused(
    user_functions: Functions, wired: tuple[Deps, InMemoryBus, ManualClock]
) -> None:
    look = user_functions["dead_letters_http"]
    ok = look(func.HttpRequest("GET", "http://localhost/api/dead-letters/invoice-sales",
                               route_params={"queue": "invoice-sales"}, body=b""))  # fmt: skip
    assert ok.status_code == 200 and json.loads(ok.get_body())["count"] == 0
    bad = look(func.HttpRequest("GET", "http://localhost/api/dead-letters/nope",
                                route_params={"queue": "nope"}, body=b""))  # fmt: skip
    assert bad.status_code == 400 and json.loads(bad.get_body())["error"]["field"] == "queue"
