"""Host keys: which key opens which auth level, and how generated keys are stored."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import azure.functions as func
import pytest

from hub.host_keys import HostKeys, keys_from_environment, write_keys_file

KEYS = HostKeys(function_key="fk", master_key="mk")
A, F, M = func.AuthLevel.ANONYMOUS, func.AuthLevel.FUNCTION, func.AuthLevel.ADMIN


@pytest.mark.parametrize(
    ("level", "presented", "allowed"),
    [
        (A, None, True),
        (A, "wrong", True),
        (F, "fk", True),
        (F, "mk", True),
        (F, None, False),
        (F, "", False),
        (F, "wrong", False),
        (M, "mk", True),
        (M, "fk", False),
        (M, None, False),
    ],
)
def test_auth_levels(level: func.AuthLevel, presented: str | None, allowed: bool) -> None:
    assert KEYS.allows(level, presented) is allowed


def test_keys_never_show_in_repr() -> None:
    assert "fk" not in repr(KEYS) and "mk" not in repr(KEYS)


def test_keys_come_from_the_environment_or_are_generated() -> None:
    keys, generated = keys_from_environment(
        {"HUB_LOCAL_FUNCTION_KEY": "f1", "HUB_LOCAL_MASTER_KEY": "m1"}
    )
    assert (keys, generated) == (HostKeys("f1", "m1"), False)
    keys, generated = keys_from_environment({"HUB_LOCAL_FUNCTION_KEY": "f1"})
    assert generated and keys.function_key == "f1" and len(keys.master_key) >= 32
    other, _ = keys_from_environment({})
    assert other.master_key != keys.master_key


def test_keys_file_is_owner_only_and_replaced(tmp_path: Path) -> None:
    path = tmp_path / ".hub" / "host-keys.json"
    write_keys_file(HostKeys("f1", "m1"), path)
    path.chmod(0o644)
    write_keys_file(KEYS, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {"functionKey": "fk", "masterKey": "mk"}
    assert [p.name for p in path.parent.iterdir()] == ["host-keys.json"]
