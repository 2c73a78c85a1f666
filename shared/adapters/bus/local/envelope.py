"""The envelope a Storage-queue bus message travels in: encoding, size limits, decoding,
and the queue message kept as the receipt of a received one.

Quirks handled:
- A queue message is only text: an envelope JSON {"id", "sessionId", "properties", "body"}
  carries the message id, session id and properties; `lastError` and the dead-letter fields
  (`deadLetterReason`, `deadLetterDescription`, `deliveryCount`) are added on the way.
  Text that is not an envelope is read as a plain body with the queue's message id.
- 64 KiB per message after base64. Sends over 64 KiB less 512 characters (kept for the
  dead-letter fields) are refused with a ValidationError naming the message; error texts
  added later are shortened to fit.
"""

from __future__ import annotations

import json
import math
from typing import Any

from azure.storage.queue import QueueMessage

from shared.errors import ValidationError
from shared.ports.bus import OutgoingMessage, ReceivedMessage

MAX_MESSAGE_CHARS = 64 * 1024  # of base64 text
MAX_SEND_CHARS = MAX_MESSAGE_CHARS - 512  # room for the dead-letter fields


def encode_message(message: OutgoingMessage) -> str:
    """The message's envelope as queue text.

    Raises ValidationError when it would leave too little room for the dead-letter fields.
    """
    text = _dump(_envelope(message))
    size = _encoded_size(text)
    if size > MAX_SEND_CHARS:
        raise ValidationError(
            f"message {message.message_id} is {size} characters once base64-encoded; a "
            f"Storage queue message holds at most {MAX_SEND_CHARS} here",
            record=message.message_id,
            field="body",
        )
    return text


def fit_envelope(envelope: dict[str, Any]) -> str:
    """The envelope as text, its error texts halved until it fits one queue message."""
    text = _dump(envelope)
    for key in ("lastError", "deadLetterDescription"):
        while _encoded_size(text) > MAX_MESSAGE_CHARS and envelope.get(key):
            envelope[key] = envelope[key][: len(envelope[key]) // 2]
            text = _dump(envelope)
    return text


def read_envelope(item: QueueMessage) -> dict[str, Any]:
    """The envelope in a queue message; foreign text becomes the body under the queue's id."""
    content = item.content if isinstance(item.content, str) else ""
    try:
        envelope = json.loads(content)
    except ValueError:
        envelope = None
    if isinstance(envelope, dict) and isinstance(envelope.get("body"), str) and envelope.get("id"):
        return envelope
    return {"id": item.id, "sessionId": None, "properties": {}, "body": content}


def received_message(queue: str, item: QueueMessage) -> ReceivedMessage:
    """A received queue message, its receipt (for settling) the queue message itself."""
    envelope = read_envelope(item)
    return ReceivedMessage(
        queue=queue,
        body=envelope["body"],
        message_id=str(envelope["id"]),
        delivery_count=item.dequeue_count or 1,
        session_id=envelope.get("sessionId"),
        properties={str(k): str(v) for k, v in (envelope.get("properties") or {}).items()},
        receipt=item,
    )


def dead_lettered_message(queue: str, item: QueueMessage) -> ReceivedMessage:
    """A peeked dead-letter record, with its reason and original delivery count; no receipt."""
    envelope = read_envelope(item)
    message = received_message(queue, item)
    message.receipt = None
    message.delivery_count = int(envelope.get("deliveryCount") or 0)
    message.dead_letter_reason = envelope.get("deadLetterReason")
    message.dead_letter_description = envelope.get("deadLetterDescription")
    return message


def queue_message_of(message: ReceivedMessage) -> QueueMessage:
    """The queue message a received message was read from, to settle it through.

    Raises ValueError for a message not received from a storage-queue bus (or only peeked).
    """
    if not isinstance(message.receipt, QueueMessage):
        raise ValueError(
            f"message {message.message_id} was not received from this storage-queue bus "
            "(peeked messages cannot be settled)"
        )
    return message.receipt


def _envelope(message: OutgoingMessage) -> dict[str, Any]:
    return {
        "id": message.message_id,
        "sessionId": message.session_id,
        "properties": dict(message.properties),
        "body": message.body,
    }


def _dump(envelope: dict[str, Any]) -> str:
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def _encoded_size(text: str) -> int:
    """Characters of `text` once UTF-8 and base64-encoded (the queue trigger's format)."""
    return 4 * math.ceil(len(text.encode("utf-8")) / 3)
