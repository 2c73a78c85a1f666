"""What BC checks and computes when master data is written or read through API v2.0.

BC behaviour reproduced (messages as the APIV2 pages raise them):

- code tables are keyed by `code`: a second record with the same code → 400
  `Internal_EntityWithSameKeyExists` "The Payment Terms already exists. Identification
  fields and values: Code='30 DAYS'"; the code may be renamed to a free one,
- `dueDateCalculation`/`discountDateCalculation` must be date formulas (`30D`, `1M+2W`,
  `CM`, `-1Y`, `<CM+10D>`) → else 400 `Application_EvaluateException` 'The value "soon"
  cannot be evaluated into type DateFormula.'; stored in upper case without brackets,
- references by id must exist: 'The "paymentTermsId" does not match to a Payment Terms.'
  (also shipment method, payment method, tax area, currency); an id and a code given
  together must name the same record ("The currency values do not match to a specific
  Currency."); a code alone finds the id ('The "itemCategoryCode" does not match to a
  Item Category.'), "" clears both,
- customers and vendors need a `displayName` on POST ('A "displayName" must be
  provided.') and cannot blank it ('The blank "displayName" is not allowed.'),
- a new customer gets its Company contact, and changes follow to it (see contacts),
- a customer's or vendor's `email` is checked as BC's E-Mail field is
  (`business_central_emails`: 'The email address "x" is not valid.'),
- computed on every read: a customer's `balanceDue` (open ledger entries, in LCY) and
  `taxAreaDisplayName`; an item's `inventory` (stock summed over locations, companion
  `locationInventories`). Stock moving does not touch the item's `lastModifiedDateTime`,
  as BC's Inventory is a FlowField.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.business_central.contacts import sync_company_contact, unlink_company_contact
from sandbox.business_central.dialect import bc_error, dialog
from sandbox.business_central.document_parties import currency_fields
from sandbox.business_central.emails import with_checked_email
from sandbox.business_central.relations import (
    CAPTIONS,
    check_relations,
    check_unique_number,
    find_code,
)
from sandbox.business_central.schema import EMPTY_GUID
from sandbox.odata.store import EntityStore, Record, RecordNotFound

_FORMULA = re.compile(r"^[+-]?(?:\d+[DWMQY]|C[DWMQY])(?:[+-](?:\d+[DWMQY]|C[DWMQY]))*$")


def date_formula(name: str, value: Any) -> str:
    text = str(value).upper().replace(" ", "").strip("<>")
    if text and not _FORMULA.match(text):
        raise bc_error(
            400, "Application_EvaluateException",
            f'The value "{value}" cannot be evaluated into type DateFormula.',
        )  # fmt: skip
    return text


class CodeTableRules:
    """Writes to a code table: `code` is its primary key."""

    def __init__(self, store: EntityStore) -> None:
        self.store = store

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        fields = self._checked(name, record, None)
        return self.store.insert(name, fields)

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        current, _ = self.store.get(name, key)
        return self.store.update(
            name, key, self._checked(name, changes, current), if_match=if_match
        )

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        self.store.delete(name, key, if_match=if_match)

    def _checked(self, name: str, fields: Mapping[str, Any], current: Record | None) -> Record:
        checked = dict(fields)
        for formula in ("dueDateCalculation", "discountDateCalculation"):
            if formula in checked:
                checked[formula] = date_formula(formula, checked[formula])
        check_relations(self.store, name, checked)
        if "code" in checked or current is None:
            value = str(checked.get("code", ""))
            other = find_code(self.store, name, value)
            if other is not None and (current is None or other["id"] != current["id"]):
                raise bc_error(
                    400, "Internal_EntityWithSameKeyExists",
                    f"The {CAPTIONS.get(name, name)} already exists. Identification fields "
                    f"and values: Code='{value}'",
                )  # fmt: skip
        return checked


@dataclass(frozen=True)
class Reference:
    """An id property (and the code property beside it) naming a record of another set."""

    id_field: str
    entity_set: str
    code_field: str | None = None
    caption: str = ""
    match_field: str = "code"  # the referenced record's field the code names

    def resolve(self, store: EntityStore, fields: Mapping[str, Any]) -> Record:
        caption = self.caption or CAPTIONS[self.entity_set]
        by_id = fields.get(self.id_field)
        by_code = fields.get(self.code_field) if self.code_field else None
        if by_id not in (None, EMPTY_GUID):
            try:
                found, _ = store.get(self.entity_set, str(by_id))
            except RecordNotFound:
                raise dialog(f'The "{self.id_field}" does not match to a {caption}.') from None
            if by_code is not None and by_code != found[self.match_field]:
                raise dialog(f"The {caption.lower()} values do not match to a specific {caption}.")
            return {self.id_field: found["id"], **self._code(found[self.match_field])}
        if by_code:
            match = find_code(store, self.entity_set, str(by_code))
            if match is None:
                raise dialog(f'The "{self.code_field}" does not match to a {caption}.')
            return {self.id_field: match["id"], **self._code(by_code)}
        if by_id == EMPTY_GUID or by_code == "":
            return {self.id_field: EMPTY_GUID, **self._code("")}
        return {}

    def _code(self, value: Any) -> Record:
        return {self.code_field: value} if self.code_field else {}


def resolve_references(
    store: EntityStore, references: tuple[Reference, ...], fields: Mapping[str, Any]
) -> Record:
    resolved: Record = {}
    for reference in references:
        resolved.update(reference.resolve(store, fields))
    return resolved


class PartyRules:
    """Writes to `customers` or `vendors`: name rules, references, the Company contact."""

    def __init__(self, store: EntityStore, references: tuple[Reference, ...]) -> None:
        self.store = store
        self.references = references

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        if not record.get("displayName"):
            raise dialog('A "displayName" must be provided.')
        check_unique_number(self.store, name, record.get("number"), None)
        check_relations(self.store, name, record)
        fields = {**with_checked_email(record), **self._resolved(record, "")}
        created, etag = self.store.insert(name, fields)
        if name == "customers":
            sync_company_contact(self.store, created, created=True)
        return created, etag

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        current, _ = self.store.get(name, key)
        if "displayName" in changes and not changes["displayName"]:
            raise dialog('The blank "displayName" is not allowed.')
        check_unique_number(self.store, name, changes.get("number"), current)
        check_relations(self.store, name, changes)
        fields = {**with_checked_email(changes), **self._resolved(changes, current["currencyCode"])}
        updated, etag = self.store.update(name, key, fields, if_match=if_match)
        if name == "customers":
            sync_company_contact(self.store, updated, created=False)
        return updated, etag

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        self.store.delete(name, key, if_match=if_match)
        if name == "customers":
            unlink_company_contact(self.store, key)

    def _resolved(self, fields: Mapping[str, Any], currency: str) -> Record:
        resolved = resolve_references(self.store, self.references, fields)
        if "currencyId" in fields or "currencyCode" in fields:
            resolved.update(currency_fields(self.store, fields, currency))
        return resolved


class ItemRules:
    """Writes to `items`: each id/code pair resolved against its table."""

    def __init__(self, store: EntityStore, references: tuple[Reference, ...]) -> None:
        self.store = store
        self.references = references

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        check_unique_number(self.store, name, record.get("number"), None)
        return self.store.insert(name, {**record, **self._resolved(record)})

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        current, _ = self.store.get(name, key)
        check_unique_number(self.store, name, changes.get("number"), current)
        fields = {**changes, **self._resolved(changes)}
        return self.store.update(name, key, fields, if_match=if_match)

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        self.store.delete(name, key, if_match=if_match)

    def _resolved(self, fields: Mapping[str, Any]) -> Record:
        return resolve_references(self.store, self.references, fields)


CUSTOMER_REFERENCES = (
    Reference("paymentTermsId", "paymentTerms"), Reference("shipmentMethodId", "shipmentMethods"),
    Reference("paymentMethodId", "paymentMethods"), Reference("taxAreaId", "taxAreas"),
)  # fmt: skip
VENDOR_REFERENCES = (
    Reference("paymentTermsId", "paymentTerms"), Reference("paymentMethodId", "paymentMethods"),
)  # fmt: skip
ITEM_REFERENCES = (
    Reference("itemCategoryId", "itemCategories", "itemCategoryCode"),
    Reference("taxGroupId", "taxGroups", "taxGroupCode"),
    Reference("baseUnitOfMeasureId", "unitsOfMeasure", "baseUnitOfMeasureCode"),
    Reference("generalProductPostingGroupId", "generalProductPostingGroups",
              "generalProductPostingGroupCode"),
    Reference("inventoryPostingGroupId", "inventoryPostingGroups", "inventoryPostingGroupCode"),
)  # fmt: skip


def customer_view(store: EntityStore) -> list[tuple[Record, str]]:
    """Customers with `balanceDue` and `taxAreaDisplayName` as BC computes them on read."""
    return [(with_customer_totals(store, row), etag) for row, etag in store.snapshot("customers")]


def computed_row(
    entity_set: str, compute: Callable[[EntityStore, Mapping[str, Any]], Record],
    store: EntityStore, key: str,
) -> tuple[Record, str] | None:  # fmt: skip
    """One record of a computed-on-read set, by id (without computing the others)."""
    try:
        row, etag = store.get(entity_set, key)
    except RecordNotFound:
        return None
    return compute(store, row), etag


def with_customer_totals(store: EntityStore, customer: Mapping[str, Any]) -> Record:
    open_entries = store.find("customerLedgerEntries", "customerId", customer["id"])
    balance = sum(float(entry["remainingAmountLCY"]) for entry, _ in open_entries)
    area = store.find("taxAreas", "id", customer["taxAreaId"])
    return {**customer, "balanceDue": round(balance, 2),
            "taxAreaDisplayName": area[0][0]["displayName"] if area else ""}  # fmt: skip


def item_view(store: EntityStore) -> list[tuple[Record, str]]:
    """Items with `inventory` summed over their stock per location."""
    return [(with_inventory(store, row), etag) for row, etag in store.snapshot("items")]


def with_inventory(store: EntityStore, item: Mapping[str, Any]) -> Record:
    stock = store.find("locationInventories", "itemId", item["id"])
    return {**item, "inventory": round(sum(float(row["quantity"]) for row, _ in stock), 5)}


class ComputedOnRead:
    """Wraps a set's writer so its answers show the fields BC computes on read."""

    def __init__(self, inner: Any, store: EntityStore,
                 compute: Callable[[EntityStore, Mapping[str, Any]], Record]) -> None:  # fmt: skip
        self.inner, self.store, self.compute = inner, store, compute

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        row, etag = self.inner.insert(name, record)
        return self.compute(self.store, row), etag

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        row, etag = self.inner.update(name, key, changes, if_match=if_match)
        return self.compute(self.store, row), etag

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        self.inner.delete(name, key, if_match=if_match)
