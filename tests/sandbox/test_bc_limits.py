"""OData request limits per user (learn.microsoft.com/dynamics365/business-central/dev-itpro/
administration/operational-limits-online, "OData request limits (per user)"), tightened
through the sandbox's switch so tests stay fast."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
import requests

from sandbox.business_central.simulator import AUDIENCE as BC_AUDIENCE
from sandbox.run import RunningSandbox
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox

OTHER_APP = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"


def limits_url(sandbox: RunningSandbox) -> str:
    return f"{sandbox.roots['business_central']}/_sandbox/limits"


def other_user(sandbox: RunningSandbox, bc_api: Api) -> Api:
    """The same environment called by another service principal."""
    token = sandbox.entra.mint.mint(
        audience=BC_AUDIENCE, tenant_id=sandbox.config.tenant_id, app_id=OTHER_APP,
        lifetime_seconds=600,
    )  # fmt: skip
    return Api(bc_api.base, {"Authorization": f"Bearer {token}"}, bc_api.http)


def usage(sandbox: RunningSandbox, api: Api) -> dict[str, int]:
    """What the simulator counts for the user of `api`'s token."""
    claims = sandbox.entra.mint.verify_bearer(api.headers["Authorization"], {BC_AUDIENCE})
    users: dict[str, dict[str, int]] = sandbox.business_central.limits.describe()["users"]
    return users.get(claims["oid"], {"requests": 0, "processing": 0, "queued": 0})


def in_parallel(
    sandbox: RunningSandbox, api: Api, count: int
) -> tuple[list[tuple[int, float]], Callable[[], None]]:
    """Start `count` GETs at once, each on its own connection; answers as (status, seconds)."""
    answers: list[tuple[int, float]] = []
    started = time.monotonic()

    def call() -> None:
        with sandbox.session() as session:
            answer = Api(api.base, api.headers, session).get("/companies")
            answers.append((answer.status_code, time.monotonic() - started))

    threads = [threading.Thread(target=call) for _ in range(count)]
    for thread in threads:
        thread.start()

    def join() -> None:
        for thread in threads:
            thread.join()

    return answers, join


