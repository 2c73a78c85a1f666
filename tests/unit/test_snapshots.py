"""The nightly feeds' record of what CRM holds (`shared.sync.snapshot.Snapshots`): keys
spread over bucket rows, a bucket larger than one Table Storage string split over several
properties, what a run saves and forgets read back by the next run."""

from __future__ import annotations

import pytest

import shared.sync.snapshot as snapshot
from shared.registry import Table
from shared.sync.snapshot import Snapshots
from tests.fakes.store import InMemoryStagingStore


def test_saved_and_forgotten_keys_are_what_the_next_run_loads() -> None:
    store = InMemoryStagingStore()
    first = Snapshots(store, "ledger")
    first.load()
    first.save({f"{n}": f"hash-{n}" for n in range(1, 501)})
    first.forget(["7", "8", "does-not-exist"])
    first.save({"9": "changed"})
    view = Snapshots(store, "ledger").load()
    assert len(view) == 498
    assert (view.get("1"), view.get("7"), view.get("9")) == ("hash-1", None, "changed")
    assert view.keys_not_in({str(n) for n in range(1, 497)}) == ["497", "498", "499", "500"]
    rows = list(store.query(Table.CRM_SNAPSHOTS, partition="ledger"))
    assert 0 < len(rows) <= snapshot.BUCKETS  # buckets, not a row per key


def test_a_bucket_larger_than_one_property_is_split_and_read_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(snapshot, "BUCKETS", 1)
    monkeypatch.setattr(snapshot, "PROPERTY_CHARS", 100)
    store = InMemoryStagingStore()
    record = Snapshots(store, "inventory")
    record.save({f"ITEM-{n}|MAIN": f"{n:032x}" for n in range(40)})  # loads first by itself
    [row] = store.query(Table.CRM_SNAPSHOTS, partition="inventory")
    assert row.data["Parts"] > 10 and all(len(row.data[f"Keys{i}"]) <= 100
                                          for i in range(row.data["Parts"]))  # fmt: skip
    view = Snapshots(store, "inventory").load()
    assert len(view) == 40 and view.get("ITEM-39|MAIN") == f"{39:032x}"
