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

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from shared.errors import FatalError, HubError, RecordError
from shared.ports.store import StagingStore
from shared.sync.couplings import Coupling, Couplings, SyncState, key_of
from shared.sync.logs import LogEntry, Operation, SyncLog
from shared.sync.maps import Direction, EntityMap, Row
from shared.sync.planner import (
    Decision,
    Filtered,
    Invalid,
    Unchanged,
    Wait,
    Write,
    WriteBack,
    plan_record,
)
from shared.sync.watermarks import Watermarks

T = TypeVar("T")
CHUNK = 500  # records decided and written together: a record and its extra fill one
# Dataverse $batch (1,000 requests), their write-back five BC $batches sent side by side
READ_THREADS = 8  # coupling reads in parallel (point reads in the staging store)


class Source(Protocol):
    def changed(self, entity: EntityMap, since: datetime | None) -> Iterator[Row]: ...

    def modified(self, row: Row) -> datetime | None: ...


class Target(Protocol):
    def match(self, entity: EntityMap, keys: Sequence[str], context: Any) -> dict[str, str]: ...

    def write(
        self, entity: EntityMap, writes: Sequence[Write], context: Any
    ) -> dict[str, HubError | None]: ...


class WriteBackSink(Protocol):
    def write_back(self, pairs: Mapping[str, str]) -> dict[str, HubError | None]: ...


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
    errors: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.created + self.updated + self.coupled

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity, "read": self.read, "created": self.created,
            "updated": self.updated, "coupled": self.coupled, "unchanged": self.unchanged,
            "filtered": self.filtered, "waiting": self.waiting, "failed": self.failed,
            "writtenBack": self.written_back, "errors": self.errors[:20],
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


class SyncEngine:
    def __init__(self, run: SyncRun) -> None:
        self.run = run
        self.couplings = Couplings(run.store)
        self.log = SyncLog(run.store, run.direction)
        self.watermarks = Watermarks(run.store)
        self._parents: dict[str, dict[str, Coupling]] = {}
        self._uncoupled: set[str] = set()

    def sync(self, entity: EntityMap, *, full: bool = False) -> MapResult:
        """Run one map: everything changed since its watermark (everything with `full`)."""
        run, result = self.run, MapResult(entity.name)
        since = None if full else self.watermarks.get(run.direction, entity.name)
        started = run.clock()
        if self.couplings.empty(entity.name):  # a first sync: no coupling to read per record
            self._uncoupled.add(entity.name)
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
        self._uncoupled.discard(entity.name)
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
                     if str(r["id"]).lower() not in couplings]  # fmt: skip
        matches = run.target.match(entity, [key_of(k) for k in unmatched], run.context)
        decisions: list[Decision] = []
        for row in rows:
            coupling = couplings.get(str(row["id"]).lower())
            matched = None if coupling else matches.get(key_of(row.get(entity.source_key)))
            decisions.append(
                plan_record(entity, row, coupling, matched, self._resolve, run.context)
            )
        writes = [d for d in decisions if isinstance(d, Write)]
        written = run.target.write(entity, writes, run.context)
        back: dict[str, str] = {}
        for decision in decisions:
            if (
                isinstance(decision, Write) and written.get(decision.source_id) is None
            ) or isinstance(decision, WriteBack):
                back[decision.source_id] = decision.target_id
        returned: dict[str, HubError | None] = {}
        if entity.write_back and run.write_back is not None and back:
            returned = run.write_back.write_back(back)
        return self._record(entity, decisions, couplings, written, returned, result)

    def _record(
        self,
        entity: EntityMap,
        decisions: Sequence[Decision],
        couplings: Mapping[str, Coupling],
        written: Mapping[str, HubError | None],
        returned: Mapping[str, HubError | None],
        result: MapResult,
    ) -> set[str]:
        run, now = self.run, self.run.clock()
        saved: list[Coupling] = []
        stale: list[Coupling] = []
        logs: list[LogEntry] = []
        again: set[str] = set()

        def log(d: Any, operation: str, updated: bool, target: str = "", error: str = "") -> None:
            logs.append(LogEntry(entity.name, d.source_id, getattr(d, "key", ""), operation,
                                 updated, target, error, correlation_id=run.correlation_id,
                                 at=now))  # fmt: skip

        for decision in decisions:
            if isinstance(decision, Unchanged):
                result.unchanged += 1
            elif isinstance(decision, Filtered):
                result.filtered += 1
            elif isinstance(decision, Wait):
                result.waiting += 1
                again.add(decision.source_id)
                log(decision, Operation.WAIT, False, error=decision.reason)
            elif isinstance(decision, Invalid):
                result.failed += 1
                result.errors.append(decision.message)
                log(decision, Operation.FAIL, False, error=f"{decision.field}: {decision.message}")
            else:
                old = couplings.get(decision.source_id.lower())
                error = written.get(decision.source_id) if isinstance(decision, Write) else None
                if error is not None:
                    self._failed(entity, decision, old, error, result, again, saved, now)
                    log(decision, Operation.WAIT if _transient(error) else Operation.FAIL,
                        False, decision.target_id, error.message)  # fmt: skip
                    continue
                back_error = returned.get(decision.source_id)
                coupling = Coupling(
                    entity.name,
                    decision.source_id,
                    decision.target_id,
                    key_of(decision.key),
                    to_crm=old.to_crm if old else SyncState(),
                    to_bc=old.to_bc if old else SyncState(),
                    written_back=(not entity.write_back) or back_error is None,
                )
                operation = decision.operation if isinstance(decision, Write) else "Updated"
                coupling = coupling.with_state(
                    run.direction, SyncState(decision.hash, now, _result(operation))
                )
                saved.append(coupling)
                if old is not None:
                    stale.append(old)
                if isinstance(decision, Write):
                    _count(result, decision.operation)
                if entity.write_back and back_error is None:
                    result.written_back += 1
                if back_error is not None:
                    self._raise_if_fatal(back_error)
                    again.add(decision.source_id)
                    result.errors.append(back_error.message)
                    log(decision, operation_of(decision), True, decision.target_id,
                        f"CRM id not written back to BC yet: {back_error.message}")  # fmt: skip
                else:
                    log(decision, operation_of(decision), True, decision.target_id)
        if saved:
            self.couplings.save_many(saved, stale=stale)
            for coupling in saved:  # a parent coupled in this run resolves for its children
                self._parents.get(entity.name, {})[coupling.key] = coupling
        if logs:
            self.log.write(logs)
        return again

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
        if entity.name in self._uncoupled:  # nothing was coupled when the run began
            return {}
        ids = [str(row["id"]).lower() for row in rows]
        with ThreadPoolExecutor(READ_THREADS) as pool:
            found = pool.map(lambda i: self.couplings.by_bc(entity.name, i), ids)
            return {i: c for i, c in zip(ids, found, strict=True) if c is not None}

    def _resolve(self, entity: str, key: str) -> Coupling | None:
        """A parent's coupling by natural key (each parent entity read once per run)."""
        if entity not in self._parents:
            self._parents[entity] = self.couplings.index(entity)
        return self._parents[entity].get(key_of(key))


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
