"""Keys and table relations of BC master data, checked as BC checks them on write.

- a record's primary key must be free: `code` of code tables, `number` of customers,
  vendors and items → else 400 `Internal_EntityWithSameKeyExists` "The Customer already
  exists. Identification fields and values: No.='C00010'",
- a code field with a table relation (country, salesperson, tax area) must name an
  existing record → else 400 `Internal_InvalidTableRelation` "The field Country/Region
  Code of table Customer contains a value (XX) that cannot be found in the related table
  (Country/Region)." (both documented on webservices/dynamics-error-codes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.business_central.dialect import bc_error
from sandbox.odata.store import EntityStore, Record
from sandbox.server import ServiceError

CAPTIONS = {
    "paymentTerms": "Payment Terms", "paymentMethods": "Payment Method",
    "shipmentMethods": "Shipment Method", "taxAreas": "Tax Area", "taxGroups": "Tax Group",
    "locations": "Location", "countriesRegions": "Country/Region",
    "unitsOfMeasure": "Unit of Measure", "itemCategories": "Item Category",
    "salespeoplePurchasers": "Salesperson/Purchaser", "currencies": "Currency",
    "shippingAgents": "Shipping Agent", "generalProductPostingGroups": "Gen. Product Posting Group",
    "inventoryPostingGroups": "Inventory Posting Group",
    "configurationTemplates": "Config. Template Header",
}  # fmt: skip
_NUMBERED = {"customers": "Customer", "vendors": "Vendor", "items": "Item"}
# (entity set, property, BC's field caption, related set) checked as table relations
RELATIONS = (
    ("customers", "country", "Country/Region Code", "countriesRegions"),
    ("customers", "salespersonCode", "Salesperson Code", "salespeoplePurchasers"),
    ("vendors", "country", "Country/Region Code", "countriesRegions"),
    ("contacts", "country", "Country/Region Code", "countriesRegions"),
    ("locations", "country", "Country/Region Code", "countriesRegions"),
)


def find_code(store: EntityStore, entity_set: str, value: str) -> Record | None:
    found = [row for row, _ in store.find(entity_set, "code", value) if row["code"] == value]
    return dict(found[0]) if found else None


def check_relation(
    store: EntityStore, table: str, caption: str, value: Any, related_set: str
) -> None:
    """A code field with a table relation must name a record of the related table."""
    if value and find_code(store, related_set, str(value)) is None:
        raise relation_error(table, caption, value, CAPTIONS[related_set])


def relation_error(table: str, caption: str, value: Any, related_table: str) -> ServiceError:
    """What BC answers when a field names no record of its related table."""
    return bc_error(
        400, "Internal_InvalidTableRelation",
        f"The field {caption} of table {table} contains a value ({value}) that cannot be "
        f"found in the related table ({related_table}).",
    )  # fmt: skip


def check_relations(store: EntityStore, entity_set: str, fields: Mapping[str, Any]) -> None:
    table = _NUMBERED.get(entity_set) or CAPTIONS.get(entity_set) or "Contact"
    for name, field, caption, related in RELATIONS:
        if name == entity_set and field in fields:
            check_relation(store, table, caption, fields[field], related)


def check_unique_number(
    store: EntityStore, entity_set: str, number: Any, current: Record | None
) -> None:
    """`number` is the No. primary key of customers, vendors and items."""
    if not number:
        return
    for row, _ in store.find(entity_set, "number", number):
        if row["number"] == number and (current is None or row["id"] != current["id"]):
            raise bc_error(
                400, "Internal_EntityWithSameKeyExists",
                f"The {_NUMBERED[entity_set]} already exists. Identification fields and "
                f"values: No.='{number}'",
            )  # fmt: skip
