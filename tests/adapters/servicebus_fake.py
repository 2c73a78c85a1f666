"""An SDK-level fake of `azure.servicebus.ServiceBusClient` emulating Service Bus queues.

Only what `ServiceBusBus` uses, with the SDK's signatures: `get_queue_sender`
(`send_messages`, `schedule_messages`, `create_message_batch`), `get_queue_receiver`
(`receive_messages`, `complete_message`, `abandon_message`, `dead_letter_message`,
`peek_messages`, also on the dead-letter sub-queue) and `close`. Input is the real
`ServiceBusMessage` / `ServiceBusMessageBatch`; output mimics `ServiceBusReceivedMessage`.

Service behaviour emulated, on an injectable clock: peek-lock with the queue's LockDuration,
lock expiry and abandon raising the delivery count, MaxDeliveryCount → dead-letter sub-queue
with `MaxDeliveryCountExceeded`, duplicate detection on MessageId within a window, scheduled
enqueue time, 256 KB messages. SDK behaviour emulated: `delivery_count` 0 on the first
delivery, application properties received with bytes keys and bytes string values, bodies
as iterators of bytes, `MessageLockLostError` / `MessageAlreadySettled` on settlement,
`peek_messages` continuing after the last peeked message when no sequence number is given.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.servicebus import (
    ServiceBusMessage,
    ServiceBusMessageBatch,
    ServiceBusReceiveMode,
    ServiceBusSubQueue,
)
from azure.servicebus.amqp import AmqpMessageBodyType
from azure.servicebus.exceptions import (
    MessageAlreadySettled,
    MessageLockLostError,
    MessageSizeExceededError,
    MessagingEntityNotFoundError,
)

MAX_MESSAGE_BYTES = 256 * 1024  # Standard tier


@dataclass
class _Stored:
    sequence_number: int
    message_id: str | None
    session_id: str | None
    body: bytes
    properties: dict[str, Any]
    enqueued_at: datetime
    visible_at: datetime
    deliveries: int = 0  # the service's DeliveryCount: 1 on the first delivery
    lock_token: str | None = None
    locked_until: datetime | None = None


@dataclass
class FakeQueue:
    """One queue and its dead-letter sub-queue, with the properties infra would set."""

    name: str
    clock: Callable[[], datetime]
    lock_duration: timedelta = timedelta(seconds=60)
    max_delivery_count: int = 10
    duplicate_detection_window: timedelta = timedelta(minutes=10)
    active: list[_Stored] = field(default_factory=list)
    dead: list[_Stored] = field(default_factory=list)
    seen: dict[str, datetime] = field(default_factory=dict)

    def enqueue(self, message: ServiceBusMessage, sequence: int, at: datetime | None) -> bool:
        """Store a message unless its MessageId was seen within the window."""
        now = self.clock()
        message_id = message.message_id
        if message_id is not None:
            seen = self.seen.get(message_id)
            if seen is not None and now - seen < self.duplicate_detection_window:
                return False
            self.seen[message_id] = now
        body = message.body
        data = body if isinstance(body, bytes) else b"".join(body)
        props = {_str(k): v for k, v in (message.application_properties or {}).items()}
        stored = _Stored(sequence, message_id, message.session_id, data, props, now, at or now)
        self.active.append(stored)
        return True

    def expire_locks(self) -> None:
        """Locks past their time count as a failed delivery, as the service does."""
        now = self.clock()
        for stored in list(self.active):
            if stored.locked_until is not None and stored.locked_until <= now:
                stored.lock_token = stored.locked_until = None
                self.release(stored)

    def release(self, stored: _Stored) -> None:
        if stored.deliveries >= self.max_delivery_count:
            self.to_dead_letter(
                stored,
                "MaxDeliveryCountExceeded",
                f"Message could not be consumed after {stored.deliveries} delivery attempts.",
            )

    def to_dead_letter(self, stored: _Stored, reason: str | None, description: str | None) -> None:
        self.active.remove(stored)
        stored.lock_token = stored.locked_until = None
        if reason is not None:
            stored.properties["DeadLetterReason"] = reason
        if description is not None:
            stored.properties["DeadLetterErrorDescription"] = description
        self.dead.append(stored)


class FakeServiceBusNamespace:
    """The service side: queues by name (case-insensitive) and sequence numbers."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.clock = clock
        self.queues: dict[str, FakeQueue] = {}
        self._sequence = itertools.count(1)

    def create_queue(self, name: str, **properties: Any) -> FakeQueue:
        queue = FakeQueue(name, self.clock, **properties)
        self.queues[name.lower()] = queue
        return queue

    def queue(self, name: str) -> FakeQueue:
        try:
            return self.queues[name.lower()]
        except KeyError:
            raise MessagingEntityNotFoundError(message=f"queue {name} not found") from None

    def next_sequence(self) -> int:
        return next(self._sequence)


