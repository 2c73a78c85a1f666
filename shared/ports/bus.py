"""Messages: what flows may send, and the full bus the host receives and settles with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from shared.registry import Queue


@dataclass(frozen=True)
class OutgoingMessage:
    """A message to send. `message_id` is deterministic so the bus can drop duplicates."""

    body: str
    message_id: str
    session_id: str | None = None
    scheduled_at: datetime | None = None
    properties: Mapping[str, str] = field(default_factory=dict)


@dataclass
class ReceivedMessage:
    """A locked message; settle it with complete, abandon or dead_letter."""

    queue: str
    body: str
    message_id: str
    delivery_count: int
    session_id: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    dead_letter_reason: str | None = None
    dead_letter_description: str | None = None
    receipt: Any = None


class MessageSender(Protocol):
    """What flows may do with the bus: send to one of the hub's queues, nothing else.

    Receiving, completing, abandoning and dead-lettering belong to the host (the Functions
    runtime in Azure, `hub serve` locally), which settles each message by the trigger's outcome.
    """

    def send(self, queue: Queue, messages: Sequence[OutgoingMessage]) -> int:
        """Send messages; returns how many were accepted (duplicates are dropped).

        Service Bus drops duplicates without saying so: there the count is len(messages).
        Raises ValidationError (naming the message) for a bad id or a message too large.
        """
        ...


class DeadLetters(Protocol):
    """What an operator does with dead-lettered messages: look at them, send them back."""

    def peek_dead_letters(self, queue: str, *, max_messages: int = 32) -> list[ReceivedMessage]:
        """Look at the oldest dead-lettered messages without removing them (no receipt)."""
        ...

    def replay_dead_letters(self, queue: str, *, max_messages: int = 32) -> list[str]:
        """Send up to `max_messages` dead letters back to `queue`, oldest first; the ids sent.

        Each goes back with its body and properties but a new message id (the old one would
        be dropped as a duplicate) and without the hub's retry bookkeeping, so it gets a
        fresh retry window; it leaves the dead-letter queue once it is sent.
        """
        ...


class Bus(MessageSender, DeadLetters, Protocol):
    """Queues with peek-lock, delivery counting, dead-lettering and duplicate detection.

    Every implementation keeps Service Bus semantics: `delivery_count` is 1 on the first
    delivery and grows with each abandon or lost lock; a message delivered the maximum number
    of times goes to the queue's dead-letter queue with reason `MaxDeliveryCountExceeded` (and
    the last error as description when known); a `message_id` sent to a queue again within
    the duplicate window is dropped; message and session ids hold at most 128 characters.
    """

    def send(self, queue: str, messages: Sequence[OutgoingMessage]) -> int:
        """Send messages; returns how many were accepted (duplicates are dropped).

        Service Bus drops duplicates without saying so: there the count is len(messages).
        Raises ValidationError (naming the message) for a bad id or a message too large.
        """
        ...

    def receive(
        self, queue: str, *, max_messages: int = 32, lock_seconds: int = 60
    ) -> list[ReceivedMessage]:
        """Lock and return up to `max_messages` messages (none waiting: an empty list).

        On Service Bus the lock lasts the queue's LockDuration whatever `lock_seconds` says.
        """
        ...

    def complete(self, message: ReceivedMessage) -> None:
        """Remove a processed message. Raises ConflictError when its lock was lost."""
        ...

    def abandon(self, message: ReceivedMessage, *, error: str) -> None:
        """Release a message for redelivery; past max deliveries it is dead-lettered.

        Raises ConflictError when its lock was lost.
        """
        ...

    def dead_letter(self, message: ReceivedMessage, *, reason: str, description: str) -> None:
        """Move a message to the queue's dead-letter queue with a reason.

        Raises ConflictError when its lock was lost (the message stays in the queue).
        """
        ...


REPLAY_MARK = "#replay-"
"""What a replayed message's id carries after the original id."""


def replayed_id(message_id: str, token: str) -> str:
    """The id a dead letter is sent back under: the original id, marked, within 128 characters."""
    base = message_id.split(REPLAY_MARK, 1)[0].split(RETRY_MARK, 1)[0]
    suffix = f"{REPLAY_MARK}{token}"
    return base[: 128 - len(suffix)] + suffix


RETRY_MARK = "#retry-"
"""What the id of a message sent again later (back-off) carries after the original id."""
RETRY_PROPERTIES = ("hub-retries", "hub-first-failed")
"""Properties the hub's back-off keeps on a message; a replay starts them afresh."""
