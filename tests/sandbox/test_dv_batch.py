"""`$batch` on Dataverse: multipart/mixed, change sets, Content-ID references, errors.

Every behaviour from learn.microsoft.com/power-apps/developer/data-platform/webapi/
execute-batch-operations-using-web-api.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from sandbox.run import RunningSandbox
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox


@dataclass
class Req:
    method: str
    url: str
    body: dict[str, Any] | None = None
    content_id: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


def encode(items: list[Req | list[Req]]) -> tuple[str, str]:
    """(Content-Type, body) of a batch; a list inside is one change set."""
    boundary = f"batch_{uuid.uuid4()}"
    lines: list[str] = []
    for item in items:
        lines.append(f"--{boundary}")
        if isinstance(item, list):
            change = f"changeset_{uuid.uuid4()}"
            lines += [f"Content-Type: multipart/mixed; boundary={change}", ""]
            for request in item:
                lines += [f"--{change}", *_part(request)]
            lines += [f"--{change}--", ""]
        else:
            lines += _part(item)
    lines += [f"--{boundary}--", ""]
    return f'multipart/mixed; boundary="{boundary}"', "\r\n".join(lines)


def _part(request: Req) -> list[str]:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if request.content_id:
        lines.append(f"Content-ID: {request.content_id}")
    lines += ["", f"{request.method} {request.url} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in request.headers]
    if request.body is not None:
        lines += ["Content-Type: application/json; type=entry", "", json.dumps(request.body)]
    else:
        lines += [""]
    return lines


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any
    content_id: str | None


def decode(response: requests.Response) -> list[Answer]:
    """The inner answers in order (change sets flattened)."""
    boundary = re.search(r"boundary=([^;]+)", response.headers["Content-Type"]).group(1)  # type: ignore[union-attr]
    return _answers(response.text, boundary)


def _answers(text: str, boundary: str) -> list[Answer]:
    answers = []
    for chunk in text.split(f"--{boundary}")[1:]:
        if chunk.startswith("--"):
            break
        head, _, rest = chunk.strip("\r\n").partition("\r\n\r\n")
        nested = re.search(r"boundary=(\S+)", head)
        if "multipart/mixed" in head and nested:
            answers += _answers(rest, nested.group(1))
            continue
        content_id = re.search(r"Content-ID: (\S+)", head)
        status_line, _, rest = rest.partition("\r\n")
        header_text, _, body = rest.partition("\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in header_text.split("\r\n") if ": " in line)
        answers.append(Answer(int(status_line.split()[1]), headers,
                              json.loads(body) if body.strip() else None,
                              content_id.group(1) if content_id else None))  # fmt: skip
    return answers


def send(
    dataverse: Api, items: list[Req | list[Req]], prefer: str | None = None
) -> requests.Response:
    content_type, body = encode(items)
    headers = {"Content-Type": content_type, **({"Prefer": prefer} if prefer else {})}
    return dataverse.request("POST", "/$batch", data=body.encode(), headers=headers)


def tag() -> str:
    return uuid.uuid4().hex[:8]


def count(dataverse: Api, text: str) -> int:
    return int(
        dataverse.get("/accounts/$count", params={"$filter": f"contains(name,'{text}')"}).text
    )


def test_requests_run_in_order_with_their_answers(dataverse: Api) -> None:
    """#batch-requests and #batch-responses: creates answer 204 with Location and
    OData-EntityId; a GET answers its rows; URLs rooted at /api/data/v9.2 or relative."""
    name = tag()
    response = send(dataverse, [
        Req("POST", "/api/data/v9.2/accounts", {"name": f"{name} one"}),
        Req("POST", "accounts", {"name": f"{name} two"}),
        Req("GET", f"/api/data/v9.2/accounts?$select=name&$filter=contains(name,'{name}')"),
    ])  # fmt: skip
    first, second, listing = decode(response)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("multipart/mixed; boundary=batchresponse_")
    assert first.status == second.status == 204
    assert first.headers["Location"] == first.headers["OData-EntityId"]
    assert sorted(r["name"] for r in listing.body["value"]) == [f"{name} one", f"{name} two"]


def test_change_set_references_earlier_requests_by_content_id(dataverse: Api) -> None:
    """#reference-uris-in-request-body and #reference-uri-in-request-url: `$1` as an
    `@odata.bind` value and as the URL of a later request; Content-IDs echoed."""
    name = tag()
    response = send(dataverse, [[
        Req("POST", "/api/data/v9.2/accounts", {"name": f"{name} parent"}, content_id="1"),
        Req("POST", "/api/data/v9.2/contacts",
            {"lastname": name, "parentcustomerid_account@odata.bind": "$1"}, content_id="2"),
        Req("PATCH", "$1", {"telephone1": "0123"}, content_id="3"),
    ]])  # fmt: skip
    answers = decode(response)
    account_url = answers[0].headers["OData-EntityId"]
    account = dataverse.get(account_url).json()
    contact = dataverse.get("/contacts", params={"$filter": f"lastname eq '{name}'"}).json()[
        "value"
    ][0]

    assert [a.content_id for a in answers] == ["1", "2", "3"]
    assert [a.status for a in answers] == [204, 204, 204]
    assert contact["_parentcustomerid_value"] == account["accountid"]
    assert account["telephone1"] == "0123"


def test_a_failed_change_set_is_rolled_back(dataverse: Api) -> None:
    """#change-sets: "if any one of the operations fails, any completed operations will be
    rolled back"; without continue-on-error the batch ends there with the failure."""
    name = tag()
    response = send(dataverse, [
        [Req("POST", "accounts", {"name": f"{name} kept?"}, content_id="1"),
         Req("POST", "accounts", {"name": "x" * 161}, content_id="2")],
        Req("POST", "accounts", {"name": f"{name} after"}),
    ])  # fmt: skip
    answers = decode(response)

    assert response.status_code == 400
    assert len(answers) == 1 and answers[0].status == 400
    assert answers[0].body["error"]["code"] == "0x80044331"
    assert count(dataverse, name) == 0


