"""`FakeDataverse`: the Dataverse port on dicts, with the rules the sync engine relies on.

Rows live per entity set, keyed by id. A PATCH to `set(<id>)` creates or updates (an
upsert); `@odata.bind` values must name an existing row (else DependencyNotSynced, as
Dataverse's 0x80040217) and are read back as `_<lookup>_value`; alternate keys are
unique (ConflictError, as 0x80060892). `execute` runs change sets all or nothing and,
with `continue_on_error`, goes on after a failure. `$filter` understands what the hub
sends: `col eq 'text'` / `col eq <guid>`, `and`, `or` and parentheses. `fail_next`
makes the next writes fail with a given error; `requests` counts calls.
"""

from __future__ import annotations

import copy
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from shared.errors import ConflictError, DependencyNotSynced, HubError, NotFound, RejectedError
from shared.ports.dataverse import (
    Change,
    ChangeSet,
    Operation,
    OperationResult,
    RowKey,
    Upserted,
)

_KEY = re.compile(r"^(?P<set>[A-Za-z_]+)\((?P<key>.*)\)$")


class FakeDataverse:
    def __init__(
        self,
        keys: Mapping[str, tuple[str, ...]] | None = None,
        id_columns: Mapping[str, str] | None = None,
        clock: Callable[[], str] | None = None,
    ) -> None:
        self.tables: dict[str, dict[str, dict[str, Any]]] = {}
        self.keys = dict(keys or {})  # entity set → alternate key columns
        self.id_columns = dict(id_columns or {})  # entity set → primary key column
        self.requests = 0
        self.writes: list[tuple[str, str, dict[str, Any]]] = []  # (set, id, values)
        self._failures: list[tuple[Callable[[str, str], bool], HubError]] = []
        self._lock = threading.Lock()
        self._version = 0
        self._clock = clock  # stamps `modifiedon` on each write, as Dataverse does
        self._versions: dict[tuple[str, str], int] = {}  # (set, id) → version of its last change

    # --- test helpers ---------------------------------------------------------------------
    def add(self, entity_set: str, row: Mapping[str, Any]) -> str:
        row_id = str(row.get(self.id_column(entity_set)) or uuid.uuid4())
        stamp = {"modifiedon": self._clock()} if self._clock is not None else {}
        self.tables.setdefault(entity_set, {})[row_id] = {
            **stamp,
            **row,
            self.id_column(entity_set): row_id,
        }
        self._touch(entity_set, row_id)
        return row_id

    def fail_next(
        self, error: HubError, *, when: Callable[[str, str], bool] = lambda s, k: True
    ) -> None:
        """Fail the next write that `when(entity set, key)` matches with `error`."""
        self._failures.append((when, error))

    def id_column(self, entity_set: str) -> str:
        return self.id_columns.get(entity_set) or _singular(entity_set) + "id"

    def all(self, entity_set: str) -> list[dict[str, Any]]:
        return list(self.tables.get(entity_set, {}).values())

    # --- the port -------------------------------------------------------------------------
    def get(
        self,
        entity_set: str,
        key: RowKey,
        *,
        select: Sequence[str] = (),
        expand: str | None = None,
        annotations: bool = False,
    ) -> dict[str, Any]:
        self.requests += 1
        found = self._find(entity_set, key)
        if found is None:
            raise NotFound(f"{entity_set} {key} does not exist", status=404, detail="0x80040217")
        return copy.deepcopy(found)

    def rows(
        self,
        entity_set: str,
        *,
        filter: str | None = None,
        select: Sequence[str] = (),
        expand: str | None = None,
        order_by: str | None = None,
        annotations: bool = False,
    ) -> Iterator[dict[str, Any]]:
        self.requests += 1
        yield from (copy.deepcopy(r) for r in self._matching(entity_set, filter))

    def create(self, entity_set: str, values: Mapping[str, Any]) -> str:
        self.requests += 1
        with self._lock:
            row_id = str(values.get(self.id_column(entity_set)) or uuid.uuid4())
            self._write(entity_set, row_id, values, create_only=True)
            return row_id

    def upsert(
        self,
        entity_set: str,
        key: RowKey,
        values: Mapping[str, Any],
        *,
        mode: Literal["upsert", "create", "update"] = "upsert",
    ) -> Upserted:
        self.requests += 1
        with self._lock:
            existing = self._find(entity_set, key)
            if existing is None and mode == "update":
                raise NotFound(f"{entity_set} {key} does not exist", status=404)
            if existing is not None and mode == "create":
                raise ConflictError(f"{entity_set} {key} exists", status=412, detail="0x80040237")
            row_id = (
                existing[self.id_column(entity_set)]
                if existing
                else str(key if isinstance(key, str) else uuid.uuid4())
            )
            merged = {**(key if isinstance(key, Mapping) else {}), **values}
            self._write(entity_set, row_id, merged)
            return Upserted(
                row_id, existing is None, copy.deepcopy(self.tables[entity_set][row_id])
            )

    def delete(self, entity_set: str, key: RowKey, *, etag: str = "*") -> None:
        self.requests += 1
        found = self._find(entity_set, key)
        if found is None:
            raise NotFound(f"{entity_set} {key} does not exist", status=404)
        row_id = found[self.id_column(entity_set)]
        del self.tables[entity_set][row_id]
        self._touch(entity_set, row_id)

    def execute(
        self, items: Sequence[Operation | ChangeSet], *, continue_on_error: bool = False
    ) -> list[OperationResult]:
        self.requests += 1 + (len(items) - 1) // 1000  # a $batch holds 1,000 requests
        results: list[OperationResult] = []
        with self._lock:
            for item in items:
                operations = item.operations if isinstance(item, ChangeSet) else [item]
                saved = copy.deepcopy(self.tables)
                answers = [self._run(op) for op in operations]
                failed = next((a for a in answers if a.error is not None), None)
                if failed is not None and isinstance(item, ChangeSet):
                    self.tables = saved  # all or nothing
                    answers = [a if a.error else OperationResult(424, {}, None, failed.error)
                               for a in answers]  # fmt: skip
                results += answers
                if failed is not None and not continue_on_error:
                    break
        return results

    def changes(
        self, entity_set: str, *, select: Sequence[str], delta_link: str | None = None
    ) -> FakeChangeFeed:
        """Rows written (and ids deleted) since the token in `delta_link`."""
        self.requests += 1
        since = int(delta_link.rsplit("=", 1)[1]) if delta_link else 0
        with self._lock:
            changed: list[Change] = []
            for (table, row_id), version in sorted(self._versions.items(), key=lambda i: i[1]):
                if table != entity_set or version <= since:
                    continue
                row = self.tables.get(table, {}).get(row_id)
                if row is None:
                    changed.append(Change("deleted", row_id))
                else:
                    picked = {c: row.get(c) for c in select} if select else row
                    changed.append(Change("updated", row_id, {**copy.deepcopy(picked),
                                                              self.id_column(table): row_id}))  # fmt: skip
            return FakeChangeFeed(changed, f"{entity_set}?$deltatoken={self._version}")

    # --- plumbing -------------------------------------------------------------------------
    def _run(self, operation: Operation) -> OperationResult:
        try:
            if operation.method == "GET":
                split = urlsplit(operation.path)
                query = parse_qs(split.query)
                rows = self._matching(split.path, (query.get("$filter") or [None])[0])
                return OperationResult(200, {}, {"value": copy.deepcopy(rows)})
            matched = _KEY.match(operation.path)
            entity_set = matched.group("set") if matched else operation.path
            row_id = (matched.group("key") if matched else "") or str(uuid.uuid4())
            if operation.method == "DELETE":
                if self.tables.get(entity_set, {}).pop(row_id, None) is not None:
                    self._touch(entity_set, row_id)
                return OperationResult(204, {})
            created = row_id not in self.tables.get(entity_set, {})
            self._write(entity_set, row_id, operation.body or {})
            headers = {"OData-EntityId": f"{entity_set}({row_id})"}
            if "return=representation" in operation.headers.get("Prefer", ""):
                row = copy.deepcopy(self.tables[entity_set][row_id])
                return OperationResult(201 if created else 200, headers, row)
            return OperationResult(204, headers)
        except HubError as error:
            return OperationResult(error.status or 400, {}, None, error)

    def _write(
        self, entity_set: str, row_id: str, values: Mapping[str, Any], *, create_only: bool = False
    ) -> None:
        for index, (when, error) in enumerate(self._failures):
            if when(entity_set, row_id):
                del self._failures[index]
                raise error
        table = self.tables.setdefault(entity_set, {})
        if create_only and row_id in table:
            raise ConflictError(f"{entity_set}({row_id}) exists", status=412, detail="0x80040237")
        row = dict(table.get(row_id, {}))
        for name, value in values.items():
            if name.endswith("@odata.bind"):
                lookup = name.removesuffix("@odata.bind").lower()
                # a polymorphic lookup's navigation names its target: parentcustomerid_account
                base, _, kind = lookup.rpartition("_")
                if kind in ("account", "contact") and base in ("parentcustomerid", "customerid"):
                    lookup = base
                row[f"_{lookup}_value"] = self._bound(value) if value else None
            else:
                if isinstance(value, str) and len(value) > 4000:
                    raise RejectedError(f"{name} is too long", status=400, detail="0x80044331")
                row[name] = value
        row[self.id_column(entity_set)] = row_id
        if self._clock is not None:
            row["modifiedon"] = self._clock()
        for column_set in (self.keys.get(entity_set) or (),):
            if not column_set:
                continue
            key = tuple(row.get(c) for c in column_set)
            for other_id, other in table.items():
                if other_id != row_id and tuple(other.get(c) for c in column_set) == key:
                    raise ConflictError(
                        f"{entity_set}: a row with {column_set} = {key} exists",
                        status=412, detail="0x80060892",
                    )  # fmt: skip
        table[row_id] = row
        self._touch(entity_set, row_id)
        self.writes.append((entity_set, row_id, dict(values)))

    def _touch(self, entity_set: str, row_id: str) -> None:
        self._version += 1
        self._versions[(entity_set, row_id)] = self._version

    def _bound(self, value: str) -> str:
        matched = _KEY.match(value.lstrip("/"))
        if matched is None:
            raise RejectedError(f"invalid bind {value}", status=400, detail="0x80090800")
        target = matched.group("set")
        key = matched.group("key")
        found = self._find(target, key if "=" not in key else _alternate(key))
        if found is None:
            raise DependencyNotSynced(
                f"{target} With Id = {key} Does Not Exist", status=404, detail="0x80040217"
            )
        return str(found[self.id_column(target)])

    def _find(self, entity_set: str, key: RowKey) -> dict[str, Any] | None:
        table = self.tables.get(entity_set, {})
        if isinstance(key, Mapping):
            return next((r for r in table.values()
                         if all(str(r.get(c)) == str(v) for c, v in key.items())), None)  # fmt: skip
        return table.get(str(key).strip("()"))

    def _matching(self, entity_set: str, filter: str | None) -> list[dict[str, Any]]:
        rows = list(self.tables.get(entity_set, {}).values())
        if not filter:
            return rows
        test = _parse(filter)
        return [r for r in rows if test(r)]


