"""Entity sets of the BC simulator as data: every property with its type, and BC's body checks.

One `EntitySchema` per entity set lists the properties its API v2.0 resource page
documents (`api-reference/v2.0/resources/dynamics_<entity>`, or BC_CUSTOM_API.md for the
companion API), in the page's order, with
their types; `id` and `lastModifiedDateTime` are added where the page has them. From it
come the store's `EntitySetSpec` (fields, read-only set, blanks) and the checks a request
body gets before BC's rules see it. BC behaviour reproduced:

- a value of the wrong JSON type → 400 `BadRequest` "Cannot convert the literal '5' to
  the expected type 'Edm.String'." (also `null`: the simulator never stores nulls, as BC
  has no null fields); a malformed GUID → 400 `Application_InvalidGUID`,
- a value not in its enum → 400 `Application_EvaluateException` 'The value "Gadget"
  cannot be evaluated into type Option.' (webservices/dynamics-error-codes),
- enum values are answered as production BC writes them in JSON: the member name with
  every character an OData identifier cannot hold XML-escaped (`"blocked": "_x0020_"`,
  `"In_x0020_Review"`, `"Non_x002D_Inventory"`); a write may use that spelling or the
  reference pages' plain one (" ", "In Review"), and the plain member is what is stored
  (and what `$filter` compares with),
- text longer than its field → 400 `Application_StringExceededLength`; Code fields are
  stored in upper case (`net30` → `NET30`), as BC's Code type does,
- read-only properties (the pages' "Read-Only"/"Non-editable", and what the API page makes
  non-editable or computes) are refused by the engine: 400 `BadRequest_InvalidOperation`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from typing import Any

from sandbox.business_central.dialect import (
    bc_error,
    check_length,
    guid_error,
    read_only_control,
    unknown_property,
)
from sandbox.business_central.enums import ENUMS
from sandbox.odata.spec import EntitySetSpec, NumberSeries, is_guid

MODIFIED = "lastModifiedDateTime"
EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
BLANK_DATE = "0001-01-01"
BLANK_DATETIME = "0001-01-01T00:00:00Z"
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EDM = {"string": "Edm.String", "GUID": "Edm.Guid", "decimal": "Edm.Decimal",
        "boolean": "Edm.Boolean", "date": "Edm.Date", "datetime": "Edm.DateTimeOffset",
        "integer": "Edm.Int32", "int64": "Edm.Int64"}  # fmt: skip
_BLANKS: Mapping[str, Any] = {"string": "", "GUID": EMPTY_GUID, "decimal": 0, "boolean": False,
                              "date": BLANK_DATE, "datetime": BLANK_DATETIME, "integer": 0,
                              "int64": 0}  # fmt: skip


@dataclass(frozen=True)
class Prop:
    """One property: its name, type as the resource page writes it, and BC's field rules."""

    name: str
    type: str  # string, GUID, decimal, boolean, date, datetime, integer, int64 or NAV.<enum>
    length: int | None = None  # Text[n] / Code[n]
    code: bool = False  # a Code field: upper case
    read_only: bool = False

    @property
    def edm(self) -> str:
        return _EDM.get(self.type, f"Microsoft.{self.type}")

    @property
    def enum(self) -> tuple[str, ...] | None:
        return ENUMS[self.type[4:]] if self.type.startswith("NAV.") else None

    def blank(self) -> Any:
        enum = self.enum
        return enum[0] if enum is not None else _BLANKS[self.type]


def text(name: str, length: int | None = None) -> Prop:
    return Prop(name, "string", length)


def code(name: str, length: int | None) -> Prop:
    return Prop(name, "string", length, code=True)


def guid(name: str) -> Prop:
    return Prop(name, "GUID")


def decimal(name: str) -> Prop:
    return Prop(name, "decimal")


def boolean(name: str) -> Prop:
    return Prop(name, "boolean")


def date_(name: str) -> Prop:
    return Prop(name, "date")


def datetime_(name: str) -> Prop:
    return Prop(name, "datetime")


def integer(name: str) -> Prop:
    return Prop(name, "integer")


def enum(name: str, enum_type: str) -> Prop:
    if enum_type not in ENUMS:
        raise ValueError(f"unknown enum {enum_type}")
    return Prop(name, f"NAV.{enum_type}")


def ro(prop: Prop) -> Prop:
    """The same property, read-only."""
    return replace(prop, read_only=True)


