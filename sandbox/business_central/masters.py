"""BC code tables the connector syncs to CRM: schemas (API v2.0 pages) and seed rows.

One schema per entity set, properties as their resource pages list them:
`paymentTerms` (dynamics_paymentterm), `paymentMethods`, `shipmentMethods`, `taxAreas`,
`taxGroups`, `locations`, `countriesRegions`, `unitsOfMeasure`, `itemCategories`,
`salespeoplePurchasers` (dynamics_salespersonpurchaser), `generalProductPostingGroups`
and `inventoryPostingGroups` (GET only, as their pages list no other method). Rows come
from `sandbox.catalog`. BC quirks kept:

- `code` is a Code field (upper case) and the table's primary key (see
  `business_central_master_rules`),
- the company uses VAT, so `taxAreas` and `taxGroups` show VAT business and product
  posting groups with `taxType` "VAT" (read-only: the API page sets it),
- date formulas (`dueDateCalculation`) are answered as BC formats them: `30D`, `1M`, `CM`,
- `commisionPercent` is spelt as the salesperson page spells it,
- the records the connector couples carry a hidden CRM id (companion API `crmIds`), and
  inventory posting groups the connector's "create in CRM" flag (companion API
  `inventoryPostingGroupSettings`).
"""

from __future__ import annotations

from typing import Any

from sandbox.business_central.schema import (
    EntitySchema,
    boolean,
    code,
    decimal,
    enum,
    ro,
    text,
)
from sandbox.business_central.seed import CRM_ID, address, contact, master_id, stamp
from sandbox.catalog import (
    COUNTRIES,
    GEN_PRODUCT_POSTING_GROUPS,
    INVENTORY_POSTING_GROUPS,
    ITEM_CATEGORIES,
    LOCATIONS,
    PAYMENT_METHODS,
    PAYMENT_TERMS,
    SALESPEOPLE,
    SHIPMENT_METHODS,
    TAX_AREAS,
    TAX_GROUPS,
    UNITS_OF_MEASURE,
)


def _code_table(name: str, entity: str, size: int, *props: Any, crm: bool = True) -> EntitySchema:
    """A code table: `code` first; the others as given."""
    return EntitySchema(name, entity, (code("code", size), *props), hidden=CRM_ID if crm else {})


PAYMENT_TERMS_SCHEMA = _code_table(
    "paymentTerms", "paymentTerm", 10, text("displayName", 100),
    text("dueDateCalculation", 32), text("discountDateCalculation", 32),
    decimal("discountPercent"), boolean("calculateDiscountOnCreditMemos"),
)  # fmt: skip
PAYMENT_METHODS_SCHEMA = _code_table(
    "paymentMethods", "paymentMethod", 10, text("displayName", 100), crm=False
)
SHIPMENT_METHODS_SCHEMA = _code_table(
    "shipmentMethods", "shipmentMethod", 10, text("displayName", 100)
)
TAX_AREAS_SCHEMA = _code_table(
    "taxAreas", "taxArea", 20, text("displayName", 100), ro(enum("taxType", "taxBufferType"))
)
TAX_GROUPS_SCHEMA = _code_table(
    "taxGroups", "taxGroup", 20, text("displayName", 100), ro(enum("taxType", "taxBufferType")),
    crm=False,
)  # fmt: skip
LOCATIONS_SCHEMA = _code_table(
    "locations", "location", 10, text("displayName", 100), text("contact", 100), *address(),
    *contact(),
)  # fmt: skip
COUNTRIES_SCHEMA = _code_table(
    "countriesRegions", "countryRegion", 10, text("displayName", 50),
    enum("addressFormat", "countryRegionAddressFormat"),
)  # fmt: skip
UNITS_OF_MEASURE_SCHEMA = _code_table(
    "unitsOfMeasure", "unitOfMeasure", 10, text("displayName", 50),
    code("internationalStandardCode", 10), text("symbol", 10),
)  # fmt: skip
ITEM_CATEGORIES_SCHEMA = _code_table(
    "itemCategories", "itemCategory", 20, text("displayName", 100), crm=False
)
SALESPEOPLE_SCHEMA = _code_table(
    "salespeoplePurchasers", "salespersonPurchaser", 20, text("displayName", 50),
    text("email", 80), text("email2", 80), text("phoneNo", 30), text("jobTitle", 30),
    decimal("commisionPercent"), boolean("privacyBlocked"), boolean("blocked"),
)  # fmt: skip
GEN_PRODUCT_POSTING_GROUPS_SCHEMA = _code_table(
    "generalProductPostingGroups", "generalProductPostingGroup", 20, text("description", 100),
    code("defaultVATProductPostingGroup", 20), boolean("autoInsertDefault"), crm=False,
)  # fmt: skip
INVENTORY_POSTING_GROUPS_SCHEMA = EntitySchema(
    "inventoryPostingGroups", "inventoryPostingGroup",
    (code("code", 20), text("description", 100)), hidden={"createInCrm": False},
)  # fmt: skip
READ_ONLY_SETS = frozenset({"generalProductPostingGroups", "inventoryPostingGroups"})


