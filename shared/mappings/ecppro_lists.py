"""EcpPro list fields → staging columns, one tuple per list (every field the product names).

Targets are PascalCase staging column names; `Id` is the EcpPro id and the row key.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.domain.ecppro import EcpProList
from shared.mappings.engine import (
    FieldMap,
    boolean,
    count,
    decimal,
    percent,
    text,
    timestamp,
)

_ID = FieldMap("id", "Id", text, required=True)
_TENANT = FieldMap("tenantId", "TenantId", text, required=True)
_NAME = FieldMap("displayName", "DisplayName", text, required=True)

TENANTS = (
    _ID,
    _NAME,
    FieldMap("entityType", "EntityType"),
    FieldMap("mspId", "MspId"),
    FieldMap("mspName", "MspName"),
    FieldMap("entraLicense", "EntraLicense"),
    FieldMap("secureScore", "SecureScore", decimal),
    FieldMap("totalUsers", "TotalUsers", count),
    FieldMap("licensedUsers", "LicensedUsers", count),
    FieldMap("inactiveUsers", "InactiveUsers", count),
    FieldMap("inactiveUsersPercent", "InactiveUsersPercent", percent),
    FieldMap("totalContacts", "TotalContacts", count),
    FieldMap("totalGroups", "TotalGroups", count),
    FieldMap("totalLicenses", "TotalLicenses", count),
    FieldMap("unallocatedLicenses", "UnallocatedLicenses", count),
    FieldMap("unallocatedLicensesPercent", "UnallocatedLicensesPercent", percent),
)

USERS = (
    _ID,
    _TENANT,
    _NAME,
    FieldMap("userPrincipalName", "UserPrincipalName", text, required=True),
    FieldMap("userRole", "UserRole"),
    FieldMap("userType", "UserType"),
    FieldMap("isEnabled", "IsEnabled", boolean),
    FieldMap("mfaEnabled", "MfaEnabled", boolean),
    FieldMap("tenantName", "TenantName"),
    FieldMap("mspName", "MspName"),
    FieldMap("lastSignedIn", "LastSignedIn", timestamp),
    FieldMap("createdOn", "CreatedOn", timestamp),
)

CONTACTS = (
    _ID,
    _TENANT,
    _NAME,
    FieldMap("email", "Email"),
    FieldMap("companyName", "CompanyName"),
    FieldMap("officePhone", "OfficePhone"),
    FieldMap("mobilePhone", "MobilePhone"),
    FieldMap("isEnabled", "IsEnabled", boolean),
    FieldMap("createdOn", "CreatedOn", timestamp),
)

GROUPS = (
    _ID,
    _TENANT,
    _NAME,
    FieldMap("email", "Email"),
    FieldMap("groupType", "GroupType"),
    FieldMap("membershipType", "MembershipType"),
    FieldMap("isDynamic", "IsDynamic", boolean),
    FieldMap("isEnabled", "IsEnabled", boolean),
    FieldMap("isTeam", "IsTeam", boolean),
    FieldMap("visibility", "Visibility"),
)

LICENSES = (
    _ID,
    _TENANT,
    _NAME,
    FieldMap("code", "Code"),
    FieldMap("prepaidUnits", "PrepaidUnits", count),
    FieldMap("consumedUnits", "ConsumedUnits", count),
    FieldMap("availableUnits", "AvailableUnits", decimal),
    FieldMap("percentageUsed", "PercentageUsed", decimal),
    FieldMap("isFree", "IsFree", boolean),
)

LIST_MAPPINGS: Mapping[EcpProList, tuple[FieldMap, ...]] = {
    EcpProList.TENANTS: TENANTS,
    EcpProList.USERS: USERS,
    EcpProList.CONTACTS: CONTACTS,
    EcpProList.GROUPS: GROUPS,
    EcpProList.LICENSES: LICENSES,
}
