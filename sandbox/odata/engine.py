"""OData request handling for a service described by an `ODataDialect` (the BC simulator).

`ODataEngine` serves list, read, create, update and delete on any entity set of an
`EntityStore`; an `ODataDialect` subclass supplies what differs per service: page sizes,
ETag text, case sensitivity, concurrency rules, status codes and error bodies. Behaviour
common to both (OData v4):

- `Prefer: odata.maxpagesize=N` is honoured up to the service maximum and confirmed
  with `Preference-Applied`; pages link on with `@odata.nextLink` (see `odata_query`),
- every record carries `@odata.etag` (`W/"..."`), which changes on every write; a read
  by key also answers the `ETag` header, and `If-None-Match` with the current ETag → 304,
- `If-Match: *` is unconditional; another ETag must be current or the write is refused,
- a body must be a JSON object of known, writable properties (annotations such as
  `@odata.etag` are ignored); the key cannot be changed,
- a request addressed through a navigation (`documents(1)/lines`) sees only the rows in
  its scope, and a POST there gets the parent link filled in,
- every answer carries `OData-Version: 4.0`.

Services plug in their rules as `writes` (the store's write signatures) and their
`$expand` as the `expander`.
"""

from __future__ import annotations

from collections.abc import Callable

from werkzeug.wrappers import Request, Response

from sandbox.odata.dialect import (
    ODATA_HEADERS,
    ODataDialect,
    Target,
    in_scope,
    parse_prefer,
    same_value,
)
from sandbox.odata.filter import FilterSyntaxError, ParsedFilter
from sandbox.odata.query import (
    QueryError,
    QueryOptions,
    next_link,
    parse_options,
    run_query,
    select_fields,
)
from sandbox.odata.spec import is_guid
from sandbox.odata.store import (
    DuplicateKey,
    EntitySetSpec,
    EntityStore,
    EntityWrites,
    EtagMismatch,
    Record,
    RecordNotFound,
    UnknownEntitySet,
)
from sandbox.server import json_response, read_json

# Gets (stored row, rendered entity) pairs and adds navigation arrays to the entities.
Expander = Callable[[EntitySetSpec, list[tuple[Record, Record]], str], None]


