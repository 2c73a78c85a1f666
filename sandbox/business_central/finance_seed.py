"""G/L accounts, dimensions, dimension values and default dimensions of the BC seed.

Properties follow the API v2.0 resource pages: `accounts`, `dimensions`, `dimensionValues`
(id, code, dimensionId, displayName, consolidationCode, lastModifiedDateTime: no
dimension code and no blocked flag, although BC stores both; the simulator keeps them
hidden so it can refuse a blocked value) and `defaultDimensions` (on customers, vendors
and items). All are read-only in the simulator's API. Rows come from `sandbox.catalog`,
and the PROJECT dimension with a value per Project Operations project of the Dataverse
seed (the credit-notes flow's line dimension; no default dimension, so not mandatory).
"""

from __future__ import annotations

from typing import Any

from sandbox.business_central.schema import (
    EntitySchema,
    boolean,
    code,
    decimal,
    enum,
    guid,
    ro,
    text,
)
from sandbox.catalog import (
    CUSTOMERS,
    DIMENSION_VALUES,
    DIMENSIONS,
    GL_ACCOUNTS,
    POSTING_VALIDATION,
    VENDORS,
    DimensionValue,
    Party,
    stable_id,
)

MODIFIED = "lastModifiedDateTime"
_STAMP = "2025-01-10T08:00:00Z"
# Project Operations projects of the Dataverse seed, as BC dimension values.
PROJECT_DIMENSION = ("PROJECT", "Project")
PROJECT_VALUES = (
    DimensionValue("PROJECT", "ADATUM-CLOUD", "Adatum Cloud Migration"),
    DimensionValue("PROJECT", "MUELLER-ERP", "Müller ERP Rollout"),
)
# The catalog names categories as identifiers; BC's enum member has spaces.
_CATEGORY = {"CostOfGoodsSold": "Cost of Goods Sold"}

ACCOUNTS_SCHEMA = EntitySchema(
    "accounts", "account", (
        code("number", 20), text("displayName", 100), enum("category", "glAccountCategory"),
        text("subCategory", 80), boolean("blocked"), enum("accountType", "glAccountType"),
        boolean("directPosting"), ro(decimal("netChange")),
        text("consolidationTranslationMethod"), code("consolidationDebitAccount", 20),
        code("consolidationCreditAccount", 20), boolean("excludeFromConsolidation"),
    ),
)  # fmt: skip

DIMENSIONS_SCHEMA = EntitySchema(
    "dimensions", "dimension",
    (code("code", 20), text("displayName", 30), code("consolidationCode", 20)),
    navigations=("dimensionValues",),
)  # fmt: skip

DIMENSION_VALUES_SCHEMA = EntitySchema(
    "dimensionValues", "dimensionValue",
    (code("code", 20), guid("dimensionId"), text("displayName", 50),
     code("consolidationCode", 20)),
    hidden={"dimensionCode": "", "blocked": False},
)  # fmt: skip

DEFAULT_DIMENSIONS_SCHEMA = EntitySchema(
    "defaultDimensions", "defaultDimension", (
        enum("parentType", "defaultDimensionParentType"), guid("parentId"), guid("dimensionId"),
        code("dimensionCode", 20), guid("dimensionValueId"), code("dimensionValueCode", 20),
        enum("postingValidation", "defaultDimensionValuePostingType"),
    ),
)  # fmt: skip


def dimension_id(code: str) -> str:
    return stable_id("bc", "dimensions", code)


def dimension_value_id(dimension: str, code: str) -> str:
    return stable_id("bc", "dimensionValues", dimension, code)


def account_rows() -> list[dict[str, Any]]:
    return [
        {
            "id": stable_id("bc", "accounts", account.number), "number": account.number,
            "displayName": account.name,
            "category": _CATEGORY.get(account.category, account.category), "subCategory": "",
            "blocked": account.blocked, "accountType": "Posting",
            "directPosting": account.direct_posting, "netChange": 0,
            "consolidationTranslationMethod": "Average Rate (Manual)",
            "consolidationDebitAccount": "", "consolidationCreditAccount": "",
            "excludeFromConsolidation": False, MODIFIED: _STAMP,
        }
        for account in GL_ACCOUNTS
    ]  # fmt: skip


def dimension_rows() -> list[dict[str, Any]]:
    return [
        {"id": dimension_id(code), "code": code, "displayName": name, "consolidationCode": "",
         MODIFIED: _STAMP}
        for code, name in (*DIMENSIONS, PROJECT_DIMENSION)
    ]  # fmt: skip


def dimension_value_rows() -> list[dict[str, Any]]:
    return [
        {"id": dimension_value_id(value.dimension, value.code), "code": value.code,
         "dimensionId": dimension_id(value.dimension), "displayName": value.name,
         "consolidationCode": "", MODIFIED: _STAMP, "dimensionCode": value.dimension,
         "blocked": value.blocked}
        for value in (*DIMENSION_VALUES, *PROJECT_VALUES)
    ]  # fmt: skip


def default_dimension_row(
    parent_type: str, parent_id: str, dimension: str, value: str
) -> dict[str, Any]:
    return {
        "id": stable_id("bc", "defaultDimensions", parent_id, dimension),
        "parentType": parent_type, "parentId": parent_id,
        "dimensionId": dimension_id(dimension), "dimensionCode": dimension,
        "dimensionValueId": dimension_value_id(dimension, value), "dimensionValueCode": value,
        "postingValidation": POSTING_VALIDATION.get(dimension, " "), MODIFIED: _STAMP,
    }  # fmt: skip


def default_dimension_rows() -> list[dict[str, Any]]:
    parties: list[tuple[str, str, Party]] = [
        *(("Customer", "customers", party) for party in CUSTOMERS),
        *(("Vendor", "vendors", party) for party in VENDORS),
    ]
    return [
        default_dimension_row(parent_type, stable_id("bc", entity_set, party.number), code, value)
        for parent_type, entity_set, party in parties
        for code, value in party.dimensions
    ]


def finance_sets() -> list[tuple[EntitySchema, list[dict[str, Any]]]]:
    return [
        (ACCOUNTS_SCHEMA, account_rows()),
        (DIMENSIONS_SCHEMA, dimension_rows()),
        (DIMENSION_VALUES_SCHEMA, dimension_value_rows()),
        (DEFAULT_DIMENSIONS_SCHEMA, default_dimension_rows()),
    ]
