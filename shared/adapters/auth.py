"""Credentials for outbound calls.

- `EntraTokenAuth`: client-credentials tokens from MSAL's `ConfidentialClientApplication`,
  one per resource scope. MSAL caches tokens in memory and renews them ~5 minutes before
  expiry; `invalidate()` drops the cache after a 401 so the next call fetches a new one.
  MSAL only accepts https authorities; locally the sandbox serves one with its own CA,
  which the session built from `HUB_CA_BUNDLE` trusts.
- `EcpProKeyAuth`: EcpPro's Customer ID + Secret Key headers.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

import msal
import requests
from pydantic import SecretStr

from shared.errors import AuthError, ConfigurationError, TransientError

MICROSOFT_AUTHORITY_HOSTS = frozenset(
    {
        "login.microsoftonline.com",
        "login.microsoftonline.us",
        "login.chinacloudapi.cn",
        "login.partner.microsoftonline.cn",
        "login.microsoft.com",
        "login.windows.net",
        "login.sovcloud-identity.fr",
    }
)

# Entra error codes that mean the configuration is wrong, not the service unwell.
_CONFIGURATION_ERRORS = {
    "invalid_client",
    "unauthorized_client",
    "invalid_scope",
    "invalid_request",
}


class EntraTokenAuth:
    """Bearer tokens for one resource scope through the client-credentials flow."""

    def __init__(
        self,
        *,
        authority_host: str,
        tenant_id: str,
        client_id: str,
        client_secret: SecretStr,
        scope: str,
        session: requests.Session,
        credential_settings: tuple[str, ...] = (),
        authority_setting: str = "",
    ) -> None:
        self.scope = scope
        self.credential_settings = credential_settings
        self.authority_setting = authority_setting
        self._lock = threading.Lock()
        self._session = session
        self._client_id = client_id
        self._client_secret = client_secret
        self._authority = f"{authority_host.rstrip('/')}/{tenant_id}"
        self._app: msal.ConfidentialClientApplication | None = None

    def headers(self) -> dict[str, str]:
        """`Authorization: Bearer …`. Raises AuthError (bad configuration) or TransientError."""
        return {"Authorization": f"Bearer {self.token()}"}

    def token(self) -> str:
        with self._lock:
            if self._app is None:
                self._app = self._create_app()
            result: dict[str, Any] = self._app.acquire_token_for_client(scopes=[self.scope])
        if "access_token" in result:
            return str(result["access_token"])
        error = str(result.get("error", "unknown_error"))
        description = str(result.get("error_description", "")).splitlines()[0:1]
        text = f"Entra refused a token for {self.scope}: {error} {' '.join(description)}."
        if self.credential_settings:
            text += f" Check {', '.join(self.credential_settings)}."
        if error in _CONFIGURATION_ERRORS:
            raise AuthError(text, settings=self.credential_settings)
        raise TransientError(text)

    def invalidate(self) -> bool:
        """Forget cached tokens (a fresh application has an empty cache); a retry may help."""
        with self._lock:
            self._app = None
        return True

    def _create_app(self) -> msal.ConfidentialClientApplication:
        try:
            app: msal.ConfidentialClientApplication = msal.ConfidentialClientApplication(
                self._client_id,
                client_credential=self._client_secret.get_secret_value(),
                authority=self._authority,
                http_client=self._session,
                # Instance discovery asks login.microsoftonline.com about the authority; it
                # only knows Microsoft's clouds, so it is skipped for any other host
                # (the sandbox locally), which MSAL then validates by its OpenID metadata.
                instance_discovery=urlsplit(self._authority).hostname in MICROSOFT_AUTHORITY_HOSTS,
            )
            return app
        except ValueError as exc:  # MSAL validates the authority at construction
            settings = (self.authority_setting,) if self.authority_setting else ()
            raise ConfigurationError(
                f"Entra authority {self._authority} is not usable: {exc}."
                + (f" Check {self.authority_setting}." if self.authority_setting else ""),
                settings=settings,
            ) from exc
        except requests.RequestException as exc:
            raise TransientError(f"Entra authority could not be reached: {exc}") from exc


class EcpProKeyAuth:
    """EcpPro's header credentials."""

    def __init__(self, customer_id: str, secret_key: SecretStr) -> None:
        self._customer_id = customer_id
        self._secret_key = secret_key

    def headers(self) -> dict[str, str]:
        return {
            "X-Customer-Id": self._customer_id,
            "X-Secret-Key": self._secret_key.get_secret_value(),
        }

    def invalidate(self) -> bool:
        """Static credentials: nothing cached to drop, so a retry cannot help."""
        return False
