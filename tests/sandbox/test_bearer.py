"""BC and Dataverse refuse requests without a valid token for their own audience."""

from __future__ import annotations

import pytest
import requests

from sandbox.business_central.simulator import AUDIENCE as BC_AUDIENCE
from sandbox.run import RunningSandbox
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox


def bc_customers(sandbox: RunningSandbox) -> str:
    return f"{sandbox.urls['business_central']}/companies({sandbox.config.bc_company_id})/customers"


def dataverse_accounts(sandbox: RunningSandbox) -> str:
    return f"{sandbox.urls['dataverse']}/api/data/v9.2/accounts"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_business_central_without_a_token_is_401_with_a_challenge(
    sandbox: RunningSandbox, http: requests.Session
) -> None:
    response = http.get(bc_customers(sandbox))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "Authentication_InvalidCredentials"
    assert "CorrelationId" in response.json()["error"]["message"]
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer authorization_uri="https://127.0.0.1:')
    assert "error=" not in challenge  # RFC 6750: no error code when no token was sent


@pytest.mark.parametrize(
    ("describe", "expected"),
    [
        ("malformed", "not valid"),
        ("not-bearer", "not a Bearer token"),
        ("expired", "expired"),
        ("dataverse-audience", "audience"),
        ("wrong-key", "not valid"),
    ],
)
def test_business_central_refuses_bad_tokens(
    sandbox: RunningSandbox, http: requests.Session, describe: str, expected: str
) -> None:
    headers = {
        "malformed": bearer("abc.def"),
        "not-bearer": {"Authorization": "Basic dXNlcjpwYXNz"},
        "expired": bearer(sandbox.mint_token(BC_AUDIENCE, lifetime_seconds=-5)),
        "dataverse-audience": bearer(sandbox.mint_token(sandbox.urls["dataverse"])),
        "wrong-key": bearer(
            type(sandbox.entra.mint)("another-signing-key-of-thirty-two-bytes!").mint(
                audience=BC_AUDIENCE,
                tenant_id=sandbox.config.tenant_id,
                app_id=sandbox.config.client_id,
                lifetime_seconds=60,
            )
        ),
    }[describe]

    response = http.get(bc_customers(sandbox), headers=headers)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "Authentication_InvalidCredentials"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert expected in response.headers["WWW-Authenticate"]


def test_business_central_refuses_a_token_of_another_tenant(
    sandbox: RunningSandbox, http: requests.Session
) -> None:
    token = sandbox.entra.mint.mint(
        audience=BC_AUDIENCE,
        tenant_id="99999999-9999-9999-9999-999999999999",
        app_id=sandbox.config.client_id,
        lifetime_seconds=60,
    )
    response = http.get(bc_customers(sandbox), headers=bearer(token))
    assert response.status_code == 401


def test_business_central_accepts_a_valid_token(bc: Api) -> None:
    assert bc.get("/customers").status_code == 200


@pytest.mark.parametrize("describe", ["missing", "expired", "bc-audience", "other-tenant"])
def test_dataverse_refuses_bad_tokens(
    sandbox: RunningSandbox, http: requests.Session, describe: str
) -> None:
    # An environment belongs to one Entra tenant: a token issued by another is refused
    # (learn.microsoft.com/power-apps/developer/data-platform/authenticate-oauth).
    other_tenant = sandbox.entra.mint.mint(
        audience=sandbox.urls["dataverse"],
        tenant_id="99999999-9999-9999-9999-999999999999",
        app_id=sandbox.config.client_id,
        lifetime_seconds=60,
    )
    headers = {
        "missing": {},
        "expired": bearer(sandbox.mint_token(sandbox.urls["dataverse"], lifetime_seconds=-60)),
        "bc-audience": bearer(sandbox.mint_token(BC_AUDIENCE)),
        "other-tenant": bearer(other_tenant),
    }[describe]

    response = http.get(dataverse_accounts(sandbox), headers=headers)

    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message"}
    challenge = response.headers["WWW-Authenticate"]
    assert f'resource_id="{sandbox.urls["dataverse"]}/"' in challenge
    assert ('error="invalid_token"' in challenge) == (describe != "missing")


def test_dataverse_accepts_its_url_with_or_without_trailing_slash(
    sandbox: RunningSandbox, http: requests.Session
) -> None:
    for audience in (sandbox.urls["dataverse"], sandbox.urls["dataverse"] + "/"):
        response = http.get(
            dataverse_accounts(sandbox), headers=bearer(sandbox.mint_token(audience))
        )
        assert response.status_code == 200
