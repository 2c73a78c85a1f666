"""How the demo (and the end-to-end tests) talk to the local host: one call, one paged walker."""

from __future__ import annotations

from typing import Any

import requests

from hub.host import LocalHost


def call(
    host: LocalHost,
    method: str,
    route: str,
    *,
    key: bool = True,
    json_body: Any = None,
    **params: Any,
) -> requests.Response:
    headers = {"x-functions-key": host.function_key} if key else {}
    return requests.request(
        method, host.url(route), headers=headers, params=params, json=json_body, timeout=120
    )


def all_items(host: LocalHost, route: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paged GET, following its continuation token to the end."""
    items: list[dict[str, Any]] = []
    continuation = None
    while True:
        page = {
            **params,
            "pageSize": 1000,
            **({"continuation": continuation} if continuation else {}),
        }
        body = call(host, "GET", route, **page).json()
        items += body["items"]
        continuation = body["continuation"]
        if not continuation:
            return items
