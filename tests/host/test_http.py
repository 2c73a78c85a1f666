"""HTTP triggers over real HTTP on loopback: routing, methods, auth levels, errors."""

from __future__ import annotations

import logging
import socket
import uuid
from urllib.parse import urlsplit

import pytest
import requests

from hub.host import LocalHost
from tests.host.conftest import FUNCTION_KEY, MASTER_KEY, eventually
from tests.host.sample_app import Recorder

TIMEOUT = 5


def get(host: LocalHost, route: str, **kwargs: object) -> requests.Response:
    return requests.get(host.url(route), timeout=TIMEOUT, **kwargs)  # type: ignore[arg-type]


def post(host: LocalHost, route: str, **kwargs: object) -> requests.Response:
    return requests.post(host.url(route), timeout=TIMEOUT, **kwargs)  # type: ignore[arg-type]


def test_route_params_and_query_reach_the_function(http_host: LocalHost) -> None:
    response = get(http_host, "items/A-17", params={"expand": "lines", "tag": ["a", "b"]})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"id": "A-17", "query": {"expand": "lines", "tag": "a,b"}}


def test_literal_routes_win_over_parameters(http_host: LocalHost) -> None:
    response = get(http_host, "items/export")
    assert (response.status_code, response.text) == (200, "export")
    assert response.headers["X-Export"] == "yes"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_constraints_optional_and_catch_all_parameters(http_host: LocalHost) -> None:
    assert get(http_host, "orders/12/lines").json() == {"method": "GET", "id": "12"}
    deleted = requests.delete(http_host.url("orders/12/lines/3"), timeout=TIMEOUT)
    assert (deleted.status_code, deleted.json()) == (
        202,
        {"method": "DELETE", "id": "12", "line": "3"},
    )
    assert get(http_host, "orders/twelve/lines").status_code == 404
    assert get(http_host, "files/a/b/c.txt").text == "a/b/c.txt"
    assert get(http_host, "greet/Ada").text == "hello Ada"  # an async function
    assert get(http_host, "greet/Ada1").status_code == 404


def test_wrong_method_is_405_with_allow(http_host: LocalHost) -> None:
    response = post(http_host, "orders/12/lines")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, DELETE"
    assert "not allowed" in response.json()["error"]


def test_unknown_route_is_404_with_a_json_body(http_host: LocalHost) -> None:
    for path in ("/api/nope", "/items/1"):  # the second lacks the /api prefix
        response = requests.get(http_host.base_url + path, timeout=TIMEOUT)
        assert response.status_code == 404
        assert response.headers["Content-Type"] == "application/json"
        assert response.json() == {"error": f"no function serves {path}"}


@pytest.mark.parametrize(
    ("presented", "status"),
    [
        ({"params": {"code": FUNCTION_KEY}}, 201),
        ({"params": {"code": MASTER_KEY}}, 201),
        ({"headers": {"x-functions-key": FUNCTION_KEY}}, 201),
        ({"headers": {"X-Functions-Key": MASTER_KEY}}, 201),
        ({}, 401),
        ({"params": {"code": "wrong"}}, 401),
        ({"headers": {"x-functions-key": "wrong"}}, 401),
    ],
)
def test_function_level_accepts_function_or_master_key(
    http_host: LocalHost, calls: Recorder, presented: dict[str, dict[str, str]], status: int
) -> None:
    headers = {"x-sample": "yes", **presented.get("headers", {})}
    response = post(
        http_host, "echo", json={"n": 1}, params=presented.get("params"), headers=headers
    )
    assert response.status_code == status
    if status == 401:
        assert calls.of("echo") == []  # refused before the function ran
        assert "function key is required" in response.json()["error"]
    else:
        assert calls.of("echo") == ['{"n": 1}']
        assert response.json()["body"] == {"n": 1} and response.json()["header"] == "yes"


