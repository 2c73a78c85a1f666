"""Reads: collections, single rows, counts, properties, filtered collections.

From query/overview, select-columns, filter-rows, order-rows, page-results, count-rows and
retrieve-entity-using-web-api:

- `$select`, `$filter` (eq ne gt ge lt le, and or not, contains startswith endswith,
  null, `_x_value eq <guid>`; text case-insensitive), `$orderby`, `$top`, `$expand`; an
  unknown property → 400 `0x80060888`; `$skip` is not supported by Dataverse → 400,
- pages of at most 5,000 rows, fewer with `Prefer: odata.maxpagesize`, confirmed by
  `Preference-Applied`; `@odata.nextLink` to follow as given; with both the page size and
  `$top`, `$top` is ignored (page-results),
- `$count=true` adds `@odata.count`: the matching rows, at most 5,000; the annotations
  `Microsoft.Dynamics.CRM.totalrecordcount` / `totalrecordcountlimitexceeded` when asked
  for (-1 without `$count`); `<set>/$count` answers the number as text/plain,
- a row by key answers its `ETag`; `If-None-Match` with it → 304, except when the query
  has `$expand` or asks for annotations,
- `accounts(<id>)/contact_customer_accounts` is the filtered collection of related rows;
  `contacts(<id>)/parentcustomerid_account` the related row (204 when empty);
  `accounts(<id>)/name` one property as `{"value": ...}`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from werkzeug.wrappers import Response

from sandbox.dataverse import changes, errors, keys
from sandbox.dataverse.annotations import COUNT_EXCEEDED, TOTAL_COUNT
from sandbox.dataverse.changes import ChangeTracking
from sandbox.dataverse.context import Call
from sandbox.dataverse.expand import Expander, Expansion, context_part, parse_expand
from sandbox.dataverse.render import Renderer
from sandbox.dataverse.schema import Column, Table
from sandbox.dataverse.tables import Catalog
from sandbox.odata.filter import FilterSyntaxError, ParsedFilter
from sandbox.odata.query import QueryError, QueryOptions, next_link, parse_options, run_query
from sandbox.odata.store import EntityStore, Record
from sandbox.server import json_response

MAX_PAGE = 5000
EXTRA_OPTIONS = frozenset({"$count", "$expand", "$deltatoken"})
JSON = "application/json; odata.metadata=minimal"
Scope = tuple[Column, str]  # children of one row: (lookup column, parent id)


def answer(body: Record, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = json_response(body, status, {"OData-Version": "4.0", **(headers or {})})
    response.content_type = JSON
    return response


class Reader:
    def __init__(
        self, catalog: Catalog, store: EntityStore, renderer: Renderer, tracking: ChangeTracking
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.renderer = renderer
        self.tracking = tracking
        self.expander = Expander(catalog, store, renderer)

    def options(self, call: Call, table: Table) -> tuple[QueryOptions, tuple[Expansion, ...]]:
        args = call.request.args
        if "$skip" in args:
            raise errors.bad_query("The query parameter $skip is not supported")
        try:
            options = parse_options(args, table.entity_set_spec(), EXTRA_OPTIONS)
        except (QueryError, FilterSyntaxError) as exc:
            raise errors.bad_query(str(exc)) from None
        if args.get("$count", "false") not in ("true", "false"):
            raise errors.bad_query(f"Invalid value '{args['$count']}' for $count.")
        return options, parse_expand(args.get("$expand"), table, self.catalog)

    def collection(
        self, call: Call, table: Table, url: str, scope: Scope | None = None
    ) -> Response:
        options, expansions = self.options(call, table)
        args = call.request.args
        tracked = "odata.track-changes" in call.prefer and table.change_tracking
        if "$deltatoken" in args:
            return self.delta(call, table, url, options)
        if tracked:
            changes.refuse_unsupported(args)
        requested = _page_size(call.prefer.get("odata.maxpagesize"))
        if requested is not None:
            options = replace(options, top=None)  # page-results: with both, $top is ignored
        start, engine_token = changes.unwrap_skiptoken(options.skiptoken or "")
        options = replace(options, skiptoken=engine_token or None)
        start = self.store.version if start is None else start
        page_size = min(requested or MAX_PAGE, MAX_PAGE)
        try:
            page = run_query(self._rows(table, scope, options.filter), table.entity_set_spec(), options,
                             page_size, case_insensitive=True)  # fmt: skip
        except QueryError as exc:
            raise errors.bad_query(str(exc)) from None
        body: Record = {"@odata.context": self._context(call, table, url, options, expansions)}
        body.update(self._count(call, args.get("$count") == "true", page.total))
        body["value"] = self._render(call, table, page.rows, options, expansions)
        headers = _applied(call, requested and page_size, tracked)
        if page.next_token is not None:
            token = changes.wrap_skiptoken(start, page.next_token) if tracked else page.next_token
            body["@odata.nextLink"] = next_link(url, args, token)
        elif tracked:
            body["@odata.deltaLink"] = self.tracking.delta_link(
                url, options.select, self.tracking.token(start)
            )
        return answer(body, 200, headers)

    def count(self, call: Call, table: Table, scope: Scope | None = None) -> Response:
        options, _ = self.options(call, table)
        if "$deltatoken" in call.request.args:
            changed, deleted = self._changes(table, call.request.args["$deltatoken"])
            total = len(changed) + len(deleted)
        else:
            total = run_query(self._rows(table, scope), table.entity_set_spec(), options, 1,
                              case_insensitive=True).total  # fmt: skip
        return Response(
            str(min(total, MAX_PAGE)), 200, {"OData-Version": "4.0"}, content_type="text/plain"
        )

    def delta(self, call: Call, table: Table, url: str, options: QueryOptions) -> Response:
        changes.refuse_unsupported(call.request.args)
        next_token = self.tracking.token()
        changed, deleted = self._changes(table, call.request.args["$deltatoken"])
        value = [
            self.renderer.entity(table, row, etag, options.select, call.annotations)
            for row, etag in changed
        ]
        value += [
            {"@odata.context": f"{call.root}/$metadata#{table.entity_set}/$deletedEntity",
             "id": key, "reason": "deleted"}
            for key in deleted
        ]  # fmt: skip
        select = f"({','.join(options.select)})" if options.select else ""
        body = {
            "@odata.context": f"{call.root}/$metadata#{table.entity_set}{select}/$delta",
            "@odata.deltaLink": self.tracking.delta_link(url, options.select, next_token),
            "value": value,
        }
        return answer(body, 200, _applied(call, None, False))

    def _changes(self, table: Table, token: str) -> tuple[list[tuple[Record, str]], list[str]]:
        if not table.change_tracking:
            raise errors.bad_query(
                f"Change tracking is not enabled for the entity '{table.logical_name}'."
            )
        return self.store.changes_since(table.entity_set, self.tracking.version_of(token))

    def entity(self, call: Call, table: Table, key: str | dict[str, Any]) -> Response:
        options, expansions = self.options(call, table)
        found = keys.find(self.store, table, key)
        if found is None:
            raise _missing(table, key)
        row, etag = found
        if call.request.headers.get("If-None-Match", "").strip() == etag and not (
            expansions or call.annotations
        ):
            return Response(status=304, headers={"OData-Version": "4.0", "ETag": etag})
        url = f"{call.root}/{table.entity_set}"
        body = {"@odata.context": f"{self._context(call, table, url, options, expansions)}/$entity"}
        body.update(self._render(call, table, [(row, etag)], options, expansions)[0])
        return answer(body, 200, {"ETag": etag, **_applied(call, None, False)})

    def related(
        self, call: Call, table: Table, row: Record, column: Column, target: Table
    ) -> Response:
        target_id = row.get(column.property_name)
        if (
            target_id is None
            or (row.get(column.type_field) or target.logical_name) != target.logical_name
        ):
            return Response(status=204, headers={"OData-Version": "4.0"})
        return self.entity(call, target, str(target_id))

    def property_value(self, call: Call, table: Table, row: Record, name: str) -> Response:
        column = table.column(name)
        if column is None or name != column.property_name:
            raise errors.unknown_segment(name)
        context = f"{call.root}/$metadata#{table.entity_set}({row[table.primary_id]})/{name}"
        return answer({"@odata.context": context, "value": row.get(name)})

    # --- helpers ----------------------------------------------------------------------
    def _rows(
        self, table: Table, scope: Scope | None, filter_: ParsedFilter | None = None
    ) -> list[tuple[Record, str]]:
        """The rows a query starts from: an index narrows a filter on one field's values
        (the filter itself still decides, so this only saves scanning the table)."""
        candidates = filter_.candidates() if filter_ is not None and scope is None else None
        if candidates is not None:
            field, values = candidates
            found = {row[table.primary_id]: (row, etag)
                     for value in values for row, etag in self.store.find(
                         table.entity_set, field, value)}  # fmt: skip
            return list(found.values())
        if scope is None:
            return list(self.store.snapshot(table.entity_set))
        column, parent_id = scope
        return list(self.store.find(table.entity_set, column.property_name, parent_id))

    def _render(
        self, call: Call, table: Table, rows: list[tuple[Record, str]], options: QueryOptions,
        expansions: tuple[Expansion, ...],
    ) -> list[Record]:  # fmt: skip
        pairs = [(row, self.renderer.entity(table, row, etag, options.select, call.annotations))
                 for row, etag in rows]  # fmt: skip
        self.expander.apply(call, table, pairs, expansions, call.annotations)
        return [entity for _, entity in pairs]

    def _count(self, call: Call, counted: bool, total: int) -> Record:
        out: Record = {}
        if counted:
            out["@odata.count"] = min(total, MAX_PAGE)
        if call.annotations.wants(TOTAL_COUNT):
            out[f"@{TOTAL_COUNT}"] = min(total, MAX_PAGE) if counted else -1
        if call.annotations.wants(COUNT_EXCEEDED):
            out[f"@{COUNT_EXCEEDED}"] = counted and total > MAX_PAGE
        return out

    def _context(
        self, call: Call, table: Table, url: str, options: QueryOptions,
        expansions: tuple[Expansion, ...],
    ) -> str:  # fmt: skip
        path = url.removeprefix(call.root + "/")
        parts = list(options.select or ()) + context_part(expansions)
        return f"{call.root}/$metadata#{path}" + (f"({','.join(parts)})" if parts else "")


def _missing(table: Table, key: str | dict[str, Any]) -> Exception:
    if isinstance(key, str):
        return errors.not_found(table.logical_name, key)
    return errors.not_found_by_key(table.logical_name)


def _page_size(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and int(value) > 0 else None


def _applied(call: Call, page_size: int | bool | None, tracked: bool) -> dict[str, str]:
    applied = []
    if page_size:
        applied.append(f"odata.maxpagesize={page_size}")
    if call.annotations.header:
        applied.append(call.annotations.header)
    if tracked:
        applied.append("odata.track-changes")
    return {"Preference-Applied": ",".join(applied)} if applied else {}
