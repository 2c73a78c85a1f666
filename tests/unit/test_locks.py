"""The staging-store lock: exclusive, released, taken over after expiry, waited for."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from shared.errors import TransientError
from shared.flows.locks import LEASE_TTL, hold_lock
from shared.ports.store import Entity
from shared.registry import Table
from tests.unit.invoice_fixtures import make_deps


def test_lock_is_exclusive_and_released() -> None:
    deps = make_deps()
    naps: list[float] = []
    with hold_lock(deps, "k"):
        with (
            pytest.raises(TransientError, match="being worked on"),
            hold_lock(deps, "k", wait=0.2, sleep=naps.append),
        ):
            pass
        with hold_lock(deps, "other"):
            pass
    assert naps  # it waited before giving up
    with hold_lock(deps, "k"):
        pass
    assert list(deps.store.query(Table.LOCKS)) == []


def test_an_expired_lock_is_taken_over_and_its_old_holder_cannot_free_it() -> None:
    deps = make_deps()
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    deps.clock = lambda: now[0]
    first = hold_lock(deps, "k", ttl=timedelta(minutes=1))
    first.__enter__()
    first_owner = deps.store.get(Table.LOCKS, "lock", "k").data["Owner"]
    now[0] += timedelta(minutes=2)  # the holder died long ago (or is very slow)
    with hold_lock(deps, "k", wait=0):
        taken = deps.store.get(Table.LOCKS, "lock", "k").data
        assert taken["Owner"] != first_owner
        assert taken["ExpiresOn"] == now[0] + LEASE_TTL
        first.__exit__(None, None, None)  # the old holder finishes: the lock stays taken
        assert deps.store.get(Table.LOCKS, "lock", "k").data["Owner"] == taken["Owner"]
    assert list(deps.store.query(Table.LOCKS)) == []


def test_a_held_lock_that_has_not_expired_is_not_taken_over() -> None:
    deps = make_deps()
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    deps.clock = lambda: now[0]
    with hold_lock(deps, "k", ttl=timedelta(minutes=1)):
        now[0] += timedelta(seconds=59)
        with pytest.raises(TransientError), hold_lock(deps, "k", wait=0):
            pass


def test_a_lock_is_renewed_while_its_holder_works_and_lapses_when_it_dies() -> None:
    deps = make_deps()
    deps.clock = lambda: datetime.now(UTC)
    ttl = timedelta(seconds=0.3)
    with hold_lock(deps, "k", ttl=ttl):
        first = deps.store.get(Table.LOCKS, "lock", "k").data["ExpiresOn"]
        time.sleep(0.5)  # longer than the ttl: only renewal keeps it
        assert deps.store.get(Table.LOCKS, "lock", "k").data["ExpiresOn"] > first
        with pytest.raises(TransientError), hold_lock(deps, "k", ttl=ttl, wait=0):
            pass
    assert list(deps.store.query(Table.LOCKS)) == []
    # A worker that died holding it renews nothing: its row lapses within one ttl.
    expires = datetime.now(UTC) + ttl
    deps.store.insert(Table.LOCKS, Entity("lock", "k", {"Owner": "dead", "ExpiresOn": expires}))
    with pytest.raises(TransientError), hold_lock(deps, "k", ttl=ttl, wait=0):
        pass
    time.sleep(0.4)
    with hold_lock(deps, "k", ttl=ttl, wait=0):
        assert deps.store.get(Table.LOCKS, "lock", "k").data["Owner"] != "dead"
