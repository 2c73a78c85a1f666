"""Duplicate detection for the Storage-queue bus: a Table Storage history of sent message ids.

Storage queues have no duplicate detection, so `StorageQueueBus` claims each message id here
before sending and drops the message when the id was sent to the same queue within the
window, as Service Bus does.

Quirks handled:
- The table `<prefix>busdedupe` (PartitionKey = mapped queue, RowKey = encoded message id,
  SentAt) claims each id with create_entity before the send; an existing row younger than the
  window drops the message, an older one is taken over (ETag checked), a failed send releases
  the claim. `prune` deletes old rows (`StorageQueueBus.prune_duplicate_history`).
- Azurite answers an existing row with ResourceExistsError but no error code: the exception
  class is the signal.
- A claim released or taken over by another sender between the read and the write is looked
  at again (three tries, then TransientError).
- The table must exist before use: created lazily, once (an existing table is fine). Without
  a connection string the table endpoint is derived from a `https://<account>.queue.<suffix>`
  account URL, or the table client must be given.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import TableClient, UpdateMode

from shared.adapters.table_store import encode_key
from shared.errors import TransientError

Clock = Callable[[], datetime]


def account_table(
    table_name: str,
    *,
    connection_string: str | None,
    account_url: str | None,
    credential: Any,
) -> TableClient:
    """The table `table_name` in the storage account of the queues.

    Raises ValueError when `account_url` is not of the `https://<account>.queue.<suffix>` form.
    """
    if connection_string:
        return TableClient.from_connection_string(connection_string, table_name)
    assert account_url is not None
    if ".queue." not in account_url:
        raise ValueError(f"cannot derive the table endpoint from {account_url}: pass dedupe_table")
    endpoint = account_url.replace(".queue.", ".table.", 1)
    return TableClient(endpoint, table_name, credential=credential)


class DuplicateHistory:
    """Message ids sent per queue within `window`, kept in one table."""

    def __init__(
        self, table: TableClient, *, window: timedelta, clock: Clock, table_exists: bool = False
    ) -> None:
        """`table_exists=True` skips creating the table (a table given by the caller)."""
        self._table = table
        self._window = window
        self._clock = clock
        self._table_ready = table_exists

    def claim(self, queue: str, message_id: str) -> bool:
        """True when the id was not sent to `queue` within the window (and is now claimed).

        Raises TransientError when other senders keep changing the id's row.
        """
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

    def release(self, queue: str, message_id: str) -> None:
        """Forget a claim whose send failed, so a retry is not dropped."""
        # The send error is the one to report; a row left behind only delays a resend.
        with suppress(HttpResponseError):
            self._table.delete_entity(queue, encode_key(message_id))

    def prune(self) -> int:
        """Delete rows older than the window (they no longer drop anything); returns how many."""
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
        """Close the table client."""
        self._table.close()

    def _ensure_table(self) -> None:
        if not self._table_ready:
            with suppress(ResourceExistsError):
                self._table.create_table()
            self._table_ready = True
