"""`<navigation>@odata.bind` values: which row a lookup is set to.

From create-entity-web-api#associate-table-rows-on-create, use-alternate-key-reference-record
and execute-batch-operations-using-web-api#reference-uris-in-an-operation:

- the value is a URL of the row: `/accounts(<guid>)`, `accounts(<guid>)` (no slash, as in
  the batch examples), the absolute URL, or an alternate-key URL
  `/accounts(accountnumber='C00010')`; in a change set `$1` names the row created by the
  request with `Content-ID: 1`,
- the entity set must be one the navigation property can point at, otherwise 400
  `0x80090800` ("Invalid url value … for lookup property …"); a row that does not exist is
  404 (`… With Id = … Does Not Exist`),
- `null` clears the lookup,
- a navigation property the table does not have is the OData reader's "undeclared
  property" error, 400 `0x80048d19`; custom lookups bind by SchemaName (`bcs_PaymentTermId`),
  so their lower-case logical name is undeclared too.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from sandbox.dataverse import errors, keys
from sandbox.dataverse.context import API_PATH, Call
from sandbox.dataverse.schema import Column, Table
from sandbox.dataverse.tables import Catalog, UnknownTable
from sandbox.odata.store import EntityStore, Record
from sandbox.server import ServiceError


def bind(
    call: Call, catalog: Catalog, store: EntityStore, table: Table, navigation: str, value: Any
) -> tuple[Column, str | None, str | None]:
    """(lookup column, target id or None, target table or None). Raises ServiceError."""
    found = table.navigation(navigation)
    if found is None:
        raise errors.bad_payload(
            table.entity_set,
            f"An undeclared property '{navigation}' which only has property annotations in the "
            "payload but no property value was found in the payload. In OData, only declared "
            "navigation properties and declared named streams can be represented as properties "
            "without values.",
        )
    column, target = found
    if value is None:
        return column, None, None
    if not isinstance(value, str):
        raise errors.bad_bind(str(value), navigation)
    target_table, key = _reference(call, catalog, value, navigation)
    if target_table.logical_name != target:
        raise errors.bad_bind(value, navigation)
    row = keys.find(store, target_table, key)
    if row is None:
        if isinstance(key, str):
            raise errors.not_found(target_table.logical_name, key)
        raise errors.not_found_by_key(target_table.logical_name)
    return column, str(row[0][target_table.primary_id]), target


def resolve(call: Call, catalog: Catalog, store: EntityStore, url: str, target: str) -> Record:
    """The row of `target` a URL names (an action's entity reference). Raises ServiceError."""
    table, key = _reference(call, catalog, url, target)
    if table.logical_name != target:
        raise errors.bad_bind(url, target)
    row = keys.find(store, table, key)
    if row is None:
        raise errors.not_found(table.logical_name, keys.describe(key))
    return row[0]


def _reference(
    call: Call, catalog: Catalog, value: str, navigation: str
) -> tuple[Table, str | dict[str, Any]]:
    url = call.content_ids.get(value.split("/")[0], value) if value.startswith("$") else value
    if url.startswith("$"):
        raise errors.error(
            400, "0x80060888", f"Content-ID Reference: '{url}' does not exist in the batch context."
        )
    path = unquote(urlsplit(url).path)
    if API_PATH in path:
        path = path.split(API_PATH, 1)[1]
    segments = keys.split_path(path)
    if not segments or len(segments) != 1 or segments[0].key is None:
        raise errors.bad_bind(value, navigation)
    try:
        target = catalog.by_set(segments[0].name)
    except UnknownTable:
        raise errors.bad_bind(value, navigation) from None
    try:
        return target, keys.parse_key(target, segments[0].key)
    except ServiceError:
        raise errors.bad_bind(value, navigation) from None
