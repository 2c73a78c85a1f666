"""Columns and state models many tables share: audit columns, owner, Active/Inactive.

Sources: the table reference pages of learn.microsoft.com (power-apps/developer/
data-platform/reference/entities/*, dynamics365/customerengagement/.../entities/*).
"""

from __future__ import annotations

from sandbox.dataverse.schema import Column, Kind, Required, StateModel, lookup, state_columns


def audit_columns() -> tuple[Column, ...]:
    """Set by the platform on every write; `versionnumber` is the row version of the ETag."""
    return (
        Column("createdon", Kind.DATETIME, "Created On", writable=False),
        Column("modifiedon", Kind.DATETIME, "Modified On", writable=False),
        lookup("createdby", "systemuser", label="Created By", writable=False),
        lookup("modifiedby", "systemuser", label="Modified By", writable=False),
        Column("versionnumber", Kind.BIGINT, "Version Number", writable=False),
    )


def owner_column() -> Column:
    """User-owned tables: a create without an owner is owned by the caller."""
    return Column("ownerid", Kind.OWNER, "Owner", targets=("systemuser",), required=Required.SYSTEM)


ACTIVE_INACTIVE = StateModel(
    states={0: ("Active", 1), 1: ("Inactive", 2)},
    statuses={1: (0, "Active"), 2: (1, "Inactive")},
    editable=frozenset({0, 1}),
    transitions=frozenset({(0, 0), (0, 1), (1, 0), (1, 1)}),
)


def active_inactive() -> tuple[Column, ...]:
    return state_columns(ACTIVE_INACTIVE)


def id_column(name: str, label: str) -> Column:
    return Column(name, Kind.UNIQUEIDENTIFIER, label)


PAYMENT_TERMS = {1: "Net 30", 2: "2% 10, Net 30", 3: "Net 45", 4: "Net 60"}
SHIPPING_METHODS = {
    1: "Airborne", 2: "DHL", 3: "FedEx", 4: "UPS", 5: "Postal Mail", 6: "Full Load",
    7: "Will Call",
}  # fmt: skip
