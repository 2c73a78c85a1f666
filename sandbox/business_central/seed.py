"""Companies, customers, vendors, items and currencies of the BC simulator: schemas and rows.

Properties follow the API v2.0 resource pages (`dynamics_company`, `_customer`,
`_vendor`, `_item`, `_currency`). Ids are stable GUIDs derived from the business key, and
seed timestamps lie in the past, so a `lastModifiedDateTime gt <now>` poll returns nothing
until something is written. Customers, vendors and items draw numbers from a number
series when a POST leaves `number` out, as BC's No. Series do. Items are the catalog's
license SKUs (Non-Inventory), its service lines (Service, by the hour) and its stock
items (Inventory, with stock per location). Read-only, as BC computes them:
`balanceDue`, `taxAreaDisplayName`, `balance` and `inventory` (the item page says
"Read-Only"; the APIV2 page would post an inventory adjustment instead).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.business_central.schema import (
    EMPTY_GUID,
    EntitySchema,
    Prop,
    boolean,
    code,
    datetime_,
    decimal,
    enum,
    guid,
    ro,
    text,
)
from sandbox.catalog import (
    CURRENCIES,
    CUSTOMERS,
    LICENSE_SKUS,
    SERVICE_LINES,
    STOCK_ITEMS,
    VENDORS,
    stable_id,
)
from sandbox.odata.spec import NumberSeries

_SEED_TIME = datetime(2025, 1, 15, 8, 0, tzinfo=UTC)
CRM_ID = {"crmId": EMPTY_GUID}  # the connector's "BCS CRM ID" (companion API: crmIds)
TAX_AREA_OF_COUNTRY = {"GB": "DOMESTIC", "IE": "EU", "DE": "EU", "FR": "EU", "DK": "EU"}
# Customer (table 18) fields v2.0 does not show; the companion API's crmCustomers does.
CUSTOMER_TABLE_FIELDS = {
    "name2": "", "faxNumber": "", "shippingAgentCode": "", "templateCode": "",
    "customerPostingGroup": "", "genBusPostingGroup": "",
}  # fmt: skip
# (Customer Posting Group, Gen. Bus. Posting Group) of the seeded customers, by tax area
_POSTING_GROUPS = {"DOMESTIC": ("DOMESTIC", "DOMESTIC"), "EU": ("EU", "EU"),
                   "EXPORT": ("FOREIGN", "EXPORT")}  # fmt: skip


def address() -> tuple[Prop, ...]:
    """addressLine1 … postalCode as master records have them (Customer's field sizes)."""
    return (text("addressLine1", 100), text("addressLine2", 50), text("city", 30),
            text("state", 30), code("country", 10), code("postalCode", 20))  # fmt: skip


def contact() -> tuple[Prop, ...]:
    return (text("phoneNumber", 30), text("email", 80), text("website", 80))


COMPANIES = EntitySchema(
    "companies", "company", (
        text("systemVersion"), Prop("timestamp", "int64"), text("name", 30),
        text("displayName", 250), text("businessProfileId", 250), datetime_("systemCreatedAt"),
        guid("systemCreatedBy"), datetime_("systemModifiedAt"), guid("systemModifiedBy"),
    ), modified=False,
)  # fmt: skip

CUSTOMERS_SCHEMA = EntitySchema(
    "customers", "customer", (
        code("number", 20), text("displayName", 100), enum("type", "contactType"), *address(),
        *contact(), code("salespersonCode", 20), ro(decimal("balanceDue")),
        decimal("creditLimit"), boolean("taxLiable"), guid("taxAreaId"),
        ro(text("taxAreaDisplayName")), text("taxRegistrationNumber", 20), guid("currencyId"),
        code("currencyCode", 10), guid("paymentTermsId"), guid("shipmentMethodId"),
        guid("paymentMethodId"), enum("blocked", "customerBlocked"),
    ), hidden={**CRM_ID, **CUSTOMER_TABLE_FIELDS}, navigations=("defaultDimensions",),
    number_series=NumberSeries("number", "C"),
)  # fmt: skip

VENDORS_SCHEMA = EntitySchema(
    "vendors", "vendor", (
        code("number", 20), text("displayName", 100), *address(), *contact(),
        text("taxRegistrationNumber", 20), guid("currencyId"), code("currencyCode", 10),
        code("irs1099Code", 10), guid("paymentTermsId"), guid("paymentMethodId"),
        boolean("taxLiable"), enum("blocked", "vendorBlocked"), ro(decimal("balance")),
    ), navigations=("defaultDimensions",), number_series=NumberSeries("number", "V"),
)  # fmt: skip

ITEMS_SCHEMA = EntitySchema(
    "items", "item", (
        code("number", 20), text("displayName", 100), text("displayName2", 50),
        enum("type", "itemType"), guid("itemCategoryId"), code("itemCategoryCode", 20),
        boolean("blocked"), code("gtin", 14), ro(decimal("inventory")), decimal("unitPrice"),
        boolean("priceIncludesTax"), decimal("unitCost"), guid("taxGroupId"),
        code("taxGroupCode", 20), guid("baseUnitOfMeasureId"), code("baseUnitOfMeasureCode", 10),
        guid("generalProductPostingGroupId"), code("generalProductPostingGroupCode", 20),
        guid("inventoryPostingGroupId"), code("inventoryPostingGroupCode", 20),
    ), hidden=CRM_ID, navigations=("defaultDimensions",),
    number_series=NumberSeries("number", "I"),
)  # fmt: skip

CURRENCIES_SCHEMA = EntitySchema(
    "currencies", "currency", (
        code("code", 10), text("displayName", 30), text("symbol", 10),
        text("amountDecimalPlaces", 5), decimal("amountRoundingPrecision"),
    ), hidden=CRM_ID,
)  # fmt: skip


def stamp(index: int) -> str:
    return (_SEED_TIME + timedelta(hours=index)).isoformat().replace("+00:00", "Z")


def master_id(entity_set: str, code_value: str) -> str:
    """The stable id of a seeded record (the empty GUID for a blank code)."""
    return stable_id("bc", entity_set, code_value) if code_value else EMPTY_GUID


def company_row(company_id: str, name: str) -> dict[str, Any]:
    return {
        "id": company_id, "systemVersion": "25.4.29661.30887", "timestamp": 1,
        "name": name, "displayName": name, "businessProfileId": "",
        "systemCreatedAt": stamp(0), "systemCreatedBy": "00000000-0000-0000-0000-000000000001",
        "systemModifiedAt": stamp(0), "systemModifiedBy": "00000000-0000-0000-0000-000000000001",
    }  # fmt: skip


def customer_rows() -> list[dict[str, Any]]:
    areas = [TAX_AREA_OF_COUNTRY.get(party.country, "EXPORT") for party in CUSTOMERS]
    return [
        {
            "id": master_id("customers", party.number),
            "number": party.number, "displayName": party.name, "type": "Company",
            "addressLine1": f"{10 + i} High Street", "addressLine2": "", "city": party.city,
            "state": "", "country": party.country, "postalCode": f"{1000 + 37 * i}",
            "phoneNumber": f"+44 20 7946 0{100 + i}", "email": party.email,
            "website": "", "salespersonCode": "PS", "balanceDue": 0, "creditLimit": 50000,
            "taxLiable": False,
            "taxAreaId": master_id("taxAreas", areas[i]),
            "customerPostingGroup": _POSTING_GROUPS[areas[i]][0],
            "genBusPostingGroup": _POSTING_GROUPS[areas[i]][1],
            "taxAreaDisplayName": "", "taxRegistrationNumber": f"GB{123456780 + i}",
            "currencyId": master_id("currencies", party.currency_code),
            "currencyCode": party.currency_code,
            "paymentTermsId": master_id("paymentTerms", "30 DAYS"),
            "shipmentMethodId": master_id("shipmentMethods", "EXW" if i % 2 else ""),
            "paymentMethodId": master_id("paymentMethods", "BANK"),
            "blocked": " ", "lastModifiedDateTime": stamp(i + 1),
        }
        for i, party in enumerate(CUSTOMERS)
    ]  # fmt: skip


def vendor_rows() -> list[dict[str, Any]]:
    return [
        {
            "id": master_id("vendors", party.number),
            "number": party.number, "displayName": party.name,
            "addressLine1": f"{1 + i} Harbour Road", "addressLine2": "", "city": party.city,
            "state": "", "country": party.country, "postalCode": f"{2000 + 11 * i}",
            "phoneNumber": f"+353 1 555 0{100 + i}", "email": party.email, "website": "",
            "taxRegistrationNumber": f"IE{9876540 + i}",
            "currencyId": master_id("currencies", party.currency_code),
            "currencyCode": party.currency_code, "irs1099Code": "",
            "paymentTermsId": master_id("paymentTerms", "30 DAYS"),
            "paymentMethodId": master_id("paymentMethods", "BANK"),
            "taxLiable": False, "blocked": " ", "balance": 0,
            "lastModifiedDateTime": stamp(10 + i),
        }
        for i, party in enumerate(VENDORS)
    ]  # fmt: skip


def _item(code_value: str, name: str, item_type: str, price: float, cost: float,
          category: str, unit: str, product_group: str, inventory_group: str) -> dict[str, Any]:  # fmt: skip
    return {
        "id": master_id("items", code_value), "number": code_value, "displayName": name,
        "displayName2": "", "type": item_type,
        "itemCategoryId": master_id("itemCategories", category), "itemCategoryCode": category,
        "blocked": False, "gtin": "", "inventory": 0, "unitPrice": price,
        "priceIncludesTax": False, "unitCost": cost,
        "taxGroupId": master_id("taxGroups", "STANDARD"), "taxGroupCode": "STANDARD",
        "baseUnitOfMeasureId": master_id("unitsOfMeasure", unit), "baseUnitOfMeasureCode": unit,
        "generalProductPostingGroupId": master_id("generalProductPostingGroups", product_group),
        "generalProductPostingGroupCode": product_group,
        "inventoryPostingGroupId": master_id("inventoryPostingGroups", inventory_group),
        "inventoryPostingGroupCode": inventory_group,
    }  # fmt: skip


ITEM_NUMBER_LENGTH = 20


def item_rows() -> list[dict[str, Any]]:
    # An Item No. is a Code[20]: the SKUs longer than that (O365_BUSINESS_ESSENTIALS) cannot
    # be items, so the invoice flows put their lines on the G/L account, as in production.
    items = [_item(sku.code, sku.name, "Non-Inventory", sku.unit_price, sku.unit_cost,
                   "LICENSE", "PCS", "SERVICES", "")
             for sku in LICENSE_SKUS if len(sku.code) <= ITEM_NUMBER_LENGTH]  # fmt: skip
    items += [_item(number, name, "Service", price, 0.0, "SERVICE", "HOUR", "SERVICES", "")
              for number, name, price in SERVICE_LINES]  # fmt: skip
    items += [_item(stock.code, stock.name, "Inventory", stock.unit_price, stock.unit_cost,
                    "HARDWARE", "PCS", "RETAIL", stock.inventory_group)
              for stock in STOCK_ITEMS]  # fmt: skip
    return [{**item, "lastModifiedDateTime": stamp(20 + i)} for i, item in enumerate(items)]


def currency_rows() -> list[dict[str, Any]]:
    return [
        {
            "id": master_id("currencies", currency.code), "code": currency.code,
            "displayName": currency.name, "symbol": currency.symbol,
            "amountDecimalPlaces": "2:2", "amountRoundingPrecision": 0.01,
            "lastModifiedDateTime": stamp(40 + i),
        }
        for i, currency in enumerate(CURRENCIES)
    ]  # fmt: skip


def party_sets() -> list[tuple[EntitySchema, list[dict[str, Any]]]]:
    """Customers, vendors, items and currencies with their seed rows."""
    return [
        (CUSTOMERS_SCHEMA, customer_rows()),
        (VENDORS_SCHEMA, vendor_rows()),
        (ITEMS_SCHEMA, item_rows()),
        (CURRENCIES_SCHEMA, currency_rows()),
    ]
