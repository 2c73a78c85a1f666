"""The shared HTTP layer: retries, Retry-After, budgets, token refresh, error table, quoting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests

from shared.adapters.http import HttpClient, RetryPolicy, error_class_for, parse_retry_after
from shared.adapters.odata import eq_filter, key_segment, quote_literal
from shared.errors import (
    AuthError,
    ConflictError,
    ContractError,
    NotFound,
    RejectedError,
    ThrottledError,
    TransientError,
)
from tests.fakes.http import ScriptedSession, response


class TokenAuth:
    def __init__(self) -> None:
        self.version = 1

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer t{self.version}"}

    def invalidate(self) -> bool:
        self.version += 1
        return True


def client(session: ScriptedSession, **kwargs: Any) -> tuple[HttpClient, list[float]]:
    waits: list[float] = []
    http = HttpClient(
        "https://api.test/v1",
        kwargs.pop("auth", None),
        api_name="Test",
        session=session,  # type: ignore[arg-type]
        sleep=waits.append,
        retry=kwargs.pop("retry", RetryPolicy(max_attempts=4, budget_seconds=60)),
        **kwargs,
    )
    return http, waits


def test_retry_after_seconds_is_honoured() -> None:
    session = ScriptedSession(
        response(429, {"error": {"code": "TooMany", "message": "slow down"}}, {"Retry-After": "7"}),
        response(200, {"ok": True}),
    )
    http, waits = client(session)
    assert http.get_json("things") == {"ok": True}
    assert waits == [7.0]


def test_retry_after_http_date_is_honoured() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, now=now) == pytest.approx(30.0)
    assert parse_retry_after("not a date") is None
    assert parse_retry_after(None) is None


def test_5xx_and_connection_errors_back_off_with_jitter_then_succeed() -> None:
    session = ScriptedSession(
        response(503), requests.ConnectionError("reset"), response(500), response(200, {"v": 1})
    )
    http, waits = client(session)
    assert http.get_json("x") == {"v": 1}
    assert len(waits) == 3
    assert all(0 <= wait <= 30 for wait in waits)


def test_gives_up_after_max_attempts_with_a_transient_error() -> None:
    session = ScriptedSession(*[response(502)] * 4)
    http, waits = client(session)
    with pytest.raises(TransientError, match="Test GET /v1/x answered 502"):
        http.get_json("x")
    assert len(session.sent) == 4 and len(waits) == 3


def test_gives_up_when_the_wait_would_exceed_the_budget() -> None:
    session = ScriptedSession(response(429, headers={"Retry-After": "600"}))
    http, waits = client(session)
    with pytest.raises(ThrottledError) as error:
        http.get_json("x")
    assert error.value.retry_after == 600
    assert waits == []


def test_refusals_are_not_retried_and_carry_the_service_message() -> None:
    session = ScriptedSession(
        response(400, {"error": {"code": "BadRequest_InvalidFilter", "message": "bad filter"}})
    )
    http, _ = client(session)
    with pytest.raises(RejectedError, match="BadRequest_InvalidFilter: bad filter"):
        http.get_json("x")
    assert len(session.sent) == 1


@pytest.mark.parametrize("status", [409, 412])
def test_conflicts_are_transient_but_never_repeated_blindly(status: int) -> None:
    # A conflict needs the caller to read again; the same request would fail the same way.
    session = ScriptedSession(response(status, {"error": {"code": "Request_EntityChanged"}}))
    http, waits = client(session)
    with pytest.raises(ConflictError) as error:
        http.request("PATCH", "x", json={})
    assert error.value.kind == "transient"
    assert len(session.sent) == 1 and waits == []


def test_refused_credentials_name_the_settings_to_fix() -> None:
    session = ScriptedSession(response(403, {"error": {"code": "Authorization_Failed"}}))
    http, _ = client(session, credential_settings=("HUB_CLIENT_ID",))
    with pytest.raises(AuthError) as error:
        http.get_json("x")
    assert error.value.settings == ("HUB_CLIENT_ID",) and error.value.kind == "fatal"
    assert "check HUB_CLIENT_ID" in error.value.message


def test_an_answer_that_is_not_json_breaks_the_contract() -> None:
    session = ScriptedSession(response(200, text="<html>maintenance</html>"))
    http, _ = client(session)
    with pytest.raises(ContractError, match="not JSON"):
        http.get_json("x")


def test_expired_token_is_refreshed_once() -> None:
    auth = TokenAuth()
    session = ScriptedSession(response(401), response(200, {}))
    http, _ = client(session, auth=auth)
    http.get_json("x")
    assert [s["headers"]["Authorization"] for s in session.sent] == ["Bearer t1", "Bearer t2"]
    session = ScriptedSession(response(401), response(401))
    http, _ = client(session, auth=auth)
    with pytest.raises(AuthError):
        http.get_json("x")


def test_every_request_carries_a_correlation_id_and_timeouts() -> None:
    session = ScriptedSession(response(200, {}))
    http, _ = client(session, timeout=(3.0, 20.0))
    http.get_json("x")
    sent = session.sent[0]
    assert sent["headers"]["x-correlation-id"]
    assert sent["timeout"] == (3.0, 20.0)
    assert sent["url"] == "https://api.test/v1/x"


def test_absolute_next_links_are_used_as_given() -> None:
    http, _ = client(ScriptedSession())
    link = "https://api.test/v1/x?$skiptoken=abc%27"
    assert http.url(link) == link


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, RejectedError),
        (401, AuthError),
        (403, AuthError),
        (404, NotFound),
        (409, ConflictError),
        (412, ConflictError),
        (422, RejectedError),
        (413, RejectedError),
        (408, TransientError),
        (429, ThrottledError),
        (503, ThrottledError),
        (500, TransientError),
        (599, TransientError),
    ],
)
def test_status_table(status: int, error: type) -> None:
    assert error_class_for(status) is error


def test_odata_literals_double_apostrophes() -> None:
    assert quote_literal("O'Neil") == "'O''Neil'"
    assert quote_literal(True) == "true"
    assert quote_literal(None) == "null"
    assert eq_filter(number="C'1", blocked=False) == "number eq 'C''1' and blocked eq false"
    assert (
        key_segment("2f1f5c1e-0000-4000-8000-000000000001")
        == "(2f1f5c1e-0000-4000-8000-000000000001)"
    )
    assert key_segment("C'1") == "('C''1')"
