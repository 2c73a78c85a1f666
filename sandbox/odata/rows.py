"""The rows of one entity set in the store: data, ETag, version, indexes and tombstones."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.odata.index import FieldIndex
from sandbox.odata.spec import EntitySetSpec

Record = dict[str, Any]


@dataclass
class Row:
    data: Record
    etag: str
    version: int  # the number of the write that produced it


@dataclass
class RowSet:
    spec: EntitySetSpec
    rows: dict[str, Row] = field(default_factory=dict)
    indexes: dict[str, FieldIndex] = field(default_factory=dict)
    tombstones: dict[str, tuple[str, int]] = field(default_factory=dict)  # key → (id, version)

    def put(self, key: str, row: Row | None) -> None:
        """Replace (or, with None, remove) the row at `key`, keeping the indexes right."""
        previous = self.rows.pop(key, None)
        for index in self.indexes.values():
            if previous is not None:
                index.remove(key, previous.data)
            if row is not None:
                index.add(key, row.data)
        if row is not None:
            self.rows[key] = row

    def changed_since(self, version: int) -> tuple[list[tuple[Record, str]], list[str]]:
        """(row, etag) written after `version`, oldest first; ids deleted after it."""
        changed = sorted(
            (r for r in self.rows.values() if r.version > version), key=lambda r: r.version
        )
        deleted = sorted(
            (t for t in self.tombstones.values() if t[1] > version), key=lambda t: t[1]
        )
        return [(row.data, row.etag) for row in changed], [key for key, _ in deleted]