def wait_for(condition: Callable[[], bool], seconds: float = 2.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the simulator never got there"
        time.sleep(0.01)


def test_documented_defaults_and_the_switch_over_http(
    sandbox: RunningSandbox, http: requests.Session, bc_api: Api
) -> None:
    """operational-limits-online#ODataServicesUser: 6,000 requests per 5-minute sliding
    window, 5 concurrent, 100 connections, 95 queued, 8-minute operation timeout;
    `POST /_sandbox/limits` changes them, `DELETE` restores them."""
    assert http.get(limits_url(sandbox)).json()["settings"] == {
        "requests": 6000, "window_seconds": 300.0, "concurrent": 5, "connections": 100,
        "queued": 95, "queue_timeout_seconds": 480.0,
    }  # fmt: skip
    changed = http.post(limits_url(sandbox), json={"requests": 1, "window_seconds": 60})
    invalid = http.post(limits_url(sandbox), json={"concurrent": 0})
    answers = [bc_api.get("/companies").status_code for _ in range(2)]

    assert changed.json()["settings"]["requests"] == 1
    assert invalid.status_code == 400
    assert answers == [200, 429]
    assert http.delete(limits_url(sandbox)).status_code == 204
    assert sandbox.business_central.limits.settings.requests == 6000
    assert bc_api.get("/companies").status_code == 200  # the window was forgotten too


def test_the_rate_limit_answers_429_with_retry_after(sandbox: RunningSandbox, bc_api: Api) -> None:
    """operational-limits-online#ODataServicesUser, Speed (rate): past the requests of the
    sliding window 429; BC's body (`Application_TooManyRequests`) and, the simulator's
    choice, `Retry-After` in whole seconds until the oldest request leaves the window."""
    sandbox.business_central.limits.configure(requests=3, window_seconds=60)
    answers = [bc_api.get("/companies") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    error = answers[-1].json()["error"]
    assert error["code"] == "Application_TooManyRequests"
    assert error["message"].startswith("Too many requests reached.  Actual (4).  Maximum (3).")
    assert 59 <= int(answers[-1].headers["Retry-After"]) <= 60


def test_the_window_slides(sandbox: RunningSandbox, bc_api: Api) -> None:
    """operational-limits-online#ODataServicesUser: "within a 5-minute sliding window";
    once Retry-After has passed, requests are served again."""
    sandbox.business_central.limits.configure(requests=1, window_seconds=0.5)
    first, second = bc_api.get("/companies"), bc_api.get("/companies")
    time.sleep(0.6)
    third = bc_api.get("/companies")

    assert (first.status_code, second.status_code, third.status_code) == (200, 429, 200)
    assert second.headers["Retry-After"] == "1"


def test_refused_requests_do_not_count(sandbox: RunningSandbox, bc_api: Api) -> None:
    """operational-limits-online#ODataServicesUser: the rate counts requests submitted to be
    processed; a refused one takes no place in the window, so the window has room again
    as soon as the served ones leave it."""
    sandbox.business_central.limits.configure(requests=2, window_seconds=1.0)
    first = bc_api.get("/companies")
    time.sleep(0.5)
    second = bc_api.get("/companies")
    refused = [bc_api.get("/companies").status_code for _ in range(3)]
    time.sleep(0.6)  # the first has left the window; the refused ones would still be in it
    after = bc_api.get("/companies")

    assert (first.status_code, second.status_code) == (200, 200)
    assert refused == [429, 429, 429]
    assert after.status_code == 200
    assert sandbox.business_central.limits.refused == 3


def test_users_are_limited_independently(sandbox: RunningSandbox, bc_api: Api) -> None:
    """operational-limits-online#FAQsUser: the limits are per user, service principals
    included; spreading the load over several of them raises the throughput."""
    sandbox.business_central.limits.configure(requests=1, window_seconds=60)
    mine = [bc_api.get("/companies").status_code for _ in range(2)]
    theirs = other_user(sandbox, bc_api).get("/companies")

    assert mine == [200, 429]
    assert theirs.status_code == 200


def test_five_processed_at_once_the_rest_queued(sandbox: RunningSandbox, bc_api: Api) -> None:
    """operational-limits-online#ODataServicesUser, Max concurrent requests (5): requests
    past it "wait in a queue until a time slot becomes available" rather than fail."""
    sandbox.business_central.faults.configure(delay_ms=400)  # each request holds its slot
    answers, join = in_parallel(sandbox, bc_api, 7)
    wait_for(lambda: usage(sandbox, bc_api)["queued"] == 2)
    during = usage(sandbox, bc_api)
    join()

    assert (during["processing"], during["queued"]) == (5, 2)
    assert [status for status, _ in answers] == [200] * 7
    times = sorted(seconds for _, seconds in answers)
    assert times[4] < 0.75 <= times[5]  # two waited for a slot, then took their 400 ms


def test_the_connection_cap_refuses_at_once(sandbox: RunningSandbox, bc_api: Api) -> None:
    """operational-limits-online#ODataServicesUser, Max connections (100): requests being
    processed plus queued; the one past it is answered 429 at once."""
    sandbox.business_central.limits.configure(concurrent=1, connections=3)
    sandbox.business_central.faults.configure(delay_ms=300)
    answers, join = in_parallel(sandbox, bc_api, 3)
    wait_for(lambda: usage(sandbox, bc_api)["queued"] == 2)
    started = time.monotonic()
    refused = bc_api.get("/companies")
    elapsed = time.monotonic() - started
    join()

    assert refused.status_code == 429 and elapsed < 0.25
    assert refused.json()["error"]["message"].startswith(
        "Too many requests reached.  Actual (4).  Maximum (3)."
    )
    assert refused.headers["Retry-After"] == "1"
    assert [status for status, _ in answers] == [200] * 3
    assert usage(sandbox, bc_api)["requests"] == 3  # the refused one takes no place


def test_the_request_queue_size(sandbox: RunningSandbox, bc_api: Api) -> None:
    """operational-limits-online#ODataServicesUser, Max request queue size (95): past the
    queued requests 429 at once."""
    sandbox.business_central.limits.configure(concurrent=1, queued=1)
    sandbox.business_central.faults.configure(delay_ms=300)
    answers, join = in_parallel(sandbox, bc_api, 2)
    wait_for(lambda: usage(sandbox, bc_api)["queued"] == 1)
    refused = bc_api.get("/companies")
    join()

    assert refused.status_code == 429
    assert refused.json()["error"]["message"].startswith(
        "Too many requests reached.  Actual (2).  Maximum (1)."
    )
    assert [status for status, _ in answers] == [200, 200]


def test_a_request_queued_too_long_gets_503(sandbox: RunningSandbox, bc_api: Api) -> None:
    """operational-limits-online#ODataServicesUser: queued requests "wait in the queue until
    they time out after 8 minutes, where an HTTP response code 503 - Service Temporarily
    Unavailable is returned" (the timeout is configurable); it never ran, so it does not
    count. include-http-status-error-codes: BC adds `retry-after` to a 503."""
    sandbox.business_central.limits.configure(concurrent=1, queue_timeout_seconds=0.2)
    sandbox.business_central.faults.configure(delay_ms=600)
    answers, join = in_parallel(sandbox, bc_api, 1)
    wait_for(lambda: usage(sandbox, bc_api)["processing"] == 1)
    started = time.monotonic()
    timed_out = bc_api.get("/companies")
    elapsed = time.monotonic() - started
    join()

    assert timed_out.status_code == 503
    assert 0.2 <= elapsed < 0.5
    assert timed_out.json()["error"]["code"] == "Unavailable"
    assert timed_out.headers["Retry-After"] == "1"
    assert answers[0][0] == 200
    assert usage(sandbox, bc_api)["requests"] == 1  # only the one that ran


def test_a_batch_is_one_request(sandbox: RunningSandbox, bc_api: Api) -> None:
    """api-reference/v2.0/dynamics-rate-limits: batching performs many operations "in one
    call. Instead of issuing multiple requests, one request can be issued"."""
    sandbox.business_central.limits.configure(requests=2, window_seconds=60)
    inner = [{"id": str(n), "method": "GET", "url": "companies"} for n in range(1, 21)]
    batch = bc_api.request("POST", "/$batch", json={"requests": inner})
    after = [bc_api.get("/companies").status_code for _ in range(2)]

    assert batch.status_code == 200
    assert [answer["status"] for answer in batch.json()["responses"]] == [200] * 20
    assert after == [200, 429]


def test_reset_restores_the_documented_limits(sandbox: RunningSandbox, bc_api: Api) -> None:
    """operational-limits-online#ODataServicesUser: the defaults come back after a test
    (`RunningSandbox.reset_faults`), with every window forgotten."""
    limits = sandbox.business_central.limits
    limits.configure(requests=1, concurrent=2, queue_timeout_seconds=1)
    assert [bc_api.get("/companies").status_code for _ in range(2)] == [200, 429]

    sandbox.reset_faults()

    assert limits.settings == type(limits.settings)()
    assert limits.refused == 0
    assert bc_api.get("/companies").status_code == 200
