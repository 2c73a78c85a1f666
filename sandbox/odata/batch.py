"""JSON `$batch` as Business Central serves it (`POST .../api/v2.0/$batch`).

Body `{"requests": [{"method", "id", "url", "headers", "body"}]}`, answer 200
`{"responses": [{"id", "status", "headers", "body"}]}` in request order. Behaviour:

- `url` is relative to the API root (`companies(<id>)/salesInvoices`), or absolute,
- each inner request goes through the simulator's own routing, validation and ETag checks
  (`Simulator.route`), with the outer request's `Authorization`; faults and the request
  count apply to the outer request once; inner requests are counted separately,
- more than 100 requests → 400 (BC's limit), a batch inside a batch → 400 for that request,
- without `Isolation: snapshot` every inner request succeeds or fails on its own,
- with `Isolation: snapshot` the batch is one transaction: the first failing request's
  error is answered, the requests after it are not run (424 Failed Dependency), and
  every change the batch made is rolled back, including the numbers it drew from number
  series (BC rolls back the No. Series lines with the transaction),
- only the JSON format: a multipart batch → 400.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from sandbox.odata.dialect import ODATA_HEADERS
from sandbox.odata.store import EntityStore
from sandbox.server import ServiceError, Simulator, json_response, read_json

MAX_REQUESTS = 100
ErrorFactory = Callable[[int, str, str], ServiceError]
_KEPT_HEADERS = ("content-type", "odata-version", "etag", "location", "preference-applied")


class _Abort(Exception):
    """A snapshot batch failed at `index`: undo everything."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


def run_batch(
    request: Request, simulator: Simulator, store: EntityStore, api_root: str, error: ErrorFactory
) -> Response:
    """Answer a JSON batch; `api_root` is the path inner URLs are relative to."""
    requests = _requests(request, error)
    if len(requests) > MAX_REQUESTS:
        raise error(
            400, "BadRequest",
            f"The batch contains {len(requests)} operations; the maximum is {MAX_REQUESTS}.",
        )  # fmt: skip
    answers: list[dict[str, Any]] = []

    def run(inner: dict[str, Any]) -> dict[str, Any]:
        answer = _run(request, simulator, api_root, inner, error)
        answers.append(answer)
        return answer

    if request.headers.get("Isolation", "").strip().lower() == "snapshot":
        try:
            with store.atomic():
                for index, inner in enumerate(requests):
                    if run(inner)["status"] >= 400:
                        raise _Abort(index)
        except _Abort as abort:
            failed_id = requests[abort.index].get("id")
            answers += [_not_run(inner, failed_id) for inner in requests[abort.index + 1 :]]
    else:
        for inner in requests:
            run(inner)
    return json_response({"responses": answers}, 200, ODATA_HEADERS)


def _requests(request: Request, error: ErrorFactory) -> list[dict[str, Any]]:
    if "multipart" in (request.content_type or ""):
        raise error(400, "BadRequest", "Only JSON batch requests are supported here.")
    body = read_json(request)
    requests = body.get("requests") if isinstance(body, dict) else None
    if not isinstance(requests, list) or not all(isinstance(item, dict) for item in requests):
        raise error(400, "BadRequest", 'A JSON batch body needs a "requests" array of objects.')
    return requests


def _run(
    outer: Request, simulator: Simulator, api_root: str, inner: dict[str, Any],
    error: ErrorFactory,
) -> dict[str, Any]:  # fmt: skip
    simulator.stats.count_inner()
    url = urlsplit(str(inner.get("url") or ""))
    path = url.path if url.scheme or url.path.startswith("/") else f"{api_root}/{url.path}"
    if path.rstrip("/").endswith("$batch"):
        failure = error(400, "BadRequest", "A batch cannot contain another batch.")
        return _answer(inner.get("id"), simulator.error_response(failure))
    headers = {str(k): str(v) for k, v in (inner.get("headers") or {}).items()}
    if "Authorization" in outer.headers and not any(k.lower() == "authorization" for k in headers):
        headers["Authorization"] = outer.headers["Authorization"]
    body = inner.get("body")
    builder = EnvironBuilder(
        path=unquote(path), base_url=outer.host_url, query_string=url.query,
        method=str(inner.get("method") or "GET").upper(), headers=list(headers.items()),
        data=None if body is None else json.dumps(body).encode(),
    )  # fmt: skip
    try:
        response = simulator.route(Request(builder.get_environ()))
    finally:
        builder.close()
    return _answer(inner.get("id"), response)


def _answer(request_id: Any, response: Response) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "id": request_id,
        "status": response.status_code,
        "headers": {
            name.lower(): value
            for name, value in response.headers.items()
            if name.lower() in _KEPT_HEADERS
        },
    }
    data = response.get_data()
    if data:
        answer["body"] = json.loads(data)
    return answer


def _not_run(inner: dict[str, Any], failed_id: Any) -> dict[str, Any]:
    return {
        "id": inner.get("id"),
        "status": 424,
        "headers": {"content-type": "application/json; charset=utf-8"},
        "body": {"error": {
            "code": "BadRequest_FailedDependency",
            "message": f"The request was not run: request {failed_id} of this transactional "
                       "batch (Isolation: snapshot) failed and the batch was rolled back.",
        }},
    }  # fmt: skip