def test_the_app_default_auth_level_is_enforced(http_host: LocalHost, calls: Recorder) -> None:
    assert get(http_host, "default-auth").status_code == 401
    assert get(http_host, "default-auth", params={"code": FUNCTION_KEY}).status_code == 200
    assert calls.of("default_auth") == ["GET"]


@pytest.mark.parametrize(
    ("key", "status"), [(MASTER_KEY, 204), (FUNCTION_KEY, 401), ("wrong", 401), (None, 401)]
)
def test_admin_level_needs_the_master_key(
    http_host: LocalHost, calls: Recorder, key: str | None, status: int
) -> None:
    headers = {"x-functions-key": key} if key else {}
    assert post(http_host, "ops/reset", headers=headers).status_code == status
    assert calls.of("reset_all") == (["POST"] if status == 204 else [])


def test_anonymous_level_is_open_even_with_a_wrong_key(http_host: LocalHost) -> None:
    assert get(http_host, "items/1", params={"code": "wrong"}).status_code == 200


def test_unhandled_exception_is_500_without_the_traceback(
    http_host: LocalHost, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="hub.host"):
        response = get(http_host, "boom")
    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "Internal Server Error"
    uuid.UUID(body["invocationId"])
    assert "secret-detail" not in response.text and "Traceback" not in response.text
    failed = [r for r in caplog.records if "Failed" in r.getMessage()]
    assert failed and failed[0].exc_info is not None
    assert body["invocationId"] in failed[0].getMessage()


def test_invocations_are_logged_like_the_functions_host(
    http_host: LocalHost, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="hub.host"):
        get(http_host, "items/1")
    messages = [record.getMessage() for record in caplog.records]
    executing = next(m for m in messages if m.startswith("Executing 'Functions.get_item'"))
    invocation_id = executing.split("Id=")[1].rstrip(")")
    uuid.UUID(invocation_id)
    assert any(
        m.startswith(f"Executed 'Functions.get_item' (Succeeded, Id={invocation_id}, Duration=")
        and m.endswith("ms)")
        for m in messages
    )


def test_functions_may_take_a_context(http_host: LocalHost) -> None:
    name, invocation_id = get(http_host, "context").text.split()
    assert name == "with_context"
    uuid.UUID(invocation_id)


def test_access_log_never_shows_keys(
    http_host: LocalHost, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="hub.host"):
        get(http_host, "default-auth", params={"code": FUNCTION_KEY})
        assert eventually(lambda: "GET /api/default-auth?code=***" in caplog.text)
    assert FUNCTION_KEY not in caplog.text


def test_an_encoded_slash_stays_inside_its_segment_as_azure_leaves_it(http_host: LocalHost) -> None:
    # Kestrel decodes a path but keeps %2F encoded, so the route value arrives as "a%2Fb"
    # (dotnet/aspnetcore#11544); every other escape is decoded.
    response = get(http_host, "items/a%2Fb%20c")
    assert response.status_code == 200
    assert response.json()["id"] == "a%2Fb c"


def test_control_characters_in_a_path_are_escaped_in_the_host_log(
    http_host: LocalHost, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="hub.host"):
        get(http_host, "items/x%0D%0A[2026-01-01T00:00:00] Executed forged")
    lines = [record.getMessage() for record in caplog.records if "forged" in record.getMessage()]
    assert lines, "the request was not logged"
    assert all("\r" not in line and "\n" not in line for line in lines)
    assert any("\\r\\n" in line for line in lines)


def test_a_body_over_100_mb_is_refused_before_it_is_read(http_host: LocalHost) -> None:
    # Azure Functions refuses HTTP requests over 100 MB (the host's maxRequestBodySize).
    port = urlsplit(http_host.base_url).port
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as conn:
        conn.sendall(
            b"POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 104857601\r\n\r\n{"
        )
        received = b""
        while chunk := conn.recv(4096):  # the server closes once it has answered
            received += chunk
        answer = received.decode(errors="replace")
    assert answer.startswith("HTTP/1.1 413")
    assert "100 MB" in answer
