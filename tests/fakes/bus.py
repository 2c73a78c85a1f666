"""`InMemoryBus`: the Bus contract on dicts and deques, with a clock tests can move.

Same semantics as the real buses: peek-lock that runs out, delivery counts, dead-lettering
after `max_delivery_count` deliveries (reason MaxDeliveryCountExceeded with the last error),
duplicate detection on message id within a window, scheduled delivery, 128-character ids.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from shared.adapters.bus.rules import (
    MAX_DELIVERY_COUNT_EXCEEDED,
    check_message_ids,
    check_receive_args,
    replay_copy,
    too_many_deliveries,
)
from shared.errors import ConflictError
from shared.ports.bus import OutgoingMessage, ReceivedMessage


class ManualClock:
    """A UTC clock that only moves when told: `clock()` reads it, `advance(seconds)` moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class _Stored:
    message: OutgoingMessage
    visible_at: datetime
    deliveries: int = 0
    lock: int | None = None
    last_error: str | None = None


@dataclass
class DeadLetter:
    message: OutgoingMessage
    reason: str
    description: str
    deliveries: int


F = TypeVar("F", bound=Callable[..., Any])


def _serialized(method: F) -> F:
    """One call at a time: the local host uses the bus from poller and worker threads."""

    @functools.wraps(method)
    def wrapper(self: InMemoryBus, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class InMemoryBus:
    """Queues by name; `queues`, `dead_letters` and `sent` are there to assert on."""

    def __init__(
        self,
        *,
        max_delivery_count: int = 10,
        duplicate_window: timedelta = timedelta(minutes=10),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.max_delivery_count = max_delivery_count
        self.duplicate_window = duplicate_window
        self.clock = clock
        self.queues: dict[str, deque[_Stored]] = {}
        self.dead_letters: dict[str, list[DeadLetter]] = {}
        self.sent: list[tuple[str, OutgoingMessage]] = []
        self._seen: dict[tuple[str, str], datetime] = {}
        self._tokens = itertools.count(1)
        self._lock = threading.RLock()

    @_serialized
    def pending(self, queue: str) -> int:
        """Messages in `queue`, locked or not (dead letters excluded)."""
        return len(self.queues.get(queue, ()))

    @_serialized
    def send(self, queue: str, messages: Sequence[OutgoingMessage]) -> int:
        for message in messages:
            check_message_ids(message)
        now, accepted = self.clock(), 0
        for message in messages:
            seen = self._seen.get((queue, message.message_id))
            if seen is not None and now - seen < self.duplicate_window:
                continue
            self._seen[(queue, message.message_id)] = now
            kept = replace(message, properties=dict(message.properties))
            visible_at = max(now, _aware(message.scheduled_at) if message.scheduled_at else now)
            self.queues.setdefault(queue, deque()).append(_Stored(kept, visible_at))
            self.sent.append((queue, kept))
            accepted += 1
        return accepted

    @_serialized
    def receive(
        self, queue: str, *, max_messages: int = 32, lock_seconds: int = 60
    ) -> list[ReceivedMessage]:
        check_receive_args(max_messages, lock_seconds)
        now, received = self.clock(), list[ReceivedMessage]()
        for stored in list(self.queues.get(queue, ())):
            if len(received) == max_messages:
                break
            if stored.visible_at > now:
                continue
            if stored.deliveries >= self.max_delivery_count:  # its last lock ran out
                description = stored.last_error or too_many_deliveries(stored.deliveries)
                self._move(queue, stored, MAX_DELIVERY_COUNT_EXCEEDED, description)
                continue
            stored.deliveries += 1
            stored.lock = next(self._tokens)
            stored.visible_at = now + timedelta(seconds=lock_seconds)
            received.append(_received(queue, stored))
        return received

    @_serialized
    def complete(self, message: ReceivedMessage) -> None:
        self.queues[message.queue].remove(self._locked(message))

    @_serialized
    def abandon(self, message: ReceivedMessage, *, error: str) -> None:
        stored = self._locked(message)
        stored.last_error = error
        if stored.deliveries >= self.max_delivery_count:
            self._move(message.queue, stored, MAX_DELIVERY_COUNT_EXCEEDED, error)
            return
        stored.lock, stored.visible_at = None, self.clock()

    @_serialized
    def dead_letter(self, message: ReceivedMessage, *, reason: str, description: str) -> None:
        self._move(message.queue, self._locked(message), reason, description)

    @_serialized
    def peek_dead_letters(self, queue: str, *, max_messages: int = 32) -> list[ReceivedMessage]:
        check_receive_args(max_messages)
        return [_dead_lettered(queue, dead) for dead in self.dead_letters.get(queue, [])][
            :max_messages
        ]

    @_serialized
    def replay_dead_letters(self, queue: str, *, max_messages: int = 32) -> list[str]:
        check_receive_args(max_messages)
        dead = self.dead_letters.get(queue, [])
        replayed = []
        for letter in dead[:max_messages]:
            copy = replay_copy(_dead_lettered(queue, letter), f"{next(self._tokens)}")
            self.send(queue, [copy])
            replayed.append(copy.message_id)
        del dead[: len(replayed)]
        return replayed

    def _locked(self, message: ReceivedMessage) -> _Stored:
        """The stored message if `message` still holds its lock. Raises ConflictError."""
        for stored in self.queues.get(message.queue, ()):
            if stored.lock is not None and stored.lock == message.receipt:
                if stored.visible_at > self.clock():
                    return stored
                break
        raise ConflictError(
            f"lock on message {message.message_id} in queue {message.queue} is lost or the "
            "message is already settled"
        )

    def _move(self, queue: str, stored: _Stored, reason: str, description: str) -> None:
        self.queues[queue].remove(stored)
        dead = DeadLetter(stored.message, reason, description, stored.deliveries)
        self.dead_letters.setdefault(queue, []).append(dead)


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _received(queue: str, stored: _Stored) -> ReceivedMessage:
    message = stored.message
    return ReceivedMessage(
        queue=queue,
        body=message.body,
        message_id=message.message_id,
        delivery_count=stored.deliveries,
        session_id=message.session_id,
        properties=dict(message.properties),
        receipt=stored.lock,
    )


def _dead_lettered(queue: str, dead: DeadLetter) -> ReceivedMessage:
    message = dead.message
    return ReceivedMessage(
        queue=queue,
        body=message.body,
        message_id=message.message_id,
        delivery_count=dead.deliveries,
        session_id=message.session_id,
        properties=dict(message.properties),
        dead_letter_reason=dead.reason,
        dead_letter_description=dead.description,
    )