class ODataEngine:
    """Serves an `EntityStore` through one dialect."""

    def __init__(
        self,
        store: EntityStore,
        dialect: ODataDialect,
        writes: EntityWrites | None = None,
        expander: Expander | None = None,
    ) -> None:
        self.store = store
        self.dialect = dialect
        self.writes: EntityWrites = writes or store
        self.expander = expander

    def spec(self, name: str) -> EntitySetSpec:
        try:
            return self.store.spec(name)
        except UnknownEntitySet:
            raise self.dialect.unknown_segment(name) from None

    def key(self, spec: EntitySetSpec, raw: str) -> str:
        """The key inside `set(...)`: a GUID, or a quoted string for text keys."""
        raw = raw.strip()
        if is_guid(raw):
            return raw.lower()
        if len(raw) >= 2 and raw[0] == raw[-1] == "'":
            return raw[1:-1].replace("''", "'")
        raise self.dialect.bad_query(f"The key '{raw}' of '{spec.name}' is not valid.")

    def handle(self, request: Request, target: Target, raw_key: str | None) -> Response:
        """Dispatch by method on a collection (`raw_key` None) or one entity."""
        spec = self.spec(target.entity_set)
        if raw_key is None:
            if request.method == "GET":
                return self.list(request, target)
            if request.method == "POST":
                return self.create(request, target)
        else:
            key = self.key(spec, raw_key)
            handlers = {"GET": self.read, "PATCH": self.update, "DELETE": self.delete}
            if request.method in handlers:
                return handlers[request.method](request, target, key)
        raise self.dialect.error(
            405, "MethodNotAllowed", f"'{request.method}' is not allowed on '{spec.name}'."
        )

    def options(self, request: Request, spec: EntitySetSpec) -> QueryOptions:
        try:
            return parse_options(request.args, spec, self.dialect.extra_options)
        except (QueryError, FilterSyntaxError) as exc:
            raise self.dialect.bad_query(str(exc)) from None

    def render(
        self, spec: EntitySetSpec, record: Record, etag: str, options: QueryOptions
    ) -> Record:
        always = (spec.key,) if self.dialect.select_always_key else ()
        shown = select_fields(record, options.select, always)
        if spec.hidden:
            shown = {name: value for name, value in shown.items() if name not in spec.hidden}
        return {"@odata.etag": etag, **self.dialect.present(spec, shown)}

    def render_rows(
        self, spec: EntitySetSpec, rows: list[tuple[Record, str]], options: QueryOptions
    ) -> list[Record]:
        """Rendered entities of (row, etag) pairs, with `$expand` applied."""
        rendered = [self.render(spec, row, etag, options) for row, etag in rows]
        if options.expand:
            pairs = [(row, entity) for (row, _), entity in zip(rows, rendered, strict=True)]
            self.expand(spec, pairs, options)
        return rendered

    def expand(
        self, spec: EntitySetSpec, pairs: list[tuple[Record, Record]], options: QueryOptions
    ) -> None:
        if self.expander is None or options.expand is None:
            raise self.dialect.bad_query("The query option '$expand' is not supported here.")
        self.expander(spec, pairs, options.expand)

    def rows(self, target: Target, filter_: ParsedFilter | None = None) -> list[tuple[Record, str]]:
        """The (row, etag) pairs visible through `target`, narrowed by an index if one fits.

        A scope field, or a `field eq 'text'` the filter requires, picks the candidates
        from an index (case-insensitive, so only when text compares case-sensitively);
        the scope and the filter still decide.
        """
        equalities = list(target.scope.items())
        if filter_ is not None and not self.dialect.case_insensitive:
            equalities += filter_.required_equalities()
        if target.source is not None:
            rows = target.source()
        elif equalities:
            rows = self.store.find_all(target.entity_set, equalities)
        else:
            rows = self.store.snapshot(target.entity_set)
        if target.scope:
            rows = [item for item in rows if in_scope(item[0], target.scope)]
        return rows

    def locate(self, spec: EntitySetSpec, target: Target, key: str) -> tuple[Record, str, str]:
        """The row a URL key names through `target`: (copy, etag, storage key)."""
        storage = target.storage_key(key) if target.storage_key else key
        if target.lookup is not None and not target.scope:
            one = target.lookup(storage)
            if one is None:
                raise self.dialect.not_found(spec, key)
            return dict(one[0]), one[1], storage
        if target.source is not None:
            found = [
                (row, etag)
                for row, etag in self.rows(target)
                if str(row[spec.key]).lower() == storage.lower()
            ]
            if not found:
                raise self.dialect.not_found(spec, key)
            return dict(found[0][0]), found[0][1], storage
        try:
            record, etag = self.store.get(spec.name, storage)
        except RecordNotFound:
            raise self.dialect.not_found(spec, key) from None
        if not in_scope(record, target.scope):
            raise self.dialect.not_found(spec, key)
        return record, etag, storage

    def list(self, request: Request, target: Target) -> Response:
        spec = self.spec(target.entity_set)
        options = self.options(request, spec)
        self.dialect.check_filter(request, options)
        # With $top the preference is ignored (Dataverse documents this): one page, no link.
        requested = None if options.top is not None else _max_page_size(parse_prefer(request))
        page_size = min(requested or self.dialect.max_page_size, self.dialect.max_page_size)
        try:
            page = run_query(
                self.rows(target, options.filter), spec, options, page_size,
                case_insensitive=self.dialect.case_insensitive,
            )  # fmt: skip
        except QueryError as exc:
            raise self.dialect.bad_query(str(exc)) from None
        body: Record = {
            "@odata.context": _context(target, options),
            "value": self.render_rows(spec, page.rows, options),
        }
        if page.next_token is not None:
            body["@odata.nextLink"] = next_link(
                target.collection_url, request.args, page.next_token
            )
        headers = dict(ODATA_HEADERS)
        if requested:
            headers["Preference-Applied"] = f"odata.maxpagesize={page_size}"
        return json_response(body, 200, headers)

    def read(self, request: Request, target: Target, key: str) -> Response:
        spec = self.spec(target.entity_set)
        options = self.options(request, spec)
        record, etag, _ = self.locate(spec, target, key)
        headers = {**ODATA_HEADERS, "ETag": etag}
        if request.headers.get("If-None-Match", "").strip() == etag:
            return Response(status=304, headers=headers)
        body = {"@odata.context": f"{_context(target, options)}/$entity"}
        body.update(self.render_rows(spec, [(record, etag)], options)[0])
        return json_response(body, 200, headers)

    def body(self, request: Request, spec: EntitySetSpec, *, creating: bool) -> Record:
        data = read_json(request)
        if not isinstance(data, dict):
            raise self.dialect.bad_body(spec, "The request body is not a JSON object.")
        fields = self.dialect.prepare_body(self.store, spec, data)
        for name in fields:
            if creating and name in spec.navigations:
                continue
            if not spec.known(name):
                raise self.dialect.bad_body(
                    spec, f"The property '{name}' does not exist on type '{spec.entity_type}'."
                )
            if name in spec.read_only:
                raise self.dialect.read_only(spec, name)
        return fields

    def create(self, request: Request, target: Target) -> Response:
        spec = self.spec(target.entity_set)
        fields = self.body(request, spec, creating=True)
        for name, value in target.scope.items():
            if name in fields and not same_value(fields[name], value):
                raise self.dialect.bad_body(spec, f"The property '{name}' must be '{value}'.")
            fields[name] = value
        try:
            record, etag = self.writes.insert(spec.name, fields)
        except DuplicateKey:
            raise self.dialect.duplicate(spec, str(fields.get(spec.key))) from None
        entity = self.render(spec, record, etag, QueryOptions())
        nested = [name for name in spec.navigations if name in fields]
        if nested:  # a deep insert answers with what it created, as if expanded
            self.expand(spec, [(record, entity)], QueryOptions(expand=",".join(nested)))
        url_key = str(record[target.url_key or spec.key])
        return self.dialect.created(target, entity, url_key, parse_prefer(request))

    def update(self, request: Request, target: Target, key: str) -> Response:
        spec = self.spec(target.entity_set)
        if_match = request.headers.get("If-Match")
        if if_match is None and self.dialect.require_if_match:
            raise self.dialect.missing_if_match()
        fields = self.body(request, spec, creating=False)
        if spec.key in fields and str(fields[spec.key]).lower() != key.lower():
            raise self.dialect.bad_body(spec, f"The key property '{spec.key}' cannot be changed.")
        if self.dialect.patch_upserts and if_match is None:
            return self._upsert(request, target, spec, key, fields)
        _, _, storage = self.locate(spec, target, key)
        try:
            record, etag = self.writes.update(spec.name, storage, fields, if_match=if_match)
        except RecordNotFound:
            raise self.dialect.not_found(spec, key) from None
        except EtagMismatch:
            raise self.dialect.stale(spec, key) from None
        entity = self.render(spec, record, etag, QueryOptions())
        return self.dialect.updated(target, entity, key, parse_prefer(request))

    def _upsert(
        self, request: Request, target: Target, spec: EntitySetSpec, key: str, fields: Record
    ) -> Response:
        """PATCH without If-Match: update, or create with this key (If-None-Match: * = create only)."""
        create_only = request.headers.get("If-None-Match", "").strip() == "*"
        try:
            if create_only:
                raise RecordNotFound(key)
            record, etag = self.writes.update(spec.name, key, fields)
        except RecordNotFound:
            try:
                record, etag = self.writes.insert(spec.name, {**fields, spec.key: key})
            except DuplicateKey:
                raise self.dialect.duplicate(spec, key) from None
        entity = self.render(spec, record, etag, QueryOptions())
        return self.dialect.updated(target, entity, key, parse_prefer(request))

    def delete(self, request: Request, target: Target, key: str) -> Response:
        spec = self.spec(target.entity_set)
        if_match = request.headers.get("If-Match")
        if if_match is None and self.dialect.require_if_match:
            raise self.dialect.missing_if_match()
        _, _, storage = self.locate(spec, target, key)
        try:
            self.writes.delete(spec.name, storage, if_match=if_match)
        except RecordNotFound:
            raise self.dialect.not_found(spec, key) from None
        except EtagMismatch:
            raise self.dialect.stale(spec, key) from None
        return Response(status=204, headers=ODATA_HEADERS)


def _context(target: Target, options: QueryOptions) -> str:
    if options.select is None:
        return target.context_url
    return f"{target.context_url}({','.join(options.select)})"


def _max_page_size(prefer: dict[str, str | None]) -> int | None:
    value = prefer.get("odata.maxpagesize")
    return int(value) if value and value.isdigit() and int(value) > 0 else None
