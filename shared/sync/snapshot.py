"""Mirror a BC list in a CRM table by difference (the nightly feeds, product document
§21, §22), never by delete-all.

The product deletes every row in CRM and writes them all again, one request each: with
100,000 open entries that is 200,000 requests, hours under Dataverse's service
protection, and for those hours CRM shows no balances. Here:

1. **gather**: the hub's record of what CRM holds (`crmsnapshots`: per feed, BC key →
   hash of the values written) and BC's list, streamed a page at a time;
2. **decide** per BC row: not in the record → create; another hash → update; same →
   nothing. Keys of the record BC no longer lists → delete. A row whose parent is not in
   CRM is skipped;
3. **apply** in Dataverse `$batch` change sets of up to 1,000 upserts (PATCH by an id
   derived from the BC key: a retried write lands on the same row), several in flight;
   a change set Dataverse refuses is sent again as single requests, so one bad row is
   that row's error and the rest go;
4. **record** each change set's rows as soon as it succeeded, so a run stopped midway
   resumes where it was; a second run right after writes nothing.

Then the parents' totals (an account's Balance, a product's Inventory) are summed over
BC's list and only those that changed are written.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from shared.errors import NotFound
from shared.ports.dataverse import ChangeSet, Dataverse, Operation
from shared.ports.store import Entity, StagingStore
from shared.registry import Table
from shared.sync.couplings import Coupling, key_of
from shared.sync.maps import Lookup

ID_NAMESPACE = uuid.UUID("0f4e2d8c-61b7-4a3e-9c55-7d1e3b9a2c40")
CHANGE_SET = 1000  # Dataverse: at most 1,000 requests in a $batch
# Change sets at once: Dataverse allows 1,200 s of execution per 5 minutes and user, so
# four change sets busy all the time is what its service protection allows.
IN_FLIGHT = 4
SAVE_CHUNK = 100  # Table Storage: one transaction per partition holds at most 100 rows
BUCKETS = 4096  # rows a feed's record is spread over (about 25 keys each at 100,000 rows)
PROPERTY_CHARS = 30_000  # characters per string property (Table Storage: 64 KiB, UTF-16)

Row = Mapping[str, Any]


@dataclass
class SnapshotResult:
    feed: str
    read: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    totals_written: int = 0
    requests: int = 0  # Dataverse $batch requests sent for rows and totals
    errors: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.created + self.updated + self.deleted + self.totals_written

    def as_dict(self) -> dict[str, Any]:
        return {
            "feed": self.feed, "read": self.read, "created": self.created,
            "updated": self.updated, "deleted": self.deleted, "unchanged": self.unchanged,
            "skipped": self.skipped, "failed": self.failed,
            "totalsWritten": self.totals_written, "batches": self.requests,
            "errors": self.errors[:20],
        }  # fmt: skip


class Snapshots:
    """The hub's record of one feed: BC key → hash of the row CRM holds, and parent → the
    total CRM shows.

    The keys are kept in `BUCKETS` rows (a key's bucket is a hash of it), each holding its
    keys' hashes as JSON, so a feed of 100,000 rows is a few thousand small Table Storage
    rows: loaded in a few dozen pages and saved a changed bucket at a time, not a row per
    key (one entity per key made Table Storage, not Dataverse, the bound of a night). A
    run works on the buckets it loaded; `save` and `forget` change them and write the
    buckets they touched, one at a time (the change sets' threads share them).
    """

    def __init__(self, store: StagingStore, feed: str) -> None:
        self.store, self.rows_partition, self.totals_partition = store, feed, f"{feed}-totals"
        self.state_partition = f"{feed}-state"
        self._buckets: dict[int, dict[str, str]] | None = None
        self._lock = threading.Lock()

    def load(self) -> SnapshotView:
        """What CRM holds, as the last run left it (the rows streamed from storage)."""
        buckets: dict[int, dict[str, str]] = {}
        for entity in self.store.query(Table.CRM_SNAPSHOTS, partition=self.rows_partition):
            text = "".join(str(entity.data.get(f"Keys{i}") or "") for i in range(_parts(entity)))
            buckets[int(entity.row)] = json.loads(text) if text else {}
        self._buckets = buckets
        return SnapshotView(buckets, self._lock)

    def totals(self) -> dict[str, float]:
        return {e.row: float(e.data.get("Total") or 0)
                for e in self.store.query(Table.CRM_SNAPSHOTS, partition=self.totals_partition)}  # fmt: skip

    def save(self, hashes: Mapping[str, str]) -> None:
        self._change(hashes.items(), ())

    def forget(self, keys: Iterable[str]) -> None:
        self._change((), keys)

    def adopted(self) -> bool:
        """Whether CRM's rows written before the hub took the feed over were cleared."""
        try:
            self.store.get(Table.CRM_SNAPSHOTS, self.state_partition, "adopted")
        except NotFound:
            return False
        return True

    def mark_adopted(self) -> None:
        self._upsert(self.state_partition, [("adopted", {"Adopted": True})])

    def save_totals(self, totals: Mapping[str, float]) -> None:
        self._upsert(self.totals_partition, [(g, {"Total": t}) for g, t in totals.items()])

    def _change(self, saved: Iterable[tuple[str, str]], forgotten: Iterable[str]) -> None:
        if self._buckets is None:
            self.load()
        assert self._buckets is not None
        with self._lock:
            touched: set[int] = set()
            for key, value in saved:
                self._buckets.setdefault(bucket_of(key), {})[key] = value
                touched.add(bucket_of(key))
            for key in forgotten:
                if self._buckets.get(bucket_of(key), {}).pop(key, None) is not None:
                    touched.add(bucket_of(key))
            rows = [(f"{b:05d}", _encode(self._buckets[b])) for b in sorted(touched)]
            self._upsert(self.rows_partition, rows, replace=True)

    def _upsert(self, partition: str, rows: Sequence[tuple[str, dict[str, Any]]], *,
                replace: bool = False) -> None:  # fmt: skip
        for start in range(0, len(rows), SAVE_CHUNK):
            chunk = rows[start : start + SAVE_CHUNK]
            self.store.upsert_many(Table.CRM_SNAPSHOTS,
                                   [Entity(partition, key, data) for key, data in chunk],
                                   replace=replace)  # fmt: skip


class SnapshotView:
    """Read access to what a run loaded: the hash of a key, and the keys."""

    def __init__(self, buckets: dict[int, dict[str, str]], lock: threading.Lock) -> None:
        self._buckets, self._lock = buckets, lock

    def get(self, key: str) -> str | None:
        return self._buckets.get(bucket_of(key), {}).get(key)

    def keys_not_in(self, seen: set[str]) -> list[str]:
        """The keys recorded that are not in `seen`, sorted."""
        with self._lock:
            return sorted(k for bucket in self._buckets.values() for k in bucket if k not in seen)

    def __len__(self) -> int:
        return sum(len(bucket) for bucket in self._buckets.values())


def bucket_of(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) % BUCKETS


def _encode(bucket: Mapping[str, str]) -> dict[str, Any]:
    """A bucket as entity properties: its JSON over `Keys0`, `Keys1`, … (a Table Storage
    string holds 64 KiB, 32K UTF-16 characters)."""
    text = json.dumps(bucket, separators=(",", ":"), sort_keys=True)
    parts = [text[i : i + PROPERTY_CHARS] for i in range(0, len(text), PROPERTY_CHARS)] or [""]
    return {"Parts": len(parts), **{f"Keys{i}": part for i, part in enumerate(parts)}}


def _parts(entity: Entity) -> int:
    return int(entity.data.get("Parts") or 1)


@dataclass(frozen=True)
class Change:
    key: str
    operation: Operation
    hash: str  # "" for a delete


class SnapshotWriter:
    """Sends changes in change sets, several at once, recording each that succeeded."""

    def __init__(self, dataverse: Dataverse, snapshots: Snapshots, result: SnapshotResult,
                 label: Callable[[str], str]) -> None:  # fmt: skip
        self.dataverse, self.snapshots, self.result, self.label = (
            dataverse,
            snapshots,
            result,
            label,
        )
        self._pool = ThreadPoolExecutor(IN_FLIGHT)
        self._pending: list[Future[None]] = []
        self._buffer: list[Change] = []
        self._stopped = False
        self._lock = threading.Lock()  # results are counted from the sending threads

    def add(self, change: Change) -> None:
        self._buffer.append(change)
        if len(self._buffer) >= CHANGE_SET:
            self._submit()

    def finish(self) -> None:
        """Send what is left and wait for everything; raises the first fatal error."""
        self._submit()
        try:
            for future in self._pending:
                future.result()
        finally:
            self._pool.shutdown(wait=True)

    def _submit(self) -> None:
        if not self._buffer:
            return
        batch, self._buffer = self._buffer, []
        self._pending.append(self._pool.submit(self._send, batch))
        if len(self._pending) > 4 * IN_FLIGHT:  # keep memory flat: wait for the oldest
            done, self._pending = self._pending[:IN_FLIGHT], self._pending[IN_FLIGHT:]
            for future in done:
                future.result()

    def _send(self, batch: list[Change]) -> None:
        if self._stopped:  # an earlier change set failed for good: the run stops here
            return
        try:
            self._send_one(batch)
        except BaseException:
            self._stopped = True
            raise

    def _send_one(self, batch: list[Change]) -> None:
        self._count(requests=1)
        answers = self.dataverse.execute([ChangeSet([c.operation for c in batch])],
                                         continue_on_error=True)  # fmt: skip
        if all(a.error is None for a in answers) and len(answers) == len(batch):
            self._record(batch)
            return
        # One row spoiled the change set: each alone, so only that row fails.
        self._count(requests=1)
        singles = self.dataverse.execute([c.operation for c in batch], continue_on_error=True)
        done = []
        for change, answer in zip(batch, singles, strict=False):
            missing = isinstance(answer.error, NotFound) and change.operation.method == "DELETE"
            if answer.error is None or missing:
                done.append(change)
            else:
                self._count(failed=1, error=f"{self.label(change.key)}: {answer.error}")
        self._record(done)

    def _count(self, *, requests: int = 0, failed: int = 0, error: str = "") -> None:
        with self._lock:
            self.result.requests += requests
            self.result.failed += failed
            if error:
                self.result.errors.append(error)

    def _record(self, changes: Sequence[Change]) -> None:
        self.snapshots.save({c.key: c.hash for c in changes if c.hash})
        self.snapshots.forget(c.key for c in changes if not c.hash)


def target_id(feed: str, key: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{feed}|{key}"))


def digest(payload: Mapping[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def coupled_totals(
    sums: Mapping[str, float], before: Mapping[str, float], parent: Callable[[str], Coupling | None]
) -> Iterator[tuple[str, Coupling, float]]:
    """(group, parent's coupling, new total) for each parent whose total changed; a parent
    that had a total and has no rows left now totals 0."""
    for group in sorted(set(sums) | set(before)):
        total = round(sums.get(group, 0.0), 5)
        if group in before and round(before[group], 5) == total:
            continue
        coupling = parent(group)
        if coupling is not None:
            yield group, coupling, total


def resolve_in(
    index: Mapping[str, Mapping[str, Mapping[str, Coupling]]],
) -> Callable[[Lookup, str], Coupling | None]:
    """A lookup resolver over parents' coupling indexes (`Couplings.index`, by entity)."""

    def resolve(lookup: Lookup, value: str) -> Coupling | None:
        found = index.get(lookup.entity, {}).get(lookup.by, {})
        return found.get(value.lower() if lookup.by in ("crm", "bc") else key_of(value))

    return resolve
