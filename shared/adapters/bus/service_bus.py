"""Message bus on Azure Service Bus queues, implementing `shared.ports.bus.Bus`.

The Service Bus rules every bus enforces (id lengths, the dead-letter reason for too many
deliveries) live in `rules`.

Quirks handled:
- MessageId and SessionId are limited to 128 characters; the SDK raises a bare ValueError
  without naming the message, so ids are checked first (`rules.check_message_ids`).
- Duplicate detection happens in the service (enabled on the queue in infra, only possible
  at creation) and the SDK does not report dropped duplicates: `send` returns len(messages).
- Messages go out in `create_message_batch` batches; one that does not fit an empty batch
  (256 KB on Standard) is refused with a ValidationError naming it. A failed send may leave
  earlier batches sent: send the same list again, duplicate detection drops the repeats.
- `scheduled_at` needs `ServiceBusSender.schedule_messages`; messages sharing a time go in
  one call.
- The Python SDK's `delivery_count` is the AMQP header count, 0 on the first delivery (the
  service and the Functions trigger say 1): the adapter adds one.
- Received `application_properties` have bytes keys and bytes string values (the SDK's
  long-standing behaviour): decoded to str. A body is an iterator of bytes chunks.
- Dead-lettered messages carry `DeadLetterReason` / `DeadLetterErrorDescription` as
  application properties; they are read into the reason fields and dropped from `properties`.
- `abandon_message` cannot attach the error (no properties_to_modify in Python), so the last
  error would be lost when the service dead-letters on its own: on the last allowed delivery
  `abandon` dead-letters itself with reason MaxDeliveryCountExceeded and the error.
- A receiver's `peek_messages` continues after the last message it peeked unless given a
  sequence number: peeks start at sequence number 1 so each call sees the whole DLQ.
- Lock lost or message already settled → ConflictError. `lock_seconds` is ignored: the lock
  duration is a queue property (LockDuration, 60 s default, in infra).
- Settlement must go through the receiver that received the message: the receipt keeps it.
- `receive` uses a plain (non-session) receiver: on session-enabled queues the Functions
  trigger does the receiving, and SessionId is only carried through.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from azure.identity import DefaultAzureCredential
from azure.servicebus import (
    ServiceBusClient,
    ServiceBusMessage,
    ServiceBusMessageBatch,
    ServiceBusReceivedMessage,
    ServiceBusReceiver,
    ServiceBusSender,
    ServiceBusSubQueue,
)
from azure.servicebus.amqp import AmqpMessageBodyType
from azure.servicebus.exceptions import (
    MessageAlreadySettled,
    MessageLockLostError,
    MessageSizeExceededError,
    SessionLockLostError,
)

from shared.adapters.bus.rules import (
    MAX_DELIVERY_COUNT_EXCEEDED,
    MAX_DESCRIPTION_CHARS,
    MAX_REASON_CHARS,
    UNDECODABLE,
    check_message_ids,
    check_receive_args,
    replay_copy,
)
from shared.errors import ConflictError, ValidationError
from shared.ports.bus import OutgoingMessage, ReceivedMessage

_DEAD_LETTER_PROPERTIES = {"DeadLetterReason", "DeadLetterErrorDescription"}


@dataclass(frozen=True)
class _Lock:
    """The receipt of a Service Bus message: settle it through the receiver that locked it."""

    receiver: ServiceBusReceiver
    message: ServiceBusReceivedMessage


class ServiceBusBus:
    """`Bus` on Service Bus queues through one `ServiceBusClient`; senders/receivers cached."""

    def __init__(
        self, client: ServiceBusClient, *, max_delivery_count: int = 10, max_wait_time: float = 5.0
    ) -> None:
        self._client = client
        self._max_delivery_count = max_delivery_count
        self._max_wait_time = max_wait_time
        self._senders: dict[str, ServiceBusSender] = {}
        self._receivers: dict[str, ServiceBusReceiver] = {}
        self._dead_letter_receivers: dict[str, ServiceBusReceiver] = {}

    @classmethod
    def from_settings(
        cls,
        *,
        connection_string: str | None = None,
        fully_qualified_namespace: str | None = None,
        credential: Any = None,
        max_delivery_count: int = 10,
    ) -> ServiceBusBus:
        """A bus from the `ServiceBusConnection` settings: a connection string, or else a
        namespace and a credential (default `DefaultAzureCredential`, the managed identity).

        Raises ValueError when neither a connection string nor a namespace is given.
        """
        if connection_string:
            client = ServiceBusClient.from_connection_string(connection_string)
        elif fully_qualified_namespace:
            client = ServiceBusClient(
                fully_qualified_namespace, credential or DefaultAzureCredential()
            )
        else:
            raise ValueError(
                "set ServiceBusConnection (connection string) or "
                "ServiceBusConnection__fullyQualifiedNamespace (managed identity)"
            )
        return cls(client, max_delivery_count=max_delivery_count)

    def send(self, queue: str, messages: Sequence[OutgoingMessage]) -> int:
        """Send now or at `scheduled_at`. Returns len(messages): the service drops duplicates
        without telling. Raises ValidationError for bad ids or a message too large."""
        for message in messages:
            check_message_ids(message)
        sender = self._sender(queue)
        scheduled: dict[datetime, list[OutgoingMessage]] = defaultdict(list)
        for message in messages:
            if message.scheduled_at is not None:
                # Checked before anything goes out, so a refusal sends nothing.
                probe = sender.create_message_batch()
                if not _try_add(probe, message):
                    raise _too_large(message, probe.max_size_in_bytes)
                scheduled[_utc(message.scheduled_at)].append(message)
        self._send_batches(sender, [m for m in messages if m.scheduled_at is None])
        for when, group in scheduled.items():
            sender.schedule_messages([_to_sdk(m) for m in group], when)
        return len(messages)

    def receive(
        self, queue: str, *, max_messages: int = 32, lock_seconds: int = 60
    ) -> list[ReceivedMessage]:
        """Peek-lock up to `max_messages`, waiting at most `max_wait_time` for the first."""
        check_receive_args(max_messages, lock_seconds)
        receiver = self._receiver(queue)
        received = receiver.receive_messages(
            max_message_count=max_messages, max_wait_time=self._max_wait_time
        )
        messages = []
        for sdk_message in received:
            try:
                messages.append(_from_sdk(queue, sdk_message, _Lock(receiver, sdk_message)))
            except UnicodeDecodeError as exc:  # another producer's bytes: alone to the DLQ
                receiver.dead_letter_message(
                    sdk_message,
                    reason=UNDECODABLE,
                    error_description=f"the message body is not UTF-8 text ({exc.reason} "
                    f"at byte {exc.start})",
                )
        return messages

    def complete(self, message: ReceivedMessage) -> None:
        """Remove the message. Raises ConflictError when its lock was lost."""
        lock = _lock_of(message)
        with _lock_held(message):
            lock.receiver.complete_message(lock.message)

    def abandon(self, message: ReceivedMessage, *, error: str) -> None:
        """Release for redelivery; on the last allowed delivery dead-letter it with `error`.

        Raises ConflictError when the lock was lost.
        """
        if message.delivery_count >= self._max_delivery_count:
            self.dead_letter(message, reason=MAX_DELIVERY_COUNT_EXCEEDED, description=error)
            return
        lock = _lock_of(message)
        with _lock_held(message):
            lock.receiver.abandon_message(lock.message)

    def dead_letter(self, message: ReceivedMessage, *, reason: str, description: str) -> None:
        """Move to the dead-letter sub-queue. Raises ConflictError when the lock was lost."""
        lock = _lock_of(message)
        with _lock_held(message):
            lock.receiver.dead_letter_message(
                lock.message,
                reason=reason[:MAX_REASON_CHARS],
                error_description=description[:MAX_DESCRIPTION_CHARS],
            )

    def peek_dead_letters(self, queue: str, *, max_messages: int = 32) -> list[ReceivedMessage]:
        """The oldest dead-lettered messages, left in place."""
        check_receive_args(max_messages)
        receiver = self._dead_letter_receivers.get(queue)
        if receiver is None:
            receiver = self._client.get_queue_receiver(
                queue, sub_queue=ServiceBusSubQueue.DEAD_LETTER
            )
            self._dead_letter_receivers[queue] = receiver
        # sequence_number=0 would mean "after the last one this receiver peeked".
        peeked = receiver.peek_messages(max_message_count=max_messages, sequence_number=1)
        return [_from_sdk(queue, m, None) for m in peeked]

    def replay_dead_letters(self, queue: str, *, max_messages: int = 32) -> list[str]:
        """Send dead letters back to `queue` (see `DeadLetters`): each is locked in the
        dead-letter sub-queue, its copy sent, then it is completed (a failure half-way leaves
        the rest where they were)."""
        check_receive_args(max_messages)
        receiver = self._client.get_queue_receiver(queue, sub_queue=ServiceBusSubQueue.DEAD_LETTER)
        replayed: list[str] = []
        with receiver:
            for dead in receiver.receive_messages(
                max_message_count=max_messages, max_wait_time=self._max_wait_time
            ):
                copy = replay_copy(_from_sdk(queue, dead, None), uuid.uuid4().hex[:12])
                self.send(queue, [copy])
                receiver.complete_message(dead)
                replayed.append(copy.message_id)
        return replayed

    def close(self) -> None:
        """Close every cached sender and receiver, then the client."""
        handlers: list[ServiceBusSender | ServiceBusReceiver] = [
            *self._senders.values(),
            *self._receivers.values(),
            *self._dead_letter_receivers.values(),
        ]
        for handler in handlers:
            handler.close()
        self._senders.clear()
        self._receivers.clear()
        self._dead_letter_receivers.clear()
        self._client.close()

    def _sender(self, queue: str) -> ServiceBusSender:
        if queue not in self._senders:
            self._senders[queue] = self._client.get_queue_sender(queue)
        return self._senders[queue]

    def _receiver(self, queue: str) -> ServiceBusReceiver:
        if queue not in self._receivers:
            self._receivers[queue] = self._client.get_queue_receiver(queue)
        return self._receivers[queue]

    @staticmethod
    def _send_batches(sender: ServiceBusSender, messages: Sequence[OutgoingMessage]) -> None:
        batch: ServiceBusMessageBatch | None = None
        for message in messages:
            if batch is not None and _try_add(batch, message):
                continue
            if batch is not None:
                sender.send_messages(batch)
            batch = sender.create_message_batch()
            if not _try_add(batch, message):
                raise _too_large(message, batch.max_size_in_bytes)
        if batch is not None:
            sender.send_messages(batch)


def _try_add(batch: ServiceBusMessageBatch, message: OutgoingMessage) -> bool:
    try:
        batch.add_message(_to_sdk(message))
    except MessageSizeExceededError:
        return False
    return True


def _too_large(message: OutgoingMessage, limit: int) -> ValidationError:
    return ValidationError(
        f"message {message.message_id} is too large for Service Bus (at most {limit} bytes "
        "with headers)",
        record=message.message_id,
        field="body",
    )


def _to_sdk(message: OutgoingMessage) -> ServiceBusMessage:
    properties: dict[str | bytes, Any] = {key: value for key, value in message.properties.items()}
    return ServiceBusMessage(
        message.body,
        message_id=message.message_id,
        session_id=message.session_id,
        application_properties=properties or None,
    )


def _utc(when: datetime) -> datetime:
    """Aware UTC; a naive time is taken as UTC already."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _body(message: ServiceBusReceivedMessage, errors: str = "strict") -> str:
    """The body as text. Raises UnicodeDecodeError for bytes that are not UTF-8 (strict)."""
    body = message.body
    if isinstance(body, str):
        return body
    if isinstance(body, bytes):
        return body.decode("utf-8", errors)
    if message.body_type == AmqpMessageBodyType.DATA:
        return b"".join(body).decode("utf-8", errors)
    return str(body)  # an AMQP value or sequence body sent by another client


