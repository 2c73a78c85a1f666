"""One Bus contract for three buses: Storage queues on Azurite, Service Bus over the SDK fake,
and the in-memory fake. Then what only one adapter does."""

from __future__ import annotations

import base64
import itertools
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from azure.storage.queue import QueueClient, TextBase64EncodePolicy

from shared.adapters.bus import (
    MAX_DELIVERY_COUNT_EXCEEDED,
    ServiceBusBus,
    StorageQueueBus,
    storage_queue_name,
)
from shared.bootstrap import build_bus
from shared.config import Settings
from shared.errors import ConfigurationError, ConflictError, ValidationError
from shared.ports.bus import Bus, OutgoingMessage
from tests.adapters.servicebus_fake import FakeServiceBusClient, FakeServiceBusNamespace
from tests.fakes.bus import InMemoryBus, ManualClock

MAX_DELIVERIES = 3
_numbers = itertools.count(1)


class OffsetClock:
    """Real time plus an offset the test can move (the storage bus's dedupe window)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@dataclass
class Harness:
    bus: Bus
    queue: str
    clock: Callable[[], datetime]  # the bus's idea of now
    advance: Callable[[float], None]  # moves the bus's clock only
    wait: Callable[[float], None]  # lets time pass for the bus and the service alike
    lock_expiry: float  # seconds until a lock taken with lock_seconds=1 is lost
    counts_duplicates: bool  # send() reports dropped duplicates


def _azurite_harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    connection = request.getfixturevalue("azurite").connection_string
    clock = OffsetClock()
    bus = StorageQueueBus(
        connection,
        max_delivery_count=MAX_DELIVERIES,
        table_prefix=f"b{uuid.uuid4().hex[:8]}",
        clock=clock,
    )
    # Upper case, dots and underscores: names Service Bus allows and Storage refuses.
    queue = f"Sales.Orders_{uuid.uuid4().hex[:8]}"
    yield Harness(bus, queue, clock, clock.advance, time.sleep, 1.2, True)
    bus.close()


def _service_bus_harness() -> Iterator[Harness]:
    clock = ManualClock()
    namespace = FakeServiceBusNamespace(clock)
    queue = f"sales-orders-{next(_numbers)}"
    namespace.create_queue(queue, max_delivery_count=MAX_DELIVERIES)
    bus = ServiceBusBus(FakeServiceBusClient(namespace), max_delivery_count=MAX_DELIVERIES)  # type: ignore[arg-type]
    yield Harness(bus, queue, clock, clock.advance, clock.advance, 61, False)
    bus.close()


@pytest.fixture(params=[pytest.param("azurite", marks=pytest.mark.azurite), "servicebus", "memory"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    if request.param == "azurite":
        yield from _azurite_harness(request)
    elif request.param == "servicebus":
        yield from _service_bus_harness()
    else:
        clock = ManualClock()
        bus = InMemoryBus(max_delivery_count=MAX_DELIVERIES, clock=clock)
        yield Harness(bus, "sales-orders", clock, clock.advance, clock.advance, 1.5, True)


def message(message_id: str = "bc:salesOrder:1:2026-01-01", **fields: object) -> OutgoingMessage:
    defaults: dict[str, object] = {"body": json.dumps({"no": "SO-1", "name": "Ünïcode ✓"})}
    return OutgoingMessage(message_id=message_id, **{**defaults, **fields})  # type: ignore[arg-type]


# --- the contract ---------------------------------------------------------------------


def test_round_trip_keeps_body_id_session_and_properties(harness: Harness) -> None:
    bus, queue = harness.bus, harness.queue
    sent = message(session_id="customer-10000", properties={"kind": "salesOrder", "ü": "ß"})
    assert bus.send(queue, [sent]) == 1

    [got] = bus.receive(queue)
    assert (got.queue, got.body, got.message_id) == (queue, sent.body, sent.message_id)
    assert (got.session_id, got.properties, got.delivery_count) == (
        "customer-10000",
        {"kind": "salesOrder", "ü": "ß"},
        1,
    )
    bus.complete(got)
    assert bus.receive(queue) == []
    with pytest.raises(ConflictError):
        bus.complete(got)  # settled already


def test_abandon_redelivers_with_delivery_count_plus_one(harness: Harness) -> None:
    bus, queue = harness.bus, harness.queue
    bus.send(queue, [message()])
    [first] = bus.receive(queue)
    bus.abandon(first, error="TransientError: BC answered 503")

    [second] = bus.receive(queue)
    assert (second.message_id, second.delivery_count) == (first.message_id, 2)
    assert second.body == first.body


def test_last_abandon_dead_letters_with_the_last_error(harness: Harness) -> None:
    bus, queue = harness.bus, harness.queue
    bus.send(queue, [message(properties={"kind": "salesOrder"})])
    for attempt in range(1, MAX_DELIVERIES + 1):
        [got] = bus.receive(queue)
        assert got.delivery_count == attempt
        bus.abandon(got, error=f"TransientError: attempt {attempt} failed")

    assert bus.receive(queue) == []
    [dead] = bus.peek_dead_letters(queue)
    assert dead.dead_letter_reason == MAX_DELIVERY_COUNT_EXCEEDED
    assert dead.dead_letter_description == f"TransientError: attempt {MAX_DELIVERIES} failed"
    assert (dead.message_id, dead.body, dead.properties) == (
        message().message_id,
        message().body,
        {"kind": "salesOrder"},
    )
    assert dead.delivery_count == MAX_DELIVERIES


def test_locks_that_run_out_count_as_deliveries(harness: Harness) -> None:
    bus, queue = harness.bus, harness.queue
    bus.send(queue, [message()])
    for _ in range(MAX_DELIVERIES):
        assert len(bus.receive(queue, lock_seconds=1)) == 1
        harness.wait(harness.lock_expiry)

    assert bus.receive(queue) == []
    [dead] = bus.peek_dead_letters(queue)
    assert dead.dead_letter_reason == MAX_DELIVERY_COUNT_EXCEEDED
    assert dead.message_id == message().message_id


def test_replay_sends_dead_letters_back_once_with_a_fresh_retry_window(harness: Harness) -> None:
    bus, queue = harness.bus, harness.queue
    props = {"kind": "salesOrder", "hub-retries": "7", "hub-first-failed": "2026-01-01T00:00:00Z"}
    bus.send(queue, [message("m-1", properties=props), message("m-2")])
    for got in bus.receive(queue):
        bus.dead_letter(got, reason="Gave up", description="BC was down for 4 h")
    replayed = bus.replay_dead_letters(queue)
    assert sorted(r.split("#replay-")[0] for r in replayed) == ["m-1", "m-2"]
    assert bus.peek_dead_letters(queue) == []
    back = {got.message_id.split("#replay-")[0]: got for got in bus.receive(queue)}
    assert set(back) == {"m-1", "m-2"}
    assert back["m-1"].properties == {"kind": "salesOrder"}  # the retry bookkeeping is gone
    assert (back["m-1"].body, back["m-1"].delivery_count) == (message().body, 1)
    assert bus.replay_dead_letters(queue) == []  # nothing left: nothing sent twice


def test_dead_letter_keeps_reason_and_description(harness: Harness) -> None:
    bus, queue = harness.bus, harness.queue
    bus.send(queue, [message("a"), message("b")])
    got = {m.message_id: m for m in bus.receive(queue)}
    bus.dead_letter(got["a"], reason="ValidationFailed", description="customer 10000: no name")
    bus.complete(got["b"])

    assert bus.receive(queue) == []
    for _ in range(2):  # peeking leaves them in place
        [dead] = bus.peek_dead_letters(queue)
        assert (dead.message_id, dead.body) == ("a", message().body)
        assert dead.dead_letter_reason == "ValidationFailed"
        assert dead.dead_letter_description == "customer 10000: no name"
        assert dead.receipt is None


def test_duplicate_message_id_within_window_is_delivered_once(harness: Harness) -> None:
    bus, queue = harness.bus, harness.queue
    same = message("bc:salesOrder:7:2026-01-01T10:00:00Z")
    first = bus.send(queue, [same])
    again = bus.send(queue, [same, message("other")])
    if harness.counts_duplicates:
        assert (first, again) == (1, 1)

    received = bus.receive(queue)
    assert sorted(m.message_id for m in received) == [same.message_id, "other"]
    for got in received:
        bus.complete(got)
    harness.advance(11 * 60)  # past the 10-minute window the id may come again
    bus.send(queue, [same])
    assert [m.message_id for m in bus.receive(queue)] == [same.message_id]


def test_scheduled_message_stays_hidden_until_its_time(harness: Harness) -> None:
    bus, queue = harness.bus, harness.queue
    bus.send(queue, [message(scheduled_at=harness.clock() + timedelta(seconds=1))])
    assert bus.receive(queue) == []

    harness.wait(1.5)
    assert [m.message_id for m in bus.receive(queue)] == [message().message_id]


def test_receive_returns_at_most_max_messages(harness: Harness) -> None:
    bus, queue = harness.bus, harness.queue
    bus.send(queue, [message(f"m{n}") for n in range(5)])

    assert len(bus.receive(queue, max_messages=2)) == 2
    assert len(bus.receive(queue, max_messages=10)) == 3
    with pytest.raises(ValueError):
        bus.receive(queue, max_messages=0)


def test_settling_a_message_whose_lock_was_lost_is_a_conflict(harness: Harness) -> None:
    bus, queue = harness.bus, harness.queue
    bus.send(queue, [message()])
    [stale] = bus.receive(queue, lock_seconds=1)
    harness.wait(harness.lock_expiry)
    [current] = bus.receive(queue, lock_seconds=30)
    assert current.delivery_count == 2

    with pytest.raises(ConflictError, match=stale.message_id):
        bus.complete(stale)
    with pytest.raises(ConflictError):
        bus.abandon(stale, error="late")
    with pytest.raises(ConflictError):
        bus.dead_letter(stale, reason="late", description="too late")
    assert bus.peek_dead_letters(queue) == []

    bus.complete(current)
    assert bus.receive(queue) == []


def test_ids_longer_than_service_bus_allows_are_refused(harness: Harness) -> None:
    bus, queue = harness.bus, harness.queue
    with pytest.raises(ValidationError, match="128") as error:
        bus.send(queue, [message("ok"), message("x" * 129)])
    assert error.value.field == "message_id"
    with pytest.raises(ValidationError, match="session id"):
        bus.send(queue, [message("ok", session_id="s" * 129)])
    assert bus.receive(queue) == []  # nothing of a refused send went out


# --- Storage queues only --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bc-sales-orders", "bc-sales-orders"),
        ("BC-Sales-Orders", "bc-sales-orders"),  # Service Bus names ignore case
        ("sales.orders", "sales-orders-"),
        ("a--b", "a-b-"),
        ("q", "q-"),
        ("___", "q-"),
        ("x" * 200, "x" * 43 + "-"),
    ],
)
def test_storage_queue_name_is_valid_and_deterministic(name: str, expected: str) -> None:
    mapped = storage_queue_name(name)
    assert mapped.startswith(expected)
    assert mapped == storage_queue_name(name)
    assert 3 <= len(mapped + "-deadletter") <= 63
    assert mapped.replace("-", "").isalnum() and mapped == mapped.lower()
    assert "--" not in mapped and mapped[0] != "-" and mapped[-1] != "-"


def test_storage_queue_names_that_clean_alike_stay_apart() -> None:
    names = ["sales.orders", "sales_orders", "sales/orders", "sales--orders", "sales-orders"]
    assert len({storage_queue_name(n) for n in names}) == len(names)
    assert storage_queue_name("Sales-Orders") == "sales-orders"  # one queue to Service Bus


@pytest.fixture
def storage_bus(azurite: object) -> Iterator[StorageQueueBus]:
    connection = azurite.connection_string  # type: ignore[attr-defined]
    bus = StorageQueueBus(connection, max_delivery_count=2, table_prefix=f"b{uuid.uuid4().hex[:8]}")
    yield bus
    bus.close()


def _raw_queue(connection: str, queue: str, suffix: str = "") -> QueueClient:
    return QueueClient.from_connection_string(connection, storage_queue_name(queue) + suffix)


@pytest.mark.azurite
def test_storage_messages_are_base64_envelopes_and_keep_the_last_error(
    storage_bus: StorageQueueBus, azurite: object
) -> None:
    connection = azurite.connection_string  # type: ignore[attr-defined]
    storage_bus.send("Wire.Format", [message(session_id="s1", properties={"k": "v"})])
    [peeked] = _raw_queue(connection, "Wire.Format").peek_messages()
    envelope = json.loads(base64.b64decode(peeked.content))
    assert envelope == {
        "id": message().message_id,
        "sessionId": "s1",
        "properties": {"k": "v"},
        "body": message().body,
    }

    for attempt in (1, 2):
        [got] = storage_bus.receive("Wire.Format")
        storage_bus.abandon(got, error=f"boom {attempt}")
    [record] = _raw_queue(connection, "Wire.Format", "-deadletter").peek_messages()
    dead = json.loads(base64.b64decode(record.content))
    assert dead["deadLetterReason"] == MAX_DELIVERY_COUNT_EXCEEDED
    assert (dead["lastError"], dead["deadLetterDescription"], dead["deliveryCount"]) == (
        "boom 1",
        "boom 2",
        2,
    )


@pytest.mark.azurite
def test_storage_refuses_a_message_over_64_kib_naming_it(storage_bus: StorageQueueBus) -> None:
    with pytest.raises(ValidationError, match="order-big") as error:
        storage_bus.send("big", [message("order-big", body="x" * 50_000)])
    assert error.value.record == "order-big"
    assert storage_bus.send("big", [message("order-ok", body="x" * 45_000)]) == 1
    with pytest.raises(ValidationError, match="7 days"):
        storage_bus.send("big", [message(scheduled_at=datetime.now(UTC) + timedelta(days=8))])


@pytest.mark.azurite
def test_storage_reads_foreign_text_as_a_plain_body(
    storage_bus: StorageQueueBus, azurite: object
) -> None:
    storage_bus.receive("foreign")  # creates the queue
    raw = _raw_queue(azurite.connection_string, "foreign")  # type: ignore[attr-defined]
    raw._message_encode_policy = TextBase64EncodePolicy()  # as a Functions output binding writes
    sent = raw.send_message("plain text from elsewhere")
    [got] = storage_bus.receive("foreign")
    assert (got.body, got.message_id, got.properties) == ("plain text from elsewhere", sent.id, {})


@pytest.mark.azurite
def test_storage_prunes_duplicate_history_past_the_window(azurite: object) -> None:
    clock = ManualClock(datetime.now(UTC))
    bus = StorageQueueBus(
        azurite.connection_string,  # type: ignore[attr-defined]
        table_prefix=f"b{uuid.uuid4().hex[:8]}",
        duplicate_window=timedelta(minutes=1),
        clock=clock,
    )
    bus.send("pruned", [message("old")])
    clock.advance(61)
    bus.send("pruned", [message("young")])
    assert bus.prune_duplicate_history() == 1
    assert bus.send("pruned", [message("old"), message("young")]) == 1  # only "old" is free
    bus.close()


def test_storage_bus_needs_an_endpoint_it_can_derive_a_table_from() -> None:
    with pytest.raises(ValueError):
        StorageQueueBus()
    with pytest.raises(ValueError, match="dedupe_table"):
        StorageQueueBus(account_url="http://127.0.0.1:10001/devstoreaccount1")


# --- Service Bus adapter at the SDK boundary ----------------------------------------


@dataclass
class SdkBoundary:
    bus: ServiceBusBus
    client: FakeServiceBusClient
    clock: ManualClock


@pytest.fixture
def sdk() -> SdkBoundary:
    clock = ManualClock()
    namespace = FakeServiceBusNamespace(clock)
    namespace.create_queue("orders")
    client = FakeServiceBusClient(namespace)
    return SdkBoundary(ServiceBusBus(client), client, clock)  # type: ignore[arg-type]


def test_service_bus_refuses_long_ids_before_sending(sdk: SdkBoundary) -> None:
    bus, client = sdk.bus, sdk.client
    with pytest.raises(ValidationError, match="x" * 10):
        bus.send("orders", [message("x" * 129)])
    assert all(sender.sends == [] for sender in client.senders)


def test_service_bus_schedules_with_schedule_messages(sdk: SdkBoundary) -> None:
    bus, client, clock = sdk.bus, sdk.client, sdk.clock
    at = clock() + timedelta(minutes=5)
    naive = (at + timedelta(minutes=5)).replace(tzinfo=None)  # naive times are UTC
    bus.send(
        "orders",
        [
            message("a", scheduled_at=at),
            message("b", scheduled_at=at),
            message("c", scheduled_at=naive),
            message("now"),
        ],
    )

    [sender] = client.senders
    assert sender.sends == [1]
    assert sender.schedules == [(at, ["a", "b"]), (naive.replace(tzinfo=UTC), ["c"])]
    [now] = bus.receive("orders")
    assert now.message_id == "now"
    bus.complete(now)
    clock.advance(301)
    assert sorted(m.message_id for m in bus.receive("orders")) == ["a", "b"]


def test_service_bus_sends_in_batches_and_refuses_what_cannot_fit(sdk: SdkBoundary) -> None:
    bus, client = sdk.bus, sdk.client
    assert bus.send("orders", [message(f"m{n}", body="x" * 100_000) for n in range(3)]) == 3
    assert client.senders[0].sends == [2, 1]

    with pytest.raises(ValidationError, match="order-huge") as error:
        bus.send("orders", [message("order-huge", body="x" * 300_000)])
    assert error.value.record == "order-huge"
    with pytest.raises(ValidationError, match="order-huge"):
        bus.send(
            "orders", [message("order-huge", body="x" * 300_000, scheduled_at=datetime.now(UTC))]
        )


def test_service_bus_caches_handlers_and_closes_them(sdk: SdkBoundary) -> None:
    bus, client = sdk.bus, sdk.client
    for number in range(2):
        bus.send("orders", [message(f"m{number}")])
        bus.receive("orders")
        bus.peek_dead_letters("orders")
    assert (len(client.senders), len(client.receivers)) == (1, 2)

    bus.close()
    assert client.closed
    assert all(sender.closed for sender in client.senders)
    assert all(receiver.closed for receiver in client.receivers)


def test_service_bus_factory_takes_a_connection_string_or_a_namespace() -> None:
    by_key = ServiceBusBus.from_settings(
        connection_string="Endpoint=sb://hub-test.servicebus.windows.net/;"
        "SharedAccessKeyName=send;SharedAccessKey=c2VjcmV0"
    )
    by_key.close()
    by_identity = ServiceBusBus.from_settings(
        fully_qualified_namespace="hub-test.servicebus.windows.net"
    )
    by_identity.close()
    with pytest.raises(ValueError, match="ServiceBusConnection"):
        ServiceBusBus.from_settings()


def test_build_bus_follows_the_bus_kind() -> None:
    key = (
        "Endpoint=sb://hub-test.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=eA=="
    )
    local = "UseDevelopmentStorage=true"
    cases: list[tuple[dict[str, str | None], type]] = [
        (
            {"bus_kind": "servicebus", "storage_connection": local, "servicebus_connection": key},
            ServiceBusBus,
        ),
        ({"bus_kind": "storagequeue", "storage_connection": local}, StorageQueueBus),
    ]
    for values, kind in cases:
        bus = build_bus(Settings(**values))  # type: ignore[arg-type]
        assert isinstance(bus, kind)
        bus.close()  # type: ignore[attr-defined]
    # The Storage-queue bus is the local stand-in: in Azure (no connection string) it is refused.
    identity = Settings(
        bus_kind="storagequeue", storage_connection=None, storage_account_name="hubstore"
    )  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError) as error:
        build_bus(identity)
    assert error.value.settings == ("HUB_BUS_KIND", "HUB_STORAGE_CONNECTION")


@pytest.mark.azurite
@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("%%% not base64 %%%", "not base64"),
        (base64.b64encode(b'{"x": "\xff\xfe"}').decode(), "not UTF-8"),
    ],
)
def test_storage_dead_letters_an_undecodable_message_alone(
    storage_bus: StorageQueueBus, azurite: object, raw: str, why: str
) -> None:
    # A message written by something else that the Functions queue trigger could not read
    # either: it goes to the dead-letter queue with the reason, its neighbours are delivered.
    queue = f"poison-{uuid.uuid4().hex[:6]}"
    storage_bus.send(queue, [message("before")])
    _raw_queue(azurite.connection_string, queue).send_message(raw)  # type: ignore[attr-defined]
    storage_bus.send(queue, [message("after")])
    delivered = []
    for _ in range(3):
        delivered += [got.message_id for got in storage_bus.receive(queue)]
    assert sorted(delivered) == ["after", "before"]
    [dead] = storage_bus.peek_dead_letters(queue)
    assert dead.dead_letter_reason == "UndecodableMessage"
    assert why in (dead.dead_letter_description or "")


def test_service_bus_dead_letters_a_body_that_is_not_utf8_alone(sdk: SdkBoundary) -> None:
    from azure.servicebus import ServiceBusMessage

    bus, client = sdk.bus, sdk.client
    bus.send("orders", [message("first")])
    sender = client.get_queue_sender("orders")  # another producer's bytes
    sender.send_messages(ServiceBusMessage(b"\xff\xfe not text", message_id="binary"))
    bus.send("orders", [message("last")])
    assert sorted(m.message_id for m in bus.receive("orders")) == ["first", "last"]
    [dead] = bus.peek_dead_letters("orders")
    assert (dead.message_id, dead.dead_letter_reason) == ("binary", "UndecodableMessage")
