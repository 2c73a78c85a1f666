"""Secondary indexes of an entity set: which rows have a given value in one field.

The store keeps one per field it was asked to search (built on first use, then kept up
to date on every write and rollback), so finding a document's lines or a parent's
dimension set lines costs the same with ten rows or a hundred thousand.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any


def index_value(value: Any) -> Hashable:
    """Text compares case-insensitively (GUIDs, option names); unhashables by their text."""
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, Hashable):
        return value
    return repr(value)


_EMPTY: set[str] = set()


class FieldIndex:
    """Value of one field → storage keys of the rows holding it."""

    def __init__(self, field: str, rows: Iterable[tuple[str, dict[str, Any]]]) -> None:
        self.field = field
        self._keys: dict[Hashable, set[str]] = {}
        for key, data in rows:
            self.add(key, data)

    def add(self, key: str, data: dict[str, Any]) -> None:
        self._keys.setdefault(index_value(data.get(self.field)), set()).add(key)

    def remove(self, key: str, data: dict[str, Any]) -> None:
        keys = self._keys.get(index_value(data.get(self.field)))
        if keys is not None:
            keys.discard(key)

    def keys(self, value: Any) -> set[str]:
        """The keys holding `value` (the index's own set: do not modify)."""
        return self._keys.get(index_value(value), _EMPTY)
