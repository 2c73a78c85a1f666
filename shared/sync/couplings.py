"""The coupling table: which BC record is which CRM record, and how each direction went.

One coupling per (entity, BC id, CRM id): the product's "BCS CRM ID" on the BC side and
"BC No." on the CRM side are views of it. Per direction it keeps the hash of the payload
last written, when, the result and the last error; an unchanged hash means nothing to
write (which also stops a two-way entity's echo).

Storage (`couplings` table, partition = entity): the coupling itself under `bc|<BC id>`,
and two pointer rows, `crm|<CRM id>` and `key|<natural key>`, so it reads both ways and
by code. The three rows of one coupling are written in one partition transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from shared.errors import NotFound
from shared.ports.store import Entity, StagingStore
from shared.registry import Table
from shared.sync.maps import Direction

_BC, _CRM, _KEY = "bc|", "crm|", "key|"


@dataclass(frozen=True)
class SyncState:
    """How the last sync in one direction went."""

    hash: str = ""
    at: datetime | None = None
    result: str = ""  # Created, Updated, Coupled, Failed
    error: str = ""


@dataclass(frozen=True)
class Coupling:
    entity: str
    bc_id: str
    crm_id: str
    key: str = ""  # the natural key (a code or number), upper-cased as BC holds it
    to_crm: SyncState = field(default_factory=SyncState)
    to_bc: SyncState = field(default_factory=SyncState)
    written_back: bool = False  # the target's id/number is on the source record
    extra: Mapping[str, str] = field(default_factory=dict)  # BC fields kept for lookups

    def state(self, direction: Direction) -> SyncState:
        return self.to_crm if direction is Direction.BC_TO_CRM else self.to_bc

    def with_state(self, direction: Direction, state: SyncState) -> Coupling:
        if direction is Direction.BC_TO_CRM:
            return replace(self, to_crm=state)
        return replace(self, to_bc=state)


def key_of(value: object) -> str:
    """A natural key as the coupling indexes it (BC codes are upper case)."""
    return str(value or "").strip().upper()


class Couplings:
    """The coupling table over the staging store."""

    def __init__(self, store: StagingStore) -> None:
        self.store = store

    def by_bc(self, entity: str, bc_id: str) -> Coupling | None:
        return self._read(entity, _BC + bc_id.lower())

    def by_crm(self, entity: str, crm_id: str) -> Coupling | None:
        return self._pointer(entity, _CRM + crm_id.lower())

    def by_key(self, entity: str, key: str) -> Coupling | None:
        return self._pointer(entity, _KEY + key_of(key))

    def all(self, entity: str) -> Iterator[Coupling]:
        """Every coupling of an entity (streamed)."""
        for row in self.store.query(Table.COUPLINGS, partition=entity):
            if row.row.startswith(_BC):
                yield _coupling(row)

    def empty(self, entity: str) -> bool:
        """No coupling of this entity yet (one small read)."""
        return not self.store.page(Table.COUPLINGS, partition=entity, size=1).entities

    def index(self, entity: str) -> dict[str, dict[str, Coupling]]:
        """A (small) parent entity's couplings by natural key (the blank key is BC's base
        currency), by CRM id and by BC id, for resolving lookups."""
        by: dict[str, dict[str, Coupling]] = {"key": {}, "crm": {}, "bc": {}}
        for coupling in self.all(entity):
            index_one(by, coupling)
        return by

    def save_many(self, couplings: Iterable[Coupling], *, stale: Sequence[Coupling] = ()) -> int:
        """Write couplings with their pointer rows; `stale` are the versions they replace
        (pointers a changed key or CRM id left behind are removed)."""
        rows: list[Entity] = []
        saved = list(couplings)
        for coupling in saved:
            main = _BC + coupling.bc_id.lower()
            rows.append(Entity(coupling.entity, main, _data(coupling)))
            rows.append(Entity(coupling.entity, _CRM + coupling.crm_id.lower(), {"Main": main}))
            if coupling.key:
                rows.append(Entity(coupling.entity, _KEY + key_of(coupling.key), {"Main": main}))
        self.store.upsert_many(Table.COUPLINGS, rows, replace=True)
        for old in stale:
            new = next((c for c in saved if c.bc_id == old.bc_id), None)
            if new is not None and new.crm_id.lower() != old.crm_id.lower():
                self.store.delete(Table.COUPLINGS, old.entity, _CRM + old.crm_id.lower())
            if new is not None and old.key and key_of(new.key) != key_of(old.key):
                self.store.delete(Table.COUPLINGS, old.entity, _KEY + key_of(old.key))
        return len(saved)

    def remove(self, coupling: Coupling) -> None:
        """Uncouple (the BC record is coupled to nothing afterwards)."""
        for row in (_BC + coupling.bc_id.lower(), _CRM + coupling.crm_id.lower()):
            self.store.delete(Table.COUPLINGS, coupling.entity, row)
        if coupling.key:
            self.store.delete(Table.COUPLINGS, coupling.entity, _KEY + key_of(coupling.key))

    # --- plumbing ---------------------------------------------------------------------
    def _read(self, entity: str, row: str) -> Coupling | None:
        try:
            return _coupling(self.store.get(Table.COUPLINGS, entity, row))
        except NotFound:
            return None

    def _pointer(self, entity: str, row: str) -> Coupling | None:
        try:
            pointer = self.store.get(Table.COUPLINGS, entity, row)
        except NotFound:
            return None
        return self._read(entity, str(pointer.data.get("Main", "")))


def index_one(by: dict[str, dict[str, Coupling]], coupling: Coupling) -> None:
    """Add a coupling to an index made by `Couplings.index`."""
    by["key"][coupling.key] = coupling
    by["crm"][coupling.crm_id.lower()] = coupling
    by["bc"][coupling.bc_id.lower()] = coupling
    for name, value in coupling.extra.items():
        by.setdefault(name, {})[key_of(value)] = coupling


def _data(coupling: Coupling) -> dict[str, Any]:
    data: dict[str, Any] = {
        "BcId": coupling.bc_id.lower(),
        "CrmId": coupling.crm_id.lower(),
        "Key": coupling.key,
        "WrittenBack": coupling.written_back,
        "Extra": json.dumps(dict(coupling.extra), sort_keys=True) if coupling.extra else "",
    }
    for prefix, state in (("ToCrm", coupling.to_crm), ("ToBc", coupling.to_bc)):
        data.update({
            f"{prefix}Hash": state.hash, f"{prefix}Result": state.result,
            f"{prefix}Error": state.error[:2000],
        })  # fmt: skip
        if state.at is not None:
            data[f"{prefix}At"] = state.at
    return data


def _coupling(row: Entity) -> Coupling:
    data = row.data

    def state(prefix: str) -> SyncState:
        at = data.get(f"{prefix}At")
        return SyncState(
            str(data.get(f"{prefix}Hash") or ""),
            at if isinstance(at, datetime) else None,
            str(data.get(f"{prefix}Result") or ""),
            str(data.get(f"{prefix}Error") or ""),
        )

    return Coupling(
        entity=row.partition,
        bc_id=str(data.get("BcId", "")),
        crm_id=str(data.get("CrmId", "")),
        key=str(data.get("Key") or ""),
        to_crm=state("ToCrm"),
        to_bc=state("ToBc"),
        written_back=bool(data.get("WrittenBack")),
        extra=json.loads(str(data["Extra"])) if data.get("Extra") else {},
    )
