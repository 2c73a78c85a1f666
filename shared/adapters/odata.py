"""OData v4 helpers shared by the Business Central and Dataverse clients.

Quirks handled:
- String literals go in single quotes with apostrophes doubled (`'O''Neil'`); the URL is
  percent-encoded afterwards by requests, so `&`, `#` and `+` in values are safe.
- Paging is server-driven: follow `@odata.nextLink` exactly as given (never rebuild it or
  page with $top/$skip) and keep sending the same `Prefer: odata.maxpagesize`.
- PATCH and DELETE carry `If-Match` (BC requires it): the record's `@odata.etag`, or `*`.
- GUID keys go bare in the key segment (`customers(0b9f…)`), strings quoted.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from shared.adapters.http import HttpClient
from shared.ports.odata import quote_literal

__all__ = ["ODataClient", "eq_filter", "key_segment", "quote_literal"]


def eq_filter(**fields: object) -> str:
    """`a eq 'x' and b eq 2` from keyword arguments (AND only: BC refuses OR across fields)."""
    return " and ".join(f"{name} eq {quote_literal(value)}" for name, value in fields.items())


def key_segment(key: object) -> str:
    """`(guid)` for GUIDs, `('text')` for other keys."""
    text = str(key)
    try:
        uuid.UUID(text)
    except ValueError:
        return f"({quote_literal(text)})"
    return f"({text})"


class ODataClient:
    """CRUD and paged reads on the entity sets under one OData service root.

    `get` raises NotFound; `list` returns an iterator that hides paging; writes raise
    ConflictError on a stale ETag. All errors come from the HTTP layer's status table.
    """

    def __init__(
        self, http: HttpClient, *, page_size: int = 1000, headers: Mapping[str, str] | None = None
    ) -> None:
        self.http = http
        self.page_size = page_size
        self.headers = dict(headers or {})  # sent with every request (a service's own ones)

    def list(
        self,
        entity_set: str,
        *,
        filter: str | None = None,
        select: list[str] | None = None,
        expand: str | None = None,
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every matching record, one page in memory at a time."""
        params: dict[str, str] = {}
        if filter:
            params["$filter"] = filter
        if select:
            params["$select"] = ",".join(select)
        if expand:
            params["$expand"] = expand
        headers = {**self.headers, "Prefer": f"odata.maxpagesize={page_size or self.page_size}"}
        url: str | None = entity_set
        query: Mapping[str, str] | None = params
        while url:
            body = self.http.get_json(url, params=query, headers=headers)
            yield from body.get("value", [])
            url, query = body.get("@odata.nextLink"), None  # the link carries the query

    def get(self, entity_set: str, key: object, *, expand: str | None = None) -> dict[str, Any]:
        """One record by key. Raises NotFound."""
        params = {"$expand": expand} if expand else None
        result: dict[str, Any] = self.http.get_json(
            f"{entity_set}{key_segment(key)}", params=params, headers=self.headers
        )
        return result

    def create(self, entity_set: str, record: Mapping[str, Any]) -> dict[str, Any]:
        """Create a record and return it as the service stored it."""
        response = self.http.request(
            "POST",
            entity_set,
            json=dict(record),
            headers={**self.headers, "Prefer": "return=representation"},
        )
        return response.json() if response.content else {}

    def update(
        self, entity_set: str, key: object, changes: Mapping[str, Any], *, etag: str = "*"
    ) -> dict[str, Any]:
        """PATCH only the changed fields, guarded by `etag`. Raises ConflictError when stale."""
        response = self.http.request(
            "PATCH",
            f"{entity_set}{key_segment(key)}",
            json=dict(changes),
            headers={**self.headers, "If-Match": etag, "Prefer": "return=representation"},
        )
        return response.json() if response.content else {}

    def delete(self, entity_set: str, key: object, *, etag: str = "*") -> None:
        """Delete a record, guarded by `etag`."""
        self.http.request(
            "DELETE", f"{entity_set}{key_segment(key)}", headers={**self.headers, "If-Match": etag}
        )
