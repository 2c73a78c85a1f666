"""In-memory entity sets with row versions, as the BC and Dataverse simulators store them.

What it reproduces:

- every write (create, update, upsert) gives the row a new version from one monotonic
  counter, like SQL rowversion; the service renders it as its own `@odata.etag` text,
- optimistic concurrency is checked atomically with the write: `if_match` None or `*`
  is unconditional, anything else must equal the current ETag,
- the modified-on field (BC `lastModifiedDateTime`, Dataverse `modifiedon`) and the
  created-on field are stamped by the store, never taken from the client,
- keys compare case-insensitively (GUIDs arrive in either case),
- a missing business number is drawn from a number series (BC's No. Series: the
  highest existing number with the prefix, plus the increment),
- a created row has every field: what the client left out takes the set's default
  (BC answers blanks such as "" and 0, Dataverse answers null).

Rows are replaced, never mutated in place, so `snapshot()` can hand out references that
stay consistent while other threads write. Everything handed to callers is a copy.
"""

from __future__ import annotations

import copy
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

Record = dict[str, Any]


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


@dataclass(frozen=True)
class NumberSeries:
    """Numbers like C00010, C00020: prefix + zero-padded counter stepping by `increment`."""

    field: str
    prefix: str
    width: int = 5
    increment: int = 10


@dataclass(frozen=True)
class EntitySetSpec:
    """One entity set: its name, key, known properties and what the store stamps."""

    name: str
    entity_type: str
    key: str = "id"
    fields: tuple[str, ...] = ()
    modified_field: str | None = None
    created_field: str | None = None
    number_series: NumberSeries | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def known(self, name: str) -> bool:
        return name == self.key or name in self.fields

    def with_blanks_like(self, sample: Mapping[str, Any], **overrides: Any) -> EntitySetSpec:
        """This spec with defaults shaped like `sample`: "" for text, 0, False, the empty
        GUID for ids, None otherwise (key and stamped fields excluded)."""
        stamped = {self.key, self.modified_field, self.created_field}
        defaults = {name: _blank(value) for name, value in sample.items() if name not in stamped}
        return replace(self, defaults={**defaults, **overrides})


@dataclass
class _Row:
    data: Record
    etag: str


@dataclass
class _Set:
    spec: EntitySetSpec
    rows: dict[str, _Row] = field(default_factory=dict)


def utc_now() -> str:
    """Now as BC and Dataverse write it: ISO-8601, UTC, `Z`."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class EntityStore:
    """Entity sets of one simulator, safe to use from the server's threads."""

    def __init__(self, etag_format: Callable[[int], str], clock: Callable[[], str] = utc_now):
        self._etag_format = etag_format
        self._clock = clock
        self._lock = threading.RLock()
        self._sets: dict[str, _Set] = {}
        self._version = 0

    def register(self, spec: EntitySetSpec, rows: Iterable[Mapping[str, Any]] = ()) -> None:
        """Add an entity set with seed rows (kept as given: their timestamps are history)."""
        if not spec.fields:
            raise ValueError(f"entity set {spec.name} needs its list of fields")
        with self._lock:
            entity_set = _Set(spec)
            self._sets[spec.name] = entity_set
            for row in rows:
                data = copy.deepcopy(dict(row))
                entity_set.rows[_norm(data[spec.key])] = _Row(data, self._next_etag())

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._sets)

    def spec(self, name: str) -> EntitySetSpec:
        """Raises UnknownEntitySet."""
        with self._lock:
            return self._set(name).spec

    def snapshot(self, name: str) -> list[tuple[Record, str]]:
        """All rows with their ETags, as shared references: read, never modify."""
        with self._lock:
            return [(row.data, row.etag) for row in self._set(name).rows.values()]

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
            del self._set(name).rows[_norm(key)]

    def upsert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        """Create, or merge into the row with the same key (the sandbox's admin write)."""
        with self._lock:
            key = record.get(self._set(name).spec.key)
            if key is not None and _norm(str(key)) in self._set(name).rows:
                return self.update(name, str(key), record)
            return self.insert(name, record)

    # --- internals --------------------------------------------------------------------
    def _set(self, name: str) -> _Set:
        try:
            return self._sets[name]
        except KeyError:
            raise UnknownEntitySet(name) from None

    def _row(self, name: str, key: str) -> _Row:
        try:
            return self._set(name).rows[_norm(key)]
        except KeyError:
            raise RecordNotFound(key) from None

    def _next_etag(self) -> str:
        self._version += 1
        return self._etag_format(self._version)

    def _store(self, entity_set: _Set, data: Record) -> tuple[Record, str]:
        row = _Row(data, self._next_etag())
        entity_set.rows[_norm(data[entity_set.spec.key])] = row
        return copy.deepcopy(data), row.etag

    def _assign_number(self, entity_set: _Set, data: Record) -> None:
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


_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def _blank(value: Any) -> Any:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return 0
    if isinstance(value, str):
        return "00000000-0000-0000-0000-000000000000" if _GUID.match(value) else ""
    return None


def _norm(key: str) -> str:
    return str(key).lower()


def _check_etag(row: _Row, if_match: str | None) -> None:
    if if_match is None or if_match.strip() == "*":
        return
    if if_match.strip() != row.etag:
        raise EtagMismatch(row.etag)
