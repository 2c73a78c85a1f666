"""G/L accounts, dimensions, dimension values and default dimensions of the BC seed.

Fields follow the API v2.0 resource pages: `accounts`, `dimensions`, `dimensionValues`
(id, code, dimensionId, displayName, consolidationCode, lastModifiedDateTime: no
dimension code and no blocked flag, although BC stores both; the simulator keeps them
hidden so it can refuse a blocked value) and `defaultDimensions` (on customers, vendors
and items). All are read-only in the simulator's API. Rows come from `sandbox.catalog`.
"""

from __future__ import annotations

from typing import Any

from sandbox.catalog import (
    CUSTOMERS,
    DIMENSION_VALUES,
    DIMENSIONS,
    GL_ACCOUNTS,
    POSTING_VALIDATION,
    VENDORS,
    Party,
    stable_id,
)
from sandbox.odata.spec import EntitySetSpec

MODIFIED = "lastModifiedDateTime"
_STAMP = "2025-01-10T08:00:00Z"

ACCOUNTS_SET = EntitySetSpec(
    "accounts", "Microsoft.NAV.account",
    fields=("number", "displayName", "category", "subCategory", "blocked", "accountType",
            "directPosting", "netChange", "consolidationTranslationMethod",
            "consolidationDebitAccount", "consolidationCreditAccount",
            "excludeFromConsolidation", MODIFIED),
    modified_field=MODIFIED,
)  # fmt: skip

DIMENSIONS_SET = EntitySetSpec(
    "dimensions", "Microsoft.NAV.dimension",
    fields=("code", "displayName", "consolidationCode", MODIFIED), modified_field=MODIFIED,
)  # fmt: skip

DIMENSION_VALUES_SET = EntitySetSpec(
    "dimensionValues", "Microsoft.NAV.dimensionValue",
    fields=("code", "dimensionId", "displayName", "consolidationCode", MODIFIED),
    modified_field=MODIFIED, hidden=frozenset({"dimensionCode", "blocked"}),
)  # fmt: skip

DEFAULT_DIMENSIONS_SET = EntitySetSpec(
    "defaultDimensions", "Microsoft.NAV.defaultDimension",
    fields=("parentType", "parentId", "dimensionId", "dimensionCode", "dimensionValueId",
            "dimensionValueCode", "postingValidation", MODIFIED),
    modified_field=MODIFIED,
)  # fmt: skip


def dimension_id(code: str) -> str:
    return stable_id("bc", "dimensions", code)


def dimension_value_id(dimension: str, code: str) -> str:
    return stable_id("bc", "dimensionValues", dimension, code)


def account_rows() -> list[dict[str, Any]]:
    return [
        {
            "id": stable_id("bc", "accounts", account.number), "number": account.number,
            "displayName": account.name, "category": account.category, "subCategory": "",
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
        for code, name in DIMENSIONS
    ]  # fmt: skip


def dimension_value_rows() -> list[dict[str, Any]]:
    return [
        {"id": dimension_value_id(value.dimension, value.code), "code": value.code,
         "dimensionId": dimension_id(value.dimension), "displayName": value.name,
         "consolidationCode": "", MODIFIED: _STAMP, "dimensionCode": value.dimension,
         "blocked": value.blocked}
        for value in DIMENSION_VALUES
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


def finance_sets() -> list[tuple[EntitySetSpec, list[dict[str, Any]]]]:
    accounts, values = account_rows(), dimension_value_rows()
    return [
        (ACCOUNTS_SET.with_blanks_like(accounts[0]), accounts),
        (DIMENSIONS_SET, dimension_rows()),
        (DIMENSION_VALUES_SET.with_blanks_like(values[0]), values),
        (DEFAULT_DIMENSIONS_SET, default_dimension_rows()),
    ]
