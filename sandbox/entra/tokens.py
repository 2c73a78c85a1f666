"""Access tokens: minted by the Entra simulator, checked by the BC and Dataverse simulators.

Tokens are JWTs signed HS256 with a key the simulators share. Real Entra signs RS256 with
rotating keys, but clients never verify access tokens (they are opaque to them), so the
difference is invisible to the hub. Claims follow an app-only v1 token: `aud` (the scope
without `/.default`), `iss` (`https://sts.windows.net/{tid}/`), `iat`, `nbf`, `exp`,
`appid`, `tid`, `oid`, `idtyp` = "app", `ver` = "1.0".

A resource server sees one of these outcomes, and `verify_bearer` reports them the way
RFC 6750 describes them:

- no `Authorization` header: `missing` (the challenge carries no error code),
- not `Bearer <jwt>`, bad signature, unreadable claims: `invalid_token`,
- expired: `invalid_token` "The token is expired",
- `aud` not this service: `invalid_token` naming the audience.

Quirk kept on purpose: no clock skew is tolerated (real services allow about five
minutes), so a short-lived token in a test expires exactly when it says.

A token's signature is checked once; its claims are then remembered (up to
`_VERIFIED_CACHE_SIZE` tokens), and only the expiry is checked again on later requests,
as a resource server caching validated tokens does. Verifying HS256 on every request
was half the simulators' time per request.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import jwt

_VERIFIED_CACHE_SIZE = 1024

ALGORITHM = "HS256"


class BearerError(Exception):
    """A request's bearer token was refused; `error` is None when none was sent."""

    def __init__(self, error: str | None, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class TokenMint:
    """Mints and checks the sandbox's access tokens with one shared key."""

    signing_key: str
    _verified: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        # RFC 7518 §3.2: an HS256 key must be at least as long as the hash (32 bytes).
        if len(self.signing_key.encode()) < 32:
            raise ValueError("the token signing key must be at least 32 bytes long")

    def mint(
        self,
        *,
        audience: str,
        tenant_id: str,
        app_id: str,
        lifetime_seconds: int,
        now: float | None = None,
    ) -> str:
        """A signed token; a negative lifetime gives one that is already expired."""
        issued = int(time.time() if now is None else now)
        claims = {
            "aud": audience,
            "iss": f"https://sts.windows.net/{tenant_id}/",
            "iat": issued,
            "nbf": issued,
            "exp": issued + lifetime_seconds,
            "appid": app_id,
            "tid": tenant_id,
            "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant_id}/{app_id}")),
            "idtyp": "app",
            "ver": "1.0",
        }
        return jwt.encode(claims, self.signing_key, algorithm=ALGORITHM)

    def verify_bearer(
        self, authorization: str | None, audiences: Collection[str]
    ) -> dict[str, Any]:
        """The claims of a valid `Authorization: Bearer` header for one of `audiences`.

        Raises BearerError for a missing, malformed, expired or wrong-audience token.
        """
        if not authorization:
            raise BearerError(None, "Bearer token is missing.")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise BearerError("invalid_token", "The authorization header is not a Bearer token.")
        claims = self._claims(token.strip())
        if claims["aud"] not in audiences:
            raise BearerError("invalid_token", f"The audience '{claims['aud']}' is invalid.")
        return claims

    def _claims(self, token: str) -> dict[str, Any]:
        """Verified claims of a token (signature once, expiry every time). Raises BearerError."""
        with self._lock:
            cached = self._verified.get(token)
        if cached is not None:
            if cached["exp"] <= time.time():
                raise BearerError("invalid_token", "The token is expired.")
            return dict(cached)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.signing_key,
                algorithms=[ALGORITHM],
                options={"verify_aud": False, "require": ["exp", "aud", "tid"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise BearerError("invalid_token", "The token is expired.") from exc
        except jwt.PyJWTError as exc:
            raise BearerError("invalid_token", f"The token is not valid: {exc}.") from exc
        with self._lock:
            if len(self._verified) >= _VERIFIED_CACHE_SIZE:
                self._verified.clear()
            self._verified[token] = claims
        return claims


def bearer_challenge(authorization_uri: str, error: BearerError, **extra: str) -> str:
    """A `WWW-Authenticate` value as Entra-protected services send it."""
    parts = [f'authorization_uri="{authorization_uri}"']
    parts += [f'{name}="{value}"' for name, value in extra.items()]
    if error.error is not None:
        parts += [f'error="{error.error}"', f'error_description="{error.description}"']
    return "Bearer " + ", ".join(parts)
