"""Host keys and HTTP authorization levels, enforced as Azure Functions does.

`anonymous` functions are open; `function` functions accept the function key or the master
key; `admin` functions accept only the master key. The key travels in the `code` query
parameter or the `x-functions-key` header. Keys come from the caller (or, for the CLI, from
`HUB_LOCAL_FUNCTION_KEY` / `HUB_LOCAL_MASTER_KEY`); otherwise random keys are generated at
start and written to `.hub/host-keys.json`, readable by the owner only.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import azure.functions as func

FUNCTION_KEY_SETTING = "HUB_LOCAL_FUNCTION_KEY"
MASTER_KEY_SETTING = "HUB_LOCAL_MASTER_KEY"
KEY_QUERY_PARAMETER = "code"
KEY_HEADER = "x-functions-key"
KEYS_FILE = Path(".hub") / "host-keys.json"


def generate_key() -> str:
    """A random key in the URL-safe alphabet the host uses."""
    return secrets.token_urlsafe(32)


def _same(presented: str, expected: str) -> bool:
    return hmac.compare_digest(presented.encode(), expected.encode())


@dataclass(frozen=True)
class HostKeys:
    """The default function key and the master key of the local host."""

    function_key: str
    master_key: str

    def __repr__(self) -> str:
        return "HostKeys(function_key=***, master_key=***)"

    def allows(self, level: func.AuthLevel, presented: str | None) -> bool:
        """Whether a request presenting `presented` may call a function of `level`."""
        if level is func.AuthLevel.ANONYMOUS:
            return True
        if not presented:
            return False
        if _same(presented, self.master_key):
            return True
        return level is func.AuthLevel.FUNCTION and _same(presented, self.function_key)


def keys_from_environment(environ: Mapping[str, str] | None = None) -> tuple[HostKeys, bool]:
    """Keys from the environment, generating what is missing; True when any was generated."""
    source = os.environ if environ is None else environ
    function_key = source.get(FUNCTION_KEY_SETTING) or ""
    master_key = source.get(MASTER_KEY_SETTING) or ""
    keys = HostKeys(function_key or generate_key(), master_key or generate_key())
    return keys, not (function_key and master_key)


def write_keys_file(keys: HostKeys, path: Path = KEYS_FILE) -> Path:
    """Write the keys as JSON readable by the owner only (0600), replacing an older file."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(
            {"functionKey": keys.function_key, "masterKey": keys.master_key}, handle, indent=2
        )
        handle.write("\n")
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)
    return path
