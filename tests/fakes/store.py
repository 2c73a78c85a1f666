"""`InMemoryStagingStore`: the StagingStore contract on dicts, for fast flow tests."""

from __future__ import annotations

import base64
import functools
import itertools
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

from shared.errors import ConflictError, NotFound, ValidationError
from shared.ports.store import Entity, Page

_etags = itertools.count(1)
Method = TypeVar("Method", bound=Callable[..., Any])


def _locked(method: Method) -> Method:
    @functools.wraps(method)
    def locked(self: InMemoryStagingStore, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return locked  # type: ignore[return-value]


class InMemoryStagingStore:
    """Tables of rows keyed (partition, row), with ETags that change on every write.

    Safe to share between threads (concurrency tests run two workers on one store): every
    operation holds one lock, as Table Storage applies each request atomically.
    """

    def __init__(self) -> None:
        self.tables: dict[str, dict[tuple[str, str], Entity]] = {}
        self.writes = 0
        self._lock = threading.RLock()

    def rows(self, table: str) -> dict[tuple[str, str], Entity]:
        return self.tables.setdefault(table, {})

    @_locked
    def get(self, table: str, partition: str, row: str) -> Entity:
        try:
            stored = self.rows(table)[(partition, row)]
        except KeyError:
            raise NotFound(f"staging {table} {partition}/{row} not found") from None
        return _copy(stored)

    def query(
        self, table: str, *, partition: str | None = None, where: Mapping[str, Any] | None = None
    ) -> Iterator[Entity]:
        with self._lock:  # a snapshot, as one page of a real query is
            found = [
                _copy(entity)
                for _, entity in sorted(self.rows(table).items())
                if _matches(entity, partition, where)
            ]
        yield from found

    def page(
        self,
        table: str,
        *,
        partition: str,
        size: int,
        continuation: str | None = None,
        where: Mapping[str, Any] | None = None,
    ) -> Page:
        start = _read_continuation(continuation) if continuation else 0
        matching = list(self.query(table, partition=partition, where=where))
        chunk = matching[start : start + size]
        more = start + size < len(matching)
        token = (
            base64.b64encode(json.dumps({"offset": start + size}).encode()).decode()
            if more
            else None
        )
        return Page(chunk, token)

    @_locked
    def insert(self, table: str, entity: Entity) -> Entity:
        if (entity.partition, entity.row) in self.rows(table):
            raise ConflictError(f"staging {table} {entity.partition}/{entity.row} already exists")
        return self._store(table, entity.partition, entity.row, dict(entity.data))

    @_locked
    def update(self, table: str, entity: Entity) -> Entity:
        current = self.get(table, entity.partition, entity.row)
        if entity.etag is not None and entity.etag != current.etag:
            raise ConflictError(f"staging {table} {entity.partition}/{entity.row} changed")
        return self._store(table, entity.partition, entity.row, dict(entity.data))

    @_locked
    def upsert_many(self, table: str, entities: Iterable[Entity], *, replace: bool = False) -> int:
        count = 0
        for entity in entities:
            _check_flat(entity)
            key = (entity.partition, entity.row)
            merged = (
                {} if replace or key not in self.rows(table) else dict(self.rows(table)[key].data)
            )
            merged.update({k: v for k, v in entity.data.items() if v is not None})
            self._store(table, entity.partition, entity.row, merged)
            count += 1
        return count

    @_locked
    def delete(self, table: str, partition: str, row: str, *, etag: str | None = None) -> None:
        current = self.rows(table).get((partition, row))
        if current is None:
            return
        if etag is not None and etag != current.etag:
            raise ConflictError(f"staging {table} {partition}/{row} changed")
        del self.rows(table)[(partition, row)]

    def _store(self, table: str, partition: str, row: str, data: dict[str, Any]) -> Entity:
        self.writes += 1
        data = {k: v for k, v in data.items() if v is not None}
        entity = Entity(partition, row, data, f'W/"{next(_etags)}"')
        self.rows(table)[(partition, row)] = entity
        return _copy(entity)


def _read_continuation(continuation: str) -> int:
    try:
        token = json.loads(base64.b64decode(continuation.encode("ascii"), validate=True))
    except (ValueError, UnicodeError):
        token = None
    start = token.get("offset") if isinstance(token, dict) else None
    if not isinstance(start, int) or start < 0:
        raise ValidationError(
            "continuation is not a token this store handed out", field="continuation"
        )
    return start


def _copy(entity: Entity) -> Entity:
    return Entity(entity.partition, entity.row, dict(entity.data), entity.etag)


def _matches(entity: Entity, partition: str | None, where: Mapping[str, Any] | None) -> bool:
    if partition is not None and entity.partition != partition:
        return False
    return all(entity.data.get(name) == value for name, value in (where or {}).items())


def _check_flat(entity: Entity) -> None:
    for name, value in entity.data.items():
        if isinstance(value, dict | list | tuple | set):
            raise ValidationError(
                f"staging row {entity.partition}/{entity.row}: field {name} is not flat",
                record=f"{entity.partition}/{entity.row}",
                field=name,
            )
