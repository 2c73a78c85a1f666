"""`POST $batch` in multipart/mixed, as execute-batch-operations-using-web-api describes it.

- the body is `multipart/mixed; boundary=batch_…`; each part is `application/http` with
  one request (`POST /api/data/v9.2/accounts HTTP/1.1`, headers, body); URLs may be
  absolute, rooted at `/api/data/v9.2/` or relative to it,
- a part that is itself `multipart/mixed; boundary=changeset_…` is a change set: its
  requests succeed or fail together (a failure rolls back what the earlier ones did),
  it cannot contain GET, and its parts may carry `Content-ID: n` so later requests of the
  same change set write `$n` for the row created (in the URL, or as an `@odata.bind`
  value); referencing an id not declared before → 400 "Content-ID Reference: '$1' does
  not exist in the batch context.",
- requests run in order and the answer lists their responses in order, under
  `--batchresponse_<guid>`, change sets under `--changesetresponse_<guid>` with their
  `Content-ID`s echoed; a create answers `Location` and `OData-EntityId`,
- without `Prefer: odata.continue-on-error` the first failure ends the batch: the answer
  has the status of the failed request and the responses up to and including it; with
  the preference the batch answers 200 and every request runs; a failed change set is
  answered by its one failing response,
- at most 1,000 requests, no batch inside a batch.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import unquote, urlsplit

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from sandbox.dataverse import errors
from sandbox.dataverse.context import API_PATH
from sandbox.server import ServiceError

MAX_REQUESTS = 1000
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_KEPT = ("content-type", "odata-version", "location", "odata-entityid", "etag",
         "preference-applied", "retry-after")  # fmt: skip
# Runs one inner request with the Content-ID references known so far.
Runner = Callable[[Request, dict[str, str]], Response]
Atomic = Callable[[], AbstractContextManager[None]]  # the store's transaction


@dataclass
class Part:
    headers: dict[str, str]
    body: str
    changeset: list[Part] = field(default_factory=list)

    @property
    def content_id(self) -> str | None:
        return self.headers.get("content-id")


class _Failed(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def run_batch(request: Request, run: Runner, atomic: Atomic) -> tuple[Response, int]:
    """The batch's answer and how many requests it ran. Raises ServiceError (400)."""
    parts = parse(request)
    total = sum(len(p.changeset) or 1 for p in parts)
    if total > MAX_REQUESTS:
        raise errors.bad_query(
            f"Number of requests in the batch, {total}, exceeded the limit of {MAX_REQUESTS}."
        )
    if any(inner.headers.get("method") == "GET" for p in parts for inner in p.changeset):
        raise errors.bad_query("A change set cannot contain a GET request.")
    go_on = "odata.continue-on-error" in request.headers.get("Prefer", "")
    boundary = f"batchresponse_{uuid.uuid4()}"
    chunks, status, ran = [], 200, 0
    for part in parts:
        if part.changeset:
            text, failed, count = _changeset(part, request, run, atomic)
        else:
            response = _execute(part, request, run, {})
            text, failed, count = _http_part(part, response), response.status_code >= 400, 1
        ran += count
        chunks.append(text)
        if failed and not go_on:
            status = int(text.split("HTTP/1.1 ", 1)[1][:3])
            break
    body = "".join(f"--{boundary}\r\n{chunk}" for chunk in chunks) + f"--{boundary}--\r\n"
    answer = Response(body, status, {"OData-Version": "4.0"},
                      content_type=f"multipart/mixed; boundary={boundary}")  # fmt: skip
    return answer, ran


def _changeset(part: Part, outer: Request, run: Runner, atomic: Atomic) -> tuple[str, bool, int]:
    boundary = f"changesetresponse_{uuid.uuid4()}"
    ids: dict[str, str] = {}
    texts: list[str] = []
    try:
        with atomic():
            for inner in part.changeset:
                response = _execute(inner, outer, run, ids)
                text = _http_part(inner, response)
                if response.status_code >= 400:
                    raise _Failed(text)
                texts.append(text)
                location = response.headers.get("OData-EntityId")
                if inner.content_id and location:
                    ids[f"${inner.content_id}"] = location
    except _Failed as failure:
        return failure.text, True, len(texts) + 1
    inner_body = "".join(f"--{boundary}\r\n{text}" for text in texts) + f"--{boundary}--\r\n"
    header = f"Content-Type: multipart/mixed; boundary={boundary}\r\n\r\n"
    return header + inner_body, False, len(texts)


