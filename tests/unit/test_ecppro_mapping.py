"""Field maps of the EcpPro lists: every field the product names, typed, with clear errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.domain.ecppro import EcpProList
from shared.errors import ValidationError
from shared.mappings.ecppro_lists import LIST_MAPPINGS
from shared.mappings.engine import apply_mapping

TENANT = {
    "id": "t-1",
    "displayName": "Contoso",
    "entityType": "Tenant",
    "mspId": "m-1",
    "mspName": "Fabrikam MSP",
    "entraLicense": "P2",
    "secureScore": 71.5,
    "totalUsers": 40,
    "licensedUsers": 35,
    "inactiveUsers": 4,
    "inactiveUsersPercent": 10.0,
    "totalContacts": 3,
    "totalGroups": 5,
    "totalLicenses": 2,
    "unallocatedLicenses": 6,
    "unallocatedLicensesPercent": 12.5,
}


def test_every_list_maps_every_field_the_product_names() -> None:
    targets = {name: {entry.target for entry in LIST_MAPPINGS[name]} for name in EcpProList}
    assert {
        "DisplayName",
        "EntityType",
        "EntraLicense",
        "SecureScore",
        "TotalUsers",
        "LicensedUsers",
        "InactiveUsers",
        "InactiveUsersPercent",
        "TotalContacts",
        "TotalGroups",
        "TotalLicenses",
        "UnallocatedLicenses",
        "UnallocatedLicensesPercent",
    } <= targets[EcpProList.TENANTS]
    assert {
        "DisplayName",
        "UserPrincipalName",
        "UserRole",
        "UserType",
        "IsEnabled",
        "MfaEnabled",
        "TenantName",
        "MspName",
        "LastSignedIn",
        "CreatedOn",
    } <= targets[EcpProList.USERS]
    assert {
        "DisplayName",
        "Email",
        "CompanyName",
        "OfficePhone",
        "MobilePhone",
        "IsEnabled",
        "CreatedOn",
    } <= targets[EcpProList.CONTACTS]
    assert {
        "DisplayName",
        "Email",
        "GroupType",
        "MembershipType",
        "IsDynamic",
        "IsEnabled",
        "IsTeam",
        "Visibility",
    } <= targets[EcpProList.GROUPS]
    assert {
        "DisplayName",
        "Code",
        "PrepaidUnits",
        "ConsumedUnits",
        "AvailableUnits",
        "PercentageUsed",
        "IsFree",
    } <= targets[EcpProList.LICENSES]


def test_tenant_record_is_mapped_with_types() -> None:
    row = apply_mapping(LIST_MAPPINGS[EcpProList.TENANTS], TENANT, record_label="tenant t-1")
    assert row["Id"] == "t-1"
    assert row["SecureScore"] == 71.5
    assert row["TotalUsers"] == 40
    assert row["UnallocatedLicensesPercent"] == 12.5


def test_timestamps_become_utc_datetimes_and_null_stays_none() -> None:
    user = {
        "id": "u1",
        "tenantId": "t-1",
        "displayName": "Ann",
        "userPrincipalName": "a@x",
        "lastSignedIn": None,
        "createdOn": "2025-03-01T10:00:00Z",
        "isEnabled": True,
    }
    row = apply_mapping(LIST_MAPPINGS[EcpProList.USERS], user, record_label="user u1")
    assert row["CreatedOn"] == datetime(2025, 3, 1, 10, tzinfo=UTC)
    assert row["LastSignedIn"] is None
    assert row["IsEnabled"] is True


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("totalUsers", "many", "invalid value"),
        ("totalUsers", -1, "count ≥ 0"),
        ("inactiveUsersPercent", 140, "0 to 100"),
        ("displayName", "", "required"),
        ("id", None, "required"),
    ],
)
def test_bad_values_name_the_record_and_field(field: str, value: object, reason: str) -> None:
    with pytest.raises(ValidationError) as error:
        apply_mapping(
            LIST_MAPPINGS[EcpProList.TENANTS], {**TENANT, field: value}, record_label="tenant t-1"
        )
    assert error.value.field == field
    assert "tenant t-1" in error.value.message
    assert reason in error.value.message


def test_boolean_refuses_numbers() -> None:
    group = {"id": "g", "tenantId": "t", "displayName": "G", "isTeam": 1}
    with pytest.raises(ValidationError, match="isTeam"):
        apply_mapping(LIST_MAPPINGS[EcpProList.GROUPS], group, record_label="group g")