class FakeReceivedMessage:
    """What `ServiceBusReceivedMessage` exposes, as the SDK presents it."""

    body_type = AmqpMessageBodyType.DATA

    def __init__(self, stored: _Stored, *, locked: bool) -> None:
        self._body = stored.body
        self.message_id = stored.message_id
        self.session_id = stored.session_id
        self.sequence_number = stored.sequence_number
        self.enqueued_time_utc = stored.enqueued_at
        self.delivery_count = max(0, stored.deliveries - 1)  # the AMQP header count
        self.application_properties = {k.encode(): _wire(v) for k, v in stored.properties.items()}
        self.lock_token = stored.lock_token if locked else None
        self.locked_until_utc = stored.locked_until if locked else None
        self.settled = False

    @property
    def body(self) -> Iterator[bytes]:
        return iter([self._body])

    @property
    def dead_letter_reason(self) -> str | None:
        value = self.application_properties.get(b"DeadLetterReason")
        return value.decode() if isinstance(value, bytes) else None

    @property
    def dead_letter_error_description(self) -> str | None:
        value = self.application_properties.get(b"DeadLetterErrorDescription")
        return value.decode() if isinstance(value, bytes) else None

    def __str__(self) -> str:
        return self._body.decode()


class FakeSender:
    def __init__(self, namespace: FakeServiceBusNamespace, queue_name: str) -> None:
        self._namespace = namespace
        self.queue_name = queue_name
        self.sends: list[int] = []  # messages per send_messages call
        self.schedules: list[tuple[datetime, list[str | None]]] = []
        self.closed = False

    def send_messages(self, message: Any, *, timeout: float | None = None, **kwargs: Any) -> None:
        messages = _unpack(message)
        for single in messages:
            _check_size(single)
        queue = self._namespace.queue(self.queue_name)
        for single in messages:
            queue.enqueue(single, self._namespace.next_sequence(), None)
        self.sends.append(len(messages))

    def schedule_messages(
        self,
        messages: Any,
        schedule_time_utc: datetime,
        *,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> list[int]:
        queue = self._namespace.queue(self.queue_name)
        batch = _unpack(messages)
        self.schedules.append((schedule_time_utc, [m.message_id for m in batch]))
        numbers = []
        for single in batch:
            _check_size(single)
            number = self._namespace.next_sequence()
            queue.enqueue(single, number, schedule_time_utc)
            numbers.append(number)
        return numbers

    def create_message_batch(self, max_size_in_bytes: int | None = None) -> ServiceBusMessageBatch:
        return ServiceBusMessageBatch(max_size_in_bytes=max_size_in_bytes or MAX_MESSAGE_BYTES)

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> FakeSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FakeReceiver:
    def __init__(
        self,
        namespace: FakeServiceBusNamespace,
        queue_name: str,
        sub_queue: ServiceBusSubQueue | str | None,
        max_wait_time: float | None,
    ) -> None:
        self._namespace = namespace
        self.queue_name = queue_name
        self.dead_letter = sub_queue in (ServiceBusSubQueue.DEAD_LETTER, "deadletter")
        self.max_wait_time = max_wait_time
        self._last_peeked = 0
        self.closed = False

    def receive_messages(
        self, max_message_count: int | None = 1, max_wait_time: float | None = None
    ) -> list[FakeReceivedMessage]:
        if max_wait_time is not None and max_wait_time <= 0:
            raise ValueError("The max_wait_time must be greater than 0.")
        if max_message_count is not None and max_message_count <= 0:
            raise ValueError("The max_message_count must be greater than 0")
        queue = self._namespace.queue(self.queue_name)
        queue.expire_locks()
        now, received = queue.clock(), list[FakeReceivedMessage]()
        for stored in self._entity(queue):
            if len(received) == (max_message_count or 1):
                break
            if stored.visible_at <= now and stored.lock_token is None:
                stored.deliveries += 1
                stored.lock_token = str(uuid.uuid4())
                stored.locked_until = now + queue.lock_duration
                received.append(FakeReceivedMessage(stored, locked=True))
        return received

    def complete_message(self, message: FakeReceivedMessage) -> None:
        queue, stored = self._settle(message)
        self._entity(queue).remove(stored)

    def abandon_message(self, message: FakeReceivedMessage) -> None:
        queue, stored = self._settle(message)
        stored.lock_token = stored.locked_until = None
        if not self.dead_letter:
            queue.release(stored)

    def dead_letter_message(
        self,
        message: FakeReceivedMessage,
        reason: str | None = None,
        error_description: str | None = None,
    ) -> None:
        queue, stored = self._settle(message)
        queue.to_dead_letter(stored, reason, error_description)

    def peek_messages(
        self,
        max_message_count: int = 1,
        *,
        sequence_number: int = 0,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> list[FakeReceivedMessage]:
        queue = self._namespace.queue(self.queue_name)
        start = sequence_number or self._last_peeked + 1
        found = [s for s in self._entity(queue) if s.sequence_number >= start]
        peeked = [FakeReceivedMessage(s, locked=False) for s in found[:max_message_count]]
        if peeked:
            self._last_peeked = peeked[-1].sequence_number
        return peeked

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> FakeReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _entity(self, queue: FakeQueue) -> list[_Stored]:
        return queue.dead if self.dead_letter else queue.active

    def _settle(self, message: FakeReceivedMessage) -> tuple[FakeQueue, _Stored]:
        if message.settled:
            raise MessageAlreadySettled(action="settle")
        if message.lock_token is None:
            raise ValueError("The operation requires a message received in PEEK_LOCK mode.")
        queue = self._namespace.queue(self.queue_name)
        queue.expire_locks()
        for stored in self._entity(queue):
            if stored.lock_token == message.lock_token:
                message.settled = True
                return queue, stored
        raise MessageLockLostError()


class FakeServiceBusClient:
    """`ServiceBusClient` over a `FakeServiceBusNamespace`; records its senders/receivers."""

    def __init__(self, namespace: FakeServiceBusNamespace) -> None:
        self.namespace = namespace
        self.fully_qualified_namespace = "fake.servicebus.windows.net"
        self.senders: list[FakeSender] = []
        self.receivers: list[FakeReceiver] = []
        self.closed = False

    def get_queue_sender(self, queue_name: str, **kwargs: Any) -> FakeSender:
        sender = FakeSender(self.namespace, queue_name)
        self.senders.append(sender)
        return sender

    def get_queue_receiver(
        self,
        queue_name: str,
        *,
        sub_queue: ServiceBusSubQueue | str | None = None,
        receive_mode: ServiceBusReceiveMode | str = ServiceBusReceiveMode.PEEK_LOCK,
        max_wait_time: float | None = None,
        **kwargs: Any,
    ) -> FakeReceiver:
        if receive_mode != ServiceBusReceiveMode.PEEK_LOCK:
            raise NotImplementedError("the fake emulates peek-lock receivers only")
        receiver = FakeReceiver(self.namespace, queue_name, sub_queue, max_wait_time)
        self.receivers.append(receiver)
        return receiver

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> FakeServiceBusClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _unpack(message: Any) -> list[ServiceBusMessage]:
    if isinstance(message, ServiceBusMessageBatch):
        return list(message._messages)  # the batch keeps no public list of its messages
    if isinstance(message, ServiceBusMessage):
        return [message]
    return list(message)


def _check_size(message: ServiceBusMessage) -> None:
    body = message.body
    size = len(body if isinstance(body, bytes) else b"".join(body))
    if size > MAX_MESSAGE_BYTES:
        raise MessageSizeExceededError(message=f"message of {size} bytes exceeds the limit")


def _str(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _wire(value: Any) -> Any:
    """Strings come back as bytes from the SDK's AMQP layer."""
    return value.encode() if isinstance(value, str) else value
