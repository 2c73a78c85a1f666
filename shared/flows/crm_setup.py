"""The Setup actions of the CRM Integration Setup (product document §2).

- **Get Default UOM GUIDs**: the CRM unit group named CRM_DEFAULT_UNIT_GROUP_NAME
  ("Default") and its base unit, whose GUIDs new units and products use.
- **Get Default List Price GUIDs**: the CRM price list named CRM_DEFAULT_PRICE_LIST_NAME,
  in which each new product gets an item at 0.

What they find is kept in the `crmsetup` table and used wherever the matching setting
(CRM_DEFAULT_UNIT_GROUP_ID, CRM_DEFAULT_UNIT_ID, CRM_DEFAULT_PRICE_LIST_ID) is empty. A
name that matches no record, or several, is refused naming the setting to fix: the
action never guesses. `check_defaults` verifies, before a run that needs them, that the
GUIDs in use still name records in CRM, so a wrong GUID stops the run with the setting's
name instead of failing every product.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from shared.domain.crm import DEFAULT_PRICE_LIST, DEFAULT_UNIT, DEFAULT_UNIT_GROUP, CrmSetup
from shared.errors import ConfigurationError, NotFound
from shared.flows.deps import Deps
from shared.ports.business_central import BusinessCentralRecords
from shared.ports.dataverse import Dataverse
from shared.ports.odata import quote_literal
from shared.ports.store import Entity
from shared.registry import Table

SETUP_PARTITION, SETUP_ROW = "setup", "defaults"


def effective_setup(deps: Deps) -> CrmSetup:
    """The setup from settings, with CRM GUIDs the Setup actions found filling blanks."""
    setup = deps.crm_setup
    try:
        found = deps.store.get(Table.CRM_SETUP, SETUP_PARTITION, SETUP_ROW).data
    except NotFound:
        return setup
    return replace(
        setup,
        default_unit_group_id=setup.default_unit_group_id or str(found.get("UnitGroupId") or ""),
        default_unit_id=setup.default_unit_id or str(found.get("UnitId") or ""),
        default_price_list_id=setup.default_price_list_id or str(found.get("PriceListId") or ""),
    )


DISABLED = "the CRM integration is disabled (CRM_INTEGRATION_ENABLED)"


def enabled_setup(deps: Deps, *, automatic: bool = False) -> CrmSetup | None:
    """The effective setup of an enabled integration. While it is disabled a timer has
    nothing to do (None); anyone else is refused, naming the setting."""
    setup = effective_setup(deps)
    if setup.enabled:
        return setup
    if automatic:
        return None
    raise ConfigurationError(
        "the CRM integration is disabled: set CRM_INTEGRATION_ENABLED to true",
        settings=["CRM_INTEGRATION_ENABLED"],
    )


def save_found_defaults(deps: Deps, **values: str) -> None:
    """Keep GUIDs a Setup action looked up (UnitGroupId, UnitId, PriceListId)."""
    data = {name: value for name, value in values.items() if value}
    deps.store.upsert_many(Table.CRM_SETUP, [Entity(SETUP_PARTITION, SETUP_ROW, data)])


@dataclass(frozen=True)
class FoundDefaults:
    unit_group_id: str = ""
    unit_id: str = ""
    price_list_id: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            name: value
            for name, value in (
                (DEFAULT_UNIT_GROUP, self.unit_group_id),
                (DEFAULT_UNIT, self.unit_id),
                (DEFAULT_PRICE_LIST, self.price_list_id),
            )
            if value
        }


def get_default_units(deps: Deps) -> FoundDefaults:
    """Get Default UOM GUIDs: the named unit group and its base unit."""
    dataverse, setup = _dataverse(deps), deps.crm_setup
    name = setup.default_unit_group_name
    group = _one(dataverse, "uomschedules", "uomscheduleid", f"name eq {quote_literal(name)}",
                 f"unit group '{name}'", "CRM_DEFAULT_UNIT_GROUP_NAME")  # fmt: skip
    unit = _one(
        dataverse, "uoms", "uomid",
        f"_uomscheduleid_value eq {group} and isschedulebaseuom eq true",
        f"base unit of unit group '{name}'", "CRM_DEFAULT_UNIT_GROUP_NAME",
    )  # fmt: skip
    save_found_defaults(deps, UnitGroupId=group, UnitId=unit)
    return FoundDefaults(unit_group_id=group, unit_id=unit)


def get_default_price_list(deps: Deps) -> FoundDefaults:
    """Get Default List Price GUIDs: the named price list."""
    dataverse, name = _dataverse(deps), deps.crm_setup.default_price_list_name
    price_list = _one(dataverse, "pricelevels", "pricelevelid", f"name eq {quote_literal(name)}",
                      f"price list '{name}'", "CRM_DEFAULT_PRICE_LIST_NAME")  # fmt: skip
    save_found_defaults(deps, PriceListId=price_list)
    return FoundDefaults(price_list_id=price_list)


DEFAULT_SETS = {DEFAULT_UNIT_GROUP: "uomschedules", DEFAULT_UNIT: "uoms",
                DEFAULT_PRICE_LIST: "pricelevels"}  # fmt: skip


def check_defaults(deps: Deps, setup: CrmSetup, needed: Iterable[str] = DEFAULT_SETS) -> None:
    """Raise ConfigurationError naming a default GUID that is unset or names nothing."""
    dataverse = _dataverse(deps)
    for setting in needed:
        entity_set = DEFAULT_SETS[setting]
        guid = setup.required(setting)
        try:
            dataverse.get(entity_set, guid, select=[f"{entity_set[:-1]}id"])
        except NotFound:
            raise ConfigurationError(
                f"{setting} is {guid}, which names no record in CRM's {entity_set}",
                settings=[setting],
            ) from None


def _dataverse(deps: Deps) -> Dataverse:
    if deps.dataverse is None:
        raise ConfigurationError(
            "DATAVERSE_URL is not set: the CRM integration needs the CRM environment's URL",
            settings=["DATAVERSE_URL"],
        )
    return deps.dataverse


def _one(
    dataverse: Dataverse, entity_set: str, id_column: str, filter: str, what: str, setting: str
) -> str:
    rows = list(dataverse.rows(entity_set, filter=filter, select=[id_column]))
    if len(rows) != 1:
        found = "no" if not rows else str(len(rows))
        raise ConfigurationError(
            f"CRM has {found} {what}: fix {setting} or the records in CRM", settings=[setting]
        )
    return str(rows[0][id_column])


def crm_ports(deps: Deps) -> tuple[Dataverse, BusinessCentralRecords]:
    """The two systems the connector needs. Raises ConfigurationError naming the setting."""
    if deps.dataverse is None:
        raise ConfigurationError(
            "DATAVERSE_URL is not set: the CRM integration needs the CRM environment's URL",
            settings=["DATAVERSE_URL"],
        )
    if deps.bc_records is None:
        raise ConfigurationError(
            "Business Central is not configured for the CRM integration", settings=["BC_API_URL"]
        )
    return deps.dataverse, deps.bc_records
