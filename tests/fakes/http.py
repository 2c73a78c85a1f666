"""A scripted HTTP transport: answers from a list, records what was sent (requests.Session-like)."""

from __future__ import annotations

import json
from typing import Any

import requests


def response(
    status: int, body: Any = None, headers: dict[str, str] | None = None, text: str | None = None
) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp._content = (
        text.encode()
        if text is not None
        else json.dumps(body).encode()
        if body is not None
        else b""
    )
    resp.headers.update(headers or {})
    return resp


class ScriptedSession:
    """A transport that answers from a script and records what was sent."""

    def __init__(self, *answers: requests.Response | Exception) -> None:
        self.answers = list(answers)
        self.sent: list[dict[str, Any]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        self.sent.append({"method": method, "url": url, **kwargs})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer
