"""Entity sets and deterministic seed rows of the Business Central simulator.

Fields follow the API v2.0 resource pages (customers, vendors, items, currencies,
companies). Ids are stable GUIDs derived from the business key, and seed timestamps lie
in the past, so a `lastModifiedDateTime gt <now>` poll returns nothing until something
is written. Customers, vendors and items draw numbers from a number series when a POST
leaves `number` out, as BC's No. Series do. Items are the catalog's license SKUs
(Non-Inventory) and its service lines (Service). G/L accounts and dimensions come from
`business_central_finance_seed`; the document sets start empty.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.business_central.documents import document_sets
from sandbox.business_central.finance_seed import finance_sets
from sandbox.catalog import CURRENCIES, CUSTOMERS, LICENSE_SKUS, SERVICE_LINES, VENDORS, stable_id
from sandbox.odata.store import EntitySetSpec, NumberSeries

MODIFIED = "lastModifiedDateTime"
_SEED_TIME = datetime(2025, 1, 15, 8, 0, tzinfo=UTC)

_ADDRESS = ("addressLine1", "addressLine2", "city", "state", "country", "postalCode")

COMPANIES = EntitySetSpec(
    "companies",
    "Microsoft.NAV.company",
    fields=(
        "systemVersion", "name", "displayName", "businessProfileId",
        "systemCreatedAt", "systemCreatedBy", "systemModifiedAt", "systemModifiedBy",
    ),
)  # fmt: skip

CUSTOMERS_SET = EntitySetSpec(
    "customers",
    "Microsoft.NAV.customer",
    fields=(
        "number", "displayName", "type", *_ADDRESS, "phoneNumber", "email", "website",
        "salespersonCode", "balanceDue", "creditLimit", "taxLiable", "taxAreaId",
        "taxAreaDisplayName", "taxRegistrationNumber", "currencyId", "currencyCode",
        "paymentTermsId", "shipmentMethodId", "paymentMethodId", "blocked", MODIFIED,
    ),
    modified_field=MODIFIED,
    number_series=NumberSeries("number", "C"),
)  # fmt: skip

VENDORS_SET = EntitySetSpec(
    "vendors",
    "Microsoft.NAV.vendor",
    fields=(
        "number", "displayName", *_ADDRESS, "phoneNumber", "email", "website",
        "taxRegistrationNumber", "currencyId", "currencyCode", "irs1099Code",
        "paymentTermsId", "paymentMethodId", "taxLiable", "blocked", "balance", MODIFIED,
    ),
    modified_field=MODIFIED,
    number_series=NumberSeries("number", "V"),
)  # fmt: skip

ITEMS_SET = EntitySetSpec(
    "items",
    "Microsoft.NAV.item",
    fields=(
        "number", "displayName", "displayName2", "type", "itemCategoryId", "itemCategoryCode",
        "blocked", "gtin", "inventory", "unitPrice", "priceIncludesTax", "unitCost",
        "taxGroupId", "taxGroupCode", "baseUnitOfMeasureId", "baseUnitOfMeasureCode",
        "generalProductPostingGroupCode", "inventoryPostingGroupCode", MODIFIED,
    ),
    modified_field=MODIFIED,
    number_series=NumberSeries("number", "I"),
)  # fmt: skip

CURRENCIES_SET = EntitySetSpec(
    "currencies",
    "Microsoft.NAV.currency",
    fields=(
        "code", "displayName", "symbol", "amountDecimalPlaces", "amountRoundingPrecision",
        MODIFIED,
    ),
    modified_field=MODIFIED,
)  # fmt: skip


def _stamp(index: int) -> str:
    return (_SEED_TIME + timedelta(hours=index)).isoformat().replace("+00:00", "Z")


def company_row(company_id: str, name: str) -> dict[str, Any]:
    return {
        "id": company_id,
        "systemVersion": "25.4.29661.30887",
        "name": name,
        "displayName": name,
        "businessProfileId": "",
        "systemCreatedAt": _stamp(0),
        "systemCreatedBy": "00000000-0000-0000-0000-000000000001",
        "systemModifiedAt": _stamp(0),
        "systemModifiedBy": "00000000-0000-0000-0000-000000000001",
    }


def _currency_id(code: str) -> str:
    return stable_id("bc", "currencies", code) if code else "00000000-0000-0000-0000-000000000000"


def customer_rows() -> list[dict[str, Any]]:
    return [
        {
            "id": stable_id("bc", "customers", party.number),
            "number": party.number, "displayName": party.name, "type": "Company",
            "addressLine1": f"{10 + i} High Street", "addressLine2": "", "city": party.city,
            "state": "", "country": party.country, "postalCode": f"{1000 + 37 * i}",
            "phoneNumber": f"+44 20 7946 0{100 + i}", "email": party.email,
            "website": "", "salespersonCode": "PS", "balanceDue": 0, "creditLimit": 50000,
            "taxLiable": False, "taxAreaId": "00000000-0000-0000-0000-000000000000",
            "taxAreaDisplayName": "", "taxRegistrationNumber": f"GB{123456780 + i}",
            "currencyId": _currency_id(party.currency_code),
            "currencyCode": party.currency_code,
            "paymentTermsId": stable_id("bc", "paymentTerms", "30 DAYS"),
            "shipmentMethodId": "00000000-0000-0000-0000-000000000000",
            "paymentMethodId": stable_id("bc", "paymentMethods", "BANK"),
            "blocked": " ", MODIFIED: _stamp(i + 1),
        }
        for i, party in enumerate(CUSTOMERS)
    ]  # fmt: skip


def vendor_rows() -> list[dict[str, Any]]:
    return [
        {
            "id": stable_id("bc", "vendors", party.number),
            "number": party.number, "displayName": party.name,
            "addressLine1": f"{1 + i} Harbour Road", "addressLine2": "", "city": party.city,
            "state": "", "country": party.country, "postalCode": f"{2000 + 11 * i}",
            "phoneNumber": f"+353 1 555 0{100 + i}", "email": party.email, "website": "",
            "taxRegistrationNumber": f"IE{9876540 + i}",
            "currencyId": _currency_id(party.currency_code),
            "currencyCode": party.currency_code, "irs1099Code": "",
            "paymentTermsId": stable_id("bc", "paymentTerms", "30 DAYS"),
            "paymentMethodId": stable_id("bc", "paymentMethods", "BANK"),
            "taxLiable": False, "blocked": " ", "balance": 0, MODIFIED: _stamp(10 + i),
        }
        for i, party in enumerate(VENDORS)
    ]  # fmt: skip


def item_rows() -> list[dict[str, Any]]:
    products = [(sku.code, sku.name, "Non-Inventory", sku.unit_price, sku.unit_cost)
                for sku in LICENSE_SKUS]  # fmt: skip
    products += [(code, name, "Service", price, 0.0) for code, name, price in SERVICE_LINES]
    return [
        {
            "id": stable_id("bc", "items", code),
            "number": code, "displayName": name, "displayName2": "",
            "type": item_type, "itemCategoryId": stable_id("bc", "itemCategories", "LIC"),
            "itemCategoryCode": "LICENSE", "blocked": False, "gtin": "", "inventory": 0,
            "unitPrice": price, "priceIncludesTax": False, "unitCost": cost,
            "taxGroupId": "00000000-0000-0000-0000-000000000000", "taxGroupCode": "",
            "baseUnitOfMeasureId": stable_id("bc", "unitsOfMeasure", "PCS"),
            "baseUnitOfMeasureCode": "PCS", "generalProductPostingGroupCode": "SERVICES",
            "inventoryPostingGroupCode": "", MODIFIED: _stamp(20 + i),
        }
        for i, (code, name, item_type, price, cost) in enumerate(products)
    ]  # fmt: skip


def currency_rows() -> list[dict[str, Any]]:
    return [
        {
            "id": _currency_id(currency.code), "code": currency.code,
            "displayName": currency.name, "symbol": currency.symbol,
            "amountDecimalPlaces": "2:2", "amountRoundingPrecision": 0.01,
            MODIFIED: _stamp(40 + i),
        }
        for i, currency in enumerate(CURRENCIES)
    ]  # fmt: skip


def seed_sets() -> list[tuple[EntitySetSpec, list[dict[str, Any]]]]:
    """The company-scoped entity sets of the standard API with their seed rows."""
    customers, vendors, items, currencies = (
        customer_rows(),
        vendor_rows(),
        item_rows(),
        currency_rows(),
    )
    # What BC fills in for fields a POST leaves out (blanks, and these option defaults).
    return [
        (CUSTOMERS_SET.with_blanks_like(customers[0], type="Company", blocked=" "), customers),
        (VENDORS_SET.with_blanks_like(vendors[0], blocked=" "), vendors),
        (ITEMS_SET.with_blanks_like(items[0], type="Inventory"), items),
        (CURRENCIES_SET.with_blanks_like(currencies[0]), currencies),
        *finance_sets(),
        *((spec, []) for spec in document_sets()),
    ]
