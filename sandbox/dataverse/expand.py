"""`$expand` of single- and collection-valued navigation properties (query/join-tables).

- `$expand=primarycontactid($select=fullname),contact_customer_accounts($select=fullname)`,
  options inside parentheses separated by `;`, nested `$expand` allowed,
- a single-valued navigation property gives the related row (without `@odata.etag`) or
  null; only `$select`, `$filter` and `$expand` may qualify it,
- a collection-valued one gives the related rows (each with `@odata.etag`), narrowed by
  `$filter`, `$orderby`, `$top`, and a `<name>@odata.nextLink` to the same rows as a
  filtered collection (`accounts(<id>)/contact_customer_accounts?$select=...`),
- `$top` or `$orderby` on a collection with a nested `$expand`, or on a single-valued
  property → 400 `0x80060888` "Only $select and $filter clause can be provided while
  doing $expand on many-to-one relationship or nested one-to-many relationship.",
- an unknown navigation property → 400 `0x80060888`; `/$ref` is not supported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from sandbox.dataverse import errors
from sandbox.dataverse.annotations import Requested
from sandbox.dataverse.context import Call
from sandbox.dataverse.render import Renderer
from sandbox.dataverse.schema import Column, Table
from sandbox.dataverse.tables import Catalog
from sandbox.odata.filter import FilterSyntaxError
from sandbox.odata.query import QueryError, QueryOptions, parse_options, run_query
from sandbox.odata.store import EntityStore, Record, RecordNotFound

_SAFE = ",'()$="
_ONLY_SELECT_FILTER = (
    "Only $select and $filter clause can be provided while doing $expand on many-to-one "
    "relationship or nested one-to-many relationship."
)


@dataclass(frozen=True)
class Expansion:
    navigation: str
    target: Table
    column: Column  # the lookup: on the parent (single-valued) or on the target (collection)
    collection: bool
    options: QueryOptions
    raw_options: tuple[tuple[str, str], ...]
    nested: tuple[Expansion, ...]


def parse_expand(text: str | None, table: Table, catalog: Catalog) -> tuple[Expansion, ...]:
    """Raises ServiceError for a malformed or unknown expansion."""
    if not text:
        return ()
    return tuple(_item(part.strip(), table, catalog) for part in _split(text, ","))


def _item(text: str, table: Table, catalog: Catalog) -> Expansion:
    name, _, rest = text.partition("(")
    name = name.strip()
    if name.endswith("/$ref") or (rest and not rest.endswith(")")):
        raise errors.bad_query(f"The $expand '{text}' is not supported.")
    raw = tuple(_option(part) for part in _split(rest[:-1], ";") if part.strip()) if rest else ()
    relationship = table.relationship(name)
    navigation = table.navigation(name)
    if relationship is not None:
        target, column = catalog.children(relationship)
    elif navigation is not None:
        column, target_name = navigation
        target = catalog.by_name(target_name)
    else:
        raise errors.bad_query(
            f"Could not find a property named '{name}' on type '{table.entity_type}'."
        )
    args = dict(raw)
    nested = parse_expand(args.pop("$expand", None), target, catalog)
    try:
        options = parse_options(args, target.entity_set_spec())
    except (QueryError, FilterSyntaxError) as exc:
        raise errors.bad_query(str(exc)) from None
    collection = relationship is not None
    if (options.top is not None or options.orderby) and (not collection or nested):
        raise errors.bad_query(_ONLY_SELECT_FILTER)
    return Expansion(name, target, column, collection, options, raw, nested)


def _option(text: str) -> tuple[str, str]:
    name, _, value = text.strip().partition("=")
    if not name.startswith("$") or not value:
        raise errors.bad_query(f"The $expand option '{text}' is not valid.")
    return name, value


def _split(text: str, separator: str) -> list[str]:
    parts, depth, quoted, current = [], 0, False, ""
    for char in text:
        quoted = not quoted if char == "'" else quoted
        depth += (char == "(") - (char == ")") if not quoted else 0
        if char == separator and depth == 0 and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def context_part(expansions: tuple[Expansion, ...]) -> list[str]:
    """`primarycontactid(fullname)` pieces of an `@odata.context` URL."""
    parts = []
    for item in expansions:
        inner = list(item.options.select or ()) + context_part(item.nested)
        parts.append(f"{item.navigation}({','.join(inner)})")
    return parts


class Expander:
    def __init__(self, catalog: Catalog, store: EntityStore, renderer: Renderer) -> None:
        self.catalog = catalog
        self.store = store
        self.renderer = renderer

    def apply(
        self, call: Call, table: Table, pairs: list[tuple[Record, Record]],
        expansions: tuple[Expansion, ...], wanted: Requested,
    ) -> None:  # fmt: skip
        """Add the expanded navigation properties to each (row, rendered entity) pair."""
        for item in expansions:
            for row, entity in pairs:
                if item.collection:
                    self._collection(call, table, row, entity, item, wanted)
                else:
                    self._single(call, row, entity, item, wanted)

    def _single(
        self, call: Call, row: Record, entity: Record, item: Expansion, wanted: Requested
    ) -> None:
        target_id = row.get(item.column.property_name)
        target_kind = row.get(item.column.type_field) or item.column.targets[0]
        found = None
        if target_id is not None and target_kind == item.target.logical_name:
            try:
                found, _ = self.store.get(item.target.entity_set, str(target_id))
            except RecordNotFound:
                found = None
        if found is None or not _matches(item, found):
            entity[item.navigation] = None
            return
        rendered = self.renderer.entity(item.target, found, None, item.options.select, wanted)
        self.apply(call, item.target, [(found, rendered)], item.nested, wanted)
        entity[item.navigation] = rendered

    def _collection(
        self, call: Call, table: Table, row: Record, entity: Record, item: Expansion,
        wanted: Requested,
    ) -> None:  # fmt: skip
        key = str(row[table.primary_id])
        rows = self.store.find(item.target.entity_set, item.column.property_name, key)
        options = QueryOptions(
            filter=item.options.filter, orderby=item.options.orderby, top=item.options.top
        )
        page = run_query(
            list(rows), item.target.entity_set_spec(), options, 5000, case_insensitive=True
        )
        rendered = [
            (found, self.renderer.entity(item.target, found, etag, item.options.select, wanted))
            for found, etag in page.rows
        ]
        self.apply(call, item.target, rendered, item.nested, wanted)
        entity[item.navigation] = [value for _, value in rendered]
        query = "&".join(f"{name}={quote(value, safe=_SAFE)}" for name, value in item.raw_options)
        link = f"{call.entity_url(table.entity_set, key)}/{item.navigation}"
        entity[f"{item.navigation}@odata.nextLink"] = f"{link}?{query}" if query else link


def _matches(item: Expansion, row: Record) -> bool:
    return item.options.filter is None or item.options.filter.matches(row, case_insensitive=True)
