"""Dataverse Web API v9.2 client, rooted at `https://<org>.crm.dynamics.com/api/data/v9.2/`.

Quirks handled (on top of `shared.adapters.odata`):
- Every request says which OData version it speaks (`OData-MaxVersion: 4.0`,
  `OData-Version: 4.0`), as the Web API documentation asks of clients.
- A page holds at most 5,000 rows; `Prefer: odata.maxpagesize` asks for that and
  `@odata.nextLink` is followed exactly as given.
- A PATCH without `If-Match` creates the row when it does not exist (an upsert): every
  update here sends the row's ETag, or `*` to update only an existing row.
- Tokens are for the environment's own scope (`https://<org>.crm.dynamics.com/.default`).
"""

from __future__ import annotations

from shared.adapters.http import HttpClient
from shared.adapters.odata import ODataClient

MAX_PAGE_SIZE = 5000
ODATA_HEADERS = {"OData-MaxVersion": "4.0", "OData-Version": "4.0"}


class DataverseClient(ODataClient):
    """Rows of one Dataverse environment. `http` is rooted at `…/api/data/v9.2/`."""

    def __init__(self, http: HttpClient, *, page_size: int = MAX_PAGE_SIZE) -> None:
        super().__init__(http, page_size=min(page_size, MAX_PAGE_SIZE), headers=ODATA_HEADERS)


def scope_for(environment_url: str) -> str:
    """The OAuth scope of a Dataverse environment."""
    return f"{environment_url.rstrip('/')}/.default"
