"""The entity-sync engine: gather → decide → apply, the same for every entity map.

For one map and direction:
1. **gather** what changed in the source since the watermark (minus an overlap),
   streamed a chunk at a time so memory stays flat however many records there are;
2. **decide** per record (`shared.sync.planner`): unchanged records (same hash as last
   synced) are dropped here, which also drops the echo of the hub's own write-back;
3. **apply** in bulk: the target's writes (Dataverse `$batch` change sets), then the
   target ids back to the source (BC `$batch`);
4. **record** couplings, log rows and, once the whole run got through, the watermark.

A record whose parent is not coupled yet, or whose write failed transiently, waits: it is
logged, and the watermark stays before it so the next run reads it again. A record the
target refused (or that cannot be mapped) is a record error on its log row; the run goes
on. A fatal error (credentials, configuration, a broken contract) stops the run and is
raised, with nothing recorded past the last completed chunk.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from shared.errors import FatalError, HubError, RecordError
from shared.ports.store import StagingStore
from shared.sync.couplings import Coupling, Couplings, SyncState, index_one, key_of
from shared.sync.logs import LogEntry, Operation, SyncLog
from shared.sync.maps import Direction, EntityMap, Lookup, Row
from shared.sync.planner import (
    Decision,
    Filtered,
    Invalid,
    Unchanged,
    Wait,
    Write,
    WriteBack,
    map_payload,
    payload_hash,
    plan_record,
)
from shared.sync.watermarks import Watermarks

T = TypeVar("T")
CHUNK = 500  # records decided and written together: a record and its extra fill one
# Dataverse $batch (1,000 requests), their write-back five BC $batches sent side by side
READ_THREADS = 8  # coupling reads in parallel (point reads in the staging store)


class Source(Protocol):
    """Where a map's records come from."""

    def changed(self, entity: EntityMap, since: datetime | None) -> Iterator[Row]:
        """Records changed after `since` (all with None), each with its `id`."""
        ...

    def modified(self, row: Row) -> datetime | None: ...

    def settle(self, entity: EntityMap, outcomes: Sequence[Outcome]) -> None:
        """Told how each record of a chunk went (a staging table shows it; else nothing)."""
        ...


@dataclass(frozen=True)
class Written:
    """How one record's write went: the error, or the target record as it answered."""

    error: HubError | None = None
    row: Mapping[str, Any] | None = None


class Target(Protocol):
    """Where a map's records go."""

    def match(self, entity: EntityMap, keys: Sequence[str], context: Any) -> dict[str, str]:
        """Natural key (upper case) → id of the target record that already has it."""
        ...

    def write(self, entity: EntityMap, writes: Sequence[Write], context: Any) -> dict[str, Written]:
        """Source id → how its write went."""
        ...

    def current(self, entity: EntityMap, target_ids: Sequence[str]) -> dict[str, Row]:
        """Target id → the record as it is now (for two-way maps: was it changed there?)."""
        ...


class WriteBackSink(Protocol):
    def write_back(
        self, entity: EntityMap, written: Mapping[str, tuple[str, Row | None]]
    ) -> dict[str, HubError | None]:
        """Source id → (target id, target record): the target's id or number onto the
        source record. Answers source id → None when written, else the error."""
        ...


@dataclass(frozen=True)
class Outcome:
    """How one record of a run went, for the source's own bookkeeping (staging rows)."""

    source_id: str
    status: str  # Created, Updated, Coupled, Unchanged, Filtered, Waiting, Error, Conflict
    error: str = ""
    bc_id: str = ""
    bc_key: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class MapResult:
    """What one run of one map did."""

    entity: str
    read: int = 0
    created: int = 0
    updated: int = 0
    coupled: int = 0
    unchanged: int = 0
    filtered: int = 0
    waiting: int = 0
    failed: int = 0
    written_back: int = 0
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.created + self.updated + self.coupled

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity, "read": self.read, "created": self.created,
            "updated": self.updated, "coupled": self.coupled, "unchanged": self.unchanged,
            "filtered": self.filtered, "waiting": self.waiting, "failed": self.failed,
            "writtenBack": self.written_back, "conflicts": self.conflicts,
            "errors": self.errors[:20],
        }  # fmt: skip


