"""The EcpPro snapshot refresh: planner on plain data, handler on the in-memory fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.domain.ecppro import EcpProList, RefreshList, RefreshOutcome, RowStatus
from shared.errors import AuthError, ThrottledError
from shared.flows.deps import Deps
from shared.flows.ecppro_list_view import read_list, read_status
from shared.flows.ecppro_lists import (
    Incoming,
    Staged,
    handle_refresh,
    plan_refresh,
    refresh_all_lists,
)
from shared.registry import Queue, Table
from tests.fakes.bus import InMemoryBus
from tests.fakes.business_central import FakeBusinessCentral
from tests.fakes.ecppro import FakeEcpPro
from tests.fakes.store import InMemoryStagingStore


def group(record_id: str, name: str = "Sales", **extra: Any) -> dict[str, Any]:
    return {
        "id": record_id,
        "tenantId": "t1",
        "displayName": name,
        "groupType": "Security",
        "isTeam": False,
        **extra,
    }


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def tick(self) -> None:
        self.now += timedelta(minutes=5)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def deps(clock: Clock) -> Deps:
    source = FakeEcpPro({"groups": [group("g1"), group("g2", "Finance"), group("g3", "IT")]})
    return Deps(
        store=InMemoryStagingStore(),
        bus=InMemoryBus(),
        ecppro=source,
        bc=FakeBusinessCentral(),
        clock=clock,
    )


def refresh(deps: Deps, name: EcpProList = EcpProList.GROUPS):
    return handle_refresh(RefreshList(list=name, reason="cli"), deps)


def staged(deps: Deps, record_id: str) -> dict[str, Any]:
    return deps.store.get(Table.ECPPRO_ROWS, "groups", record_id).data


def incoming(record_id: str, digest: str) -> Incoming:
    return Incoming(record_id, {"Id": record_id}, digest)


def test_planner_sorts_each_record_into_one_action() -> None:
    plan = plan_refresh(
        {
            "new": incoming("new", "h"),
            "same": incoming("same", "h1"),
            "changed": incoming("changed", "h3"),
            "back": incoming("back", "h4"),
        },
        {
            "same": Staged("same", "h1", RowStatus.ACTIVE),
            "changed": Staged("changed", "h2", RowStatus.ACTIVE),
            "back": Staged("back", "h4", RowStatus.REMOVED),
            "gone": Staged("gone", "h5", RowStatus.ACTIVE),
            "long-gone": Staged("long-gone", "h6", RowStatus.REMOVED),
            "bad-now": Staged("bad-now", "h7", RowStatus.ACTIVE),
        },
        protected=["bad-now"],
    )
    assert [r.id for r in plan.inserts] == ["new"]
    assert [r.id for r in plan.updates] == ["changed"]
    assert [r.id for r in plan.restores] == ["back"]
    assert plan.removals == ["gone"]
    assert plan.unchanged == 1


def test_first_refresh_inserts_every_record(deps: Deps) -> None:
    result = refresh(deps)
    assert (result.inserted, result.updated, result.removed, result.active) == (3, 0, 0, 3)
    assert result.outcome is RefreshOutcome.SUCCEEDED
    assert staged(deps, "g2")["DisplayName"] == "Finance"
    assert staged(deps, "g2")["Status"] == "Active"


def test_unchanged_rows_are_not_written(deps: Deps, clock: Clock) -> None:
    refresh(deps)
    store = deps.store
    assert isinstance(store, InMemoryStagingStore)
    before = {key: entity.etag for key, entity in store.rows(Table.ECPPRO_ROWS).items()}
    clock.tick()
    result = refresh(deps)
    assert (result.unchanged, result.inserted, result.updated) == (3, 0, 0)
    assert {key: entity.etag for key, entity in store.rows(Table.ECPPRO_ROWS).items()} == before


def test_changed_row_is_replaced_and_keeps_first_seen(deps: Deps, clock: Clock) -> None:
    refresh(deps)
    first_seen = staged(deps, "g1")["FirstSeenOn"]
    source = deps.ecppro
    assert isinstance(source, FakeEcpPro)
    source.lists["groups"][0] = group("g1", "Sales EMEA", email="sales@x.test")
    clock.tick()
    assert refresh(deps).updated == 1
    source.lists["groups"][0] = group("g1", "Sales EMEA")  # e-mail cleared in EcpPro
    clock.tick()
    refresh(deps)
    row = staged(deps, "g1")
    assert row["DisplayName"] == "Sales EMEA"
    assert "Email" not in row
    assert row["FirstSeenOn"] == first_seen
    assert row["LastChangedOn"] == clock.now


def test_rows_gone_from_ecppro_are_marked_removed_then_restored(deps: Deps) -> None:
    refresh(deps)
    source = deps.ecppro
    assert isinstance(source, FakeEcpPro)
    removed = source.lists["groups"].pop()
    result = refresh(deps)
    assert (result.removed, result.active) == (1, 2)
    assert staged(deps, "g3")["Status"] == "Removed"
    assert staged(deps, "g3")["DisplayName"] == "IT"  # kept, not deleted
    source.lists["groups"].append(removed)
    result = refresh(deps)
    assert (result.restored, result.active) == (1, 3)
    assert staged(deps, "g3")["Status"] == "Active"


def test_invalid_record_is_quarantined_and_its_row_left_alone(deps: Deps) -> None:
    refresh(deps)
    source = deps.ecppro
    assert isinstance(source, FakeEcpPro)
    source.lists["groups"][1] = group("g2", "Finance", isTeam="sometimes")
    source.lists["groups"].append(group("g1", "Duplicate"))
    result = refresh(deps)
    assert result.outcome is RefreshOutcome.SUCCEEDED_WITH_QUARANTINE
    assert (result.quarantined, result.removed) == (2, 0)
    assert staged(deps, "g2")["Status"] == "Active"
    assert staged(deps, "g1")["DisplayName"] == "Sales"
    bad = deps.store.get(Table.QUARANTINE, "ecppro.groups", "g2").data
    assert bad["Field"] == "isTeam"
    assert "EcpPro groups record g2" in bad["Error"]
    assert "sometimes" in bad["Payload"]
    source.lists["groups"][1] = group("g2", "Finance")
    source.lists["groups"].pop()
    assert refresh(deps).quarantined == 0
    assert list(deps.store.query(Table.QUARANTINE, partition="ecppro.groups")) == []


def test_refused_credentials_record_the_failure_and_keep_rows(deps: Deps) -> None:
    refresh(deps)
    source = deps.ecppro
    assert isinstance(source, FakeEcpPro)
    source.failure = AuthError("EcpPro rejected the credentials. Check ECPPRO_SECRET_KEY.")
    with pytest.raises(AuthError):
        refresh(deps)
    assert staged(deps, "g1")["Status"] == "Active"
    assert len(list(deps.store.query(Table.ECPPRO_ROWS, partition="groups"))) == 3
    status = read_status(deps, EcpProList.GROUPS)
    assert status["lastResult"] == "Failed"
    assert "ECPPRO_SECRET_KEY" in status["lastError"]
    assert status["active"] == 3  # the last good counts are still shown


def test_transient_failure_is_raised_for_redelivery(deps: Deps) -> None:
    source = deps.ecppro
    assert isinstance(source, FakeEcpPro)
    source.failure = ThrottledError("EcpPro answered 429", retry_after=5)
    with pytest.raises(ThrottledError):
        refresh(deps)
    assert read_status(deps, EcpProList.GROUPS)["lastResult"] == "Failed"


def test_first_read_fetches_when_empty_and_then_pages(deps: Deps) -> None:
    first = read_list(deps, EcpProList.GROUPS, size=2)
    assert first.fetched is not None and first.fetched.inserted == 3
    assert len(first.items) == 2 and first.continuation
    second = read_list(deps, EcpProList.GROUPS, size=2, continuation=first.continuation)
    assert second.fetched is None
    assert {i["id"] for i in first.items + second.items} == {"g1", "g2", "g3"}
    source = deps.ecppro
    assert isinstance(source, FakeEcpPro)
    assert source.reads == ["groups"]  # not fetched again once staged


def test_removed_rows_are_hidden_unless_asked_for(deps: Deps) -> None:
    refresh(deps)
    source = deps.ecppro
    assert isinstance(source, FakeEcpPro)
    source.lists["groups"].pop()
    refresh(deps)
    assert len(read_list(deps, EcpProList.GROUPS).items) == 2
    assert len(read_list(deps, EcpProList.GROUPS, include_removed=True).items) == 3


def test_timer_fan_out_queues_each_list_once_per_minute(deps: Deps) -> None:
    assert refresh_all_lists(deps) == 5
    assert refresh_all_lists(deps) == 0  # the same minute: duplicates dropped
    bus = deps.bus
    messages = bus.receive(Queue.ECPPRO_REFRESH, max_messages=10)
    lists = {RefreshList.model_validate_json(m.body).list for m in messages}
    assert lists == set(EcpProList)
