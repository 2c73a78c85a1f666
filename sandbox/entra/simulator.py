"""Entra ID (Azure AD) token endpoint simulator, served over HTTPS so MSAL runs unchanged.

Serves what `msal.ConfidentialClientApplication(...).acquire_token_for_client` fetches:

- `GET /{tenant}/v2.0/.well-known/openid-configuration`: tenant discovery; MSAL reads
  `token_endpoint`, `authorization_endpoint` and `issuer` from it. An unknown tenant gets
  400 `invalid_tenant` / AADSTS90002, which MSAL turns into a ValueError at construction,
  as with the real service.
- `POST /{tenant}/oauth2/v2.0/token` with `grant_type=client_credentials`, credentials as
  form fields (client_secret_post, MSAL's choice) or HTTP Basic (client_secret_basic).

Instance discovery is not served and cannot be: for any host it does not know, MSAL asks
`https://login.microsoftonline.com/common/discovery/instance`, a fixed host outside the
sandbox. Clients therefore pass `instance_discovery=False` (harmless against the real
login.microsoftonline.com, which MSAL knows and never discovers). The `http_client`
given to MSAL must trust the sandbox CA: a `requests.Session` with `verify` set to the CA
file and `trust_env = False`, because REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE in the
environment otherwise override `session.verify` on every request MSAL makes.

Errors mirror Entra's JSON shape (`error`, `error_description` starting with the AADSTS
code, `error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`):
unknown tenant 400 AADSTS90002, wrong grant 400 AADSTS70003, missing parameter 400
AADSTS900144, unknown client 400 AADSTS700016, missing secret 401 AADSTS7000218, wrong
secret 401 AADSTS7000215, scope without `/.default` 400 AADSTS1002012, unknown resource
400 AADSTS500011. Injected 429/503 answer `temporarily_unavailable` / AADSTS90033.
"""

from __future__ import annotations

import base64
import hmac
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.entra.tokens import TokenMint
from sandbox.faults import Fault, FaultInjector
from sandbox.server import ServiceError, Simulator, json_response

RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access"})


@dataclass(frozen=True)
class EntraConfig:
    """The one app registration the token endpoint knows."""

    tenant_id: str
    client_id: str
    client_secret: str
    token_lifetime_seconds: int = 3600
    resources: frozenset[str] = field(default_factory=frozenset)


class EntraError(ServiceError):
    """An OAuth error answer carrying its AADSTS number."""

    def __init__(self, status: int, error: str, aadsts: int, description: str) -> None:
        super().__init__(status, error, f"AADSTS{aadsts}: {description}")
        self.aadsts = aadsts


