"""A named lock in the staging store, for work that must not run twice at once.

Two invoices of one provider invoice must not both decide "no open purchase document
yet" and create two. The lock is a row: created to take it, deleted (by ETag) to give it
back, and taken over once it has expired, so a worker that died never blocks for long.
Held elsewhere → TransientError: the message is redelivered and tries again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta

from shared.errors import ConflictError, NotFound, TransientError
from shared.flows.deps import Deps
from shared.ports import Entity

LOCKS_TABLE = "locks"


@contextmanager
def hold_lock(deps: Deps, name: str, *, ttl: timedelta = timedelta(minutes=5)) -> Iterator[None]:
    """Hold lock `name` for the `with` block. Raises TransientError when someone else has it."""
    owner = str(uuid.uuid4())
    expires = deps.clock() + ttl
    wanted = Entity("lock", name, {"Owner": owner, "ExpiresOn": expires})
    try:
        held = deps.store.insert(LOCKS_TABLE, wanted)
    except ConflictError:
        held = _take_over_if_expired(deps, wanted)
    try:
        yield
    finally:
        # If it expired and someone took it over, the lock is theirs now: leave it.
        with suppress(ConflictError):
            deps.store.delete(LOCKS_TABLE, "lock", name, etag=held.etag)


def _take_over_if_expired(deps: Deps, wanted: Entity) -> Entity:
    try:
        current = deps.store.get(LOCKS_TABLE, "lock", wanted.row)
    except NotFound:
        return deps.store.insert(LOCKS_TABLE, wanted)
    if current.data["ExpiresOn"] > deps.clock():
        raise TransientError(f"'{wanted.row}' is being worked on by another worker; retry later")
    try:
        return deps.store.update(LOCKS_TABLE, Entity("lock", wanted.row, wanted.data, current.etag))
    except ConflictError as exc:
        raise TransientError(f"'{wanted.row}' was just taken by another worker") from exc
