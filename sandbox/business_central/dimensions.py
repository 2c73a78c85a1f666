"""Dimensions on BC documents: dimension set lines, their checks and their inheritance.

BC behaviour reproduced:

- a dimension set line is written with `code` (or `id`) and `valueCode` (or `valueId`);
  neither → 400 'The "id" or "code" field must be filled in.' (and the same for the
  value); codes are Code fields, so `cc-100` means `CC-100`,
- an unknown dimension or value → 400 `Internal_RecordNotFound` naming it
  (`... Dimension Code='COSTCENTRE',Code='CC-300'`); a blocked value → 400
  `Dimension Value COSTCENTRE - CC-900 is blocked.`,
- a dimension already in the parent's set → 400 'The dimension set line already
  exists. ...' (a document starts with its customer's or vendor's default dimensions,
  and a line with its document's, so adding one of those again is refused: PATCH it),
- `id` and `code` of an existing line cannot change; its value can,
- changing a document's dimension changes it on every line that had the old value (BC
  answers its "update the lines?" question with yes in an API session), and the header's
  `shortcutDimension1Code`/`2Code` follow the global dimensions,
- nothing can change on a posted document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.business_central.dialect import dialog, record_not_found
from sandbox.business_central.documents import (
    BY_CAPTION,
    BY_LINE_CAPTION,
    DIMENSION_SET_LINES,
    GLOBAL_DIMENSIONS,
    DocumentKind,
    dimension_line_key,
    ensure_draft,
)
from sandbox.odata.store import EntityStore, Record, RecordNotFound

ALREADY_EXISTS = (
    "The dimension set line already exists. Check existing dimension set lines and the "
    "default dimension set lines on the parent."
)


def _code(value: Any) -> str:
    return str(value or "").upper()


def resolve_dimension(store: EntityStore, fields: Mapping[str, Any]) -> Record:
    """The dimension named by `id` and/or `code`."""
    dimension_id, code = fields.get("id"), _code(fields.get("code"))
    if not dimension_id and not code:
        raise dialog('The "id" or "code" field must be filled in.')
    if dimension_id:
        try:
            dimension, _ = store.get("dimensions", str(dimension_id))
        except RecordNotFound:
            raise dialog('The "id" does not match to a Dimension.') from None
        if code and code != dimension["code"]:
            raise dialog("The dimension field values do not match to a specific Dimension.")
        return dimension
    found = [row for row, _ in store.find("dimensions", "code", code) if row["code"] == code]
    if not found:
        raise record_not_found("Dimension", {"Code": code})
    return dict(found[0])


def resolve_value(store: EntityStore, dimension: Record, fields: Mapping[str, Any]) -> Record:
    """The value of `dimension` named by `valueId` and/or `valueCode`; never a blocked one."""
    value_id, code = fields.get("valueId"), _code(fields.get("valueCode"))
    if not value_id and not code:
        raise dialog('The "valueId" or "valueCode" field must be filled in.')
    if value_id:
        try:
            value, _ = store.get("dimensionValues", str(value_id))
        except RecordNotFound:
            value = {}
        if value.get("dimensionId") != dimension["id"]:
            raise dialog('The "valueId" does not match to a Dimension Value.')
        if code and code != value["code"]:
            raise dialog(
                'The values of the "dimensionCode" field and the "dimensionId" field do not '
                "refer to the same Dimension Value."
            )
    else:
        rows = store.find("dimensionValues", "dimensionId", dimension["id"])
        found = [row for row, _ in rows if row["code"] == code]
        if not found:
            raise record_not_found(
                "Dimension Value", {"Dimension Code": dimension["code"], "Code": code}
            )
        value = dict(found[0])
    if value.get("blocked"):
        raise dialog(f"Dimension Value {dimension['code']} - {value['code']} is blocked.")
    return value


def dimension_lines(store: EntityStore, parent_id: str) -> dict[str, Record]:
    """The dimension set of a header or line: dimension code → dimension set line."""
    rows = store.find(DIMENSION_SET_LINES, "parentId", parent_id)
    return {row["code"]: dict(row) for row, _ in rows}


def line_row(parent_type: str, parent_id: str, dimension: Record, value: Record) -> Record:
    return {
        "systemKey": dimension_line_key(parent_id, dimension["id"]),
        "id": dimension["id"], "code": dimension["code"], "consolidationCode": "",
        "parentId": parent_id, "parentType": parent_type,
        "displayName": dimension["displayName"], "valueId": value["id"],
        "valueCode": value["code"], "valueConsolidationCode": "",
        "valueDisplayName": value["displayName"],
    }  # fmt: skip


def parent_document(
    store: EntityStore, parent_type: str, parent_id: str
) -> tuple[DocumentKind, Record, bool]:
    """(kind, header, whether the parent is the header itself) of a dimension set line."""
    try:
        if parent_type in BY_CAPTION:
            kind = BY_CAPTION[parent_type]
            return kind, store.get(kind.header_set, parent_id)[0], True
        kind = BY_LINE_CAPTION[parent_type]
        line, _ = store.get(kind.line_set, parent_id)
        return kind, store.get(kind.header_set, line["documentId"])[0], False
    except (RecordNotFound, KeyError):
        raise dialog(f"Parent with ID {parent_id} does not exist.") from None


def copy_dimension_lines(
    store: EntityStore, rows: list[Record], parent_type: str, parent_id: str
) -> None:
    """Give a header or line these dimension set lines (defaults, or its header's set)."""
    for row in rows:
        copy = {**row, "parentType": parent_type, "parentId": parent_id}
        copy["systemKey"] = dimension_line_key(parent_id, row["id"])
        store.insert(DIMENSION_SET_LINES, copy)


def default_dimension_lines(store: EntityStore, parent_type: str, parent_id: str) -> list[Record]:
    """The default dimensions (with a value) of a customer, vendor or item as set lines."""
    rows = []
    for default, _ in store.find("defaultDimensions", "parentId", parent_id):
        if default["parentType"] != parent_type or not default["dimensionValueCode"]:
            continue
        dimension, _ = store.get("dimensions", default["dimensionId"])
        value, _ = store.get("dimensionValues", default["dimensionValueId"])
        rows.append(line_row("", "", dimension, value))
    return rows


def delete_dimension_lines(store: EntityStore, parent_id: str) -> None:
    for row in dimension_lines(store, parent_id).values():
        store.delete(DIMENSION_SET_LINES, row["systemKey"])


def sync_shortcuts(store: EntityStore, kind: DocumentKind, header_id: str) -> None:
    """Header shortcut dimension fields = its values of the two global dimensions."""
    dimensions = dimension_lines(store, header_id)
    shortcuts = {
        f"shortcutDimension{number}Code": dimensions.get(code, {}).get("valueCode", "")
        for number, code in enumerate(GLOBAL_DIMENSIONS, start=1)
    }
    header, _ = store.get(kind.header_set, header_id)
    if any(header.get(name) != value for name, value in shortcuts.items()):
        store.update(kind.header_set, header_id, shortcuts)


def propagate_to_lines(
    store: EntityStore, kind: DocumentKind, header_id: str, old: Record | None, new: Record | None
) -> None:
    """Apply a header dimension change to the lines that followed the header's old value."""
    code = (old or new or {})["code"]
    old_value = old["valueCode"] if old else None
    for line, _ in store.find(kind.line_set, "documentId", header_id):
        current = dimension_lines(store, line["id"]).get(code)
        if (current["valueCode"] if current else None) != old_value:
            continue  # the line has its own value: BC leaves it alone
        if current is not None:
            store.delete(DIMENSION_SET_LINES, current["systemKey"])
        if new is not None:
            copy_dimension_lines(store, [new], kind.line_caption, line["id"])


class DimensionLineRules:
    """Writes to `dimensionSetLines`, as the engine's writer for that set."""

    def __init__(self, store: EntityStore) -> None:
        self.store = store

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        parent_type, parent_id = str(record["parentType"]), str(record["parentId"]).lower()
        kind, header, is_header = parent_document(self.store, parent_type, parent_id)
        ensure_draft(kind, header)
        dimension = resolve_dimension(self.store, record)
        value = resolve_value(self.store, dimension, record)
        if dimension["code"] in dimension_lines(self.store, parent_id):
            raise dialog(ALREADY_EXISTS)
        row = line_row(parent_type, parent_id, dimension, value)
        self.store.insert(name, row)
        self._after_change(kind, header["id"], is_header, None, row)
        return self.store.get(name, row["systemKey"])

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        current, _ = self.store.get(name, key)
        kind, header, is_header = parent_document(
            self.store, current["parentType"], current["parentId"]
        )
        ensure_draft(kind, header)
        if (
            str(changes.get("id", current["id"])).lower() != current["id"]
            or _code(changes.get("code", current["code"])) != current["code"]
        ):
            raise dialog('The "id" and "code" fields cannot be modified.')
        dimension, _ = self.store.get("dimensions", current["id"])
        value = resolve_value(self.store, dimension, changes) if (
            "valueId" in changes or "valueCode" in changes
        ) else self.store.get("dimensionValues", current["valueId"])[0]  # fmt: skip
        row = line_row(current["parentType"], current["parentId"], dimension, value)
        updated = self.store.update(name, key, row, if_match=if_match)
        self._after_change(kind, header["id"], is_header, current, row)
        return updated

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        current, _ = self.store.get(name, key)
        kind, header, is_header = parent_document(
            self.store, current["parentType"], current["parentId"]
        )
        ensure_draft(kind, header)
        self.store.delete(name, key, if_match=if_match)
        self._after_change(kind, header["id"], is_header, current, None)

    def _after_change(
        self, kind: DocumentKind, header_id: str, is_header: bool,
        old: Record | None, new: Record | None,
    ) -> None:  # fmt: skip
        if is_header:
            propagate_to_lines(self.store, kind, header_id, old, new)
            sync_shortcuts(self.store, kind, header_id)
