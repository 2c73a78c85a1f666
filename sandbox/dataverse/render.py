"""A stored row as the Web API returns it.

- `@odata.etag` first, then the columns in table order; with `$select` only the selected
  ones plus the primary key (always returned, select-columns), and `_transactioncurrencyid_value`
  when a money column is selected ("included because revenue is a currency property"),
- lookups appear as `_x_value`; the hidden target of a multi-table lookup never does,
- `versionnumber` is the row version the ETag carries,
- requested annotations precede the property they annotate.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sandbox.dataverse.annotations import Formatter, Requested
from sandbox.dataverse.schema import Kind, Table
from sandbox.dataverse.tables import Catalog
from sandbox.odata.store import EntityStore, Record

_DIGITS = re.compile(r"\d+")


def version_of(etag: str) -> int:
    match = _DIGITS.search(etag)
    return int(match.group()) if match else 0


def selected(table: Table, select: Sequence[str] | None) -> list[str]:
    """Property names an answer carries, in table order."""
    if select is None:
        return [column.property_name for column in table.columns]
    wanted = set(select) | {table.primary_id}
    money = any((c := table.column(name)) is not None and c.kind == Kind.MONEY for name in select)
    if money and table.column("_transactioncurrencyid_value") is not None:
        wanted.add("_transactioncurrencyid_value")
    return [c.property_name for c in table.columns if c.property_name in wanted]


class Renderer:
    def __init__(self, catalog: Catalog, store: EntityStore) -> None:
        self.formatter = Formatter(catalog, store)

    def entity(
        self,
        table: Table,
        row: Record,
        etag: str | None,
        select: Sequence[str] | None,
        wanted: Requested,
    ) -> Record:
        """The row as JSON; `etag` None leaves `@odata.etag` out (expanded lookups)."""
        values = dict(row)
        if etag is not None:
            values["versionnumber"] = version_of(etag)
        entity: Record = {} if etag is None else {"@odata.etag": etag}
        for name in selected(table, select):
            column = table.column(name)
            if column is not None and wanted:
                entity.update(self.formatter.annotate(table, column, values, wanted))
            entity[name] = values.get(name)
        return entity