def _execute(part: Part, outer: Request, run: Runner, ids: dict[str, str]) -> Response:
    method, url = part.headers["method"], part.headers["url"]
    if url.startswith("$"):
        reference, _, rest = url.partition("/")
        if reference not in ids:
            return _error(
                errors.error(
                    400,
                    "0x80060888",
                    f"Content-ID Reference: '{reference}' does not exist in the batch context.",
                )
            )
        url = ids[reference] + (f"/{rest}" if rest else "")
    split = urlsplit(url)
    path = unquote(split.path)
    path = path if path.startswith("/") else f"{API_PATH}/{path}"
    if path.rstrip("/").endswith("$batch"):
        return _error(errors.bad_query("A batch cannot contain another batch."))
    headers = [(k, v) for k, v in part.headers.items() if k not in ("method", "url", "content-id")]
    builder = EnvironBuilder(
        path=path, base_url=outer.host_url, query_string=split.query, method=method,
        headers=headers, data=part.body.encode() if part.body else None,
    )  # fmt: skip
    try:
        environ = builder.get_environ()
        environ.update({k: v for k, v in outer.environ.items() if k.startswith("sandbox.")})
        return run(Request(environ), ids)
    finally:
        builder.close()


def _error(failure: ServiceError) -> Response:
    return errors.render(failure)


def _http_part(part: Part, response: Response) -> str:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if part.content_id:
        lines.append(f"Content-ID: {part.content_id}")
    reason = HTTPStatus(response.status_code).phrase
    lines += ["", f"HTTP/1.1 {response.status_code} {reason}"]
    location = response.headers.get("OData-EntityId")
    if location:
        lines.append(f"Location: {location}")
    lines += [
        f"{name}: {value}" for name, value in response.headers.items() if name.lower() in _KEPT
    ]
    data = response.get_data(as_text=True)
    return "\r\n".join(lines) + "\r\n\r\n" + (data + "\r\n" if data else "\r\n")


# --- parsing ------------------------------------------------------------------------------
def parse(request: Request) -> list[Part]:
    """The parts of a multipart batch. Raises ServiceError (400) when malformed."""
    match = _BOUNDARY.search(request.headers.get("Content-Type", ""))
    if "multipart/mixed" not in (request.content_type or "") or match is None:
        raise errors.bad_query(
            "A $batch request must have the content type multipart/mixed with a boundary."
        )
    parts = []
    for part in _split(request.get_data(as_text=True), match.group(1)):
        inner = _BOUNDARY.search(part.headers.get("content-type", ""))
        if "multipart/mixed" in part.headers.get("content-type", "") and inner:
            part.changeset = [_request(p) for p in _split(part.body, inner.group(1))]
            parts.append(part)
        else:
            parts.append(_request(part))
    return parts


def _split(text: str, boundary: str) -> list[Part]:
    text = text.replace("\r\n", "\n")
    chunks = text.split(f"--{boundary}")
    if len(chunks) < 2:
        raise errors.bad_query("The $batch body has no parts.")
    parts = []
    for chunk in chunks[1:]:
        if chunk.startswith("--"):
            break
        head, _, body = chunk.lstrip("\n").partition("\n\n")
        parts.append(Part(_headers(head), body.rstrip("\n")))
    return parts


def _request(part: Part) -> Part:
    first, _, rest = part.body.lstrip("\n").partition("\n")
    words = first.split(" ")
    if words[-1].startswith("HTTP/"):
        words = words[:-1]
    if len(words) < 2:
        raise errors.bad_query(f"The batch part '{first}' is not an HTTP request.")
    head, _, body = rest.partition("\n\n")
    headers = {**_headers(head), "method": words[0].upper(), "url": " ".join(words[1:])}
    if part.content_id:
        headers["content-id"] = part.content_id
    return Part(headers, body.strip())


def _headers(text: str) -> dict[str, str]:
    headers = {}
    for line in text.split("\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers
