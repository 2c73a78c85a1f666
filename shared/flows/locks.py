"""A named lock (a lease) in the staging store, for work that must not run twice at once.

Two deliveries of one invoice's message must not both create its document; two invoices
of one provider invoice must not both decide "no open purchase document yet". The lock
is a row: created to take it, deleted (by ETag) to give it back, and taken over once it
has expired. While the work runs, a background thread renews it every third of its
time to live, so a long write keeps it and a worker that died releases it within one ttl.
Held elsewhere: wait a little, then TransientError so the message is tried again later.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta

from shared.errors import ConflictError, NotFound, TransientError
from shared.flows.deps import Deps
from shared.ports.store import Entity
from shared.registry import Table

LEASE_TTL = timedelta(seconds=60)
"""How long a lock outlives a holder that died (it is renewed while its holder works)."""


@contextmanager
def hold_lock(
    deps: Deps,
    name: str,
    *,
    ttl: timedelta = LEASE_TTL,
    wait: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[None]:
    """Hold lock `name` for the `with` block, waiting up to `wait` seconds for it.

    Raises TransientError when someone else still holds it after that: the message is
    tried again later. Waiting first matters because a holder usually needs seconds.
    """
    held = _acquire(deps, name, ttl, wait, sleep)
    renewal = _Renewal(deps, held, ttl)
    renewal.start()
    try:
        yield
    finally:
        latest = renewal.stop()
        # If it expired and someone took it over, the lock is theirs now: leave it.
        with suppress(ConflictError):
            deps.store.delete(Table.LOCKS, "lock", name, etag=latest.etag)


class _Renewal(threading.Thread):
    """Pushes a held lock's expiry ahead every third of its ttl until stopped or lost."""

    def __init__(self, deps: Deps, held: Entity, ttl: timedelta) -> None:
        super().__init__(name=f"lease-{held.row[:40]}", daemon=True)
        self._deps, self._ttl, self._held = deps, ttl, held
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.wait(self._ttl.total_seconds() / 3):
            data = {**self._held.data, "ExpiresOn": self._deps.clock() + self._ttl}
            try:
                self._held = self._deps.store.update(
                    Table.LOCKS, Entity("lock", self._held.row, data, self._held.etag)
                )
            except (ConflictError, NotFound):
                return  # expired and taken over (or released): it is not ours to renew
            except TransientError:
                continue  # the store is briefly unreachable: try again next time

    def stop(self) -> Entity:
        """Stop renewing; the lock as last written (its ETag is what releasing needs)."""
        self._stopped.set()
        self.join()
        return self._held


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
