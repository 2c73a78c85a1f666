"""The Entra simulator: MSAL runs unchanged against it over HTTPS with only the sandbox CA."""

from __future__ import annotations

import jwt
import msal
import pytest
import requests
from werkzeug.test import Client

from sandbox.business_central.simulator import AUDIENCE as BC_AUDIENCE
from sandbox.entra.simulator import EntraConfig, EntraSimulator
from sandbox.entra.tokens import TokenMint
from sandbox.run import RunningSandbox

pytestmark = pytest.mark.sandbox
BC_SCOPE = f"{BC_AUDIENCE}/.default"


def make_app(
    sandbox: RunningSandbox, http: requests.Session, **overrides: str
) -> msal.ConfidentialClientApplication:
    options = {
        "client_id": sandbox.config.client_id,
        "secret": sandbox.config.client_secret,
        "tenant": sandbox.config.tenant_id,
    } | overrides
    return msal.ConfidentialClientApplication(
        options["client_id"],
        client_credential=options["secret"],
        authority=f"{sandbox.urls['token']}/{options['tenant']}",
        http_client=http,
        # Instance discovery would ask login.microsoftonline.com about 127.0.0.1.
        instance_discovery=False,
    )


def token_url(sandbox: RunningSandbox, tenant: str | None = None) -> str:
    return f"{sandbox.urls['token']}/{tenant or sandbox.config.tenant_id}/oauth2/v2.0/token"


def test_msal_gets_a_token_over_https_trusting_only_the_sandbox_ca(
    sandbox: RunningSandbox, http: requests.Session
) -> None:
    before = sandbox.entra.tokens_issued
    app = make_app(sandbox, http)

    result = app.acquire_token_for_client(scopes=[BC_SCOPE])

    assert result["token_type"] == "Bearer"
    assert result["expires_in"] == 3600
    claims = jwt.decode(result["access_token"], options={"verify_signature": False})
    assert claims["aud"] == BC_AUDIENCE
    assert claims["tid"] == sandbox.config.tenant_id
    assert claims["appid"] == sandbox.config.client_id
    assert claims["exp"] - claims["iat"] == 3600
    assert sandbox.entra.tokens_issued == before + 1


def test_msal_serves_the_second_request_from_its_cache(
    sandbox: RunningSandbox, http: requests.Session
) -> None:
    app = make_app(sandbox, http)
    first = app.acquire_token_for_client(scopes=[BC_SCOPE])
    issued = sandbox.entra.tokens_issued

    second = app.acquire_token_for_client(scopes=[BC_SCOPE])

    assert second["access_token"] == first["access_token"]
    assert second["token_source"] == "cache"
    assert sandbox.entra.tokens_issued == issued


def test_dataverse_scope_gives_a_token_for_the_environment_url(
    sandbox: RunningSandbox, http: requests.Session
) -> None:
    result = make_app(sandbox, http).acquire_token_for_client(
        scopes=[f"{sandbox.urls['dataverse']}/.default"]
    )
    claims = jwt.decode(result["access_token"], options={"verify_signature": False})
    assert claims["aud"] == sandbox.urls["dataverse"]


def test_the_endpoint_is_not_trusted_without_the_sandbox_ca(sandbox: RunningSandbox) -> None:
    with requests.Session() as plain:
        plain.trust_env = False
        with pytest.raises(requests.exceptions.SSLError):
            plain.get(
                f"{sandbox.urls['token']}/{sandbox.config.tenant_id}/v2.0/.well-known/openid-configuration"
            )


def test_msal_reports_a_wrong_secret_with_the_aadsts_code(
    sandbox: RunningSandbox, http: requests.Session
) -> None:
    result = make_app(sandbox, http, secret="not-the-secret").acquire_token_for_client(
        scopes=[BC_SCOPE]
    )

    assert "access_token" not in result
    assert result["error"] == "invalid_client"
    assert result["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")
    assert result["error_codes"] == [7000215]