@dataclass
class SyncRun:
    """Everything one run of the engine needs (built by the flow from its Deps)."""

    store: StagingStore
    direction: Direction
    source: Source
    target: Target
    write_back: WriteBackSink | None
    context: Any
    clock: Callable[[], datetime]
    correlation_id: str = ""
    overlap: timedelta = timedelta(seconds=60)
    maps: Mapping[str, EntityMap] = field(default_factory=dict)  # for two-way maps' reverse


class SyncEngine:
    def __init__(self, run: SyncRun) -> None:
        self.run = run
        self.couplings = Couplings(run.store)
        self.log = SyncLog(run.store, run.direction)
        self.watermarks = Watermarks(run.store)
        self._parents: dict[str, dict[str, dict[str, Coupling]]] = {}
        self._uncoupled: set[str] = set()

    def sync(self, entity: EntityMap, *, full: bool = False) -> MapResult:
        """Run one map: everything changed since its watermark (everything with `full`)."""
        run, result = self.run, MapResult(entity.name)
        since = None if full else self.watermarks.get(run.direction, entity.name)
        started = run.clock()
        if self.couplings.empty(entity.coupled_as):  # a first sync: no coupling to read
            self._uncoupled.add(entity.coupled_as)
        newest: datetime | None = None
        blocked: datetime | None = None  # the oldest record that must be read again
        read_from = since - run.overlap if since else None
        for chunk in chunks(run.source.changed(entity, read_from), CHUNK):
            result.read += len(chunk)
            waiting = self._chunk(entity, chunk, result)
            for row in chunk:
                modified = run.source.modified(row)
                if modified is None:
                    continue
                newest = modified if newest is None or modified > newest else newest
                if str(row["id"]) in waiting and (blocked is None or modified < blocked):
                    blocked = modified
        self._uncoupled.discard(entity.coupled_as)
        mark = newest
        if blocked is not None:
            mark = blocked - timedelta(microseconds=1)
        if mark is not None and (since is None or mark > since):
            self.watermarks.advance(run.direction, entity.name, mark, started)
        return result

    # --- one chunk ----------------------------------------------------------------------
    def _chunk(self, entity: EntityMap, rows: list[Row], result: MapResult) -> set[str]:
        """Decide and apply one chunk; answers the ids of records that must be read again."""
        run = self.run
        couplings = self._couplings(entity, rows)
        unmatched = [str(r.get(entity.source_key) or "") for r in rows
                     if str(r["id"]).lower() not in couplings] if entity.match else []  # fmt: skip
        matches = run.target.match(entity, [key_of(k) for k in unmatched], run.context)
        decisions: list[Decision] = []
        for row in rows:
            coupling = couplings.get(str(row["id"]).lower())
            matched = None if coupling else matches.get(key_of(row.get(entity.source_key)))
            decisions.append(
                plan_record(entity, row, coupling, matched, self._resolve, run.context)
            )
        conflicts = self._conflicts(entity, rows, decisions, couplings)
        writes = [d for d in decisions if isinstance(d, Write)
                  and conflicts.get(d.source_id, (True, {}))[0]]  # fmt: skip
        written = run.target.write(entity, writes, run.context) if writes else {}
        back: dict[str, tuple[str, Row | None]] = {}
        for decision in decisions:
            outcome = written.get(decision.source_id)
            if isinstance(decision, Write) and outcome is not None and outcome.error is None:
                back[decision.source_id] = (decision.target_id, outcome.row)
            elif isinstance(decision, WriteBack):
                back[decision.source_id] = (decision.target_id, None)
        returned: dict[str, HubError | None] = {}
        if entity.write_back and run.write_back is not None and back:
            returned = run.write_back.write_back(entity, back)
        return self._record(entity, rows, decisions, couplings, written, returned, conflicts,
                            result)  # fmt: skip

    def _conflicts(
        self,
        entity: EntityMap,
        rows: Sequence[Row],
        decisions: Sequence[Decision],
        couplings: Mapping[str, Coupling],
    ) -> dict[str, tuple[bool, dict[str, Any]]]:
        """Two-way maps: a record changed on both sides since they were last in step is a
        conflict; the side changed last wins. Answers source id → (ours wins, the other
        side's values as they map back)."""
        reverse = self._reverse(entity)
        updates = [d for d in decisions if isinstance(d, Write) and d.operation == "Update"]
        if reverse is None or not updates:
            return {}
        current = self.run.target.current(entity, [d.target_id for d in updates])
        by_id = {str(r["id"]).lower(): r for r in rows}
        found: dict[str, tuple[bool, dict[str, Any]]] = {}
        for decision in updates:
            coupling = couplings[decision.source_id.lower()]
            there = current.get(decision.target_id.lower())
            if there is None:
                continue
            theirs = map_payload(reverse, {**there, "id": decision.target_id}, self._resolve)
            if (
                isinstance(theirs, Wait | Filtered)
                or payload_hash(theirs) == coupling.state(reverse.direction).hash
            ):
                continue  # not changed over there since: no conflict
            here = self.run.source.modified(by_id[decision.source_id.lower()]) or _EPOCH
            found[decision.source_id] = (here >= (_modified(there) or _EPOCH), dict(theirs))
        return found

    def _reverse(self, entity: EntityMap) -> EntityMap | None:
        return self.run.maps.get(entity.reverse) if entity.reverse else None

    def _echo_hash(self, entity: EntityMap, target_id: str, row: Row | None) -> str | None:
        """The hash a two-way map's reverse run will compute for the record the hub just
        wrote (`target_id`, as the target answered it): stored so that run sees nothing
        new, and the write is not echoed back."""
        reverse = self._reverse(entity)
        if reverse is None or row is None:
            return None
        mapped = map_payload(reverse, {**row, "id": target_id}, self._resolve)
        return None if isinstance(mapped, Wait | Filtered) else payload_hash(mapped)

    def _record(
        self,
        entity: EntityMap,
        rows: Sequence[Row],
        decisions: Sequence[Decision],
        couplings: Mapping[str, Coupling],
        written: Mapping[str, Written],
        returned: Mapping[str, HubError | None],
        conflicts: Mapping[str, tuple[bool, dict[str, Any]]],
        result: MapResult,
    ) -> set[str]:
        run, now = self.run, self.run.clock()
        bc_to_crm = run.direction is Direction.BC_TO_CRM
        by_id = {str(row["id"]).lower(): row for row in rows}
        saved: list[Coupling] = []
        stale: list[Coupling] = []
        logs: list[LogEntry] = []
        outcomes: list[Outcome] = []
        again: set[str] = set()

        def log(d: Any, operation: str, updated: bool, target: str = "", error: str = "") -> None:
            logs.append(LogEntry(entity.name, d.source_id, getattr(d, "key", ""), operation,
                                 updated, target, error, correlation_id=run.correlation_id,
                                 at=now))  # fmt: skip

        for decision in decisions:
            old = couplings.get(decision.source_id.lower())
            bc_id = (decision.source_id if bc_to_crm else old.bc_id) if old else ""
            if isinstance(decision, Unchanged):
                result.unchanged += 1
                outcomes.append(Outcome(decision.source_id, "Unchanged", bc_id=bc_id,
                                        bc_key=old.key if old else ""))  # fmt: skip
            elif isinstance(decision, Filtered):
                result.filtered += 1
                if decision.reason:
                    log(decision, Operation.SKIP, False, error=decision.reason)
                outcomes.append(Outcome(decision.source_id, "Filtered", decision.reason))
            elif isinstance(decision, Wait):
                result.waiting += 1
                again.add(decision.source_id)
                log(decision, Operation.WAIT, False, error=decision.reason)
                outcomes.append(Outcome(decision.source_id, "Waiting", decision.reason, bc_id))
            elif isinstance(decision, Invalid):
                result.failed += 1
                result.errors.append(decision.message)
                message = f"{decision.field}: {decision.message}"
                log(decision, Operation.FAIL, False, error=message)
                outcomes.append(Outcome(decision.source_id, "Error", message, bc_id))
            elif decision.source_id in conflicts and not conflicts[decision.source_id][0]:
                assert isinstance(decision, Write) and old is not None
                theirs = conflicts[decision.source_id][1]
                message = (f"changed on both sides; the {_side(run.direction, False)} change "
                           f"is newer and wins, these {_side(run.direction, True)} values were "
                           f"not written: {json.dumps(dict(decision.payload), default=str)} "
                           f"(kept: {json.dumps(theirs, default=str)})")  # fmt: skip
                result.conflicts += 1
                saved.append(
                    old.with_state(run.direction, SyncState(decision.hash, now, "Conflict"))
                )
                stale.append(old)
                log(decision, Operation.CONFLICT, False, decision.target_id, message)
                outcomes.append(
                    Outcome(decision.source_id, "Conflict", message, old.bc_id, old.key)
                )
            else:
                outcome = written.get(decision.source_id) if isinstance(decision, Write) else None
                if outcome is not None and outcome.error is not None:
                    self._failed(entity, decision, old, outcome.error, result, again, saved, now)
                    transient = _transient(outcome.error)
                    log(decision, Operation.WAIT if transient else Operation.FAIL,
                        False, decision.target_id, outcome.error.message)  # fmt: skip
                    outcomes.append(Outcome(decision.source_id, "Waiting" if transient else "Error",
                                            outcome.error.message, bc_id))  # fmt: skip
                    continue
                target_row = outcome.row if outcome is not None else None
                source_row = by_id[decision.source_id.lower()]
                coupling = self._coupling(
                    entity, decision, old, source_row, target_row, returned, now
                )
                saved.append(coupling)
                if old is not None:
                    stale.append(old)
                operation = operation_of(decision)
                if isinstance(decision, Write):
                    _count(result, decision.operation)
                back_error = returned.get(decision.source_id)
                if entity.write_back and back_error is None:
                    result.written_back += 1
                note = ""
                if decision.source_id in conflicts:
                    result.conflicts += 1
                    note = (
                        f"changed on both sides; this change is newer and won, the "
                        f"{_side(run.direction, False)} values it replaced: "
                        f"{json.dumps(conflicts[decision.source_id][1], default=str)}"
                    )
                    operation = Operation.CONFLICT
                if back_error is not None:
                    self._raise_if_fatal(back_error)
                    again.add(decision.source_id)
                    result.errors.append(back_error.message)
                    note = f"{note}; " if note else ""
                    note += (
                        f"the target's id or number is not on the source yet: {back_error.message}"
                    )
                log(decision, operation, True, decision.target_id, note)
                outcomes.append(Outcome(decision.source_id, _result(operation_of(decision)),
                                        note, coupling.bc_id, coupling.key,
                                        dict(decision.payload) if isinstance(decision, Write) else {}))  # fmt: skip
        if saved:
            self.couplings.save_many(saved, stale=stale)
            self._remember(entity, saved)
        if logs:
            self.log.write(logs)
        run.source.settle(entity, outcomes)
        return again

    def _coupling(
        self,
        entity: EntityMap,
        decision: Write | WriteBack,
        old: Coupling | None,
        source_row: Row,
        target_row: Row | None,
        returned: Mapping[str, HubError | None],
        now: datetime,
    ) -> Coupling:
        """The coupling after a successful write (or write-back)."""
        bc_to_crm = self.run.direction is Direction.BC_TO_CRM
        bc_row: Row | None
        if bc_to_crm:
            bc_id, crm_id, bc_row = decision.source_id, decision.target_id, source_row
        else:
            bc_id, crm_id, bc_row = decision.target_id, decision.source_id, target_row
        key = old.key if old else ""
        extra = dict(old.extra) if old else {}
        if bc_row is not None:  # the BC record as read, or as BC answered the hub's write
            natural = entity.source_key if bc_to_crm else entity.target_key
            key = key_of(entity.bc_key(bc_row) if entity.bc_key else bc_row.get(natural))
            extra.update({name: str(bc_row.get(name) or "") for name in entity.keep})
        coupling = Coupling(
            entity.coupled_as, bc_id, crm_id, key,
            to_crm=old.to_crm if old else SyncState(), to_bc=old.to_bc if old else SyncState(),
            written_back=(not entity.write_back) or returned.get(decision.source_id) is None,
            extra=extra,
        )  # fmt: skip
        operation = decision.operation if isinstance(decision, Write) else "Update"
        coupling = coupling.with_state(
            self.run.direction, SyncState(decision.hash, now, _result(operation))
        )
        echo = self._echo_hash(entity, decision.target_id, target_row)
        reverse = self._reverse(entity)
        if echo is not None and reverse is not None:
            coupling = coupling.with_state(reverse.direction, SyncState(echo, now, "Echo"))
        return coupling

    def _remember(self, entity: EntityMap, saved: Sequence[Coupling]) -> None:
        """A parent coupled in this run resolves for its children in the same run."""
        index = self._parents.get(entity.coupled_as)
        if index is None:
            return
        for coupling in saved:
            index_one(index, coupling)

    def _failed(self, entity: EntityMap, decision: Write | WriteBack, old: Coupling | None,
                error: HubError, result: MapResult, again: set[str], saved: list[Coupling],
                now: datetime) -> None:  # fmt: skip
        self._raise_if_fatal(error)
        if _transient(error):
            result.waiting += 1
            again.add(decision.source_id)
            return
        result.failed += 1
        result.errors.append(f"{entity.label} {decision.key}: {error.message}")
        if old is not None:  # the coupling says how the last attempt went
            failed = SyncState(old.state(self.run.direction).hash, now, "Failed", error.message)
            saved.append(old.with_state(self.run.direction, failed))

    @staticmethod
    def _raise_if_fatal(error: HubError) -> None:
        if isinstance(error, FatalError):
            raise error

    # --- reads --------------------------------------------------------------------------
    def _couplings(self, entity: EntityMap, rows: Iterable[Row]) -> dict[str, Coupling]:
        """Source id (lower case) → its coupling, for the records of a chunk."""
        if entity.coupled_as in self._uncoupled:  # nothing was coupled when the run began
            return {}
        ids = [str(row["id"]).lower() for row in rows]
        read = (
            self.couplings.by_bc
            if self.run.direction is Direction.BC_TO_CRM
            else self.couplings.by_crm
        )
        with ThreadPoolExecutor(READ_THREADS) as pool:
            found = pool.map(lambda i: read(entity.coupled_as, i), ids)
            return {i: c for i, c in zip(ids, found, strict=True) if c is not None}

    def _resolve(self, lookup: Lookup, value: str) -> Coupling | None:
        """A parent's coupling (each parent entity read once per run)."""
        if lookup.entity not in self._parents:
            self._parents[lookup.entity] = self.couplings.index(lookup.entity)
        found = self._parents[lookup.entity].get(lookup.by, {})
        return found.get(value.lower() if lookup.by in ("crm", "bc") else key_of(value))


def operation_of(decision: Write | WriteBack) -> str:
    return decision.operation if isinstance(decision, Write) else Operation.UPDATE


def _result(operation: str) -> str:
    return {"Create": "Created", "Update": "Updated", "Couple": "Coupled"}.get(operation, operation)


def _count(result: MapResult, operation: str) -> None:
    if operation == "Create":
        result.created += 1
    elif operation == "Couple":
        result.coupled += 1
    else:
        result.updated += 1


def _side(direction: Direction, source: bool) -> str:
    """ "BC" or "CRM": the source (or target) side of a direction."""
    bc_is_source = direction is Direction.BC_TO_CRM
    return "BC" if bc_is_source == source else "CRM"


def _modified(row: Row) -> datetime | None:
    """When a record last changed, on either side (BC or Dataverse field)."""
    for name in ("lastModifiedDateTime", "modifiedon"):
        value = row.get(name)
        if isinstance(value, str) and value:
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return None
    return None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _transient(error: HubError) -> bool:
    return not isinstance(error, RecordError | FatalError)


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of at most `size`, one list in memory at a time."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