class FakeChangeFeed:
    def __init__(self, changes: list[Change], delta_link: str) -> None:
        self._changes = changes
        self.delta_link: str | None = None
        self._next_link = delta_link

    def __iter__(self) -> Iterator[Change]:
        yield from self._changes
        self.delta_link = self._next_link


def _singular(entity_set: str) -> str:
    return entity_set[:-3] + "y" if entity_set.endswith("ies") else entity_set.removesuffix("s")


def _alternate(key: str) -> dict[str, str]:
    return {name: value.strip("'").replace("''", "'")
            for name, value in (part.split("=", 1) for part in key.split(","))}  # fmt: skip


def _parse(text: str) -> Callable[[Mapping[str, Any]], bool]:
    """`a eq 'x'`, `_b_value eq <guid>`, and/or, parentheses (what the hub sends)."""
    text = text.strip()
    for word in (" or ", " and "):
        parts = _top_level_split(text, word)
        if len(parts) > 1:
            tests = [_parse(p) for p in parts]
            if word == " or ":
                return lambda row: any(t(row) for t in tests)
            return lambda row: all(t(row) for t in tests)
    if text.startswith("(") and text.endswith(")"):
        return _parse(text[1:-1])
    name, operator, value = text.split(" ", 2)
    if operator != "eq":
        raise ValueError(f"the fake only filters with eq, not {operator}")
    wanted: Any = value.strip()
    if wanted.startswith("'"):
        wanted = wanted[1:-1].replace("''", "'")
    elif wanted in ("true", "false"):
        wanted = wanted == "true"
    elif wanted == "null":
        wanted = None
    elif re.fullmatch(r"-?\d+(\.\d+)?", wanted):
        wanted = float(wanted) if "." in wanted else int(wanted)
    if isinstance(wanted, str):
        return lambda row: str(row.get(name) or "").lower() == wanted.lower()
    return lambda row: row.get(name) == wanted


def _top_level_split(text: str, word: str) -> list[str]:
    parts, depth, start, quoted, i = [], 0, 0, False, 0
    while i < len(text):
        char = text[i]
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif not quoted and depth == 0 and text.startswith(word, i):
            parts.append(text[start:i])
            start = i + len(word)
            i = start
            continue
        i += 1
    parts.append(text[start:])
    return parts
