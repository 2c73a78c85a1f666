"""local.settings.json, host.json and `%NAME%` references, as Core Tools applies them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.host_errors import SettingsError
from hub.host_settings import (
    HostOptions,
    apply_local_settings,
    make_settings_lookup,
    read_host_options,
    read_local_settings,
    resolve_references,
)


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_values_are_applied_without_overriding_the_environment(tmp_path: Path) -> None:
    path = write(
        tmp_path / "local.settings.json",
        {
            "IsEncrypted": False,
            "Values": {"A": "from-file", "B": "from-file"},
            "Host": {"LocalHttpPort": 7080},
        },
    )
    settings = read_local_settings(path)
    environ = {"A": "from-env"}
    assert apply_local_settings(settings, environ) == ["B"]
    assert environ == {"A": "from-env", "B": "from-file"}
    assert settings.local_http_port == 7080


def test_missing_file_gives_empty_settings(tmp_path: Path) -> None:
    settings = read_local_settings(tmp_path / "local.settings.json")
    assert settings.values == {} and settings.local_http_port is None


def test_encrypted_or_malformed_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="encrypted"):
        read_local_settings(write(tmp_path / "a.json", {"IsEncrypted": True, "Values": {}}))
    (tmp_path / "b.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"cannot read b\.json"):
        read_local_settings(tmp_path / "b.json")


def test_lookup_reads_environment_first_then_file_values() -> None:
    lookup = make_settings_lookup({"A": "file", "B": "file"}, environ={"A": "env"})
    assert (lookup("A"), lookup("B"), lookup("C")) == ("env", "file", None)


def test_references_are_resolved_anywhere_in_a_value() -> None:
    lookup = {"ENV": "dev", "SCHEDULE": "0 */5 * * * *"}.get
    assert resolve_references("%SCHEDULE%", lookup, where="f") == "0 */5 * * * *"
    assert resolve_references("%ENV%-orders-%ENV%", lookup, where="f") == "dev-orders-dev"
    assert resolve_references("no reference", lookup, where="f") == "no reference"
    with pytest.raises(SettingsError, match="function 'f': setting 'NOPE'"):
        resolve_references("%NOPE%", lookup, where="function 'f'")


def test_host_json_route_prefix_and_concurrency(tmp_path: Path) -> None:
    assert read_host_options(tmp_path / "host.json") == HostOptions("api", 8)
    path = write(
        tmp_path / "host.json",
        {"extensions": {"http": {"routePrefix": "/v1/"}, "serviceBus": {"maxConcurrentCalls": 3}}},
    )
    assert read_host_options(path) == HostOptions("v1", 3)
