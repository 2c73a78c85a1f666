"""What differs between OData services, and the addressing both share.

An `ODataDialect` subclass tells `ODataEngine` how its service behaves: page maximum,
ETag text, case sensitivity of text, whether `If-Match` is required, whether PATCH
upserts, whether `$select` always returns the key, which extra `$` options it accepts,
which filters it refuses, and the status codes and bodies of its errors and writes.
`Target` says which entity set a request addresses and which URLs the answer refers to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from sandbox.odata_query import QueryOptions
from sandbox.odata_store import EntitySetSpec, EntityStore, Record
from sandbox.server import ServiceError

ODATA_HEADERS = {"OData-Version": "4.0"}


@dataclass(frozen=True)
class Target:
    """The entity set a request addresses and the URLs answers refer to."""

    entity_set: str
    collection_url: str  # absolute URL of the set: next links, Location, OData-EntityId
    context_url: str  # "<root>/$metadata#<path>" for @odata.context

    def entity_url(self, key: str) -> str:
        return f"{self.collection_url}({key})"


class ODataDialect:
    """Service differences. Subclasses set the attributes and shape the errors."""

    service = "OData service"
    max_page_size = 5000
    case_insensitive = False
    require_if_match = False
    patch_upserts = False
    select_always_key = False
    extra_options: frozenset[str] = frozenset()

    def etag(self, version: int) -> str:
        return f'W/"{version}"'

    def check_filter(self, request: Request, options: QueryOptions) -> None:
        """Refuse filters the service cannot run (raise ServiceError)."""

    def prepare_body(self, store: EntityStore, spec: EntitySetSpec, body: Record) -> Record:
        """Turn a request body into stored fields (e.g. resolve lookups)."""
        return {name: value for name, value in body.items() if "@odata." not in name}

    def error(self, status: int, code: str, message: str) -> ServiceError:
        return ServiceError(status, code, message, ODATA_HEADERS)

    def not_found(self, spec: EntitySetSpec, key: str) -> ServiceError:
        raise NotImplementedError

    def unknown_segment(self, segment: str) -> ServiceError:
        raise NotImplementedError

    def bad_query(self, message: str) -> ServiceError:
        raise NotImplementedError

    def bad_body(self, spec: EntitySetSpec, message: str) -> ServiceError:
        raise NotImplementedError

    def missing_if_match(self) -> ServiceError:
        """Only asked when `require_if_match` is set."""
        return self.error(428, "PreconditionRequired", "An If-Match header is required.")

    def stale(self, spec: EntitySetSpec, key: str) -> ServiceError:
        raise NotImplementedError

    def duplicate(self, spec: EntitySetSpec, key: str) -> ServiceError:
        raise NotImplementedError

    def created(self, target: Target, entity: Record, key: str, prefer: dict[str, Any]) -> Response:
        raise NotImplementedError

    def updated(self, target: Target, entity: Record, key: str, prefer: dict[str, Any]) -> Response:
        raise NotImplementedError