def test_wrong_secret_answer_looks_like_entra(
    sandbox: RunningSandbox, http: requests.Session
) -> None:
    response = http.post(
        token_url(sandbox),
        data={
            "grant_type": "client_credentials",
            "client_id": sandbox.config.client_id,
            "client_secret": "wrong",
            "scope": BC_SCOPE,
        },
    )

    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "invalid_client"
    assert body["error_codes"] == [7000215]
    assert {"timestamp", "trace_id", "correlation_id", "error_uri"} <= body.keys()


@pytest.mark.parametrize(
    ("form", "status", "error", "code"),
    [
        ({"client_id": "00000000-0000-0000-0000-00000000dead"}, 400, "unauthorized_client", 700016),
        ({"client_secret": ""}, 401, "invalid_client", 7000218),
        ({"scope": BC_AUDIENCE}, 400, "invalid_scope", 1002012),
        ({"scope": "https://graph.example/.default"}, 400, "invalid_resource", 500011),
        ({"scope": ""}, 400, "invalid_request", 900144),
        ({"grant_type": "password"}, 400, "unsupported_grant_type", 70003),
    ],
)
def test_token_request_errors(
    sandbox: RunningSandbox,
    http: requests.Session,
    form: dict[str, str],
    status: int,
    error: str,
    code: int,
) -> None:
    data = {
        "grant_type": "client_credentials",
        "client_id": sandbox.config.client_id,
        "client_secret": sandbox.config.client_secret,
        "scope": BC_SCOPE,
    } | form

    response = http.post(token_url(sandbox), data=data)

    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_codes"] == [code]


def test_unknown_tenant_fails_discovery_so_msal_refuses_the_authority(
    sandbox: RunningSandbox, http: requests.Session
) -> None:
    unknown = "11111111-2222-3333-4444-555555555555"
    discovery = http.get(f"{sandbox.urls['token']}/{unknown}/v2.0/.well-known/openid-configuration")
    assert discovery.status_code == 400
    assert discovery.json()["error"] == "invalid_tenant"
    assert discovery.json()["error_codes"] == [90002]

    with pytest.raises(ValueError, match="Unable to get authority configuration"):
        make_app(sandbox, http, tenant=unknown)


def test_client_secret_basic_is_accepted(sandbox: RunningSandbox, http: requests.Session) -> None:
    response = http.post(
        token_url(sandbox),
        data={"grant_type": "client_credentials", "scope": BC_SCOPE},
        auth=(sandbox.config.client_id, sandbox.config.client_secret),
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"


def test_injected_throttling_reaches_msal_as_an_error(
    sandbox: RunningSandbox, http: requests.Session
) -> None:
    app = make_app(sandbox, http)
    sandbox.entra.faults.fail_next(1, status=429, retry_after=1)

    result = app.acquire_token_for_client(scopes=[BC_SCOPE])

    assert result["error"] == "temporarily_unavailable"
    assert result["error_codes"] == [90033]


def test_token_endpoint_only_accepts_post(sandbox: RunningSandbox, http: requests.Session) -> None:
    response = http.get(token_url(sandbox))
    assert response.status_code == 405
    assert response.json()["error_codes"] == []


def test_token_lifetime_is_configurable() -> None:
    config = EntraConfig("tenant-1", "client-1", "secret-1", token_lifetime_seconds=90)
    simulator = EntraSimulator(config, TokenMint("a-signing-key-of-at-least-32-bytes!!"))
    form = {
        "grant_type": "client_credentials",
        "client_id": "client-1",
        "client_secret": "secret-1",
        "scope": "https://example.test/.default",
    }

    answer = Client(simulator).post("/tenant-1/oauth2/v2.0/token", data=form).get_json()

    claims = jwt.decode(answer["access_token"], options={"verify_signature": False})
    assert answer["expires_in"] == 90 and claims["exp"] - claims["iat"] == 90
    assert claims["aud"] == "https://example.test"  # no resource list configured: any resource
    assert simulator.tokens_issued == 1


def test_a_short_signing_key_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        TokenMint("short")
