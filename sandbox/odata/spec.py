"""What an entity set is: its key, properties, defaults and number series.

Shared by the store (`sandbox.odata.store`), the query engine and the services' seeds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class NumberSeries:
    """Numbers like C00010, C00020: prefix + zero-padded counter stepping by `increment`."""

    field: str
    prefix: str
    width: int = 5
    increment: int = 10


@dataclass(frozen=True)
class EntitySetSpec:
    """One entity set: its name, key, known properties and what the store stamps.

    `hidden` fields are stored but never shown or accepted by the API (BC's table fields
    that no API page exposes); `read_only` ones are shown but refused in a body;
    `navigations` name related sets a POST may nest (deep insert) and `$expand` may add.
    """

    name: str
    entity_type: str
    key: str = "id"
    fields: tuple[str, ...] = ()
    modified_field: str | None = None
    created_field: str | None = None
    number_series: NumberSeries | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()
    read_only: frozenset[str] = frozenset()
    navigations: tuple[str, ...] = ()

    def known(self, name: str) -> bool:
        return name not in self.hidden and (name == self.key or name in self.fields)

    def with_blanks_like(self, sample: Mapping[str, Any], **overrides: Any) -> EntitySetSpec:
        """This spec with defaults shaped like `sample`: "" for text, 0, False, the empty
        GUID for ids, None otherwise (key and stamped fields excluded)."""
        stamped = {self.key, self.modified_field, self.created_field}
        defaults = {name: _blank(value) for name, value in sample.items() if name not in stamped}
        return replace(self, defaults={**defaults, **overrides})


_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def is_guid(text: str) -> bool:
    return bool(_GUID.match(text))


def _blank(value: Any) -> Any:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return 0
    if isinstance(value, str):
        return "00000000-0000-0000-0000-000000000000" if _GUID.match(value) else ""
    return None
