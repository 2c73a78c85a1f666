"""Staging store on Azure Table Storage (Azurite locally), implementing `StagingStore`.

Quirks handled:
- PartitionKey/RowKey may not contain `/ \\ # ?` or control characters (U+0000–U+001F,
  U+007F–U+009F): keys are percent-encoded (`%2F`), `%` itself too, so encoding is reversible
  and any EcpPro id, BC number or CRM name is a safe key. Keys are capped at 512 characters
  (1 KiB in UTF-16).
- Entity group transactions: one partition, at most 100 operations and 4 MiB; `upsert_many`
  groups and chunks itself (Azurite answers malformed at 101 instead of refusing cleanly).
- Python ints beyond 32 bits must be sent as Edm.Int64, and come back as EntityProperty.
- None values are not stored (Table Storage has no null); lists and dicts are refused with
  a ValidationError naming the field, so nothing half-written reaches a row.
- Stale ETag → 412 → ConflictError; an existing key on insert → ConflictError (the SDK's
  ResourceExistsError carries no error code, so catch by class).
- Query pages hold ≤ 1000 rows and may be empty with a continuation; iterators follow it,
  `page()` hands out an opaque continuation token.
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.data.tables import (
    EdmType,
    EntityProperty,
    TableClient,
    TableServiceClient,
    TableTransactionError,
    UpdateMode,
)

from shared.errors import ConflictError, NotFound, TransientError, ValidationError
from shared.ports.store import Entity, Page

MAX_BATCH = 100
MAX_BATCH_BYTES = 3_500_000  # under the 4 MiB payload limit, leaving room for the envelope
MAX_KEY_LENGTH = 512
_INT32 = range(-(2**31), 2**31)
_TOKEN_KEYS = frozenset({"PartitionKey", "RowKey"})  # what azure-data-tables pages resume from


def encode_key(value: str) -> str:
    """A Table Storage-safe key: forbidden characters and `%` percent-encoded."""
    out = []
    for char in value:
        code = ord(char)
        if char in "/\\#?%" or code < 0x20 or 0x7F <= code <= 0x9F:
            out.append(f"%{code:02X}")
        else:
            out.append(char)
    encoded = "".join(out)
    if not encoded or len(encoded) > MAX_KEY_LENGTH:
        raise ValidationError(
            f"key '{value[:60]}' is empty or longer than {MAX_KEY_LENGTH} characters once encoded",
            field="key",
        )
    return encoded


def decode_key(value: str) -> str:
    """The inverse of `encode_key`."""
    parts = value.split("%")
    return parts[0] + "".join(chr(int(part[:2], 16)) + part[2:] for part in parts[1:])


def to_table_row(entity: Entity) -> dict[str, Any]:
    row: dict[str, Any] = {
        "PartitionKey": encode_key(entity.partition),
        "RowKey": encode_key(entity.row),
    }
    for name, value in entity.data.items():
        if value is None:
            continue
        if isinstance(value, dict | list | tuple | set):
            raise ValidationError(
                f"staging row {entity.partition}/{entity.row}: field {name} is a "
                f"{type(value).__name__}; flatten it or store it as JSON text",
                record=f"{entity.partition}/{entity.row}",
                field=name,
            )
        if isinstance(value, int) and not isinstance(value, bool) and value not in _INT32:
            value = EntityProperty(value, EdmType.INT64)
        row[name] = value
    return row


def from_table_row(row: Mapping[str, Any]) -> Entity:
    data = {
        name: value.value if isinstance(value, EntityProperty) else value
        for name, value in row.items()
        if name not in ("PartitionKey", "RowKey")
    }
    etag = row.metadata.get("etag") if hasattr(row, "metadata") else None
    return Entity(decode_key(row["PartitionKey"]), decode_key(row["RowKey"]), data, etag)


def _filter(partition: str | None, where: Mapping[str, Any] | None) -> tuple[str, dict[str, Any]]:
    clauses, params = [], {}
    if partition is not None:
        clauses.append("PartitionKey eq @pk")
        params["pk"] = encode_key(partition)
    for index, (name, value) in enumerate((where or {}).items()):
        clauses.append(f"{name} eq @p{index}")
        params[f"p{index}"] = value
    return " and ".join(clauses), params


class TableStagingStore:
    """`StagingStore` on azure-data-tables; tables are created on first use."""

    def __init__(self, service: TableServiceClient, *, prefix: str = "hub") -> None:
        self.service = service
        self.prefix = prefix
        self._tables: dict[str, TableClient] = {}

    @classmethod
    def from_connection_string(cls, connection: str, *, prefix: str = "hub") -> TableStagingStore:
        return cls(TableServiceClient.from_connection_string(connection), prefix=prefix)

    @classmethod
    def from_account(
        cls, account_name: str, credential: Any, *, prefix: str = "hub"
    ) -> TableStagingStore:
        endpoint = f"https://{account_name}.table.core.windows.net"
        return cls(TableServiceClient(endpoint, credential=credential), prefix=prefix)

    def table(self, name: str) -> TableClient:
        """The client of table `<prefix><name>`, created if missing (once per process)."""
        if name not in self._tables:
            with _translated(f"table {name}"):
                client = self.service.create_table_if_not_exists(self.prefix + name)
            self._tables[name] = client
        return self._tables[name]

    def get(self, table: str, partition: str, row: str) -> Entity:
        with _translated(f"{table} {partition}/{row}"):
            return from_table_row(
                self.table(table).get_entity(encode_key(partition), encode_key(row))
            )

    def query(
        self, table: str, *, partition: str | None = None, where: Mapping[str, Any] | None = None
    ) -> Iterator[Entity]:
        text, params = _filter(partition, where)
        with _translated(f"{table} query"):
            rows = (
                self.table(table).query_entities(text, parameters=params)
                if text
                else self.table(table).list_entities()
            )
            for row in rows:
                yield from_table_row(row)

    def page(
        self,
        table: str,
        *,
        partition: str,
        size: int,
        continuation: str | None = None,
        where: Mapping[str, Any] | None = None,
    ) -> Page:
        text, params = _filter(partition, where)
        token: Any = (
            _read_continuation(continuation) if continuation else None
        )  # the SDK types it str
        with _translated(f"{table} page"):
            pages: Any = (
                self.table(table)
                .query_entities(text, parameters=params, results_per_page=min(size, 1000))
                .by_page(continuation_token=token)
            )
            entities = [from_table_row(row) for row in next(pages)]
            next_token = pages.continuation_token
        encoded = (
            base64.urlsafe_b64encode(json.dumps(next_token).encode()).decode()
            if next_token
            else None
        )
        return Page(entities, encoded)

    def insert(self, table: str, entity: Entity) -> Entity:
        with _translated(f"{table} {entity.partition}/{entity.row}"):
            result = self.table(table).create_entity(to_table_row(entity))
        return Entity(entity.partition, entity.row, dict(entity.data), result.get("etag"))

    def update(self, table: str, entity: Entity) -> Entity:
        condition = (
            MatchConditions.IfNotModified if entity.etag else MatchConditions.Unconditionally
        )
        with _translated(f"{table} {entity.partition}/{entity.row}"):
            result = self.table(table).update_entity(
                to_table_row(entity),
                mode=UpdateMode.REPLACE,
                etag=entity.etag,
                match_condition=condition,
            )
        return Entity(entity.partition, entity.row, dict(entity.data), result.get("etag"))

    def upsert_many(self, table: str, entities: Iterable[Entity], *, replace: bool = False) -> int:
        """Upsert (merge, or replace) in atomic transactions per partition; returns the count."""
        mode = UpdateMode.REPLACE if replace else UpdateMode.MERGE
        by_partition: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for entity in entities:
            by_partition[entity.partition].append(to_table_row(entity))
        count = 0
        client = self.table(table)
        for rows in by_partition.values():
            for chunk in _chunks(rows):
                with _translated(f"{table} transaction of {len(chunk)}"):
                    client.submit_transaction([("upsert", row, {"mode": mode}) for row in chunk])
                count += len(chunk)
        return count

    def delete(self, table: str, partition: str, row: str, *, etag: str | None = None) -> None:
        condition = MatchConditions.IfNotModified if etag else MatchConditions.Unconditionally
        with _translated(f"{table} {partition}/{row}"):
            self.table(table).delete_entity(
                encode_key(partition), encode_key(row), etag=etag, match_condition=condition
            )


def _read_continuation(continuation: str) -> dict[str, str]:
    """The SDK's continuation token from the text `page` handed out. Raises ValidationError."""
    try:
        token = json.loads(
            base64.b64decode(continuation.encode("ascii"), altchars=b"-_", validate=True)
        )
    except (ValueError, UnicodeError):
        token = None
    if not (isinstance(token, dict) and token and set(token) <= _TOKEN_KEYS
            and all(isinstance(value, str) for value in token.values())):  # fmt: skip
        raise ValidationError(
            "continuation is not a token this service handed out; start again without it",
            field="continuation",
        )
    return token


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Runs of at most 100 rows and about 3.5 MB of JSON each."""
    chunk: list[dict[str, Any]] = []
    size = 0
    for row in rows:
        row_size = len(json.dumps(row, default=str))
        if chunk and (len(chunk) == MAX_BATCH or size + row_size > MAX_BATCH_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(row)
        size += row_size
    if chunk:
        yield chunk


@contextmanager
def _translated(what: str) -> Iterator[None]:
    """Turns Azure SDK errors into the hub's error tree, naming what was touched."""
    try:
        yield
    except ResourceModifiedError as exc:
        raise ConflictError(f"staging {what} changed since it was read (stale ETag)") from exc
    except ResourceExistsError as exc:
        raise ConflictError(f"staging {what} already exists") from exc
    except ResourceNotFoundError as exc:
        raise NotFound(f"staging {what} not found") from exc
    except TableTransactionError as exc:
        raise ValidationError(f"staging {what} refused: {exc.message}") from exc
    except (ServiceRequestError, ServiceResponseError) as exc:
        raise TransientError(f"staging store unreachable for {what}: {exc}") from exc
    except HttpResponseError as exc:
        status = exc.status_code or 0
        cls = TransientError if status >= 500 or status in (408, 429) else ValidationError
        raise cls(f"staging {what} failed: {status} {exc.message}", status=status) from exc
