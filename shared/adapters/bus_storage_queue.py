"""Message bus on Azure Storage queues (Azurite locally) with Service Bus semantics.

Implements `shared.ports.Bus`, so flows and the local host run unchanged without a Service
Bus namespace. Service Bus rules (128-character ids, MaxDeliveryCountExceeded) come from
`bus_service_bus`.

Quirks handled:
- Names: Service Bus allows upper case, `.`, `_`, `/` and 260 characters; Storage queues
  want 3-63 of `[a-z0-9-]`, alphanumeric at both ends, no `--`. `storage_queue_name` maps
  deterministically (see there); the dead-letter queue is `<mapped>-deadletter`.
- Queues must exist before use: created lazily, once per process and bus (Azurite answers an
  existing queue with 409 where Azure answers 204; both are fine).
- The Functions queue trigger expects base64: messages are base64 text (Text policies).
- A queue message is only text: an envelope JSON {"id", "sessionId", "properties", "body"}
  carries the message id, session id and properties; `lastError` and the dead-letter fields
  (`deadLetterReason`, `deadLetterDescription`, `deliveryCount`) are added on the way.
  Text that is not an envelope is read as a plain body with the queue's message id.
- 64 KiB per message after base64. Sends over 64 KiB less 512 characters (kept for the
  dead-letter fields) are refused with a ValidationError naming the message; error texts
  added later are shortened to fit.
- Messages expire after 7 days by default: sent with time_to_live=-1 (never), as on Service Bus.
- `scheduled_at` → `visibility_timeout` on send (whole seconds, at most 7 days ahead).
- No duplicate detection: the table `<prefix>busdedupe` (PartitionKey = mapped queue, RowKey
  = encoded message id, SentAt) claims each id with create_entity before the send; an
  existing row younger than the window drops the message, an older one is taken over (ETag
  checked), a failed send releases the claim. `prune_duplicate_history` deletes old rows.
- No delivery limit: `dequeue_count` is the delivery count. A message received more than
  `max_delivery_count` times (locks ran out) is dead-lettered on receive; `abandon` of its
  last delivery dead-letters it with the error. Reason: MaxDeliveryCountExceeded.
- No dead-letter queue: the record is sent to `<queue>-deadletter` first, then the original is
  deleted; if that delete fails the record is withdrawn, so a message is never in both.
- A stale pop receipt (visibility ran out, another receive took the message) answers 400
  PopReceiptMismatch, a settled one 404 MessageNotFound: both → ConflictError.
- Azurite 3.35 rejects the SDK's newest API version: start it with --skipApiVersionCheck (the
  hub's launcher does) or pass api_version="2025-11-05".
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import TableClient, UpdateMode
from azure.storage.queue import (
    QueueClient,
    QueueMessage,
    StorageErrorCode,
    TextBase64DecodePolicy,
    TextBase64EncodePolicy,
)

from shared.adapters.bus_service_bus import (
    MAX_DELIVERY_COUNT_EXCEEDED,
    MAX_DESCRIPTION_CHARS,
    MAX_REASON_CHARS,
    check_message_ids,
    check_receive_args,
    too_many_deliveries,
)
from shared.adapters.table_store import encode_key
from shared.errors import ConflictError, TransientError, ValidationError
from shared.ports import OutgoingMessage, ReceivedMessage

Clock = Callable[[], datetime]
DEAD_LETTER_SUFFIX = "-deadletter"
MAX_MESSAGE_CHARS = 64 * 1024  # of base64 text
MAX_SEND_CHARS = MAX_MESSAGE_CHARS - 512  # room for the dead-letter fields
MAX_DELAY = timedelta(days=7)
_NAME_LIMIT = 63 - len(DEAD_LETTER_SUFFIX)


def utc_now() -> datetime:
    return datetime.now(UTC)


def storage_queue_name(name: str) -> str:
    """The Storage queue for a Service Bus queue name.

    Lower-cased (Service Bus names are case-insensitive); a name that is then already 3-52
    characters of `[a-z0-9-]` with no leading, trailing or doubled `-` is kept. Otherwise
    every run of other characters becomes `-`, the result is cut to 43 characters and
    `-` + the first 8 hex digits of SHA-256(lower-cased name) are appended, so distinct
    names stay distinct. 52 = 63 less the `-deadletter` suffix.
    """
    lowered = name.lower()
    cleaned = re.sub(r"[^a-z0-9]+", "-", lowered).strip("-")
    if cleaned == lowered and 3 <= len(cleaned) <= _NAME_LIMIT:
        return cleaned
    digest = hashlib.sha256(lowered.encode("utf-8")).hexdigest()[:8]
    stem = cleaned[: _NAME_LIMIT - 9].rstrip("-") or "q"
    return f"{stem}-{digest}"


class StorageQueueBus:
    """`Bus` on Storage queues: peek-lock by visibility timeout, plus a dedupe table."""

    def __init__(
        self,
        connection_string: str | None = None,
        *,
        account_url: str | None = None,
        credential: Any = None,
        max_delivery_count: int = 10,
        dedupe_table: TableClient | None = None,
        table_prefix: str = "hub",
        duplicate_window: timedelta = timedelta(minutes=10),
        clock: Clock = utc_now,
        api_version: str | None = None,
    ) -> None:
        """Reach the account by connection string, or by `account_url` + `credential`.

        The dedupe table is `<table_prefix>busdedupe` in the same account unless
        `dedupe_table` is given (required with an `account_url` not of the
        `https://<account>.queue.<suffix>` form). Raises ValueError on a missing endpoint.
        """
        if not connection_string and not account_url:
            raise ValueError("give a storage connection string or an account_url")
        self._connection_string = connection_string
        self._account_url = account_url
        self._credential = credential
        self._api_version = api_version
        self._max_delivery_count = max_delivery_count
        self._window = duplicate_window
        self._clock = clock
        self._table = dedupe_table or self._default_table(f"{table_prefix}busdedupe")
        self._table_ready = dedupe_table is not None
        self._clients: dict[str, QueueClient] = {}

    def send(self, queue: str, messages: Sequence[OutgoingMessage]) -> int:
        """Send each message not sent within the duplicate window; returns how many went.

        Raises ValidationError (bad id, too large, scheduled too far) before sending any.
        """
        prepared = [(m, *self._prepare(m)) for m in messages]
        name = storage_queue_name(queue)
        client = self._client(name)
        accepted = 0
        for message, text, delay in prepared:
            if not self._claim(name, message.message_id):
                continue
            try:
                client.send_message(text, visibility_timeout=delay, time_to_live=-1)
            except Exception:
                # Free the id so a retry is not dropped; should the message have gone after
                # all, the retry delivers it twice (at least once, as on Service Bus).
                self._release(name, message.message_id)
                raise
            accepted += 1
        return accepted

    def receive(
        self, queue: str, *, max_messages: int = 32, lock_seconds: int = 60
    ) -> list[ReceivedMessage]:
        """Lock up to `max_messages` for `lock_seconds`; over-delivered ones are dead-lettered."""
        check_receive_args(max_messages, lock_seconds)
        client = self._client(storage_queue_name(queue))
        received = []
        for item in client.receive_messages(
            messages_per_page=min(32, max_messages),
            visibility_timeout=lock_seconds,
            max_messages=max_messages,
        ):
            message = _received(queue, item)
            if (item.dequeue_count or 1) > self._max_delivery_count:
                self._dead_letter_over_delivered(message)
            else:
                received.append(message)
        return received

    def complete(self, message: ReceivedMessage) -> None:
        """Delete the message. Raises ConflictError when its lock was lost."""
        item = _receipt(message)
        with _lock_held(message):
            self._client(storage_queue_name(message.queue)).delete_message(
                item.id, item.pop_receipt
            )

    def abandon(self, message: ReceivedMessage, *, error: str) -> None:
        """Visible again now, remembering `error`; dead-lettered on the last allowed delivery.

        Raises ConflictError when the lock was lost.
        """
        if message.delivery_count >= self._max_delivery_count:
            self._move_to_dead_letter(message, MAX_DELIVERY_COUNT_EXCEEDED, error)
            return
        item = _receipt(message)
        envelope = {**_read(item), "lastError": error[:MAX_DESCRIPTION_CHARS]}
        with _lock_held(message):
            self._client(storage_queue_name(message.queue)).update_message(
                item.id, pop_receipt=item.pop_receipt, content=_fit(envelope), visibility_timeout=0
            )

    def dead_letter(self, message: ReceivedMessage, *, reason: str, description: str) -> None:
        """Move to `<queue>-deadletter`. Raises ConflictError when the lock was lost."""
        self._move_to_dead_letter(message, reason, description)

    def peek_dead_letters(self, queue: str, *, max_messages: int = 32) -> list[ReceivedMessage]:
        """The oldest dead-lettered messages (at most 32, the Storage peek limit), left in place."""
        check_receive_args(max_messages)
        client = self._client(storage_queue_name(queue) + DEAD_LETTER_SUFFIX)
        return [_dead_lettered(queue, item) for item in client.peek_messages(min(32, max_messages))]

    def prune_duplicate_history(self) -> int:
        """Delete dedupe rows older than the window (they no longer drop anything)."""
        self._ensure_table()
        cutoff = self._clock() - self._window
        pruned = 0
        for row in self._table.query_entities("SentAt lt @cutoff", parameters={"cutoff": cutoff}):
            try:
                self._table.delete_entity(
                    row, etag=row.metadata["etag"], match_condition=MatchConditions.IfNotModified
                )
            except ResourceModifiedError:
                continue  # claimed again meanwhile: it is young now
            pruned += 1
        return pruned

    def close(self) -> None:
        """Close the queue clients and the dedupe table client."""
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        self._table.close()

    def _prepare(self, message: OutgoingMessage) -> tuple[str, int | None]:
        check_message_ids(message)
        text = _dump(_envelope(message))
        size = _encoded_size(text)
        if size > MAX_SEND_CHARS:
            raise ValidationError(
                f"message {message.message_id} is {size} characters once base64-encoded; a "
                f"Storage queue message holds at most {MAX_SEND_CHARS} here",
                record=message.message_id,
                field="body",
            )
        return text, self._delay(message)

    def _delay(self, message: OutgoingMessage) -> int | None:
        if message.scheduled_at is None:
            return None
        when = message.scheduled_at
        delay = (when if when.tzinfo else when.replace(tzinfo=UTC)) - self._clock()
        if delay > MAX_DELAY:
            raise ValidationError(
                f"message {message.message_id} is scheduled {delay} ahead; Storage queues "
                "delay at most 7 days",
                record=message.message_id,
                field="scheduled_at",
            )
        return max(0, math.ceil(delay.total_seconds())) or None

    def _claim(self, queue: str, message_id: str) -> bool:
        """True when the id was not sent to `queue` within the window (and is now claimed)."""
        self._ensure_table()
        now = self._clock()
        key = encode_key(message_id)
        row = {"PartitionKey": queue, "RowKey": key, "SentAt": now}
        for _ in range(3):  # a claim released or taken over between two calls: look again
            try:
                self._table.create_entity(row)
                return True
            except ResourceExistsError:
                pass  # no error code from Azurite: the class is the signal
            try:
                seen = self._table.get_entity(queue, key)
                if now - seen["SentAt"] < self._window:
                    return False
                self._table.update_entity(
                    row,
                    mode=UpdateMode.REPLACE,
                    etag=seen.metadata["etag"],
                    match_condition=MatchConditions.IfNotModified,
                )
                return True
            except (ResourceNotFoundError, ResourceModifiedError):
                continue
        raise TransientError(f"duplicate check of message {message_id} kept changing; send again")

    def _release(self, queue: str, message_id: str) -> None:
        # The send error is the one to report; a row left behind only delays a resend.
        with suppress(HttpResponseError):
            self._table.delete_entity(queue, encode_key(message_id))

    def _dead_letter_over_delivered(self, message: ReceivedMessage) -> None:
        message.delivery_count -= 1  # this receive is not a delivery to a handler
        last_error = _read(_receipt(message)).get("lastError")
        description = str(last_error or too_many_deliveries(message.delivery_count))
        with suppress(ConflictError):  # another receiver holds it now and will see it again
            self._move_to_dead_letter(message, MAX_DELIVERY_COUNT_EXCEEDED, description)

    def _move_to_dead_letter(self, message: ReceivedMessage, reason: str, description: str) -> None:
        item = _receipt(message)
        record = {
            **_read(item),
            "deadLetterReason": reason[:MAX_REASON_CHARS],
            "deadLetterDescription": description[:MAX_DESCRIPTION_CHARS],
            "deliveryCount": message.delivery_count,
        }
        name = storage_queue_name(message.queue)
        dead_letters = self._client(name + DEAD_LETTER_SUFFIX)
        copy = dead_letters.send_message(_fit(record), time_to_live=-1)
        try:
            with _lock_held(message):
                self._client(name).delete_message(item.id, item.pop_receipt)
        except ConflictError:
            dead_letters.delete_message(copy.id, copy.pop_receipt)
            raise

    def _client(self, name: str) -> QueueClient:
        client = self._clients.get(name)
        if client is None:
            client = self._new_client(name)
            with suppress(ResourceExistsError):
                client.create_queue()
            self._clients[name] = client
        return client

    def _new_client(self, name: str) -> QueueClient:
        options: dict[str, Any] = {
            "message_encode_policy": TextBase64EncodePolicy(),
            "message_decode_policy": TextBase64DecodePolicy(),
        }
        if self._api_version:
            options["api_version"] = self._api_version
        if self._connection_string:
            return QueueClient.from_connection_string(self._connection_string, name, **options)
        assert self._account_url is not None
        return QueueClient(self._account_url, name, credential=self._credential, **options)

    def _default_table(self, table_name: str) -> TableClient:
        if self._connection_string:
            return TableClient.from_connection_string(self._connection_string, table_name)
        assert self._account_url is not None
        if ".queue." not in self._account_url:
            raise ValueError(
                f"cannot derive the table endpoint from {self._account_url}: pass dedupe_table"
            )
        endpoint = self._account_url.replace(".queue.", ".table.", 1)
        return TableClient(endpoint, table_name, credential=self._credential)

    def _ensure_table(self) -> None:
        if not self._table_ready:
            with suppress(ResourceExistsError):
                self._table.create_table()
            self._table_ready = True


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
    return 4 * math.ceil(len(text.encode("utf-8")) / 3)


def _fit(envelope: dict[str, Any]) -> str:
    """The envelope as text, its error texts halved until it fits one queue message."""
    text = _dump(envelope)
    for key in ("lastError", "deadLetterDescription"):
        while _encoded_size(text) > MAX_MESSAGE_CHARS and envelope.get(key):
            envelope[key] = envelope[key][: len(envelope[key]) // 2]
            text = _dump(envelope)
    return text


def _read(item: QueueMessage) -> dict[str, Any]:
    """The envelope in a queue message; foreign text becomes the body under the queue's id."""
    content = item.content if isinstance(item.content, str) else ""
    try:
        envelope = json.loads(content)
    except ValueError:
        envelope = None
    if isinstance(envelope, dict) and isinstance(envelope.get("body"), str) and envelope.get("id"):
        return envelope
    return {"id": item.id, "sessionId": None, "properties": {}, "body": content}


