"""EcpPro lists: names, the refresh message, staging row statuses and refresh results."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class EcpProList(StrEnum):
    """The five EcpPro lists staged in the hub (the URL segment and the partition key)."""

    TENANTS = "tenants"
    USERS = "users"
    CONTACTS = "contacts"
    GROUPS = "groups"
    LICENSES = "licenses"


INVOICES_ENDPOINT = "invoices"
"""EcpPro's invoice list: read by the invoice import, staged in its own tables."""

ENDPOINTS: frozenset[str] = frozenset({*(name.value for name in EcpProList), INVOICES_ENDPOINT})
"""Every EcpPro list the hub reads (this module is the one place that names them)."""


class RowStatus(StrEnum):
    """A staged list row is Active while EcpPro returns it, Removed once it stops."""

    ACTIVE = "Active"
    REMOVED = "Removed"


class RefreshOutcome(StrEnum):
    SUCCEEDED = "Succeeded"
    SUCCEEDED_WITH_QUARANTINE = "SucceededWithQuarantine"
    FAILED = "Failed"


class RefreshList(BaseModel):
    """Queue message and command: refresh one EcpPro list from a full snapshot."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    list: EcpProList
    reason: Literal["timer", "http", "first-read", "cli", "demo"] = "timer"
    correlation_id: str = Field(default="", max_length=128)


@dataclass(frozen=True)
class RefreshResult:
    """What one refresh did: counts per action and rows now active."""

    list: EcpProList
    outcome: RefreshOutcome
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    restored: int = 0
    quarantined: int = 0
    active: int = 0
    correlation_id: str = ""
    duration_ms: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "list": self.list.value,
            "outcome": self.outcome.value,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "restored": self.restored,
            "quarantined": self.quarantined,
            "active": self.active,
            "correlationId": self.correlation_id,
            "durationMs": self.duration_ms,
        }


class ListQuery(BaseModel):
    """Query of `GET /api/ecppro/{list}`: which list, page size, where to resume."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    list: EcpProList
    page_size: int = Field(100, ge=1, le=1000, alias="pageSize")
    continuation: str | None = None
    include_removed: bool = Field(False, alias="includeRemoved")