def _rows(entity_set: str, start: int, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"id": master_id(entity_set, row["code"]), **row, "lastModifiedDateTime": stamp(start + i)}
        for i, row in enumerate(rows)
    ]


def _named(pairs: Any, name: str = "displayName", **extra: Any) -> list[dict[str, Any]]:
    return [{"code": code_value, name: text_value, **extra} for code_value, text_value in pairs]


def _payment_terms() -> list[dict[str, Any]]:
    return [
        {"code": term.code, "displayName": term.name, "dueDateCalculation": term.due,
         "discountDateCalculation": term.discount_date, "discountPercent": term.discount_percent,
         "calculateDiscountOnCreditMemos": False}
        for term in PAYMENT_TERMS
    ]  # fmt: skip


def _locations() -> list[dict[str, Any]]:
    return [
        {"code": location.code, "displayName": location.name, "contact": "Warehouse manager",
         "addressLine1": f"{index + 1} Depot Lane", "city": location.city, "country": "GB",
         "postalCode": f"CB{index + 1} 1AA", "phoneNumber": f"+44 1223 55{index:04d}",
         "email": f"{location.code.lower()}@cronus.example"}
        for index, location in enumerate(LOCATIONS)
    ]  # fmt: skip


def _salespeople() -> list[dict[str, Any]]:
    return [
        {"code": person.code, "displayName": person.name, "email": person.email,
         "jobTitle": "Account Manager", "commisionPercent": 2.5}
        for person in SALESPEOPLE
    ]  # fmt: skip


def master_sets() -> list[tuple[EntitySchema, list[dict[str, Any]]]]:
    """The code tables with their seed rows (timestamps after the parties')."""
    units = [{"code": c, "displayName": n, "internationalStandardCode": iso}
             for c, n, iso in UNITS_OF_MEASURE]  # fmt: skip
    groups = [{"code": c, "description": d, "createInCrm": flag}
              for c, d, flag in INVENTORY_POSTING_GROUPS]  # fmt: skip
    tables: list[tuple[EntitySchema, list[dict[str, Any]]]] = [
        (PAYMENT_TERMS_SCHEMA, _payment_terms()),
        (PAYMENT_METHODS_SCHEMA, _named(PAYMENT_METHODS)),
        (SHIPMENT_METHODS_SCHEMA, _named(SHIPMENT_METHODS)),
        (TAX_AREAS_SCHEMA, _named(TAX_AREAS, taxType="VAT")),
        (TAX_GROUPS_SCHEMA, _named(TAX_GROUPS, taxType="VAT")),
        (LOCATIONS_SCHEMA, _locations()),
        (COUNTRIES_SCHEMA, _named(COUNTRIES)),
        (UNITS_OF_MEASURE_SCHEMA, units),
        (ITEM_CATEGORIES_SCHEMA, _named(ITEM_CATEGORIES)),
        (SALESPEOPLE_SCHEMA, _salespeople()),
        (GEN_PRODUCT_POSTING_GROUPS_SCHEMA, _named(GEN_PRODUCT_POSTING_GROUPS, "description")),
        (INVENTORY_POSTING_GROUPS_SCHEMA, groups),
    ]
    return [(schema, _rows(schema.name, 50 + 10 * i, rows))
            for i, (schema, rows) in enumerate(tables)]  # fmt: skip