@dataclass(frozen=True)
class EntitySchema:
    """One entity set: its name, entity, properties; `spec()` gives the store's view of it."""

    name: str  # entity set: customers
    entity: str  # entity type name: customer
    props: tuple[Prop, ...]
    key: str = "id"
    modified: bool = True  # the page lists lastModifiedDateTime
    hidden: Mapping[str, Any] = field(default_factory=dict)  # stored, never shown: default
    navigations: tuple[str, ...] = ()
    number_series: NumberSeries | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)  # what BC fills in instead
    doc: str = ""  # where the properties are documented, if not the v2.0 resource page

    @property
    def entity_type(self) -> str:
        return f"Microsoft.NAV.{self.entity}"

    @property
    def page(self) -> str:
        return self.doc or f"api-reference/v2.0/resources/dynamics_{self.entity.lower()}"

    @cached_property
    def all_props(self) -> tuple[Prop, ...]:
        modified = (ro(datetime_(MODIFIED)),) if self.modified else ()
        return (*self.props, *modified)

    @cached_property
    def fields(self) -> tuple[str, ...]:
        return tuple(prop.name for prop in self.all_props)

    @cached_property
    def read_only(self) -> frozenset[str]:
        return frozenset(prop.name for prop in self.all_props if prop.read_only)

    @cached_property
    def _by_name(self) -> dict[str, Prop]:
        return {prop.name: prop for prop in self.all_props}

    def prop(self, name: str) -> Prop | None:
        return self._by_name.get(name)

    def blanks(self) -> dict[str, Any]:
        """What BC shows on a new record for every property nobody set."""
        blanks = {prop.name: prop.blank() for prop in self.props if prop.name != self.key}
        return {**blanks, **self.hidden, **self.defaults}

    def spec(self) -> EntitySetSpec:
        return EntitySetSpec(
            self.name, self.entity_type, key=self.key, fields=self.fields,
            modified_field=MODIFIED if self.modified else None,
            number_series=self.number_series, defaults=self.blanks(),
            hidden=frozenset(self.hidden), read_only=self.read_only,
            navigations=self.navigations,
        )  # fmt: skip

    @cached_property
    def _enum_props(self) -> tuple[str, ...]:
        return tuple(prop.name for prop in self.all_props if prop.enum is not None)

    def present(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The record as BC answers it: enum values escaped (see module doc)."""
        shown = dict(record)
        for name in self._enum_props:
            if isinstance(shown.get(name), str):
                shown[name] = escape_member(shown[name])
        return shown

    def check(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """The body with each known property's value checked and normalised (see module doc)."""
        checked = dict(body)
        for name, value in body.items():
            prop = self.prop(name)
            # A read-only property is refused whatever its value (the engine says so).
            if prop is not None and not prop.read_only and name != self.key:
                checked[name] = check_value(prop, value)
        return checked


def check_value(prop: Prop, value: Any) -> Any:
    """A JSON value as BC accepts it for `prop`, or the ServiceError BC answers."""
    if prop.enum is not None:
        return _enum_value(prop, prop.enum, value)
    if not _has_type(prop.type, value):
        if prop.type == "GUID" and isinstance(value, str):
            raise guid_error()
        raise bc_error(
            400, "BadRequest",
            f"Cannot convert the literal '{_literal(value)}' to the expected type '{prop.edm}'.",
        )  # fmt: skip
    if prop.type == "GUID":
        return str(value).lower()
    if prop.type == "string":
        check_length(prop.name, value, prop.length or 2048)
        return str(value).upper() if prop.code else value
    return value


def escape_member(member: str) -> str:
    """An enum member as an OData identifier: `In Review` → `In_x0020_Review`."""
    return "".join(
        char if char.isascii() and (char.isalnum() or char == "_") else f"_x{ord(char):04X}_"
        for char in member
    )


def _enum_value(prop: Prop, members: tuple[str, ...], value: Any) -> str:
    if not isinstance(value, str):
        raise bc_error(
            400, "BadRequest",
            f"Cannot convert the literal '{_literal(value)}' to the expected type '{prop.edm}'.",
        )  # fmt: skip
    plain = _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), value)
    if plain not in members:
        raise bc_error(
            400, "Application_EvaluateException",
            f'The value "{value}" cannot be evaluated into type Option.',
        )  # fmt: skip
    return plain


def _has_type(kind: str, value: Any) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    checks = {
        "string": isinstance(value, str), "decimal": number, "boolean": isinstance(value, bool),
        "integer": number and float(value).is_integer(),
        "int64": number and float(value).is_integer(),
        "GUID": isinstance(value, str) and is_guid(value),
        "date": isinstance(value, str) and _is_date(value),
        "datetime": isinstance(value, str) and _is_datetime(value),
    }  # fmt: skip
    return checks[kind]


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return bool(_DATE.match(text))


def _is_datetime(text: str) -> bool:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return parsed.tzinfo is not None


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def nested_bodies(schema: EntitySchema, value: Any) -> list[dict[str, Any]]:
    """The records nested in a deep insert, checked as a top-level body would be."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise bc_error(
            400, "BadRequest", f"Invalid Request Body. '{schema.name}' must be an array of objects."
        )
    bodies = []
    for body in value:
        fields = {name: item for name, item in body.items() if "@odata." not in name}
        for name in fields:
            if name in schema.navigations:
                continue
            if name in schema.hidden or (name != schema.key and schema.prop(name) is None):
                raise unknown_property(name, schema.entity_type)
            if name in schema.read_only:
                raise read_only_control(name)
        bodies.append(schema.check(fields))
    return bodies
