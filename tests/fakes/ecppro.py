"""`FakeEcpPro`: the EcpProSource port over in-memory lists, with a switch to fail."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from shared.errors import HubError


class FakeEcpPro:
    """Lists of records by name; `failure` is raised on the next reads while set."""

    def __init__(self, lists: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.lists: dict[str, list[dict[str, Any]]] = lists or {}
        self.failure: HubError | None = None
        self.reads: list[str] = []

    def list_records(self, list_name: str) -> Iterator[dict[str, Any]]:
        self.reads.append(list_name)
        if self.failure is not None:
            raise self.failure
        yield from (dict(record) for record in self.lists.get(list_name, []))
