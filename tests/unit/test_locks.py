"""The staging-store lock: exclusive, released, taken over after expiry, waited for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.errors import TransientError
from shared.flows.locks import hold_lock
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
        assert taken["ExpiresOn"] == now[0] + timedelta(minutes=5)
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
