"""In-memory entity sets with row versions, as the BC and Dataverse simulators store them.

What it reproduces:

- every write (create, update, upsert) gives the row a new version from one monotonic
  counter, like SQL rowversion; the service renders it as its own `@odata.etag` text,
- optimistic concurrency is checked atomically with the write: `if_match` None or `*`
  is unconditional, anything else must equal the current ETag,
- the modified-on field (BC `lastModifiedDateTime`, Dataverse `modifiedon`) and the
  created-on field are stamped by the store, never taken from the client,
- keys compare case-insensitively (GUIDs arrive in either case),
- a missing business number is drawn from a number series (highest existing + step),
- a created row has every field: what the client left out takes the set's default
  (BC answers blanks such as "" and 0, Dataverse answers null),
- `atomic()` makes a block of writes one transaction: if it raises, every row written or
  deleted inside is restored, and so are the named counters (`next_number`) it drew, as
  SQL rolls back a No. Series line; nested blocks are savepoints. The block holds the
  store's lock, so other threads never see half of it,
- `find(set, field, value)` answers from an index on that field (see `odata_index`),
- every row keeps the number of the write that produced it and every delete leaves a
  tombstone with its own number, so `changes_since(set, version)` answers what was
  created, updated or deleted after a point (OData delta links); a rollback takes the
  tombstones back with the rows.

Rows are replaced, never mutated in place, so `snapshot()` can hand out references that
stay consistent while other threads write. Everything handed to callers is a copy.
"""

from __future__ import annotations

import copy
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from sandbox.odata.index import FieldIndex
from sandbox.odata.rows import Record as Record
from sandbox.odata.rows import Row, RowSet

# Re-exported: the store is where callers have always found the spec types.
from sandbox.odata.spec import EntitySetSpec as EntitySetSpec
from sandbox.odata.spec import NumberSeries as NumberSeries


class StoreError(Exception):
    """Base of the store's refusals."""


class UnknownEntitySet(StoreError):
    pass


class RecordNotFound(StoreError):
    pass


class DuplicateKey(StoreError):
    pass


class EtagMismatch(StoreError):
    pass


class EntityWrites(Protocol):
    """Where the engine's writes go: the store itself, or a service's rules around it."""

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]: ...

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]: ...

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None: ...


