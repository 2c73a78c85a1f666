"""Paths below `companies({id})/` of the BC simulator: sets, navigations and bound actions.

BC behaviour reproduced:

- `set`, `set(id)`, `set(id)/navigation[(key)]`, nested further (`salesInvoices(1)/
  salesInvoiceLines(2)/dimensionSetLines(3)`); an unknown navigation, or one v2.0 does
  not have (`purchaseCreditMemos(1)/dimensionSetLines`) → 404
  `BadRequest_ResourceNotFound` "Resource not found for the segment '...'",
- a missing parent → 404 naming it; a child addressed under the wrong parent → 404,
- bound actions `set(id)/Microsoft.NAV.<name>`: POST only, empty body, 204,
- read-only sets answer 405 `BadRequest_MethodNotAllowed` to writes (views of fields on
  other records, to POST and DELETE; pages without delete, to DELETE),
- top-level line sets need a `documentId` (or `id`) filter ("You must specify an Id or a
  Document Id to get the lines."); dimension set lines only exist under a parent,
- `$expand` of navigations, nested (`salesInvoiceLines($expand=dimensionSetLines)`), with
  `$select`/`$filter` inside the parentheses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

from werkzeug.wrappers import Request, Response

from sandbox.business_central.dialect import dialog, method_not_allowed
from sandbox.business_central.documents import (
    BY_LINES,
    NAVIGATIONS,
    Navigation,
    dimension_line_key,
)
from sandbox.odata.dialect import ODATA_HEADERS, Target
from sandbox.odata.engine import ODataEngine
from sandbox.odata.filter import FilterSyntaxError, parse_filter
from sandbox.odata.query import QueryError, QueryOptions, parse_options
from sandbox.odata.store import EntitySetSpec, Record

View = Callable[[], list[tuple[Record, str]]]
ChildView = Callable[[str], list[tuple[Record, str]]]  # a view's rows under one parent id
Lookup = Callable[[str], tuple[Record, str] | None]
Action = Callable[[str], None]
ACTION_PREFIX = "Microsoft.NAV."


@dataclass(frozen=True)
class ApiSurface:
    """What one API route of the simulator serves (the standard API or the custom one)."""

    path: str  # below /v2.0/{tenant}/{environment}/
    sets: frozenset[str] | None = None  # None: every registered set but `excluded`
    excluded: frozenset[str] = frozenset()
    read_only: frozenset[str] = frozenset()
    no_patch: frozenset[str] = frozenset()
    patch_only: frozenset[str] = frozenset()  # views whose rows exist elsewhere
    no_delete: frozenset[str] = frozenset()
    nested_only: Mapping[str, str] = field(default_factory=dict)  # set → error text
    views: Mapping[str, View] = field(default_factory=dict)
    lookups: Mapping[str, Lookup] = field(default_factory=dict)  # one row of a view, by id
    actions: Mapping[tuple[str, str], Action] = field(default_factory=dict)

    def serves(self, name: str) -> bool:
        return name not in self.excluded and (self.sets is None or name in self.sets)


def split_expand(text: str) -> list[tuple[str, str]]:
    """`a($expand=b($select=x)),c` → [("a", "$expand=b($select=x)"), ("c", "")]."""
    items, depth, start = [], 0, 0
    for index, char in enumerate(text + ","):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            item = text[start:index].strip()
            start = index + 1
            if item:
                name, _, rest = item.partition("(")
                items.append((name.strip(), rest[:-1] if rest.endswith(")") else rest))
    return items


def _inner_options(text: str) -> dict[str, str]:
    options, depth, start = {}, 0, 0
    for index, char in enumerate(text + ";"):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ";" and depth == 0:
            name, _, value = text[start:index].partition("=")
            if name.strip():
                options[name.strip()] = value.strip()
            start = index + 1
    return options


class Router:
    """Turns a path below a company into an engine call, a navigation or an action.

    `navigations` are v2.0's (documents.NAVIGATIONS) and the companion API's; a child set
    that is a view (the companion's `crmSalesQuotes(id)/lines`) gets its rows under one
    parent from `child_views`.
    """

    def __init__(
        self, engine: ODataEngine,
        navigations: Mapping[tuple[str, str], Navigation] = NAVIGATIONS,
        child_views: Mapping[str, ChildView] | None = None,
    ) -> None:  # fmt: skip
        self.engine = engine
        self.engine.expander = self.expand
        self.navigations = navigations
        self.child_views: Mapping[str, ChildView] = child_views or {}

    def handle(
        self, request: Request, surface: ApiSurface, base: str,
        segments: list[tuple[str, str | None]],
    ) -> Response:  # fmt: skip
        """`base` is the absolute URL of `companies(<id>)`."""
        name, key = segments[0]
        if not surface.serves(name):
            raise self.engine.dialect.unknown_segment(name)
        if name in surface.nested_only:
            raise dialog(surface.nested_only[name])
        target = Target(
            name, f"{base}/{name}", _context(base, name), source=surface.views.get(name),
            lookup=surface.lookups.get(name),
        )  # fmt: skip
        for child, child_key in segments[1:]:
            if key is None:
                raise self.engine.dialect.unknown_segment(child)
            spec = self.engine.spec(target.entity_set)
            parent, _, _ = self.engine.locate(spec, target, self.engine.key(spec, key))
            if child.startswith(ACTION_PREFIX):
                return self._action(request, surface, target.entity_set, child, parent)
            navigation = self.navigations.get((target.entity_set, child))
            if navigation is None:
                raise self.engine.dialect.unknown_segment(child)
            target = _child_target(
                target, key, navigation, child, parent, self._child_source(navigation, parent)
            )
            key = child_key
        return self._dispatch(request, surface, target, key)

    def _dispatch(
        self, request: Request, surface: ApiSurface, target: Target, key: str | None
    ) -> Response:
        name, method = target.entity_set, request.method
        refused = (
            name in surface.read_only
            or (method == "PATCH" and name in surface.no_patch)
            or (method in ("POST", "DELETE") and name in surface.patch_only)
            or (method == "DELETE" and name in surface.no_delete)
        )
        if method != "GET" and refused:
            raise method_not_allowed(method, name)
        if method == "GET" and key is None and name in BY_LINES and not target.scope:
            _require_document_filter(request)
        return self.engine.handle(request, target, key)

    def _action(
        self, request: Request, surface: ApiSurface, entity_set: str, name: str, parent: Record
    ) -> Response:
        action = surface.actions.get((entity_set, name.removeprefix(ACTION_PREFIX)))
        if action is None:
            raise self.engine.dialect.unknown_segment(name)
        if request.method != "POST":
            raise method_not_allowed(request.method, name)
        action(str(parent["id"]))
        return Response(status=204, headers=ODATA_HEADERS)

    # --- $expand ----------------------------------------------------------------------
    def expand(self, spec: EntitySetSpec, pairs: list[tuple[Record, Record]], text: str) -> None:
        for name, inner in split_expand(text):
            navigation = self.navigations.get((spec.name, name))
            if navigation is None:
                raise self.engine.dialect.bad_query(
                    f"Could not find a property named '{name}' on type '{spec.entity_type}'."
                )
            child_spec = self.engine.spec(navigation.child)
            try:
                options = parse_options(_inner_options(inner), child_spec, frozenset({"$expand"}))
            except (QueryError, FilterSyntaxError) as exc:
                raise self.engine.dialect.bad_query(str(exc)) from None
            for record, entity in pairs:
                entity[name] = self._children(child_spec, navigation, record, options)

    def _children(
        self, spec: EntitySetSpec, navigation: Navigation, parent: Record, options: QueryOptions
    ) -> list[Record]:
        target = Target(
            spec.name, "", "", scope=navigation.scope(str(parent["id"])),
            source=self._child_source(navigation, parent),
        )  # fmt: skip
        rows = self.engine.rows(target)
        if options.filter is not None:
            rows = [item for item in rows if options.filter.matches(item[0])]
        rows.sort(key=lambda item: (item[0].get("sequence", 0), str(item[0].get("code", ""))))
        return self.engine.render_rows(spec, rows, options)

    def _child_source(self, navigation: Navigation, parent: Record) -> View | None:
        view = self.child_views.get(navigation.child)
        return partial(view, str(parent["id"])) if view is not None else None


def _context(base: str, path: str) -> str:
    root, _, company = base.rpartition("/companies(")
    return f"{root}/$metadata#companies({company}/{path}"


def _child_target(
    parent: Target, key: str, navigation: Navigation, name: str, parent_row: Record,
    source: View | None = None,
) -> Target:  # fmt: skip
    parent_id = str(parent_row["id"])
    # Dimension set lines are named by their dimension's id, unique only under one parent.
    storage_key = partial(dimension_line_key, parent_id) if navigation.url_key else None
    return Target(
        navigation.child, f"{parent.collection_url}({key})/{name}",
        f"{parent.context_url}({key})/{name}", scope=navigation.scope(parent_id),
        url_key=navigation.url_key, storage_key=storage_key, source=source,
    )  # fmt: skip


def _require_document_filter(request: Request) -> None:
    text = request.args.get("$filter", "")
    try:
        names = parse_filter(text).properties() if text else set()
    except FilterSyntaxError:
        return  # the engine reports the syntax error
    if not {"documentId", "id"} & set(names):
        raise dialog("You must specify an Id or a Document Id to get the lines.")