def test_continue_on_error(dataverse: Api) -> None:
    """#handling-errors: without `Prefer: odata.continue-on-error` the first failure ends
    the batch with its status; with it the batch answers 200 and runs every request."""
    name = tag()
    items: list[Req | list[Req]] = [
        Req("POST", "accounts", {"name": "x" * 161}),
        Req("POST", "accounts", {"name": f"{name} 2"}),
        Req("POST", "accounts", {"name": f"{name} 3"}),
    ]
    stopped = send(dataverse, items)
    assert stopped.status_code == 400 and [a.status for a in decode(stopped)] == [400]
    assert count(dataverse, name) == 0

    going_on = send(dataverse, items, prefer="odata.continue-on-error")
    assert going_on.status_code == 200
    assert [a.status for a in decode(going_on)] == [400, 204, 204]
    assert count(dataverse, name) == 2


def test_framing_errors(dataverse: Api) -> None:
    """#change-sets ("GET request are not allowed within change sets"), #batch-requests
    (no batch inside a batch), undeclared Content-ID references → 400, a JSON body → 400."""
    get_in_change_set = send(dataverse, [[Req("GET", "accounts")]])
    nested = send(dataverse, [Req("POST", "$batch", {})])
    undeclared = send(dataverse, [[Req("POST", "contacts",
                                       {"lastname": "x", "parentcustomerid_account@odata.bind": "$7"})]])  # fmt: skip
    json_batch = dataverse.request("POST", "/$batch", json={"requests": []})

    assert get_in_change_set.status_code == 400
    assert decode(nested)[0].status == 400
    assert (
        "Content-ID Reference: '$7' does not exist"
        in decode(undeclared)[0].body["error"]["message"]
    )
    assert json_batch.status_code == 400


def test_at_most_1000_requests(sandbox: RunningSandbox, dataverse: Api) -> None:
    """#when-to-use-batch-requests: "Batch requests can contain up to 1000 individual
    requests"; the batch counts once for the request statistics, its requests apart."""
    query = Req("GET", "WhoAmI")
    too_many = send(dataverse, [query] * 1001)
    sandbox.dataverse.stats.reset()
    full = send(dataverse, [query] * 1000)

    assert too_many.status_code == 400
    assert full.status_code == 200 and len(decode(full)) == 1000
    assert sandbox.dataverse.stats.describe() == {"requests": 1, "innerBatchRequests": 1000}


def test_inner_requests_keep_their_own_preferences(dataverse: Api) -> None:
    """#batch-requests: each part is a full HTTP request; `Prefer: return=representation`
    inside a part gives that part 201 with the row."""
    name = tag()
    response = send(dataverse, [Req("POST", "accounts?$select=name", {"name": name},
                                    headers=(("Prefer", "return=representation"),))])  # fmt: skip
    answer = decode(response)[0]

    assert answer.status == 201 and answer.body["name"] == name


def test_percent_encoded_request_lines(dataverse: Api) -> None:
    """#batch-requests: each part's request line is an HTTP request line, so spaces and
    quotes in a query or key arrive percent-encoded; absolute URLs are accepted."""
    name = tag()
    dataverse.request("POST", "/accounts", json={"name": f"{name} O'Neil", "accountnumber": name})
    response = send(dataverse, [
        Req("GET", f"{dataverse.base}/accounts?$select=name&$filter=name%20eq%20'{name}%20O''Neil'"),
        Req("GET", f"accounts(accountnumber='{name}')?$select=name"),
    ])  # fmt: skip
    by_filter, by_key = decode(response)

    assert [row["name"] for row in by_filter.body["value"]] == [f"{name} O'Neil"]
    assert by_key.body["name"] == f"{name} O'Neil"
