"""Fixtures for the sandbox's own tests: ready-made clients for each simulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from sandbox.business_central.simulator import AUDIENCE as BC_AUDIENCE
from sandbox.run import RunningSandbox
from tests.sandbox.clients import Api

# `running_sandbox` and `sandbox` come from sandbox.testing through the root conftest,
# so these tests share the session's one sandbox with the adapter tests.


@pytest.fixture
def http(sandbox: RunningSandbox) -> Iterator[requests.Session]:
    with sandbox.session() as session:
        yield session


@pytest.fixture
def bc(sandbox: RunningSandbox, http: requests.Session) -> Api:
    """Business Central, scoped to the sandbox company."""
    base = f"{sandbox.urls['business_central']}/companies({sandbox.config.bc_company_id})"
    token = sandbox.mint_token(BC_AUDIENCE)
    return Api(base, {"Authorization": f"Bearer {token}"}, http)


@pytest.fixture
def bc_api(sandbox: RunningSandbox, http: requests.Session) -> Api:
    """Business Central at the API root (`.../api/v2.0`): for `$batch`."""
    token = sandbox.mint_token(BC_AUDIENCE)
    return Api(sandbox.urls["business_central"], {"Authorization": f"Bearer {token}"}, http)


@pytest.fixture
def bc_custom(sandbox: RunningSandbox, http: requests.Session) -> Api:
    """The companion API (`.../api/ecppro/hub/v1.0`), scoped to the sandbox company."""
    root = sandbox.urls["business_central"].replace("/api/v2.0", "/api/ecppro/hub/v1.0")
    token = sandbox.mint_token(BC_AUDIENCE)
    return Api(
        f"{root}/companies({sandbox.config.bc_company_id})",
        {"Authorization": f"Bearer {token}"},
        http,
    )


@pytest.fixture
def dataverse(sandbox: RunningSandbox, http: requests.Session) -> Api:
    token = sandbox.mint_token(sandbox.urls["dataverse"])
    return Api(
        f"{sandbox.urls['dataverse']}/api/data/v9.2", {"Authorization": f"Bearer {token}"}, http
    )


@pytest.fixture
def ecppro(sandbox: RunningSandbox, http: requests.Session) -> Api:
    headers = {
        "X-Customer-Id": sandbox.ecppro.customer_id,
        "X-Secret-Key": sandbox.ecppro.secret_key,
    }
    return Api(sandbox.urls["ecppro"], headers, http)
