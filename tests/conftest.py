"""Session fixtures: one fresh Azurite and one sandbox per test session, started on free ports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.azurite import Azurite, AzuriteError, start_azurite


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    try:
        instance = start_azurite()
    except AzuriteError as exc:
        pytest.fail(f"cannot start Azurite for the tests: {exc}", pytrace=False)
    yield instance
    instance.stop()


# The sandbox simulators on free ports, once per session (`sandbox` resets faults per test).
from sandbox.testing import running_sandbox, sandbox  # noqa: E402, F401
