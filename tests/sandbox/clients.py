"""A minimal HTTP client for the sandbox tests: base URL, default headers, one session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests


@dataclass
class Api:
    """One service's base URL, the headers a valid client sends, and a session."""

    base: str
    headers: dict[str, str]
    http: requests.Session

    def get(self, path: str = "", **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def request(
        self, method: str, path: str = "", *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> requests.Response:
        """`path` is appended to `base` unless it is a full URL (a next link)."""
        url = path if path.startswith("http") else self.base + path
        merged = {**self.headers, **(headers or {})}
        return self.http.request(method, url, headers=merged, timeout=10, **kwargs)