def _received(queue: str, item: QueueMessage) -> ReceivedMessage:
    envelope = _read(item)
    return ReceivedMessage(
        queue=queue,
        body=envelope["body"],
        message_id=str(envelope["id"]),
        delivery_count=item.dequeue_count or 1,
        session_id=envelope.get("sessionId"),
        properties={str(k): str(v) for k, v in (envelope.get("properties") or {}).items()},
        receipt=item,
    )


def _dead_lettered(queue: str, item: QueueMessage) -> ReceivedMessage:
    envelope = _read(item)
    message = _received(queue, item)
    message.receipt = None
    message.delivery_count = int(envelope.get("deliveryCount") or 0)
    message.dead_letter_reason = envelope.get("deadLetterReason")
    message.dead_letter_description = envelope.get("deadLetterDescription")
    return message


def _receipt(message: ReceivedMessage) -> QueueMessage:
    if not isinstance(message.receipt, QueueMessage):
        raise ValueError(
            f"message {message.message_id} was not received from this storage-queue bus "
            "(peeked messages cannot be settled)"
        )
    return message.receipt


@contextmanager
def _lock_held(message: ReceivedMessage) -> Iterator[None]:
    """Map a stale (400 PopReceiptMismatch) or settled (404) receipt to ConflictError."""
    try:
        yield
    except HttpResponseError as error:
        code = getattr(error, "error_code", None)  # set by the storage SDK, not azure-core
        lost = (
            isinstance(error, ResourceNotFoundError)
            or code == StorageErrorCode.POP_RECEIPT_MISMATCH
        )
        if not lost:
            raise
        raise ConflictError(
            f"lock on message {message.message_id} in queue {message.queue} is lost (its "
            "visibility timeout ran out and it was received again) or it is already settled; "
            "it will be delivered again, do not settle it twice"
        ) from error