def _from_sdk(
    queue: str, message: ServiceBusReceivedMessage, lock: _Lock | None
) -> ReceivedMessage:
    """A received message; a peeked one (no lock) shows bytes that are not text escaped."""
    properties = {_text(k): _text(v) for k, v in (message.application_properties or {}).items()}
    for name in _DEAD_LETTER_PROPERTIES:
        properties.pop(name, None)
    return ReceivedMessage(
        queue=queue,
        body=_body(message, "strict" if lock else "backslashreplace"),
        message_id=_text(message.message_id or ""),
        delivery_count=(message.delivery_count or 0) + 1,
        session_id=message.session_id,
        properties=properties,
        dead_letter_reason=message.dead_letter_reason,
        dead_letter_description=message.dead_letter_error_description,
        receipt=lock,
    )


def _lock_of(message: ReceivedMessage) -> _Lock:
    if not isinstance(message.receipt, _Lock):
        raise ValueError(
            f"message {message.message_id} was not received from this Service Bus bus "
            "(peeked messages cannot be settled)"
        )
    return message.receipt


@contextmanager
def _lock_held(message: ReceivedMessage) -> Iterator[None]:
    """Map a lost or already-settled lock to ConflictError naming the message."""
    try:
        yield
    except (MessageLockLostError, SessionLockLostError, MessageAlreadySettled) as error:
        raise ConflictError(
            f"lock on message {message.message_id} in queue {message.queue} is lost or the "
            "message is already settled; it will be delivered again, do not settle it "
            f"twice ({type(error).__name__})"
        ) from error
