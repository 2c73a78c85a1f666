"""The engine's decision per record, with no I/O: what the target should hold, and whether
writing it is needed.

`plan_record` maps the source row (fields and transforms, then lookups through the
parents' couplings), hashes the result and compares it with the coupling's last synced
hash: equal means nothing to write. A new record gets a target id the hub chooses
(derived from the entity and source id, so a retry writes the same row) unless a target
record with its natural key already exists, which it is coupled to instead.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.sync.couplings import Coupling
from shared.sync.maps import Direction, EntityMap, Lookup, MappingProblem, Row

ID_NAMESPACE = uuid.UUID("6c1f7d52-3b1e-4a8e-9a55-0c2f5d0b8e31")

# (lookup, the source's value) → the parent's coupling, or None when it is not coupled yet.
Resolve = Callable[[Lookup, str], Coupling | None]


@dataclass(frozen=True)
class Write:
    """Write the mapped record to the target (create, update, or couple a match)."""

    source_id: str
    key: str
    target_id: str
    payload: Mapping[str, Any]  # what is hashed: the mapped fields and lookups
    hash: str
    operation: str  # Create, Update, Couple
    body: Mapping[str, Any] = field(default_factory=dict)  # payload + create-only values


@dataclass(frozen=True)
class WriteBack:
    """The target has it; only the target id still has to reach the source."""

    source_id: str
    key: str
    target_id: str
    hash: str


@dataclass(frozen=True)
class Unchanged:
    source_id: str


@dataclass(frozen=True)
class Filtered:
    """Outside the map's source filter (an Inventory item whose group is not for CRM), or
    referring to a parent that is not synced in this direction (`Lookup.skip_uncoupled`)."""

    source_id: str
    reason: str = ""


@dataclass(frozen=True)
class Wait:
    """A record it refers to is not synced yet: try again on a later run."""

    source_id: str
    key: str
    reason: str


@dataclass(frozen=True)
class Invalid:
    """The record cannot be mapped as it is (a record error, named by field)."""

    source_id: str
    key: str
    field: str
    message: str


Decision = Write | WriteBack | Unchanged | Filtered | Wait | Invalid


def target_id_for(entity: str, source_id: str) -> str:
    """The id the hub gives the target record of a source record (stable across retries)."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{entity}|{source_id.lower()}"))


def payload_hash(payload: Mapping[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def map_payload(entity: EntityMap, row: Row, resolve: Resolve) -> dict[str, Any] | Wait | Filtered:
    """The target values of a source row. Raises MappingProblem."""
    payload = {f.target: f.value(row) for f in entity.fields}
    if entity.direction is Direction.CRM_TO_BC:  # BC has no null fields: blank is ""
        payload = {name: "" if value is None else value for name, value in payload.items()}
    source_id, key = str(row["id"]), str(row.get(entity.source_key) or "")
    for lookup in entity.lookups:
        code = str(row.get(lookup.source) or "").strip()
        if not code and not lookup.blank_is_base:
            if lookup.clear:
                payload[lookup.target] = None
            continue
        parent = resolve(lookup, code)
        if parent is None:
            if lookup.optional:
                continue
            name = lookup.label or lookup.source
            if lookup.by == "crm":
                what = f"the CRM record {code} ({lookup.entity}) is not in BC yet"
            elif code:
                what = f"{lookup.entity} '{code}' is not coupled yet"
            else:
                what = f"{lookup.entity} (blank: the base currency) is not coupled yet"
            if lookup.skip_uncoupled:
                return Filtered(source_id, f"{name}: {what}; synced when it changes after that")
            return Wait(source_id, key, f"{name}: {what} (synced or mapped); retried on the "
                                        "next run")  # fmt: skip
        payload[lookup.target] = lookup.pick(parent)
    return payload


def plan_record(
    entity: EntityMap,
    row: Row,
    coupling: Coupling | None,
    matched: str | None,
    resolve: Resolve,
    context: Any,
) -> Decision:
    """Decide for one source row; `matched` is the id of a target record that already
    has this natural key (only looked for when the row is not coupled)."""
    source_id, key = str(row["id"]), str(row.get(entity.source_key) or "")
    if entity.include is not None and not entity.include(row, context):
        return Filtered(source_id)
    for name, message in entity.required:
        if not str(row.get(name) or "").strip():
            return Invalid(source_id, key, name, f"{entity.label} {key or source_id}: {message}")
    try:
        mapped = map_payload(entity, row, resolve)
    except MappingProblem as problem:
        return Invalid(source_id, key, problem.field,
                       f"{entity.label} {key or source_id}: {problem.message}")  # fmt: skip
    if isinstance(mapped, Wait | Filtered):
        return mapped
    digest = payload_hash(mapped)
    if coupling is not None:
        state = coupling.state(entity.direction)
        target_id = coupling.crm_id if entity.direction is Direction.BC_TO_CRM else coupling.bc_id
        if state.hash == digest and state.result != "Failed":
            if coupling.written_back or not entity.write_back:
                return Unchanged(source_id)
            return WriteBack(source_id, key, target_id, digest)
        return Write(source_id, key, target_id, mapped, digest, "Update", mapped)
    if matched is not None:
        return Write(source_id, key, matched, mapped, digest, "Couple", mapped)
    on_create = entity.on_create(context) if callable(entity.on_create) else entity.on_create
    body = {**on_create, **mapped}  # the mapped values win over create-only defaults
    return Write(source_id, key, target_id_for(entity.coupled_as, source_id), mapped, digest,
                 "Create", body)  # fmt: skip
