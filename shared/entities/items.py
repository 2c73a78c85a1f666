"""BC units of measure and items → CRM units and products (product document §12, §13).

- Units go under the CRM unit group of the setup ("Default"), each a unit of quantity 1
  of the group's base unit, named by the BC code (what BC lines carry). A CRM unit with
  that name in the group is coupled rather than duplicated.
- Items: Service and Non-Inventory always; Inventory only when the item's inventory
  posting group has "Create in CRM". Description + Description 2 make the product name
  (cut to CRM's 100 characters; the whole text is the product's description). The base
  unit of measure is the product's default unit, so an item waits until its unit is in
  CRM. A new product gets the setup's unit group and, in the same change set, an item
  at 0 in the default price list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.domain.crm import DEFAULT_PRICE_LIST, DEFAULT_UNIT, DEFAULT_UNIT_GROUP
from shared.entities.context import EntityContext
from shared.sync.maps import (
    Choice,
    Constant,
    Copy,
    Direction,
    EntityMap,
    Extra,
    Field,
    Join,
    Lookup,
    Row,
)

UNITS_OF_MEASURE = EntityMap(
    name="units-of-measure",
    label="Unit of Measure",
    direction=Direction.BC_TO_CRM,
    source_set="unitsOfMeasure",
    target_set="uoms",
    target_table="uom",
    source_key="code",
    target_key="name",
    fields=(Field("name", ("code",), Copy(100)),),
    on_create=lambda context: {
        "uomscheduleid@odata.bind": f"/uomschedules({context.setup.required(DEFAULT_UNIT_GROUP)})",
        "baseuom@odata.bind": f"/uoms({context.setup.required(DEFAULT_UNIT)})",
        "quantity": 1,
    },
    match_scope=lambda context: (
        f"_uomscheduleid_value eq {context.setup.required(DEFAULT_UNIT_GROUP)}"
    ),
    auto_sync="units_of_measure",
    setup=(DEFAULT_UNIT_GROUP, DEFAULT_UNIT),
)


def _for_crm(item: Row, context: EntityContext) -> bool:
    kind = Choice({"Inventory": "Inventory"}, default="other")((item.get("type"),), "type")
    if kind != "Inventory":
        return True  # Service and Non-Inventory always flow
    group = str(item.get("inventoryPostingGroupCode") or "").upper()
    return group in context.inventory_groups_for_crm()


def _price_list_item(product: Mapping[str, Any], product_id: str, context: Any) -> dict[str, Any]:
    unit = product.get("defaultuomid@odata.bind") or (
        f"/uoms({context.setup.required(DEFAULT_UNIT)})"
    )
    return {
        "pricelevelid@odata.bind": f"/pricelevels({context.setup.required(DEFAULT_PRICE_LIST)})",
        "productid@odata.bind": f"/products({product_id})",
        "uomid@odata.bind": unit,
        "amount": 0,
        "pricingmethodcode": 1,  # Currency Amount
    }


ITEMS = EntityMap(
    name="items",
    label="Item",
    direction=Direction.BC_TO_CRM,
    source_set="items",
    target_set="products",
    target_table="product",
    source_key="number",
    target_key="productnumber",
    fields=(
        Field("productnumber", ("number",), Copy(100)),
        Field("name", ("displayName", "displayName2"), Join(" ", limit=100)),
        Field("description", ("displayName", "displayName2"), Join(" ")),
        Field(
            "producttypecode", ("type",), Choice({"Inventory": 1, "Service": 3, "Non-Inventory": 2})
        ),
        Field("productstructure", ("number",), Constant(1)),
    ),
    lookups=(
        Lookup("baseUnitOfMeasureCode", "units-of-measure", "defaultuomid@odata.bind", "uoms"),
    ),
    include=_for_crm,
    filter_label="Service and Non-Inventory items; Inventory items whose inventory posting "
    "group has Create in CRM",
    on_create=lambda context: {
        "defaultuomscheduleid@odata.bind": (
            f"/uomschedules({context.setup.required(DEFAULT_UNIT_GROUP)})"
        ),
        "defaultuomid@odata.bind": f"/uoms({context.setup.required(DEFAULT_UNIT)})",
        "quantitydecimal": 0,
    },
    extras=(Extra("default-price-list-item", "productpricelevels", _price_list_item),),
    auto_sync="items",
    setup=(DEFAULT_UNIT_GROUP, DEFAULT_UNIT, DEFAULT_PRICE_LIST),
)
