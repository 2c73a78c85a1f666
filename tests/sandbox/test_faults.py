"""Fault injection: queued failures, random 429/503 with a seed, delays, HTTP control."""

from __future__ import annotations

import time

import pytest
import requests
from pydantic import ValidationError

from sandbox.faults import FaultInjector
from sandbox.run import RunningSandbox
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox


def faults_url(sandbox: RunningSandbox, service: str) -> str:
    return f"{sandbox.roots[service]}/_sandbox/faults"


def test_next_n_failures_over_http_then_normal_service(
    sandbox: RunningSandbox, http: requests.Session, ecppro: Api
) -> None:
    control = faults_url(sandbox, "ecppro")
    queued = http.post(control, json={"fail_next": {"count": 2, "status": 429, "retry_after": 7}})
    assert queued.status_code == 200
    assert len(queued.json()["queued"]) == 2

    first, second, third = (ecppro.get("/tenants") for _ in range(3))

    assert first.status_code == second.status_code == 429
    assert first.headers["Retry-After"] == "7"
    assert first.json()["error"]["code"] == "TooManyRequests"
    assert third.status_code == 200
    assert http.get(control).json()["injected"] == 2


def test_admin_routes_are_never_faulted(sandbox: RunningSandbox, http: requests.Session) -> None:
    sandbox.ecppro.faults.configure(unavailable_probability=1.0)
    assert http.get(faults_url(sandbox, "ecppro")).status_code == 200
    assert http.delete(faults_url(sandbox, "ecppro")).status_code == 204
    assert sandbox.ecppro.faults.settings.unavailable_probability == 0


def test_each_service_answers_faults_in_its_own_shape(
    sandbox: RunningSandbox, bc: Api, dataverse: Api
) -> None:
    sandbox.business_central.faults.fail_next(1, status=429)
    sandbox.dataverse.faults.fail_next(1, status=429, retry_after=3)
    sandbox.dataverse.faults.fail_next(1, status=503)

    bc_throttled = bc.get("/customers")
    dv_throttled, dv_unavailable = dataverse.get("/accounts"), dataverse.get("/accounts")

    assert bc_throttled.json()["error"]["code"] == "Application_TooManyRequests"
    assert "Retry-After" not in bc_throttled.headers  # BC does not promise one
    assert dv_throttled.json()["error"]["code"] == "0x80072322"
    assert dv_throttled.headers["Retry-After"] == "3"
    assert dv_unavailable.status_code == 503


def test_random_faults_follow_the_seed(
    sandbox: RunningSandbox, http: requests.Session, ecppro: Api
) -> None:
    def run() -> list[int]:
        http.post(
            faults_url(sandbox, "ecppro"),
            json={"throttle_probability": 0.3, "unavailable_probability": 0.2, "seed": 7},
        )
        return [ecppro.get("/licenses", params={"pageSize": 1}).status_code for _ in range(30)]

    first, second = run(), run()

    assert first == second
    assert {429, 503, 200} == set(first)


def test_throttled_answers_carry_the_configured_retry_after(
    sandbox: RunningSandbox, dataverse: Api
) -> None:
    sandbox.dataverse.faults.configure(throttle_probability=1.0, retry_after_seconds=12)
    response = dataverse.get("/accounts")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "12"


def test_delay_is_added_to_every_request(sandbox: RunningSandbox, ecppro: Api) -> None:
    sandbox.ecppro.faults.configure(delay_ms=150)
    started = time.perf_counter()
    assert ecppro.get("/tenants", params={"pageSize": 1}).status_code == 200
    assert time.perf_counter() - started >= 0.15


def test_invalid_fault_settings_are_refused(
    sandbox: RunningSandbox, http: requests.Session
) -> None:
    control = faults_url(sandbox, "business_central")
    assert http.post(control, json={"throttle_probability": 2}).status_code == 400
    assert http.post(control, json={"explode": True}).status_code == 400
    with pytest.raises(ValidationError):
        sandbox.business_central.faults.configure(delay_ms=-1)


def test_injector_alone_is_deterministic_and_resets() -> None:
    injector = FaultInjector()
    injector.configure(throttle_probability=0.5, seed=3)
    draws = [injector.decide()[1] for _ in range(20)]
    injector.configure(seed=3)
    assert [injector.decide()[1] for _ in range(20)] == draws

    injector.fail_next(1, status=500)
    injector.reset()
    assert injector.decide() == (0.0, None)
    assert injector.describe()["queued"] == []


def test_a_cut_answer_is_processed_but_never_answered(sandbox: RunningSandbox, bc: Api) -> None:
    # The worst case for a client: the service did the write, the connection dropped
    # before the answer. Reads are never cut; the next write is.
    sandbox.business_central.faults.cut_next(1)
    assert bc.get("/customers").status_code == 200
    with pytest.raises(requests.ConnectionError):
        bc.request("POST", "/customers", json={"displayName": "Cut Answer Ltd", "number": "C07777"})
    found = bc.get("/customers", params={"$filter": "number eq 'C07777'"}).json()["value"]
    assert [c["displayName"] for c in found] == ["Cut Answer Ltd"]  # it was created
    assert sandbox.business_central.faults.describe()["cut"] == 1


def test_cut_answers_follow_their_own_seeded_draw() -> None:
    injector = FaultInjector()
    injector.configure(cut_answer_probability=0.5, seed=11)
    first = [injector.cut_answer() for _ in range(40)]
    injector.configure(seed=11, throttle_probability=0.5)  # other faults do not shift the cuts
    assert [injector.cut_answer() for _ in range(40)] == first
    assert 5 < sum(first) < 35
