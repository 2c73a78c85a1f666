"""The Dataverse `$batch` wire format (multipart/mixed), built and read without a network.

Request (learn.microsoft.com/power-apps/developer/data-platform/webapi/
execute-batch-operations-using-web-api): a `multipart/mixed; boundary=batch_…` body whose
parts are `application/http` requests, or nested `multipart/mixed; boundary=changeset_…`
parts holding the requests of one change set (atomic; no GET inside), each with a
`Content-ID` that later requests of the change set reference as `$<id>`.

Response: `multipart/mixed; boundary=batchresponse_…` with one `application/http` part per
request, a change set's answers nested under `changesetresponse_…`. Without
`Prefer: odata.continue-on-error` the first failure ends the batch: the answer (HTTP 400
then) holds the responses up to and including the failing one; a failed change set
answers with its failing request only (the rest of it was rolled back).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from requests.structures import CaseInsensitiveDict

from shared.errors import ContractError
from shared.ports.dataverse import ChangeSet, Operation

CRLF = "\r\n"
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_STATUS_LINE = re.compile(r"^HTTP/1\.[01]\s+(\d{3})")
MAX_OPERATIONS = 1000
_URL_SAFE = "/?#[]@!$&'()*+,;=:%~"


@dataclass(frozen=True)
class RawResponse:
    """One request's answer inside a batch response."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    content_id: str | None = None


def count_operations(items: Sequence[Operation | ChangeSet]) -> int:
    return sum(len(item.operations) if isinstance(item, ChangeSet) else 1 for item in items)


def encode_batch(items: Sequence[Operation | ChangeSet], service_root: str) -> tuple[str, bytes]:
    """(Content-Type, body) of one `$batch` request. Raises ValueError over 1,000 operations."""
    if count_operations(items) > MAX_OPERATIONS:
        raise ValueError(f"a $batch holds at most {MAX_OPERATIONS} operations")
    boundary = f"batch_{uuid.uuid4()}"
    lines: list[str] = []
    for item in items:
        lines.append(f"--{boundary}")
        if isinstance(item, ChangeSet):
            lines += _change_set(item, service_root)
        else:
            lines += _request_part(item, service_root)
    lines.append(f"--{boundary}--")
    lines.append("")
    return f'multipart/mixed; boundary="{boundary}"', CRLF.join(lines).encode("utf-8")


def _change_set(change_set: ChangeSet, service_root: str) -> list[str]:
    boundary = f"changeset_{uuid.uuid4()}"
    lines = [f'Content-Type: multipart/mixed; boundary="{boundary}"', ""]
    for number, operation in enumerate(change_set.operations, start=1):
        if operation.method == "GET":
            raise ValueError("a change set cannot hold a GET")
        lines.append(f"--{boundary}")
        lines += _request_part(operation, service_root, operation.content_id or str(number))
    lines.append(f"--{boundary}--")
    lines.append("")
    return lines


def _request_part(
    operation: Operation, service_root: str, content_id: str | None = None
) -> list[str]:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id is not None:
        lines.append(f"Content-ID: {content_id}")
    # A request line cannot hold spaces: `$filter=name eq 'x'` is sent percent-encoded,
    # while what is already encoded (and OData's own punctuation) is kept as written.
    path = quote(operation.path, safe=_URL_SAFE)
    url = path if path.startswith("$") else f"{service_root.rstrip('/')}/{path.lstrip('/')}"
    lines += ["", f"{operation.method} {url} HTTP/1.1"]
    headers = dict(operation.headers)
    if operation.body is not None:
        headers.setdefault("Content-Type", "application/json; type=entry")
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append("")
    lines.append(json.dumps(operation.body) if operation.body is not None else "")
    return lines


def decode_batch(content_type: str, body: bytes) -> list[RawResponse]:
    """The answers of a batch response, in order (change sets flattened). Raises
    ContractError when the body is not the multipart answer the documentation describes."""
    boundary = _boundary_of(content_type)
    return list(_responses(body.decode("utf-8", "replace"), boundary))


def _boundary_of(content_type: str) -> str:
    found = _BOUNDARY.search(content_type or "")
    if not content_type.lower().startswith("multipart/mixed") or found is None:
        raise ContractError(
            f"Dataverse answered a $batch with Content-Type {content_type!r}, not multipart/mixed"
        )
    return found.group(1)


def _responses(text: str, boundary: str) -> Iterator[RawResponse]:
    for part in _parts(text, boundary):
        headers, content = _split_head(part)
        part_type = headers.get("content-type", "")
        if part_type.lower().startswith("multipart/mixed"):
            yield from _responses(content, _boundary_of(part_type))
        else:
            yield _http_response(content, headers.get("content-id"))


def _parts(text: str, boundary: str) -> Iterator[str]:
    delimiter = f"--{boundary}"
    pieces = re.split(rf"(?:\r?\n)?{re.escape(delimiter)}", text)
    if len(pieces) < 2:
        raise ContractError(f"the $batch answer has no part delimited by {delimiter!r}")
    for piece in pieces[1:]:
        if piece.startswith("--"):  # the close delimiter
            return
        yield piece.lstrip("\r\n")


def _split_head(part: str) -> tuple[dict[str, str], str]:
    """Headers (lower-cased names) and what follows the blank line."""
    normalized = part.replace("\r\n", "\n")
    head, _, content = normalized.partition("\n\n")
    headers = {}
    for line in head.split("\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers, content


def _http_response(content: str, content_id: str | None) -> RawResponse:
    status_line, _, rest = content.partition("\n")
    matched = _STATUS_LINE.match(status_line.strip())
    if matched is None:
        raise ContractError(
            f"a $batch answer part does not start with a status line: {status_line[:80]!r}"
        )
    head, _, payload = ("\n" + rest).partition("\n\n")
    headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    for line in head.strip("\n").split("\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip()] = value.strip()
    payload = payload.strip()
    body: Any = None
    if payload:
        try:
            body = json.loads(payload)
        except ValueError:
            body = payload
    return RawResponse(int(matched.group(1)), headers, body, content_id)