def utc_now() -> str:
    """Now as BC and Dataverse write it: ISO-8601, UTC, `Z`."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class EntityStore:
    """Entity sets of one simulator, safe to use from the server's threads."""

    def __init__(self, etag_format: Callable[[int], str], clock: Callable[[], str] = utc_now):
        self._etag_format = etag_format
        self._clock = clock
        self._lock = threading.RLock()
        self._sets: dict[str, RowSet] = {}
        self._version = 0
        self._counters: dict[str, int] = {}
        self._journal: list[Callable[[], None]] | None = None

    def register(self, spec: EntitySetSpec, rows: Iterable[Mapping[str, Any]] = ()) -> None:
        """Add an entity set with seed rows (kept as given: their timestamps are history)."""
        if not spec.fields:
            raise ValueError(f"entity set {spec.name} needs its list of fields")
        with self._lock:
            entity_set = RowSet(spec)
            self._sets[spec.name] = entity_set
            for row in rows:
                data = copy.deepcopy(dict(row))
                version, etag = self._next_version()
                entity_set.put(_norm(data[spec.key]), Row(data, etag, version))

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._sets)

    def spec(self, name: str) -> EntitySetSpec:
        """Raises UnknownEntitySet."""
        with self._lock:
            return self._set(name).spec

    @property
    def version(self) -> int:
        """The number of the latest write (0 before any): a point to ask changes since."""
        with self._lock:
            return self._version

    def changes_since(self, name: str, version: int) -> tuple[list[tuple[Record, str]], list[str]]:
        """Rows written after `version` (oldest write first, shared references: read, never
        modify) and the ids of rows deleted after it. Raises UnknownEntitySet."""
        with self._lock:
            return self._set(name).changed_since(version)

    def snapshot(self, name: str) -> list[tuple[Record, str]]:
        """All rows with their ETags, as shared references: read, never modify."""
        with self._lock:
            return [(row.data, row.etag) for row in self._set(name).rows.values()]

    def find(self, name: str, field: str, value: Any) -> list[tuple[Record, str]]:
        """Rows (shared references: read, never modify) whose `field` equals `value`."""
        return self.find_all(name, [(field, value)])

    def find_all(self, name: str, conditions: list[tuple[str, Any]]) -> list[tuple[Record, str]]:
        """Rows meeting every `field == value` condition (text case-insensitively), by index."""
        with self._lock:
            entity_set = self._set(name)
            keys: set[str] | None = None
            for field, value in conditions:
                index = entity_set.indexes.get(field)
                if index is None:
                    rows = ((key, row.data) for key, row in entity_set.rows.items())
                    index = entity_set.indexes[field] = FieldIndex(field, rows)
                found = index.keys(value)
                keys = found if keys is None else keys & found
                if not keys:
                    break
            return [(entity_set.rows[key].data, entity_set.rows[key].etag) for key in keys or ()]

    def get(self, name: str, key: str) -> tuple[Record, str]:
        """A copy of one row and its ETag. Raises UnknownEntitySet, RecordNotFound."""
        with self._lock:
            row = self._row(name, key)
            return copy.deepcopy(row.data), row.etag

    def list(self, name: str) -> list[Record]:
        """Copies of every row (in key order)."""
        with self._lock:
            rows = self._set(name).rows
            return [copy.deepcopy(rows[key].data) for key in sorted(rows)]

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        """Create a row; a missing key gets a new GUID. Raises DuplicateKey."""
        with self._lock:
            entity_set = self._set(name)
            spec = entity_set.spec
            key = str(record.get(spec.key) or uuid.uuid4())
            data = copy.deepcopy({spec.key: key, **spec.defaults, **record})
            data[spec.key] = key
            if _norm(data[spec.key]) in entity_set.rows:
                raise DuplicateKey(data[spec.key])
            self._assign_number(entity_set, data)
            now = self._clock()
            if spec.created_field:
                data[spec.created_field] = now
            if spec.modified_field:
                data[spec.modified_field] = now
            return self._store(entity_set, data)

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        """Merge `changes` into a row. Raises RecordNotFound, EtagMismatch."""
        with self._lock:
            entity_set = self._set(name)
            row = self._row(name, key)
            _check_etag(row, if_match)
            data = {**copy.deepcopy(row.data), **copy.deepcopy(dict(changes))}
            data[entity_set.spec.key] = row.data[entity_set.spec.key]
            if entity_set.spec.modified_field:
                data[entity_set.spec.modified_field] = self._clock()
            return self._store(entity_set, data)

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        """Remove a row. Raises RecordNotFound, EtagMismatch."""
        with self._lock:
            row = self._row(name, key)
            _check_etag(row, if_match)
            entity_set = self._set(name)
            self._remember(entity_set, _norm(key))
            entity_set.put(_norm(key), None)
            version, _ = self._next_version()
            entity_set.tombstones[_norm(key)] = (str(row.data[entity_set.spec.key]), version)

    def next_number(self, counter: str, first: int) -> int:
        """The next value of a named counter: `first`, then +1 each call (undone by a rollback)."""
        with self._lock:
            previous = self._counters.get(counter)
            self._counters[counter] = first if previous is None else previous + 1
            if self._journal is not None:
                self._journal.append(lambda: self._restore_counter(counter, previous))
            return self._counters[counter]

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Run a block of writes as one transaction (a savepoint when nested)."""
        with self._lock:
            outermost = self._journal is None
            journal: list[Callable[[], None]] = [] if self._journal is None else self._journal
            self._journal = journal
            mark = len(journal)
            try:
                yield
            except BaseException:
                while len(journal) > mark:
                    journal.pop()()
                raise
            finally:
                if outermost:
                    self._journal = None

    def upsert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        """Create, or merge into the row with the same key (the sandbox's admin write)."""
        with self._lock:
            key = record.get(self._set(name).spec.key)
            if key is not None and _norm(str(key)) in self._set(name).rows:
                return self.update(name, str(key), record)
            return self.insert(name, record)

    # --- internals --------------------------------------------------------------------
    def _set(self, name: str) -> RowSet:
        try:
            return self._sets[name]
        except KeyError:
            raise UnknownEntitySet(name) from None

    def _row(self, name: str, key: str) -> Row:
        try:
            return self._set(name).rows[_norm(key)]
        except KeyError:
            raise RecordNotFound(key) from None

    def _next_version(self) -> tuple[int, str]:
        self._version += 1
        return self._version, self._etag_format(self._version)

    def _store(self, entity_set: RowSet, data: Record) -> tuple[Record, str]:
        version, etag = self._next_version()
        row = Row(data, etag, version)
        key = _norm(data[entity_set.spec.key])
        self._remember(entity_set, key)
        entity_set.put(key, row)
        entity_set.tombstones.pop(key, None)  # a row written again is no longer deleted
        return copy.deepcopy(data), row.etag

    def _remember(self, entity_set: RowSet, key: str) -> None:
        """Journal how to put back the row and tombstone at `key` (rows are replaced,
        never mutated)."""
        if self._journal is None:
            return
        previous = entity_set.rows.get(key)
        tombstone = entity_set.tombstones.get(key)

        def restore() -> None:
            entity_set.put(key, previous)
            if tombstone is None:
                entity_set.tombstones.pop(key, None)
            else:
                entity_set.tombstones[key] = tombstone

        self._journal.append(restore)

    def _restore_counter(self, counter: str, previous: int | None) -> None:
        if previous is None:
            self._counters.pop(counter, None)
        else:
            self._counters[counter] = previous

    def _assign_number(self, entity_set: RowSet, data: Record) -> None:
        series = entity_set.spec.number_series
        if series is None or data.get(series.field):
            return
        pattern = re.compile(re.escape(series.prefix) + r"(\d+)")
        used = [
            int(match.group(1))
            for row in entity_set.rows.values()
            if (match := pattern.fullmatch(str(row.data.get(series.field, ""))))
        ]
        number = max(used, default=0) + series.increment
        data[series.field] = f"{series.prefix}{number:0{series.width}d}"


def _norm(key: str) -> str:
    return str(key).lower()


def _check_etag(row: Row, if_match: str | None) -> None:
    if if_match is None or if_match.strip() == "*":
        return
    if if_match.strip() != row.etag:
        raise EtagMismatch(row.etag)
