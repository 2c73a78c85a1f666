"""Settings as the local host sees them: `local.settings.json`, `host.json` and `%NAME%` references.

Like Azure Functions Core Tools, `local.settings.json` `Values` are copied into the process
environment at start without overriding variables already set, so the app reads them through
`shared.config` as it reads app settings in Azure. Binding expressions such as
`schedule="%ECPPRO_REFRESH_SCHEDULE%"` are resolved from a lookup (environment first, then the
file), because the Functions library leaves them for the host to resolve.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.host_errors import SettingsError

SettingsLookup = Callable[[str], str | None]

LOCAL_SETTINGS_FILE = "local.settings.json"
HOST_JSON_FILE = "host.json"
_REFERENCE = re.compile(r"%([^%\s]+)%")


@dataclass(frozen=True)
class LocalSettings:
    """The parts of `local.settings.json` the host uses."""

    values: dict[str, str] = field(default_factory=dict)
    local_http_port: int | None = None


@dataclass(frozen=True)
class HostOptions:
    """The parts of `host.json` the local host honours."""

    route_prefix: str = "api"
    max_concurrent_calls: int = 8


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SettingsError(f"cannot read {path.name}: {exc}") from exc
    if not isinstance(data, dict):
        raise SettingsError(f"{path.name} must hold a JSON object")
    return data


def read_local_settings(path: Path) -> LocalSettings:
    """Read `local.settings.json`; a missing file gives empty settings.

    Raises SettingsError when the file is unreadable, encrypted or not shaped like the
    Core Tools file.
    """
    if not path.exists():
        return LocalSettings()
    data = _read_json(path)
    if data.get("IsEncrypted"):
        raise SettingsError(f"{path.name} is encrypted; the local host reads plain values only")
    values = data.get("Values") or {}
    if not isinstance(values, dict):
        raise SettingsError(f"'Values' in {path.name} must be an object of strings")
    port = (data.get("Host") or {}).get("LocalHttpPort")
    return LocalSettings(
        values={str(key): str(value) for key, value in values.items() if value is not None},
        local_http_port=int(port) if port else None,
    )


def apply_local_settings(
    settings: LocalSettings, environ: MutableMapping[str, str] | None = None
) -> list[str]:
    """Copy `Values` into the environment without overriding what is set; returns the names set."""
    target = os.environ if environ is None else environ
    applied = [name for name in settings.values if name not in target]
    for name in applied:
        target[name] = settings.values[name]
    return applied


def read_host_options(path: Path) -> HostOptions:
    """Read the HTTP route prefix and Service Bus concurrency from `host.json` (defaults if absent)."""
    if not path.exists():
        return HostOptions()
    extensions = _read_json(path).get("extensions") or {}
    prefix = (extensions.get("http") or {}).get("routePrefix", "api")
    calls = (extensions.get("serviceBus") or {}).get("maxConcurrentCalls", 8)
    return HostOptions(route_prefix=str(prefix).strip("/"), max_concurrent_calls=int(calls))


def make_settings_lookup(
    file_values: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> SettingsLookup:
    """A lookup reading the environment first, then the `local.settings.json` values given."""
    values = dict(file_values or {})

    def lookup(name: str) -> str | None:
        source = os.environ if environ is None else environ
        found = source.get(name)
        return found if found is not None else values.get(name)

    return lookup


def default_settings_lookup(root: Path | None = None) -> SettingsLookup:
    """Environment, then `local.settings.json` in `root` (the working directory by default)."""
    path = (root or Path.cwd()) / LOCAL_SETTINGS_FILE
    return make_settings_lookup(read_local_settings(path).values)


def resolve_references(text: str, lookup: SettingsLookup, *, where: str) -> str:
    """Replace every `%NAME%` in a binding expression with the setting's value.

    Raises SettingsError naming `where` and the setting when a setting is missing.
    """

    def replace(match: re.Match[str]) -> str:
        value = lookup(match.group(1))
        if value is None:
            raise SettingsError(
                f"{where}: setting '{match.group(1)}' referenced as '%{match.group(1)}%' is not "
                "set (environment or local.settings.json Values; see local.settings.example.json)"
            )
        return value

    return _REFERENCE.sub(replace, text)
