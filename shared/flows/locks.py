"""A named lock in the staging store, for work that must not run twice at once.

Two invoices of one provider invoice must not both decide "no open purchase document
yet" and create two. The lock is a row: created to take it, deleted (by ETag) to give it
back, and taken over once it has expired, so a worker that died never blocks for long.
Held elsewhere: wait a little (the holder needs one BC transaction), then TransientError
so the message is redelivered and tries again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta

from shared.errors import ConflictError, NotFound, TransientError
from shared.flows.deps import Deps
from shared.ports.store import Entity
from shared.registry import Table

LEASE_TTL = timedelta(minutes=15)
"""How long one leg's lease on an invoice lasts if its holder dies (longer than a leg runs)."""


@contextmanager
def hold_lock(
    deps: Deps,
    name: str,
    *,
    ttl: timedelta = timedelta(minutes=5),
    wait: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[None]:
    """Hold lock `name` for the `with` block, waiting up to `wait` seconds for it.

    Raises TransientError when someone else still holds it after that: the message is
    redelivered later. Waiting first matters because locks are held only for one BC
    transaction, and every redelivery spends one of the message's deliveries.
    """
    held = _acquire(deps, name, ttl, wait, sleep)
    try:
        yield
    finally:
        # If it expired and someone took it over, the lock is theirs now: leave it.
        with suppress(ConflictError):
            deps.store.delete(Table.LOCKS, "lock", name, etag=held.etag)


def _acquire(
    deps: Deps, name: str, ttl: timedelta, wait: float, sleep: Callable[[float], None]
) -> Entity:
    deadline = time.monotonic() + wait
    pause = 0.05
    while True:
        wanted = Entity("lock", name, {"Owner": str(uuid.uuid4()), "ExpiresOn": deps.clock() + ttl})
        try:
            return deps.store.insert(Table.LOCKS, wanted)
        except ConflictError:
            taken = _take_over_if_expired(deps, wanted)
        if taken is not None:
            return taken
        if time.monotonic() >= deadline:
            raise TransientError(f"'{name}' is being worked on by another worker; retry later")
        sleep(pause)
        pause = min(pause * 2, 1.0)


def _take_over_if_expired(deps: Deps, wanted: Entity) -> Entity | None:
    """The lock, if its holder's time ran out (or it was just released); None if held."""
    try:
        current = deps.store.get(Table.LOCKS, "lock", wanted.row)
    except NotFound:
        try:
            return deps.store.insert(Table.LOCKS, wanted)
        except ConflictError:
            return None
    if current.data["ExpiresOn"] > deps.clock():
        return None
    try:
        return deps.store.update(Table.LOCKS, Entity("lock", wanted.row, wanted.data, current.etag))
    except ConflictError:
        return None
