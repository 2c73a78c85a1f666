"""The entity store on its own: transactions, savepoints, counters and indexes."""

from __future__ import annotations

import pytest

from sandbox.odata.store import EntitySetSpec, EntityStore, RecordNotFound

LINES = EntitySetSpec("lines", "Test.line", fields=("documentId", "amount"))


def store_with_rows() -> EntityStore:
    store = EntityStore(lambda version: f'W/"{version}"')
    store.register(LINES, [{"id": "a", "documentId": "D1", "amount": 1}])
    return store


class Boom(Exception):
    pass


def test_a_failed_transaction_restores_rows_and_counters() -> None:
    store = store_with_rows()
    with pytest.raises(Boom), store.atomic():
        store.insert("lines", {"id": "b", "documentId": "D1", "amount": 2})
        store.update("lines", "a", {"amount": 10})
        store.delete("lines", "a")
        assert store.next_number("S-INV", 1001) == 1001
        raise Boom

    assert [row["amount"] for row in store.list("lines")] == [1]
    assert store.next_number("S-INV", 1001) == 1001  # the drawn number came back


def test_a_committed_transaction_keeps_everything() -> None:
    store = store_with_rows()
    with store.atomic():
        store.insert("lines", {"id": "b", "documentId": "D1", "amount": 2})
        store.next_number("S-INV", 1001)
    assert len(store.list("lines")) == 2
    assert store.next_number("S-INV", 1001) == 1002


def test_a_nested_block_is_a_savepoint_and_the_outer_one_still_rolls_back() -> None:
    store = store_with_rows()
    with pytest.raises(Boom), store.atomic():  # the outer journal starts empty
        with store.atomic():
            store.insert("lines", {"id": "b", "documentId": "D1", "amount": 2})
        with pytest.raises(Boom), store.atomic():
            store.insert("lines", {"id": "c", "documentId": "D1", "amount": 3})
            raise Boom
        assert {row["id"] for row in store.list("lines")} == {"a", "b"}  # only c undone
        raise Boom

    assert [row["id"] for row in store.list("lines")] == ["a"]


def test_find_follows_writes_and_rollbacks() -> None:
    store = store_with_rows()
    assert [row["id"] for row, _ in store.find("lines", "documentId", "d1")] == ["a"]
    store.insert("lines", {"id": "b", "documentId": "D2", "amount": 2})
    store.update("lines", "a", {"documentId": "D2"})
    assert store.find("lines", "documentId", "D1") == []
    assert {row["id"] for row, _ in store.find("lines", "documentId", "D2")} == {"a", "b"}
    with pytest.raises(Boom), store.atomic():
        store.delete("lines", "b")
        raise Boom
    assert {row["id"] for row, _ in store.find("lines", "documentId", "D2")} == {"a", "b"}
    store.delete("lines", "a")
    assert [row["id"] for row, _ in store.find("lines", "documentId", "D2")] == ["b"]
    with pytest.raises(RecordNotFound):
        store.get("lines", "a")


def test_find_all_intersects_conditions() -> None:
    store = store_with_rows()
    store.insert("lines", {"id": "b", "documentId": "D1", "amount": 2})
    store.insert("lines", {"id": "c", "documentId": "D2", "amount": 2})
    found = store.find_all("lines", [("documentId", "D1"), ("amount", 2)])
    assert [row["id"] for row, _ in found] == ["b"]
    assert store.find_all("lines", [("documentId", "D3"), ("amount", 2)]) == []


def test_changes_since_answers_written_and_deleted_rows_and_rolls_back() -> None:
    """OData delta links (Dataverse change tracking): rows written after a version, ids of
    rows deleted after it; a rolled-back transaction leaves no trace of either."""
    store = store_with_rows()
    start = store.version
    store.insert("lines", {"id": "b", "documentId": "D2", "amount": 2})
    store.update("lines", "a", {"amount": 3})
    with pytest.raises(Boom), store.atomic():
        store.delete("lines", "b")
        store.insert("lines", {"id": "c", "documentId": "D3", "amount": 4})
        raise Boom
    middle = store.version
    store.delete("lines", "b")

    changed, deleted = store.changes_since("lines", start)
    assert [row["id"] for row, _ in changed] == ["a"]
    assert deleted == ["b"]
    assert store.changes_since("lines", store.version) == ([], [])
    changed_then, deleted_then = store.changes_since("lines", middle)
    assert (changed_then, deleted_then) == ([], ["b"])
    store.insert("lines", {"id": "b", "documentId": "D2", "amount": 5})  # written again
    assert store.changes_since("lines", middle)[1] == []
