"""What every simulator's server does: persistent connections and request counting."""

from __future__ import annotations

import http.client

import pytest
import requests

from sandbox.business_central.simulator import AUDIENCE as BC_AUDIENCE
from sandbox.run import RunningSandbox
from tests.sandbox.bc_documents import request
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox


def test_connections_stay_open_even_when_the_app_ignores_a_body(sandbox: RunningSandbox) -> None:
    token = sandbox.mint_token(BC_AUDIENCE)
    path = (
        f"/v2.0/{sandbox.config.tenant_id}/{sandbox.config.bc_environment}/api/v2.0/"
        f"companies({sandbox.config.bc_company_id})/currencies"
    )
    connection = http.client.HTTPConnection("127.0.0.1", sandbox.ports["business_central"])
    try:
        statuses = []
        sockets = set()
        for method, url, body in [
            ("GET", path, None),
            ("POST", "/nowhere", b"x" * 70_000),  # unmatched: nobody reads this body
            ("GET", path, None),
        ]:
            connection.request(method, url, body=body, headers={"Authorization": f"Bearer {token}"})
            sockets.add(id(connection.sock))
            answer = connection.getresponse()
            answer.read()
            statuses.append(answer.status)
            assert not answer.will_close
    finally:
        connection.close()
    assert statuses == [200, 404, 200]
    assert len(sockets) == 1  # one TCP connection served all three


def test_a_client_that_asks_to_close_gets_its_connection_closed(
    sandbox: RunningSandbox, http: requests.Session
) -> None:
    answer = http.get(f"{sandbox.roots['ecppro']}/_sandbox/faults", headers={"Connection": "close"})
    assert answer.status_code == 200 and answer.headers["Connection"] == "close"


def test_stats_count_requests_and_inner_batch_requests(
    sandbox: RunningSandbox, http: requests.Session, bc_api: Api
) -> None:
    stats = f"{sandbox.roots['business_central']}/_sandbox/stats"
    assert http.delete(stats).status_code == 204
    company = f"companies({sandbox.config.bc_company_id})"
    bc_api.get(f"/{company}/currencies")
    batch = [request("GET", f"{company}/currencies"), request("GET", f"{company}/items")]
    assert bc_api.request("POST", "/$batch", json={"requests": batch}).status_code == 200

    assert http.get(stats).json() == {"requests": 2, "innerBatchRequests": 2}
    assert sandbox.business_central.stats.requests == 2  # the same, in-process
    http.delete(stats)
    assert sandbox.business_central.stats.describe() == {"requests": 0, "innerBatchRequests": 0}
