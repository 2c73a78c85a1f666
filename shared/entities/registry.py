"""Every entity the sync engine runs, in the order a run takes them (parents first).

Adding an entity: write its `EntityMap` (see `shared.entities.masters` for the simplest
kind) and add it here, after the entities its lookups refer to. A test checks the order
and that every lookup names a registered entity.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.entities.contacts import CONTACTS, CONTACTS_TO_CRM
from shared.entities.customers import CUSTOMERS, SHIP_TO_ADDRESSES
from shared.entities.items import ITEMS, UNITS_OF_MEASURE
from shared.entities.masters import (
    CONFIGURATION_TEMPLATES,
    COUNTRIES,
    LOCATIONS,
    PAYMENT_TERMS,
    SHIPMENT_METHODS,
    SHIPPING_AGENTS,
    TAX_AREAS,
)
from shared.errors import ValidationError
from shared.sync.maps import Direction, EntityMap

ENTITIES: tuple[EntityMap, ...] = (
    PAYMENT_TERMS,
    SHIPMENT_METHODS,
    SHIPPING_AGENTS,
    TAX_AREAS,
    LOCATIONS,
    CONFIGURATION_TEMPLATES,
    COUNTRIES,
    UNITS_OF_MEASURE,
    ITEMS,
    CUSTOMERS,
    CONTACTS,
    SHIP_TO_ADDRESSES,
    CONTACTS_TO_CRM,
)

BY_NAME = {entity.name: entity for entity in ENTITIES}


def entities(direction: Direction, names: Iterable[str] | None = None) -> list[EntityMap]:
    """The maps of one direction, in run order; `names` picks some (None: all).

    Raises ValidationError naming an unknown entity.
    """
    chosen = list(ENTITIES) if names is None else []
    for name in names or ():
        if name not in BY_NAME:
            raise ValidationError(
                f"unknown entity '{name}'; known: {', '.join(BY_NAME)}", field="entities"
            )
        chosen.append(BY_NAME[name])
    wanted = {entity.name for entity in chosen}
    return [e for e in ENTITIES if e.name in wanted and e.direction is direction]
