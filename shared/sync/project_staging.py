"""The hub's copies of the two stagings of the credit-notes flow (product document 001).

- **BC Invoice Stagings** (`projectinvoices`, lines in `projectinvoicelines`): one row per
  confirmed Project Operations invoice, keyed by its invoice id; its lines are the
  invoice's line details (one row each, partition = the invoice). Project Operations users
  see the same rows in Dataverse (`bcs_bcinvoicestagings`), which the flow writes after
  every change; this copy is what the hub decides from.
- **Dataverse Credit Memos** (`projectcreditmemos`, lines in `projectcreditmemolines`):
  one row per confirmed revision, keyed by the revision's invoice id (the Credit Note
  Invoice ID); its lines are what it takes back, one per original line detail.

Rows are dicts of the columns (PascalCase, as Table Storage keeps them); `view` turns one
into the JSON the HTTP actions and the CLI show.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from shared.errors import NotFound
from shared.ports.store import Entity, StagingStore
from shared.registry import Table

HEADER = "staged"


class Staging:
    """One staging: header rows in `table`, their lines in `lines_table`."""

    def __init__(self, store: StagingStore, table: Table, lines_table: Table, label: str) -> None:
        self.store, self.table, self.lines_table, self.label = store, table, lines_table, label

    def find(self, key: str) -> dict[str, Any] | None:
        try:
            entity = self.store.get(self.table, HEADER, key.lower())
        except NotFound:
            return None
        return {**entity.data, "Id": entity.row}

    def get(self, key: str) -> dict[str, Any]:
        """Raises NotFound naming the record."""
        found = self.find(key)
        if found is None:
            raise NotFound(f"{key} is not in the {self.label}", record=key)
        return found

    def save(self, key: str, **values: Any) -> dict[str, Any]:
        """Merge `values` into the row (created if new); answers the whole row."""
        self.store.upsert_many(self.table, [Entity(HEADER, key.lower(), dict(values))])
        return self.get(key)

    def rows(self, **where: Any) -> Iterator[dict[str, Any]]:
        for entity in self.store.query(self.table, partition=HEADER, where=where or None):
            yield {**entity.data, "Id": entity.row}

    def lines(self, key: str) -> list[dict[str, Any]]:
        found = [{**e.data, "Id": e.row}
                 for e in self.store.query(self.lines_table, partition=key.lower())]  # fmt: skip
        return sorted(found, key=lambda line: (int(line.get("Sequence") or 0), line["Id"]))

    def save_lines(self, key: str, lines: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
        """The lines as given (replacing each; any other line of the row is removed)."""
        wanted = {line_key.lower() for line_key, _ in lines}
        for old in self.lines(key):
            if old["Id"] not in wanted:
                self.store.delete(self.lines_table, key.lower(), old["Id"])
        self.store.upsert_many(self.lines_table, [
            Entity(key.lower(), line_key.lower(), dict(values)) for line_key, values in lines
        ], replace=True)  # fmt: skip

    def update_lines(self, key: str, values: Mapping[str, Any]) -> None:
        """Merge `values` into every line of the row."""
        self.merge_lines(key, [(line["Id"], values) for line in self.lines(key)])

    def merge_lines(self, key: str, lines: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
        """Merge each line's values into that line (its other columns stay)."""
        self.store.upsert_many(self.lines_table, [
            Entity(key.lower(), line_key.lower(), dict(values)) for line_key, values in lines
        ])  # fmt: skip


def invoice_staging(store: StagingStore) -> Staging:
    return Staging(store, Table.PROJECT_INVOICES, Table.PROJECT_INVOICE_LINES,
                   "BC Invoice Stagings")  # fmt: skip


def credit_memo_staging(store: StagingStore) -> Staging:
    return Staging(store, Table.PROJECT_CREDIT_MEMOS, Table.PROJECT_CREDIT_MEMO_LINES,
                   "Dataverse Credit Memos")  # fmt: skip


def view(
    row: Mapping[str, Any], lines: Sequence[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """A staging row as JSON: camelCase names, the lines when given."""
    shown = {_camel(name): value for name, value in row.items()}
    if lines is not None:
        shown["lines"] = [{_camel(name): value for name, value in line.items()} for line in lines]
    return shown


def _camel(name: str) -> str:
    match = re.match(r"^([A-Z]+)(?=[A-Z][a-z]|$)", name)
    if match and len(match.group(1)) > 1:
        return match.group(1).lower() + name[len(match.group(1)) :]
    return name[:1].lower() + name[1:]
