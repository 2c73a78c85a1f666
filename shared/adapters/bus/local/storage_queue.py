"""LOCAL ONLY. Message bus on Azure Storage queues (Azurite) with Service Bus semantics.

Implements `shared.ports.bus.Bus`, so flows and the local host run unchanged without a
Service Bus namespace. Service Bus rules (128-character ids, MaxDeliveryCountExceeded) come
from `shared.adapters.bus.rules`, the message envelope from `envelope`, duplicate
detection from `duplicates`.

Quirks handled:
- Names: Service Bus allows upper case, `.`, `_`, `/` and 260 characters; Storage queues
  want 3-63 of `[a-z0-9-]`, alphanumeric at both ends, no `--`. `storage_queue_name` maps
  deterministically (see there); the dead-letter queue is `<mapped>-deadletter`.
- Queues must exist before use: created lazily, once per process and bus (Azurite answers an
  existing queue with 409 where Azure answers 204; both are fine).
- The Functions queue trigger expects base64: messages are base64 text. They are decoded one
  by one (not by the SDK's decode policy, which fails a whole receive for one bad message):
  a message that is not base64 or not UTF-8 goes to the dead-letter queue alone with
  reason `UndecodableMessage`, and the others of its batch are delivered.
- A queue message is only text and holds 64 KiB after base64: the message id, session id,
  properties, last error and dead-letter fields travel in an envelope (see `envelope`).
- Messages expire after 7 days by default: sent with time_to_live=-1 (never), as on Service Bus.
- `scheduled_at` → `visibility_timeout` on send (whole seconds, at most 7 days ahead).
- No duplicate detection: each id is claimed in the table `<prefix>busdedupe` before the
  send and a failed send releases the claim (see `duplicates`).
  `prune_duplicate_history` deletes rows older than the window.
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

import base64
import binascii
import hashlib
import math
import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.data.tables import TableClient
from azure.storage.queue import QueueClient, QueueMessage, StorageErrorCode, TextBase64EncodePolicy

from shared.adapters.bus.local.duplicates import Clock, DuplicateHistory, account_table
from shared.adapters.bus.local.envelope import (
    dead_lettered_message,
    encode_message,
    fit_envelope,
    queue_message_of,
    read_envelope,
    received_message,
)
from shared.adapters.bus.rules import (
    MAX_DELIVERY_COUNT_EXCEEDED,
    MAX_DESCRIPTION_CHARS,
    MAX_REASON_CHARS,
    UNDECODABLE,
    check_message_ids,
    check_receive_args,
    replay_copy,
    too_many_deliveries,
)
from shared.errors import ConflictError, ValidationError
from shared.ports.bus import OutgoingMessage, ReceivedMessage

DEAD_LETTER_SUFFIX = "-deadletter"
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
        self._clock = clock
        table = dedupe_table or account_table(
            f"{table_prefix}busdedupe",
            connection_string=connection_string,
            account_url=account_url,
            credential=credential,
        )
        self._duplicates = DuplicateHistory(
            table, window=duplicate_window, clock=clock, table_exists=dedupe_table is not None
        )
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
            if not self._duplicates.claim(name, message.message_id):
                continue
            try:
                client.send_message(text, visibility_timeout=delay, time_to_live=-1)
            except Exception:
                # Free the id so a retry is not dropped; should the message have gone after
                # all, the retry delivers it twice (at least once, as on Service Bus).
                self._duplicates.release(name, message.message_id)
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
            problem = _decode(item)
            message = received_message(queue, item)
            if problem:
                with suppress(ConflictError):  # another receiver has it: it will see it too
                    self._move_to_dead_letter(message, UNDECODABLE, problem)
            elif (item.dequeue_count or 1) > self._max_delivery_count:
                self._dead_letter_over_delivered(message)
            else:
                received.append(message)
        return received

    def complete(self, message: ReceivedMessage) -> None:
        """Delete the message. Raises ConflictError when its lock was lost."""
        item = queue_message_of(message)
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
        item = queue_message_of(message)
        envelope = {**read_envelope(item), "lastError": error[:MAX_DESCRIPTION_CHARS]}
        with _lock_held(message):
            self._client(storage_queue_name(message.queue)).update_message(
                item.id,
                pop_receipt=item.pop_receipt,
                content=fit_envelope(envelope),
                visibility_timeout=0,
            )

    def dead_letter(self, message: ReceivedMessage, *, reason: str, description: str) -> None:
        """Move to `<queue>-deadletter`. Raises ConflictError when the lock was lost."""
        self._move_to_dead_letter(message, reason, description)

    def peek_dead_letters(self, queue: str, *, max_messages: int = 32) -> list[ReceivedMessage]:
        """The oldest dead-lettered messages (at most 32, the Storage peek limit), left in place."""
        check_receive_args(max_messages)
        client = self._client(storage_queue_name(queue) + DEAD_LETTER_SUFFIX)
        items = client.peek_messages(min(32, max_messages))
        for item in items:
            _decode(item)  # an undecodable record is shown as it was stored
        return [dead_lettered_message(queue, item) for item in items]

    def replay_dead_letters(self, queue: str, *, max_messages: int = 32) -> list[str]:
        """Send dead letters back to `queue` (see `DeadLetters`); each record is deleted once
        its copy is sent, so a failure half-way leaves the rest dead-lettered, none lost."""
        check_receive_args(max_messages)
        dead_letters = self._client(storage_queue_name(queue) + DEAD_LETTER_SUFFIX)
        replayed: list[str] = []
        for item in dead_letters.receive_messages(
            messages_per_page=min(32, max_messages),
            visibility_timeout=60,
            max_messages=max_messages,
        ):
            _decode(item)  # a record that was undecodable is replayed as it was stored
            copy = replay_copy(dead_lettered_message(queue, item), uuid.uuid4().hex[:12])
            self.send(queue, [copy])
            dead_letters.delete_message(item.id, item.pop_receipt)
            replayed.append(copy.message_id)
        return replayed

    def prune_duplicate_history(self) -> int:
        """Delete dedupe rows older than the window (they no longer drop anything)."""
        return self._duplicates.prune()

    def close(self) -> None:
        """Close the queue clients and the dedupe table client."""
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        self._duplicates.close()

    def _prepare(self, message: OutgoingMessage) -> tuple[str, int | None]:
        check_message_ids(message)
        return encode_message(message), self._delay(message)

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

    def _dead_letter_over_delivered(self, message: ReceivedMessage) -> None:
        message.delivery_count -= 1  # this receive is not a delivery to a handler
        last_error = read_envelope(queue_message_of(message)).get("lastError")
        description = str(last_error or too_many_deliveries(message.delivery_count))
        with suppress(ConflictError):  # another receiver holds it now and will see it again
            self._move_to_dead_letter(message, MAX_DELIVERY_COUNT_EXCEEDED, description)

    def _move_to_dead_letter(self, message: ReceivedMessage, reason: str, description: str) -> None:
        item = queue_message_of(message)
        record = {
            **read_envelope(item),
            "deadLetterReason": reason[:MAX_REASON_CHARS],
            "deadLetterDescription": description[:MAX_DESCRIPTION_CHARS],
            "deliveryCount": message.delivery_count,
        }
        name = storage_queue_name(message.queue)
        dead_letters = self._client(name + DEAD_LETTER_SUFFIX)
        copy = dead_letters.send_message(fit_envelope(record), time_to_live=-1)
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
        # Sent as base64 text; read raw and decoded per message (see `_decode`).
        options: dict[str, Any] = {"message_encode_policy": TextBase64EncodePolicy()}
        if self._api_version:
            options["api_version"] = self._api_version
        if self._connection_string:
            return QueueClient.from_connection_string(self._connection_string, name, **options)
        assert self._account_url is not None
        return QueueClient(self._account_url, name, credential=self._credential, **options)


def _decode(item: QueueMessage) -> str:
    """Decode a received message's base64 content in place; why it cannot be ("" when it can)."""
    raw = item.content if isinstance(item.content, str) else ""
    try:
        item.content = base64.b64decode(raw.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeEncodeError):
        return "the queue message is not base64 text (as the Functions queue trigger expects)"
    except UnicodeDecodeError as exc:
        return (
            f"the queue message is not UTF-8 text once decoded ({exc.reason} at byte {exc.start})"
        )
    return ""


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
