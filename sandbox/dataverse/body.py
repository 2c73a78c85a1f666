"""A create or update body read against its table: columns, bindings and nested rows.

- properties are the table's columns by logical name; an unknown one is 400 `0x80048d19`
  ("The property 'x' does not exist on type 'Microsoft.Dynamics.CRM.account'"), and so is
  a lookup property (`_x_value`): lookups are set through `@odata.bind`,
- values are checked by `sandbox.dataverse.values`,
- columns the platform sets (IsValidForCreate/Update false: `createdon`, `fullname`,
  totals, `revisionnumber`, ...) are ignored, as the platform ignores them, and so is
  `statecode` in a create (a new row starts in its table's initial state),
- instance annotations (`@odata.etag`, `@odata.type`, `x@OData.Community...`) are ignored,
- deep insert (create-entity-web-api#create-related-table-rows-in-one-operation): a
  single-valued navigation property given an object creates that row and points the
  lookup at it; a collection-valued one given an array creates those rows under the new
  one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.dataverse import binding, errors, values
from sandbox.dataverse.context import Call
from sandbox.dataverse.schema import OneToMany, Table
from sandbox.dataverse.tables import Catalog
from sandbox.odata.store import EntityStore, Record

# Never copied to a revision or an order: state, revision, closing date.
_NOT_COPIED = frozenset({"statecode", "statuscode", "revisionnumber", "closedon"})
# Creates a row of a table from a body and answers its id (deep insert of a lookup target).
CreateRow = Callable[[Call, Table, Record], str]


@dataclass
class Body:
    fields: Record = field(default_factory=dict)
    children: list[tuple[OneToMany, list[Record]]] = field(default_factory=list)


def read_body(
    call: Call, catalog: Catalog, store: EntityStore, table: Table, data: Any, *,
    creating: bool, create_row: CreateRow,
) -> Body:  # fmt: skip
    """The stored fields a body asks for. Raises ServiceError."""
    if not isinstance(data, dict):
        raise errors.bad_payload(table.entity_set, "The request body is not a JSON object.")
    body = Body()
    for name, value in data.items():
        if name.startswith("@") or ("@" in name and not name.endswith("@odata.bind")):
            continue
        if name.endswith("@odata.bind"):
            _bind(call, catalog, store, table, name.removesuffix("@odata.bind"), value, body)
        elif table.relationship(name) is not None and creating:
            body.children.append((table.relationship(name), _rows(table, name, value)))  # type: ignore[arg-type]
        elif table.navigation(name) is not None and creating and isinstance(value, dict):
            column, target = table.navigation(name)  # type: ignore[misc]
            created = create_row(call, catalog.by_name(target), value)
            _set_lookup(body.fields, column.property_name, column.type_field, created, target)
        else:
            _column(table, name, value, body, creating)
    return body


def _column(table: Table, name: str, value: Any, body: Body, creating: bool) -> None:
    column = table.column(name)
    if column is None:
        raise errors.unknown_property(table.entity_set, name, table.entity_type)
    if column.is_lookup:
        raise errors.lookup_property_written(table.entity_set)
    if name == table.primary_id or (column.writable and not (creating and name == "statecode")):
        body.fields[name] = values.convert(table, column, value)


def _bind(
    call: Call, catalog: Catalog, store: EntityStore, table: Table, navigation: str,
    value: Any, body: Body,
) -> None:  # fmt: skip
    column, target_id, target = binding.bind(call, catalog, store, table, navigation, value)
    if not column.writable:
        return
    _set_lookup(body.fields, column.property_name, column.type_field, target_id, target)


def _set_lookup(
    fields: Record, name: str, type_field: str, target_id: str | None, target: str | None
) -> None:
    fields[name] = target_id
    fields[type_field] = target


def _rows(table: Table, name: str, value: Any) -> list[Record]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise errors.bad_payload(
            table.entity_set, f"The value of the navigation property '{name}' must be an array."
        )
    return value


def copy_columns(source: Table, row: Record, target: Table, *, keep_number: bool = False) -> Record:
    """The writable columns two tables share (lookups with their target), from a row; the
    target's own number only with `keep_number` (a quote revision keeps its number)."""
    fields: Record = {}
    for column in source.columns:
        if not column.writable or column.name in (source.primary_id, target.primary_id):
            continue
        if column.property_name in _NOT_COPIED or target.column(column.property_name) is None:
            continue
        if target.autonumber and column.name == target.autonumber.column and not keep_number:
            continue
        fields[column.property_name] = row.get(column.property_name)
        if column.is_lookup:
            fields[column.type_field] = row.get(column.type_field)
    return fields
