"""Routing of `/api/data/v9.2/...` and the answers to writes.

- `POST <set>` creates: 204 with `OData-EntityId`, or with `Prefer: return=representation`
  201 with the row (`$select` and `$expand` apply; no `OData-EntityId` then),
- `PATCH <set>(<key>)` is an upsert (update-delete-entities-using-web-api#upsert-a-table-row,
  perform-conditional-operations-using-web-api): it updates the row the key names, or
  creates it with that primary key or those alternate key values; `If-Match: *` prevents
  the create (404), `If-None-Match: *` the update (412 `0x80040237`), `If-Match: <etag>` is
  optimistic concurrency (412 `0x80060882`); 204 either way, or 200 (201 for a create) with
  `Prefer: return=representation`,
- `DELETE <set>(<key>)` → 204, 404 when missing, 412 on a stale `If-Match`,
- `GET` of sets, rows, `/$count`, navigation properties and properties (`sandbox.dataverse.queries`);
  `PUT <set>(<key>)/<property>` with `{"value": ...}` sets one property, `DELETE` of it
  clears it (update-delete-entities-using-web-api#update-a-single-property-value),
- `WhoAmI`, the quote actions, `$metadata` and `EntityDefinitions`,
- an unknown entity set or segment → 404 `0x8006088a`; a method the resource does not take
  → 405.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from sandbox.dataverse import errors, keys, values
from sandbox.dataverse.actions import QuoteActions
from sandbox.dataverse.context import Call
from sandbox.dataverse.metadata import Metadata
from sandbox.dataverse.queries import Reader, answer
from sandbox.dataverse.render import Renderer
from sandbox.dataverse.schema import Table
from sandbox.dataverse.tables import Catalog, UnknownTable
from sandbox.dataverse.writes import Writer
from sandbox.odata.store import Record
from sandbox.server import read_json


class Service:
    def __init__(
        self, catalog: Catalog, writer: Writer, reader: Reader, renderer: Renderer,
        metadata: Metadata, identity: Callable[[Call], Record],
    ) -> None:  # fmt: skip
        self.catalog = catalog
        self.writer = writer
        self.store = writer.store
        self.reader = reader
        self.renderer = renderer
        self.metadata = metadata
        self.actions = QuoteActions(catalog, writer, renderer)
        self.identity = identity

    def handle(self, call: Call, path: str) -> Response:
        segments = keys.split_path(path)
        if not segments:
            raise errors.unknown_segment(path)
        first, method = segments[0], call.request.method
        if first.name == "$metadata" and len(segments) == 1:
            return self.metadata.document(call)
        if first.name == "EntityDefinitions":
            return self.metadata.definitions(call, segments)
        if first.name == "WhoAmI" and method == "GET":
            return answer(
                {
                    "@odata.context": f"{call.root}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
                    **self.identity(call),
                }
            )
        if first.name in self.actions.handlers and len(segments) == 1:
            if method != "POST":
                raise errors.method_not_allowed(method, first.name)
            return self.actions.run(call, first.name)
        try:
            table = self.catalog.by_set(first.name)
        except UnknownTable:
            raise errors.unknown_segment(first.name) from None
        if first.key is None:
            return self._collection(call, table, segments[1:])
        return self._row(call, table, first.key, segments[1:])

    def _collection(self, call: Call, table: Table, rest: list[keys.Segment]) -> Response:
        method, url = call.request.method, f"{call.root}/{table.entity_set}"
        if not rest and method == "GET":
            return self.reader.collection(call, table, url)
        if not rest and method == "POST":
            record, etag = self.writer.create(call, table, read_json(call.request))
            return self.written(call, table, record, etag, 201)
        if [s.name for s in rest] == ["$count"] and method == "GET":
            return self.reader.count(call, table)
        if rest:
            raise errors.unknown_segment(rest[0].name)
        raise errors.method_not_allowed(method, table.entity_set)

    def _row(self, call: Call, table: Table, raw_key: str, rest: list[keys.Segment]) -> Response:
        key = keys.parse_key(table, raw_key)
        method = call.request.method
        if not rest:
            handlers = {"GET": self.reader.entity, "PATCH": self.upsert, "DELETE": self.delete}
            if method not in handlers:
                raise errors.method_not_allowed(method, table.entity_set)
            return handlers[method](call, table, key)
        found = keys.find(self.store, table, key)
        if found is None:
            raise errors.not_found(table.logical_name, keys.describe(key))
        row = found[0]
        if method in ("PUT", "DELETE") and len(rest) == 1:
            return self._property_write(call, table, row, rest[0].name)
        if method != "GET" or len(rest) > 2 or rest[0].key is not None:
            raise errors.method_not_allowed(method, rest[0].name)
        return self._navigate(call, table, row, rest)

    def _property_write(self, call: Call, table: Table, row: Record, name: str) -> Response:
        """PUT `{"value": ...}` to a property sets it; DELETE clears it (204 both)."""
        column = table.column(name)
        if column is None or column.is_lookup or name != column.name:
            raise errors.unknown_segment(name)
        data = read_json(call.request) if call.request.method == "PUT" else {"value": None}
        if not isinstance(data, dict) or "value" not in data:
            raise errors.bad_payload(table.entity_set, 'A property is set with {"value": ...}.')
        row_id = str(row[table.primary_id])
        self.writer.update(call, table, row_id, {name: data["value"]}, if_match=None)
        return Response(status=204, headers={"OData-Version": "4.0"})

    def _navigate(
        self, call: Call, table: Table, row: Record, rest: list[keys.Segment]
    ) -> Response:
        name, row_id = rest[0].name, str(row[table.primary_id])
        relationship = table.relationship(name)
        if relationship is not None:
            child, column = self.catalog.children(relationship)
            scope = (column, row_id)
            if len(rest) == 2 and rest[1].name == "$count":
                return self.reader.count(call, child, scope)
            url = f"{call.entity_url(table.entity_set, row_id)}/{name}"
            return self.reader.collection(call, child, url, scope)
        navigation = table.navigation(name)
        if navigation is not None and len(rest) == 1:
            column, target = navigation
            return self.reader.related(call, table, row, column, self.catalog.by_name(target))
        if len(rest) == 1:
            return self.reader.property_value(call, table, row, name)
        raise errors.unknown_segment(rest[1].name)

    # --- writes -------------------------------------------------------------------------
    def upsert(self, call: Call, table: Table, key: str | dict[str, Any]) -> Response:
        with self.store.atomic():  # finding the row and writing it are one step
            return self._upsert(call, table, key)

    def _upsert(self, call: Call, table: Table, key: str | dict[str, Any]) -> Response:
        headers = call.request.headers
        if_match, if_none_match = headers.get("If-Match"), headers.get("If-None-Match")
        found = keys.find(self.store, table, key)
        data = read_json(call.request)
        if found is not None:
            if if_none_match is not None and if_none_match.strip() == "*":
                raise errors.duplicate()
            row_id = str(found[0][table.primary_id])
            record, etag = self.writer.update(call, table, row_id, data, if_match=if_match)
            return self.written(call, table, record, etag, 200)
        if if_match is not None:
            raise (
                errors.not_found(table.logical_name, key)
                if isinstance(key, str)
                else errors.not_found_by_key(table.logical_name)
            )
        record, etag = self.writer.create(call, table, data, internal=self._key_fields(table, key))
        return self.written(call, table, record, etag, 201)

    def _key_fields(self, table: Table, key: str | dict[str, Any]) -> Record:
        """What a create by upsert takes from the URL key."""
        if isinstance(key, str):
            return {table.primary_id: key}
        fields: Record = {}
        for name, value in key.items():
            column = table.column(name)
            assert column is not None  # parse_key matched an alternate key
            if column.is_lookup:
                fields[name], fields[column.type_field] = value, column.targets[0]
            else:
                fields[name] = values.convert(table, column, value)
        return fields

    def delete(self, call: Call, table: Table, key: str | dict[str, Any]) -> Response:
        found = keys.find(self.store, table, key)
        if found is None:
            raise errors.not_found(table.logical_name, keys.describe(key))
        row_id = str(found[0][table.primary_id])
        self.writer.delete(table, row_id, if_match=call.request.headers.get("If-Match"))
        return Response(status=204, headers={"OData-Version": "4.0"})

    def written(self, call: Call, table: Table, record: Record, etag: str, status: int) -> Response:
        """204 with the row's URL, or the row itself when the client prefers it."""
        url = call.entity_url(table.entity_set, str(record[table.primary_id]))
        if not call.representation:
            return Response(status=204, headers={"OData-Version": "4.0", "OData-EntityId": url})
        options, expansions = self.reader.options(call, table)
        entity = self.renderer.entity(table, record, etag, options.select, call.annotations)
        if call.request.method == "POST":  # an update ignores $expand (update-with-data-returned)
            self.reader.expander.apply(
                call, table, [(record, entity)], expansions, call.annotations
            )
        select = f"({','.join(options.select)})" if options.select else ""
        body = {
            "@odata.context": f"{call.root}/$metadata#{table.entity_set}{select}/$entity",
            **entity,
        }
        headers = {"Preference-Applied": "return=representation", "ETag": etag}
        if status == 201 and call.request.method == "PATCH":
            headers["OData-EntityId"] = url
        return answer(body, status, headers)
