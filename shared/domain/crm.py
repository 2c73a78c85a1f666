"""The CRM ⇄ BC connector's setup (product document §2, "CRM Integration Setup").

Each field of the setup that still applies is an app setting (`shared.config`); the
Web Service Key and Integration User are gone (both systems are reached with Entra
client credentials). The three CRM GUIDs (default unit group, default unit, default
price list) may be left empty in settings and filled by the Setup actions "Get Default
UOM GUIDs" / "Get Default List Price GUIDs", which look them up in CRM and keep them in
the `crmsetup` table; a GUID set in settings wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.errors import ConfigurationError

# Setting names, for errors that tell the operator what to fix.
DEFAULT_UNIT_GROUP = "CRM_DEFAULT_UNIT_GROUP_ID"
DEFAULT_UNIT = "CRM_DEFAULT_UNIT_ID"
DEFAULT_PRICE_LIST = "CRM_DEFAULT_PRICE_LIST_ID"


@dataclass(frozen=True)
class AutoSync:
    """The setup's "Auto Synchronize …" toggles."""

    customers: bool = False  # CRM accounts → BC customers
    contacts_to_bc: bool = False  # CRM person contacts → BC
    posted_invoices: bool = False  # BC posted sales invoices → CRM
    contacts_to_crm: bool = False  # BC person contacts → CRM
    items: bool = False  # BC items → CRM products
    units_of_measure: bool = False  # BC units of measure → CRM units
    countries: bool = False  # BC countries/regions → CRM


@dataclass(frozen=True)
class CrmSetup:
    enabled: bool = False
    crm_url: str = ""
    sales_order_no_series: str = ""
    sales_quote_no_series: str = ""
    keep_order_no: bool = False
    keep_quote_no: bool = False
    do_not_modify_orders: bool = False
    do_not_modify_quotes: bool = False
    default_unit_group_id: str = ""
    default_unit_id: str = ""
    default_price_list_id: str = ""
    default_unit_group_name: str = "Default"
    default_price_list_name: str = "Default"
    auto_sync: AutoSync = field(default_factory=AutoSync)

    def required(self, setting: str) -> str:
        """A CRM GUID the sync needs. Raises ConfigurationError naming its setting."""
        value = {
            DEFAULT_UNIT_GROUP: self.default_unit_group_id,
            DEFAULT_UNIT: self.default_unit_id,
            DEFAULT_PRICE_LIST: self.default_price_list_id,
        }[setting]
        if not value:
            raise ConfigurationError(
                f"{setting} is not set: set it, or run the Setup action that looks it up in "
                "CRM (hub crm setup defaults)",
                settings=[setting],
            )
        return value

    def auto(self, toggle: str | None) -> bool:
        """Whether an entity with this "Auto Synchronize" toggle syncs on the timer."""
        return self.enabled and (toggle is None or bool(getattr(self.auto_sync, toggle)))


class SyncRequest(BaseModel):
    """Body of "Run BC to CRM Data Sync": the source types to run, or all of them."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    entities: list[str] = Field(default_factory=list, max_length=100)
    all: bool = Field(False, alias="all")
    full: bool = False  # read everything again, not only what changed since the watermark

    @model_validator(mode="after")
    def _something_chosen(self) -> SyncRequest:
        if not self.entities and not self.all:
            raise ValueError("name the entities to sync, or set all to true")
        return self

    def names(self) -> list[str] | None:
        return None if self.all else list(self.entities)


class CreateInBcRequest(BaseModel):
    """Body of "Create in BC": the staged rows (CRM ids) to create, none = every pending one."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    ids: list[str] = Field(default_factory=list, max_length=5000)


class DocumentsRequest(BaseModel):
    """Body of "Create in BC" / "Reprocess" for quotes or orders: the CRM numbers, none =
    every pending document."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    numbers: list[str] = Field(default_factory=list, max_length=5000)


class GlAccountRequest(BaseModel):
    """Body of "set the G/L account" of a write-in line on the CRM Data staging."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    gl_account: str = Field(alias="glAccount", min_length=1, max_length=20)


class NightlyRequest(BaseModel):
    """Body of a nightly feed run on demand: the feeds, none = both."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    feeds: list[str] = Field(default_factory=list, max_length=10)