class EntraSimulator(Simulator):
    """Tenant discovery and the client-credentials token endpoint of one tenant."""

    name = "entra"

    def __init__(
        self, config: EntraConfig, mint: TokenMint, faults: FaultInjector | None = None
    ) -> None:
        self.config = config
        self.mint = mint
        self._count_lock = threading.Lock()
        self.tokens_issued = 0
        super().__init__(faults)

    def rules(self) -> Iterable[Rule]:
        return [
            Rule(
                "/<tenant>/v2.0/.well-known/openid-configuration",
                endpoint=self.on_openid_configuration,
                methods=["GET"],
            ),
            Rule("/<tenant>/oauth2/v2.0/token", endpoint=self.on_token, methods=["POST"]),
        ]

    def error_response(self, error: ServiceError) -> Response:
        # Routing errors (unknown path, wrong method) carry no AADSTS number of their own.
        codes = [error.aadsts] if isinstance(error, EntraError) else []
        trace_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        body = {
            "error": error.code,
            "error_description": (
                f"{error.message} Trace ID: {trace_id} Correlation ID: {correlation_id} "
                f"Timestamp: {now}"
            ),
            "error_codes": codes,
            "timestamp": now,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": f"https://login.microsoftonline.com/error?code={codes[0] if codes else ''}",
        }
        return json_response(body, error.status, error.headers)

    def fault_error(self, fault: Fault) -> ServiceError:
        return EntraError(
            fault.status,
            "temporarily_unavailable",
            90033,
            "A transient error has occurred. Please try again.",
        )

    def on_openid_configuration(self, request: Request, tenant: str) -> Response:
        if tenant != self.config.tenant_id:
            raise self._unknown_tenant(tenant, "invalid_tenant")
        root = f"{request.host_url.rstrip('/')}/{tenant}"
        return json_response(
            {
                "issuer": f"{root}/v2.0",
                "token_endpoint": f"{root}/oauth2/v2.0/token",
                "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "client_secret_basic",
                ],
                "response_types_supported": ["token"],
                "grant_types_supported": ["client_credentials"],
                "tenant_region_scope": "EU",
            }
        )

    def on_token(self, request: Request, tenant: str) -> Response:
        if tenant != self.config.tenant_id:
            raise self._unknown_tenant(tenant, "invalid_request")
        grant = request.form.get("grant_type", "")
        if grant != "client_credentials":
            if not grant:
                raise self._missing_parameter("grant_type")
            raise EntraError(
                400, "unsupported_grant_type", 70003,
                f"The app requested an unsupported grant type '{grant}'.",
            )  # fmt: skip
        client_id = self._check_client(*_client_credentials(request))
        audience = self._audience(request.form.get("scope", ""))
        lifetime = self.config.token_lifetime_seconds
        token = self.mint.mint(
            audience=audience,
            tenant_id=tenant,
            app_id=client_id,
            lifetime_seconds=lifetime,
        )
        with self._count_lock:
            self.tokens_issued += 1
        return json_response(
            {
                "token_type": "Bearer",
                "expires_in": lifetime,
                "ext_expires_in": lifetime,
                "access_token": token,
            },
            headers={"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"},
        )

    def _check_client(self, client_id: str | None, secret: str | None) -> str:
        """The client id once id and secret are both right; raises EntraError otherwise."""
        if not client_id:
            raise self._missing_parameter("client_id")
        if client_id != self.config.client_id:
            raise EntraError(
                400, "unauthorized_client", 700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{self.config.tenant_id}'. This can happen if the application has not been "
                "installed by the administrator of the tenant or consented to by any user in "
                "the tenant. You may have sent your authentication request to the wrong tenant.",
            )  # fmt: skip
        if not secret:
            raise EntraError(
                401, "invalid_client", 7000218,
                "The request body must contain the following parameter: 'client_assertion' "
                "or 'client_secret'.",
            )  # fmt: skip
        if not hmac.compare_digest(secret.encode(), self.config.client_secret.encode()):
            raise EntraError(
                401, "invalid_client", 7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request "
                "is the client secret value, not the client secret ID, for a secret added to "
                f"app '{client_id}'.",
            )  # fmt: skip
        return client_id

    def _audience(self, scope: str) -> str:
        scopes = [s for s in scope.split() if s not in RESERVED_SCOPES]
        if not scopes:
            raise self._missing_parameter("scope")
        if len(scopes) > 1 or not scopes[0].endswith("/.default"):
            raise EntraError(
                400, "invalid_scope", 1002012,
                f"The provided value for scope {scope} is not valid. Client credential flows "
                "must have a scope value with /.default suffixed to the resource identifier "
                "(application ID URI).",
            )  # fmt: skip
        resource = scopes[0].removesuffix("/.default")
        if self.config.resources and resource not in self.config.resources:
            raise EntraError(
                400, "invalid_resource", 500011,
                f"The resource principal named {resource} was not found in the tenant named "
                f"{self.config.tenant_id}. This can happen if the application has not been "
                "installed by the administrator of the tenant or consented to by any user in "
                "the tenant. You might have sent your authentication request to the wrong tenant.",
            )  # fmt: skip
        return resource

    def _unknown_tenant(self, tenant: str, error: str) -> EntraError:
        return EntraError(
            400, error, 90002,
            f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID "
            "and are signing into the correct cloud.",
        )  # fmt: skip

    def _missing_parameter(self, name: str) -> EntraError:
        return EntraError(
            400, "invalid_request", 900144,
            f"The request body must contain the following parameter: '{name}'.",
        )  # fmt: skip


def _client_credentials(request: Request) -> tuple[str | None, str | None]:
    """client_id and secret from the form (client_secret_post) or Basic auth."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
        except ValueError:
            return None, None
        user, _, password = decoded.partition(":")
        # RFC 6749 §2.3.1: both parts are form-urlencoded before joining.
        return unquote(user), unquote(password)
    return request.form.get("client_id"), request.form.get("client_secret")
