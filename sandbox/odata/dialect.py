"""What differs between OData services, and the addressing both share.

An `ODataDialect` subclass tells `ODataEngine` how its service behaves: page maximum,
ETag text, case sensitivity of text, whether `If-Match` is required, whether PATCH
upserts, whether `$select` always returns the key, which extra `$` options it accepts,
which filters it refuses, and the status codes and bodies of its errors and writes.
`Target` says which entity set a request addresses, which of its rows it can see (a
parent's scope, or a read-only view's rows) and which URLs the answer refers to.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

from sandbox.odata.query import QueryOptions
from sandbox.odata.store import EntitySetSpec, EntityStore, Record
from sandbox.server import ServiceError

ODATA_HEADERS = {"OData-Version": "4.0"}
_SEGMENT = re.compile(r"^([A-Za-z_$][\w.$]*)(?:\((.*)\))?$")


def split_segments(path: str) -> list[tuple[str, str | None]]:
    """`companies(1)/customers` → [("companies", "1"), ("customers", None)]; [] if malformed."""
    segments: list[tuple[str, str | None]] = []
    for part in path.strip("/").split("/"):
        match = _SEGMENT.match(part)
        if match is None:
            return []
        segments.append((match.group(1), match.group(2)))
    return segments


def same_value(stored: Any, wanted: Any) -> bool:
    """Scope comparison: text (GUIDs, option names) case-insensitively."""
    if isinstance(stored, str) and isinstance(wanted, str):
        return stored.lower() == wanted.lower()
    return bool(stored == wanted)


def in_scope(record: Mapping[str, Any], scope: Mapping[str, Any]) -> bool:
    return all(same_value(record.get(name), value) for name, value in scope.items())


def parse_prefer(request: Request) -> dict[str, str | None]:
    """`Prefer: odata.maxpagesize=50, return=representation` → {name: value}."""
    preferences: dict[str, str | None] = {}
    for header in request.headers.getlist("Prefer"):
        for item in header.split(","):
            name, _, value = item.strip().partition("=")
            if name:
                preferences[name.strip().lower()] = value.strip().strip('"') or None
    return preferences


@dataclass(frozen=True)
class Target:
    """The entity set a request addresses and the URLs answers refer to.

    `scope` holds the equalities a row must satisfy to be visible here (a navigation from
    a parent: `{"documentId": <id>}`); a POST gets them filled in. `url_key` names the
    property that addresses a row in URLs when it is not the storage key, and
    `storage_key` turns such a URL key into the storage key. `source` replaces the stored
    rows with a computed, read-only view; `lookup` finds one row of that view by its
    storage key without computing the others (None: not there).
    """

    entity_set: str
    collection_url: str  # absolute URL of the set: next links, Location, OData-EntityId
    context_url: str  # "<root>/$metadata#<path>" for @odata.context
    scope: Mapping[str, Any] = field(default_factory=dict)
    url_key: str | None = None
    storage_key: Callable[[str], str] | None = None
    source: Callable[[], list[tuple[Record, str]]] | None = None
    lookup: Callable[[str], tuple[Record, str] | None] | None = None

    def entity_url(self, key: str) -> str:
        return f"{self.collection_url}({key})"


class ODataDialect(ABC):
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
        """Refuse filters the service cannot run (raise ServiceError); all run by default."""
        return None

    def present(self, spec: EntitySetSpec, record: Record) -> Record:
        """A stored record as the service writes it in an answer (e.g. escaped enum values)."""
        return record

    def prepare_body(self, store: EntityStore, spec: EntitySetSpec, body: Record) -> Record:
        """Turn a request body into stored fields (e.g. resolve lookups)."""
        return {name: value for name, value in body.items() if "@odata." not in name}

    def error(self, status: int, code: str, message: str) -> ServiceError:
        return ServiceError(status, code, message, ODATA_HEADERS)

    @abstractmethod
    def not_found(self, spec: EntitySetSpec, key: str) -> ServiceError:
        """Each service answers this in its own words."""

    @abstractmethod
    def unknown_segment(self, segment: str) -> ServiceError:
        """Each service answers this in its own words."""

    @abstractmethod
    def bad_query(self, message: str) -> ServiceError:
        """Each service answers this in its own words."""

    @abstractmethod
    def bad_body(self, spec: EntitySetSpec, message: str) -> ServiceError:
        """Each service answers this in its own words."""

    def read_only(self, spec: EntitySetSpec, name: str) -> ServiceError:
        """A body sets a property the service computes."""
        return self.bad_body(spec, f"The property '{name}' is read-only.")

    def missing_if_match(self) -> ServiceError:
        """Only asked when `require_if_match` is set."""
        return self.error(428, "PreconditionRequired", "An If-Match header is required.")

    @abstractmethod
    def stale(self, spec: EntitySetSpec, key: str) -> ServiceError:
        """Each service answers this in its own words."""

    @abstractmethod
    def duplicate(self, spec: EntitySetSpec, key: str) -> ServiceError:
        """Each service answers this in its own words."""

    @abstractmethod
    def created(self, target: Target, entity: Record, key: str, prefer: dict[str, Any]) -> Response:
        """Each service answers this in its own words."""

    @abstractmethod
    def updated(self, target: Target, entity: Record, key: str, prefer: dict[str, Any]) -> Response:
        """Each service answers this in its own words."""
