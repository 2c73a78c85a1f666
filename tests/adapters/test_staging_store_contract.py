"""One contract for the staging store: Table Storage on Azurite and the in-memory fake."""

from __future__ import annotations

import base64
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from shared.adapters.table_store import TableStagingStore, decode_key, encode_key
from shared.errors import ConflictError, NotFound, ValidationError
from shared.ports.store import Entity, StagingStore
from tests.fakes.store import InMemoryStagingStore

_names = itertools.count()


@pytest.fixture(params=["azurite", "memory"])
def store(request: pytest.FixtureRequest) -> Iterator[StagingStore]:
    if request.param == "azurite":
        azurite = request.getfixturevalue("azurite")
        yield TableStagingStore.from_connection_string(
            azurite.connection_string, prefix=f"t{next(_names)}x"
        )
    else:
        yield InMemoryStagingStore()


@pytest.mark.parametrize(
    "key", ["plain", "a/b\\c#d?e", "100%", "tab\there", "line\nbreak", "\x7f\x85del", "O'Neil ü"]
)
def test_forbidden_key_characters_round_trip(store: StagingStore, key: str) -> None:
    store.insert("rows", Entity(key, key, {"Name": key}))
    got = store.get("rows", key, key)
    assert (got.partition, got.row, got.data["Name"]) == (key, key, key)
    assert [e.row for e in store.query("rows", partition=key)] == [key]


def test_encode_key_is_reversible_and_safe() -> None:
    raw = "a/b\\c#d?e%f\x01\x9f"
    encoded = encode_key(raw)
    assert not set("/\\#?") & set(encoded)
    assert all(0x20 <= ord(c) < 0x7F or ord(c) > 0x9F for c in encoded)
    assert decode_key(encoded) == raw
    with pytest.raises(ValidationError):
        encode_key("x" * 600)


def test_values_keep_their_types(store: StagingStore) -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    data = {"Text": "x", "Small": 7, "Big": 2**40, "Ratio": 12.5, "Flag": True, "When": when}
    store.insert("types", Entity("p", "r", {**data, "Gone": None}))
    got = store.get("types", "p", "r").data
    assert {k: got[k] for k in data} == data
    assert "Gone" not in got


def test_nested_values_are_refused_naming_the_field(store: StagingStore) -> None:
    with pytest.raises(ValidationError) as error:
        store.upsert_many("nested", [Entity("p", "r", {"Lines": [1, 2]})])
    assert error.value.field == "Lines"
    assert list(store.query("nested")) == []


def test_insert_twice_is_a_conflict(store: StagingStore) -> None:
    store.insert("dupes", Entity("p", "r", {"A": 1}))
    with pytest.raises(ConflictError):
        store.insert("dupes", Entity("p", "r", {"A": 2}))
    assert store.get("dupes", "p", "r").data["A"] == 1


def test_update_with_stale_etag_is_refused(store: StagingStore) -> None:
    first = store.insert("etags", Entity("p", "r", {"A": 1}))
    second = store.update("etags", Entity("p", "r", {"A": 2}, first.etag))
    assert second.etag != first.etag
    with pytest.raises(ConflictError):
        store.update("etags", Entity("p", "r", {"A": 3}, first.etag))
    assert store.get("etags", "p", "r").data["A"] == 2
    with pytest.raises(ConflictError):
        store.delete("etags", "p", "r", etag=first.etag)
    store.delete("etags", "p", "r", etag=second.etag)
    with pytest.raises(NotFound):
        store.get("etags", "p", "r")
    store.delete("etags", "p", "r")  # deleting a missing row is not an error


def test_upsert_many_batches_across_partitions_and_merges(store: StagingStore) -> None:
    rows = [Entity(f"p{i % 3}", f"r{i:04}", {"N": i, "Keep": "k"}) for i in range(350)]
    assert store.upsert_many("bulk", rows) == 350
    assert store.upsert_many("bulk", [Entity("p0", "r0000", {"N": -1})]) == 1
    merged = store.get("bulk", "p0", "r0000").data
    assert merged == {"N": -1, "Keep": "k"}
    store.upsert_many("bulk", [Entity("p0", "r0000", {"N": -2})], replace=True)
    assert store.get("bulk", "p0", "r0000").data == {"N": -2}
    assert sum(1 for _ in store.query("bulk", partition="p1")) == 117
    assert {e.data["N"] for e in store.query("bulk", where={"N": 5})} == {5}


def test_paging_visits_every_row_once(store: StagingStore) -> None:
    store.upsert_many("paged", [Entity("p", f"r{i:04}", {"N": i}) for i in range(250)])
    seen: list[str] = []
    token = None
    while True:
        page = store.page("paged", partition="p", size=100, continuation=token)
        seen += [e.row for e in page.entities]
        token = page.continuation
        if token is None:
            break
    assert sorted(seen) == [f"r{i:04}" for i in range(250)]
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize(
    "token",
    [
        "not-base64!",
        "bm90IGpzb24=",
        base64.urlsafe_b64encode(b'{"x": 1}').decode(),
        "MTIzNDU2",
        "%%%",
    ],
)
def test_a_malformed_continuation_is_refused_naming_it(store: StagingStore, token: str) -> None:
    store.insert("rows", Entity("p", "r1", {"N": 1}))
    with pytest.raises(ValidationError) as error:
        store.page("rows", partition="p", size=10, continuation=token)
    assert error.value.field == "continuation"
