"""End-to-end fixture: function_app.py in the local host, on Azurite and the sandbox."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from hub.azurite import Azurite
from hub.demo.environment import DEMO_INVOICE_SETTINGS
from hub.host import LocalHost
from sandbox.run import RunningSandbox
from shared import bootstrap
from shared.config import Settings

_prefixes = itertools.count()


@pytest.fixture
def host_settings() -> dict[str, str]:
    """Settings a test module adds to the host's (override the fixture in the module)."""
    return {}


@pytest.fixture
def host(
    azurite: Azurite,
    sandbox: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    host_settings: dict[str, str],
) -> Iterator[LocalHost]:
    """A started host with fresh staging tables (own prefix); keys 'fk' and 'mk'."""
    values = {
        **sandbox.client_settings(),
        **DEMO_INVOICE_SETTINGS,
        "HUB_STORAGE_CONNECTION": azurite.connection_string,
        "HUB_BUS_KIND": "storagequeue",
        "HUB_TABLE_PREFIX": f"e2e{next(_prefixes)}",
        "ECPPRO_REFRESH_SCHEDULE": "0 0 */4 * * *",
        "ECPPRO_POST_SALES_DOCUMENTS": "false",
        **host_settings,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    bus = bootstrap.build_bus(settings)
    deps = bootstrap.build_deps(settings, bus=bus)
    with (
        bootstrap.override(deps),
        LocalHost(
            "function_app", bus=bus, timers=False, function_key="fk", master_key="mk"
        ) as running,
    ):
        yield running
