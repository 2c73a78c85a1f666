"""Adapter tests talk to the sandbox simulators over real HTTP on loopback."""

from __future__ import annotations

import pytest

from sandbox.run import RunningSandbox
from shared.config import Settings


@pytest.fixture
def sandbox_settings(sandbox: RunningSandbox) -> Settings:
    """Hub settings pointing at the session's sandbox (storage is not used by these tests)."""
    values = {
        **sandbox.client_settings(),
        "HUB_STORAGE_CONNECTION": "UseDevelopmentStorage=true",
        "HTTP_MAX_ATTEMPTS": "4",
        "HTTP_RETRY_BUDGET_SECONDS": "10",
    }
    return Settings.model_validate(values)
