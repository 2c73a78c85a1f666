"""Companion API views of fields the hub's extension adds to BC tables (BC_CUSTOM_API.md).

- `crmIds`: the connector's "BCS CRM ID" on every integrated record, one row per record of
  the sets in enum `crmEntitySet` (customers, contacts, items, the code tables, ship-to
  addresses, sales quotes, orders and invoices). `id` is the record's own id; PATCH with
  `If-Match` (the row's ETag is the record's) writes `crmId`; POST and DELETE → 405.
  Writing it modifies the record, so its `lastModifiedDateTime` moves, as a table
  extension field does in BC: a modified-since poll sees the write-back again,
- `inventoryPostingGroupSettings`: each inventory posting group with the connector's
  "Create in CRM" flag (`createInCrm`), which decides whether its Inventory items flow to
  CRM; PATCH writes the flag, `code` and `description` are read-only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.business_central.dialect import method_not_allowed
from sandbox.business_central.enums import ENUMS
from sandbox.business_central.schema import (
    EMPTY_GUID,
    MODIFIED,
    EntitySchema,
    boolean,
    code,
    enum,
    guid,
    ro,
    text,
)
from sandbox.odata.store import EntityStore, Record, RecordNotFound

COMPANION_DOC = "sandbox/BC_CUSTOM_API.md"
CRM_IDS = "crmIds"
POSTING_GROUP_SETTINGS = "inventoryPostingGroupSettings"
CRM_SETS = ENUMS["crmEntitySet"]

CRM_IDS_SCHEMA = EntitySchema(
    CRM_IDS, "crmId", (
        ro(enum("entitySet", "crmEntitySet")), ro(code("number", 20)), guid("crmId"),
    ), doc=COMPANION_DOC,
)  # fmt: skip
POSTING_GROUP_SETTINGS_SCHEMA = EntitySchema(
    POSTING_GROUP_SETTINGS, "inventoryPostingGroupSetting", (
        ro(code("code", 20)), ro(text("description", 100)), boolean("createInCrm"),
    ), doc=COMPANION_DOC,
)  # fmt: skip


def _crm_row(entity_set: str, record: Mapping[str, Any]) -> Record:
    return {
        "id": record["id"], "entitySet": entity_set,
        "number": record.get("number") or record.get("code", ""),
        "crmId": record.get("crmId", EMPTY_GUID), MODIFIED: record[MODIFIED],
    }  # fmt: skip


def crm_id_rows(store: EntityStore) -> list[tuple[Record, str]]:
    return [
        (_crm_row(entity_set, record), etag)
        for entity_set in CRM_SETS
        for record, etag in store.snapshot(entity_set)
    ]


def crm_id_row(store: EntityStore, key: str) -> tuple[Record, str] | None:
    """One record's crmIds row, found by id in the integrated sets."""
    for entity_set in CRM_SETS:
        try:
            record, etag = store.get(entity_set, key)
        except RecordNotFound:
            continue
        return _crm_row(entity_set, record), etag
    return None


def posting_group_setting_row(store: EntityStore, key: str) -> tuple[Record, str] | None:
    try:
        group, etag = store.get("inventoryPostingGroups", key)
    except RecordNotFound:
        return None
    return _setting_row(group), etag


def _setting_row(group: Mapping[str, Any]) -> Record:
    return {"id": group["id"], "code": group["code"], "description": group["description"],
            "createInCrm": group["createInCrm"], MODIFIED: group[MODIFIED]}  # fmt: skip


def posting_group_setting_rows(store: EntityStore) -> list[tuple[Record, str]]:
    return [(_setting_row(row), etag) for row, etag in store.snapshot("inventoryPostingGroups")]


class _UpdateOnly:
    """Rules of a view whose rows exist through other sets: PATCH only."""

    def __init__(self, store: EntityStore) -> None:
        self.store = store

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        raise method_not_allowed("POST", name)  # the route refuses it first

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        raise method_not_allowed("DELETE", name)  # the route refuses it first


class CrmIdRules(_UpdateOnly):
    """PATCH `crmIds({id})`: write the CRM id onto the record it names."""

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        for entity_set in CRM_SETS:
            try:
                self.store.get(entity_set, key)
            except RecordNotFound:
                continue
            record, etag = self.store.update(
                entity_set, key, {"crmId": changes.get("crmId", EMPTY_GUID)}, if_match=if_match
            )
            return _crm_row(entity_set, record), etag
        raise RecordNotFound(key)


class PostingGroupSettingRules(_UpdateOnly):
    """PATCH `inventoryPostingGroupSettings({id})`: the "Create in CRM" flag."""

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        flag = {"createInCrm": changes["createInCrm"]} if "createInCrm" in changes else {}
        group, etag = self.store.update("inventoryPostingGroups", key, flag, if_match=if_match)
        return _setting_row(group), etag


def companion_view_sets() -> list[tuple[EntitySchema, list[Record]]]:
    """Registered without rows: their rows are views over other sets."""
    return [(CRM_IDS_SCHEMA, []), (POSTING_GROUP_SETTINGS_SCHEMA, [])]
