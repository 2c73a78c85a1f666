"""Service protection API limits per user (learn.microsoft.com/power-apps/developer/
data-platform/api-limits), tightened through the sandbox's switch so tests stay fast."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from sandbox.run import RunningSandbox
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox


def limits_url(sandbox: RunningSandbox) -> str:
    return f"{sandbox.roots['dataverse']}/_sandbox/limits"


def other_user(sandbox: RunningSandbox, dataverse: Api) -> Api:
    """The same environment called by another application user."""
    token = sandbox.entra.mint.mint(
        audience=sandbox.urls["dataverse"], tenant_id=sandbox.config.tenant_id,
        app_id="0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", lifetime_seconds=600,
    )  # fmt: skip
    return Api(dataverse.base, {"Authorization": f"Bearer {token}"}, dataverse.http)


def test_documented_defaults_and_the_switch_over_http(
    sandbox: RunningSandbox, http: requests.Session
) -> None:
    """api-limits: 6000 requests and 1,200 seconds of execution time per 5-minute window,
    52 concurrent requests; `POST /_sandbox/limits` changes them, `DELETE` restores them."""
    assert http.get(limits_url(sandbox)).json()["settings"] == {
        "requests": 6000, "execution_seconds": 1200.0, "concurrent": 52, "window_seconds": 300.0,
    }  # fmt: skip
    changed = http.post(limits_url(sandbox), json={"requests": 10, "window_seconds": 5})
    refused = http.post(limits_url(sandbox), json={"requests": 0})

    assert changed.json()["settings"]["requests"] == 10
    assert refused.status_code == 400
    assert http.delete(limits_url(sandbox)).status_code == 204
    assert sandbox.dataverse.limits.settings.requests == 6000


def test_number_of_requests(sandbox: RunningSandbox, dataverse: Api) -> None:
    """api-limits#number-of-requests: past the limit a 429 with Retry-After and 0x80072322;
    users are limited independently; the debugging headers count down."""
    sandbox.dataverse.limits.configure(requests=3, window_seconds=60)
    answers = [dataverse.get("/WhoAmI") for _ in range(4)]
    other = other_user(sandbox, dataverse).get("/WhoAmI")

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers.get("x-ms-ratelimit-burst-remaining-xrm-requests") for a in answers[:3]] == [
        "2",
        "1",
        "0",
    ]
    refused = answers[-1]
    assert refused.json()["error"] == {
        "code": "0x80072322",
        "message": "Number of requests exceeded the limit of 3 over time window of 60 seconds.",
    }
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert other.status_code == 200


def test_the_window_slides(sandbox: RunningSandbox, dataverse: Api) -> None:
    """api-limits#how-service-protection-api-limits-are-enforced: a sliding window; once
    Retry-After has passed, requests are served again."""
    sandbox.dataverse.limits.configure(requests=1, window_seconds=0.5)
    first, second = dataverse.get("/WhoAmI"), dataverse.get("/WhoAmI")
    time.sleep(0.6)
    third = dataverse.get("/WhoAmI")

    assert (first.status_code, second.status_code, third.status_code) == (200, 429, 200)
    assert second.headers["Retry-After"] == "1"


def test_concurrent_requests(sandbox: RunningSandbox, dataverse: Api) -> None:
    """api-limits#concurrent-requests: "exceeding the number of concurrent requests will
    immediately return an error" (0x80072326)."""
    sandbox.dataverse.limits.configure(concurrent=1)
    sandbox.dataverse.faults.configure(delay_ms=300)  # each request holds its slot a while
    statuses: list[requests.Response] = []

    def call() -> None:
        statuses.append(dataverse.request("GET", "/WhoAmI"))

    with requests.Session() as second_session:
        parallel = Api(dataverse.base, dataverse.headers, second_session)
        threads = [threading.Thread(target=call),
                   threading.Thread(target=lambda: statuses.append(parallel.get("/WhoAmI")))]  # fmt: skip
        threads[0].start()
        time.sleep(0.1)
        threads[1].start()
        for thread in threads:
            thread.join()

    refused = [r for r in statuses if r.status_code == 429]
    assert sorted(r.status_code for r in statuses) == [200, 429]
    assert refused[0].json()["error"] == {
        "code": "0x80072326",
        "message": "Number of concurrent requests exceeded the limit of 1.",
    }


def test_combined_execution_time(sandbox: RunningSandbox, dataverse: Api) -> None:
    """api-limits#execution-time: the combined execution time of the user's requests in
    the window (0x80072321); the request that goes over still runs, the next is refused."""
    sandbox.dataverse.limits.configure(execution_seconds=0.1, window_seconds=60)
    sandbox.dataverse.faults.configure(delay_ms=150)
    slow = dataverse.get("/WhoAmI")
    sandbox.dataverse.faults.configure(delay_ms=0)
    refused = dataverse.get("/WhoAmI")

    assert slow.status_code == 200
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "0x80072321"
    assert refused.json()["error"]["message"].startswith(
        "Combined execution time of incoming requests exceeded limit of 100 milliseconds"
    )


def test_a_batch_is_one_request(sandbox: RunningSandbox, dataverse: Api) -> None:
    """api-limits#avoid-large-batches: batching avoids the request limit (its execution
    time still counts)."""
    from tests.sandbox.test_dv_batch import Req, send

    sandbox.dataverse.limits.configure(requests=2, window_seconds=60)
    batch = send(dataverse, [Req("GET", "WhoAmI")] * 20)
    after = [dataverse.get("/WhoAmI") for _ in range(2)]

    assert batch.status_code == 200
    assert [a.status_code for a in after] == [200, 429]
