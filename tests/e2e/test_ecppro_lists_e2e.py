"""End to end: HTTP through the local host → EcpPro simulator → Azurite staging → GET."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
import requests

from hub.demo.lists import wait_for_refreshes
from hub.host import LocalHost
from sandbox.run import RunningSandbox
from shared import bootstrap
from shared.domain.ecppro import EcpProList
from shared.flows.ecppro_list_view import read_status

pytestmark = [pytest.mark.e2e, pytest.mark.azurite, pytest.mark.sandbox]
_prefixes = itertools.count()


def post(host: LocalHost, route: str, **headers: str) -> requests.Response:
    return requests.post(host.url(route), headers=headers, timeout=60)


def get(host: LocalHost, route: str, **params: str) -> dict:
    response = requests.get(host.url(route), params={"code": "fk", **params}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def test_refresh_needs_the_function_key(host: LocalHost) -> None:
    assert post(host, "ecppro/tenants/refresh").status_code == 401
    assert post(host, "ecppro/tenants/refresh", **{"x-functions-key": "wrong"}).status_code == 401
    assert read_status(bootstrap.deps(), EcpProList.TENANTS) == {}  # nothing ran
    assert post(host, "ecppro/tenants/refresh", **{"x-functions-key": "mk"}).status_code == 200


def test_refresh_then_read_every_row(host: LocalHost, sandbox: RunningSandbox) -> None:
    response = post(host, "ecppro/licenses/refresh", **{"x-functions-key": "fk"})
    assert response.status_code == 200
    expected = {record["id"]: record for record in sandbox.ecppro.state.list("licenses")}
    assert response.json()["active"] == len(expected)
    seen: dict[str, dict] = {}
    page = get(host, "ecppro/licenses", pageSize="50")
    while True:
        seen.update({item["id"]: item for item in page["items"]})
        if not page["continuation"]:
            break
        page = get(host, "ecppro/licenses", pageSize="50", continuation=page["continuation"])
    assert seen.keys() == expected.keys()
    some = next(iter(expected.values()))
    staged = seen[some["id"]]
    assert (staged["displayName"], staged["code"], staged["consumedUnits"], staged["isFree"]) == (
        some["displayName"],
        some["code"],
        some["consumedUnits"],
        some["isFree"],
    )


def test_wrong_secret_gives_clear_error_and_keeps_rows(
    host: LocalHost, sandbox: RunningSandbox
) -> None:
    assert post(host, "ecppro/groups/refresh", **{"x-functions-key": "fk"}).status_code == 200
    before = get(host, "ecppro/groups", pageSize="1000")["items"]
    secret = sandbox.ecppro.secret_key
    sandbox.ecppro.set_credentials(sandbox.ecppro.customer_id, "rotated")
    try:
        response = post(host, "ecppro/groups/refresh", **{"x-functions-key": "fk"})
    finally:
        sandbox.ecppro.set_credentials(sandbox.ecppro.customer_id, secret)
    assert response.status_code == 502
    assert "ECPPRO_SECRET_KEY" in response.json()["error"]["message"]
    after = get(host, "ecppro/groups", pageSize="1000")
    assert after["items"] == before
    assert after["status"]["lastResult"] == "Failed"
    assert "ECPPRO_CUSTOMER_ID" in after["status"]["lastError"]


def test_timer_refreshes_every_list_through_the_queue(
    host: LocalHost, sandbox: RunningSandbox
) -> None:
    fired = datetime.now(UTC)
    result = host.fire_timer("ecppro_refresh_timer")
    assert result.succeeded
    statuses = wait_for_refreshes(host, since=fired, timeout=60)
    assert {s["lastResult"] for s in statuses.values()} == {"Succeeded"}
    assert statuses["users"]["active"] == len(sandbox.ecppro.state.list("users"))
