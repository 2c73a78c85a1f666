"""The Service Bus rules every bus enforces, so a message accepted locally is accepted in Azure.

Used by `ServiceBusBus`, `StorageQueueBus` and the in-memory test bus alike.

Quirks handled:
- MessageId and SessionId are limited to 128 characters: `check_message_ids` refuses longer
  (or empty) ids with a ValidationError naming the message, before anything is sent.
- A message delivered MaxDeliveryCount times is dead-lettered with reason
  MaxDeliveryCountExceeded; when no handler error is known the service's own description is
  used (`too_many_deliveries`).
- Both buses cut a dead-letter reason to `MAX_REASON_CHARS` and its description to
  `MAX_DESCRIPTION_CHARS` rather than fail the dead-lettering of a message.
"""

from __future__ import annotations

from shared.errors import ValidationError
from shared.ports.bus import RETRY_PROPERTIES, OutgoingMessage, ReceivedMessage, replayed_id

MAX_DELIVERY_COUNT_EXCEEDED = "MaxDeliveryCountExceeded"
UNDECODABLE = "UndecodableMessage"
"""The reason a message whose body cannot be read as text is dead-lettered with, alone."""
"""The dead-letter reason Service Bus gives a message delivered MaxDeliveryCount times."""
MAX_ID_LENGTH = 128
MAX_REASON_CHARS = 128
MAX_DESCRIPTION_CHARS = 4096


def check_message_ids(message: OutgoingMessage) -> None:
    """Refuse ids Service Bus would refuse. Raises ValidationError naming the message."""
    if not message.message_id or len(message.message_id) > MAX_ID_LENGTH:
        raise ValidationError(
            f"message id '{message.message_id[:60]}' must be 1 to {MAX_ID_LENGTH} characters "
            f"(it has {len(message.message_id)})",
            record=message.message_id,
            field="message_id",
        )
    if message.session_id is not None and not 0 < len(message.session_id) <= MAX_ID_LENGTH:
        raise ValidationError(
            f"session id of message {message.message_id} must be 1 to {MAX_ID_LENGTH} "
            f"characters (it has {len(message.session_id)})",
            record=message.message_id,
            field="session_id",
        )


def check_receive_args(max_messages: int, lock_seconds: int = 1) -> None:
    """Raises ValueError on a count or lock time below 1."""
    if max_messages < 1 or lock_seconds < 1:
        raise ValueError(
            f"max_messages and lock_seconds must be at least 1 (got {max_messages}, {lock_seconds})"
        )


def too_many_deliveries(deliveries: int) -> str:
    """The description Service Bus gives MaxDeliveryCountExceeded when no error is known."""
    return f"Message could not be consumed after {deliveries} delivery attempts."


def replay_copy(dead: ReceivedMessage, token: str) -> OutgoingMessage:
    """The message a dead letter is sent back as: its body, session and properties, a new id
    (`token` makes it unique) and no retry bookkeeping, so it gets a fresh retry window."""
    return OutgoingMessage(
        body=dead.body,
        message_id=replayed_id(dead.message_id, token),
        session_id=dead.session_id,
        properties={k: v for k, v in dead.properties.items() if k not in RETRY_PROPERTIES},
    )
