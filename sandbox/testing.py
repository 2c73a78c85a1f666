"""Pytest fixtures for suites that test against the sandbox.

A conftest makes them available by importing them:

    from sandbox.testing import running_sandbox, sandbox  # noqa: F401

`running_sandbox` starts all four simulators once per test session on free ports, with
the CA and settings in a temporary directory; `sandbox` hands the same instance to one
test and afterwards clears every fault and restores the EcpPro credentials, so a
failing test cannot leak 429s or 401s into the next one. Tests share the simulators' state: create records with
unique values rather than assume the seed is untouched.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.run import RunningSandbox, SandboxConfig, start_sandbox
from sandbox.server import SandboxError


@pytest.fixture(scope="session")
def running_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """All four simulators on free loopback ports for the whole session."""
    config = SandboxConfig(state_dir=tmp_path_factory.mktemp("sandbox")).on_free_ports()
    try:
        instance = start_sandbox(config)
    except SandboxError as exc:
        pytest.fail(f"cannot start the sandbox for the tests: {exc}", pytrace=False)
    with instance:
        yield instance


@pytest.fixture
def sandbox(running_sandbox: RunningSandbox) -> Iterator[RunningSandbox]:
    """The session's sandbox; faults and EcpPro credentials are reset after the test."""
    yield running_sandbox
    running_sandbox.reset_faults()
    config = running_sandbox.config
    running_sandbox.ecppro.set_credentials(config.ecppro_customer_id, config.ecppro_secret_key)
