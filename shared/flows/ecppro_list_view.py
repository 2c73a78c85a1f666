"""Reading staged EcpPro lists: pages of rows plus the list's refresh status.

A list that has never been staged is fetched from EcpPro on first read, as the product's
list pages do when opened empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.domain.ecppro import EcpProList, RefreshList, RefreshResult, RowStatus
from shared.errors import NotFound
from shared.flows.deps import Deps
from shared.flows.ecppro_lists import STATUS_PARTITION, handle_refresh
from shared.registry import Table


@dataclass(frozen=True)
class ListPage:
    """One page of a staged list, its refresh status and how to get the next page."""

    list_name: EcpProList
    items: list[dict[str, Any]]
    continuation: str | None
    status: dict[str, Any]
    fetched: RefreshResult | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "list": self.list_name.value,
            "status": self.status,
            "fetchedNow": self.fetched.as_dict() if self.fetched else None,
            "count": len(self.items),
            "items": self.items,
            "continuation": self.continuation,
        }


def read_status(deps: Deps, list_name: EcpProList) -> dict[str, Any]:
    """The list's last refresh: result, error, counts, times (empty when never refreshed)."""
    try:
        data = deps.store.get(Table.STATUS, STATUS_PARTITION, list_name.value).data
    except NotFound:
        return {}
    return {_camel(name): _plain(value) for name, value in data.items()}


def read_list(
    deps: Deps,
    list_name: EcpProList,
    *,
    size: int = 100,
    continuation: str | None = None,
    include_removed: bool = False,
    correlation_id: str = "",
) -> ListPage:
    """A page of staged rows. Fetches first when nothing is staged for the list yet.

    Raises what `handle_refresh` raises when that first fetch fails (the failure is
    recorded on the status row first).
    """
    where = None if include_removed else {"Status": RowStatus.ACTIVE.value}
    fetched = None
    if continuation is None and _is_empty(deps, list_name):
        fetched = handle_refresh(
            RefreshList(list=list_name, reason="first-read", correlation_id=correlation_id), deps
        )
    page = deps.store.page(
        Table.ECPPRO_ROWS,
        partition=list_name.value,
        size=size,
        continuation=continuation,
        where=where,
    )
    items = [
        {_camel(name): _plain(value) for name, value in entity.data.items()}
        for entity in page.entities
    ]
    return ListPage(list_name, items, page.continuation, read_status(deps, list_name), fetched)


def _is_empty(deps: Deps, list_name: EcpProList) -> bool:
    first = deps.store.page(Table.ECPPRO_ROWS, partition=list_name.value, size=1)
    return not (first.entities or first.continuation)


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _plain(value: Any) -> Any:
    return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else value
