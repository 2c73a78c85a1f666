"""EcpPro REST API client (the contract is written down in sandbox/ECPPRO_API.md).

Quirks handled:
- Credentials travel as `X-Customer-Id` / `X-Secret-Key` headers on every request; a 401 is
  an AuthError naming the settings to check (the HTTP layer's `credential_settings`).
- A page without an `items` array breaks the contract: ContractError, never an empty list.
- Paging is page-number based (`page` from 1, `pageSize` ≤ 1000) with `totalCount`; the client
  stops at the last page and also when a page comes back short or empty, so a count that
  changes during the read never loops forever.
- Pages are cut at request time, so a record added or removed mid-read shifts later pages
  (one record seen twice, another missed). When `totalCount` changes between pages the read
  is not a snapshot: the client raises TransientError at the end, before the caller acts
  on it, so a missed record is never mistaken for a removed one; the refresh runs again.
- 429 with Retry-After and 5xx are retried by the HTTP layer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from shared.adapters.http import HttpClient
from shared.domain.ecppro import ENDPOINTS
from shared.errors import ContractError, TransientError, ValidationError


class EcpProClient:
    """Reads EcpPro lists. `list_records` raises AuthError, ContractError, TransientError."""

    def __init__(self, http: HttpClient, *, page_size: int = 500) -> None:
        self.http = http
        self.page_size = page_size

    def list_records(self, list_name: str) -> Iterator[dict[str, Any]]:
        """Every record of `list_name`, page by page."""
        if list_name not in ENDPOINTS:
            raise ValidationError(
                f"EcpPro has no list '{list_name}' (known: {', '.join(sorted(ENDPOINTS))})",
                field="list",
            )
        page, first_total = 1, None
        while True:
            body = self._page(list_name, page)
            items = body.get("items")
            if not isinstance(items, list):
                raise ContractError(
                    f"EcpPro {list_name} page {page} has no 'items' array; check ECPPRO_BASE_URL",
                    settings=("ECPPRO_BASE_URL",),
                )
            yield from items
            total = int(body.get("totalCount", 0))
            first_total = total if first_total is None else first_total
            if total != first_total:
                raise TransientError(
                    f"EcpPro {list_name} changed while being read (totalCount {first_total} "
                    f"then {total}); read it again"
                )
            if not items or len(items) < self.page_size or page * self.page_size >= total:
                return
            page += 1

    def _page(self, list_name: str, page: int) -> dict[str, Any]:
        body = self.http.get_json(list_name, params={"page": page, "pageSize": self.page_size})
        if not isinstance(body, dict):
            raise ContractError(
                f"EcpPro {list_name} page {page} is not a JSON object; check ECPPRO_BASE_URL",
                settings=("ECPPRO_BASE_URL",),
            )
        return body
