"""OData request handling shared by the BC and Dataverse simulators.

`ODataEngine` serves list, read, create, update and delete on any entity set of an
`EntityStore`; an `ODataDialect` subclass supplies what differs per service: page sizes,
ETag text, case sensitivity, concurrency rules, status codes and error bodies. Behaviour
common to both (OData v4):

- `Prefer: odata.maxpagesize=N` is honoured up to the service maximum and confirmed
  with `Preference-Applied`; pages link on with `@odata.nextLink` (see `odata_query`),
- every record carries `@odata.etag` (`W/"..."`), which changes on every write; a read
  by key also answers the `ETag` header, and `If-None-Match` with the current ETag → 304,
- `If-Match: *` is unconditional; another ETag must be current or the write is refused,
- a body must be a JSON object of known properties (annotations such as `@odata.etag`
  are ignored); the key cannot be changed,
- every answer carries `OData-Version: 4.0`.
"""

from __future__ import annotations

import re

from werkzeug.wrappers import Request, Response

from sandbox.odata_dialect import ODATA_HEADERS, ODataDialect, Target
from sandbox.odata_filter import FilterSyntaxError
from sandbox.odata_query import (
    QueryError,
    QueryOptions,
    next_link,
    parse_options,
    run_query,
    select_fields,
)
from sandbox.odata_store import (
    DuplicateKey,
    EntitySetSpec,
    EntityStore,
    EtagMismatch,
    Record,
    RecordNotFound,
    UnknownEntitySet,
)
from sandbox.server import json_response, read_json

_SEGMENT = re.compile(r"^([A-Za-z_$][\w.$]*)(?:\((.*)\))?$")
_GUID = re.compile(r"^[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$")


def split_segments(path: str) -> list[tuple[str, str | None]]:
    """`companies(1)/customers` → [("companies", "1"), ("customers", None)]; [] if malformed."""
    segments: list[tuple[str, str | None]] = []
    for part in path.strip("/").split("/"):
        match = _SEGMENT.match(part)
        if match is None:
            return []
        segments.append((match.group(1), match.group(2)))
    return segments


def parse_prefer(request: Request) -> dict[str, str | None]:
    """`Prefer: odata.maxpagesize=50, return=representation` → {name: value}."""
    preferences: dict[str, str | None] = {}
    for header in request.headers.getlist("Prefer"):
        for item in header.split(","):
            name, _, value = item.strip().partition("=")
            if name:
                preferences[name.strip().lower()] = value.strip().strip('"') or None
    return preferences


class ODataEngine:
    """Serves an `EntityStore` through one dialect."""

    def __init__(self, store: EntityStore, dialect: ODataDialect) -> None:
        self.store = store
        self.dialect = dialect

    def spec(self, name: str) -> EntitySetSpec:
        try:
            return self.store.spec(name)
        except UnknownEntitySet:
            raise self.dialect.unknown_segment(name) from None

    def key(self, spec: EntitySetSpec, raw: str) -> str:
        """The key inside `set(...)`: a GUID, or a quoted string for text keys."""
        raw = raw.strip()
        if _GUID.match(raw):
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
        return {"@odata.etag": etag, **select_fields(record, options.select, always)}

    def list(self, request: Request, target: Target) -> Response:
        spec = self.spec(target.entity_set)
        options = self.options(request, spec)
        self.dialect.check_filter(request, options)
        # With $top the preference is ignored (Dataverse documents this): one page, no link.
        requested = None if options.top is not None else _max_page_size(parse_prefer(request))
        page_size = min(requested or self.dialect.max_page_size, self.dialect.max_page_size)
        try:
            page = run_query(
                self.store.snapshot(spec.name), spec, options, page_size,
                case_insensitive=self.dialect.case_insensitive,
            )  # fmt: skip
        except QueryError as exc:
            raise self.dialect.bad_query(str(exc)) from None
        body: Record = {
            "@odata.context": _context(target, options),
            "value": [self.render(spec, row, etag, options) for row, etag in page.rows],
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
        try:
            record, etag = self.store.get(spec.name, key)
        except RecordNotFound:
            raise self.dialect.not_found(spec, key) from None
        headers = {**ODATA_HEADERS, "ETag": etag}
        if request.headers.get("If-None-Match", "").strip() == etag:
            return Response(status=304, headers=headers)
        body = {"@odata.context": f"{_context(target, options)}/$entity"}
        body.update(self.render(spec, record, etag, options))
        return json_response(body, 200, headers)

    def body(self, request: Request, spec: EntitySetSpec) -> Record:
        data = read_json(request)
        if not isinstance(data, dict):
            raise self.dialect.bad_body(spec, "The request body is not a JSON object.")
        fields = self.dialect.prepare_body(self.store, spec, data)
        for name in fields:
            if not spec.known(name):
                raise self.dialect.bad_body(
                    spec, f"The property '{name}' does not exist on type '{spec.entity_type}'."
                )
        return fields

    def create(self, request: Request, target: Target) -> Response:
        spec = self.spec(target.entity_set)
        fields = self.body(request, spec)
        try:
            record, etag = self.store.insert(spec.name, fields)
        except DuplicateKey:
            raise self.dialect.duplicate(spec, str(fields.get(spec.key))) from None
        entity = self.render(spec, record, etag, QueryOptions())
        return self.dialect.created(target, entity, str(record[spec.key]), parse_prefer(request))

    def update(self, request: Request, target: Target, key: str) -> Response:
        spec = self.spec(target.entity_set)
        if_match = request.headers.get("If-Match")
        if if_match is None and self.dialect.require_if_match:
            raise self.dialect.missing_if_match()
        fields = self.body(request, spec)
        if spec.key in fields and str(fields[spec.key]).lower() != key.lower():
            raise self.dialect.bad_body(spec, f"The key property '{spec.key}' cannot be changed.")
        if self.dialect.patch_upserts and if_match is None:
            return self._upsert(request, target, spec, key, fields)
        try:
            record, etag = self.store.update(spec.name, key, fields, if_match=if_match)
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
            record, etag = self.store.update(spec.name, key, fields)
        except RecordNotFound:
            try:
                record, etag = self.store.insert(spec.name, {**fields, spec.key: key})
            except DuplicateKey:
                raise self.dialect.duplicate(spec, key) from None
        entity = self.render(spec, record, etag, QueryOptions())
        return self.dialect.updated(target, entity, key, parse_prefer(request))

    def delete(self, request: Request, target: Target, key: str) -> Response:
        spec = self.spec(target.entity_set)
        if_match = request.headers.get("If-Match")
        if if_match is None and self.dialect.require_if_match:
            raise self.dialect.missing_if_match()
        try:
            self.store.delete(spec.name, key, if_match=if_match)
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
