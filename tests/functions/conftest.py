"""Function-level tests call the decorated functions with hand-built trigger inputs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from shared import bootstrap
from shared.flows.deps import Deps
from tests.fakes.bus import InMemoryBus
from tests.fakes.business_central import FakeBusinessCentral
from tests.fakes.ecppro import FakeEcpPro
from tests.fakes.store import InMemoryStagingStore


def _index() -> dict[str, Callable[..., Any]]:
    import function_app

    functions = function_app.app.get_functions()
    function_app.app.functions_bindings = None  # get_functions() may be called again later
    return {f.get_function_name(): f.get_user_function() for f in functions}


@pytest.fixture(scope="session")
def user_functions() -> dict[str, Callable[..., Any]]:
    return _index()


@pytest.fixture
def fake_deps() -> Iterator[Deps]:
    source = FakeEcpPro(
        {
            "licenses": [
                {
                    "id": "l1",
                    "tenantId": "t1",
                    "displayName": "Microsoft 365 E3",
                    "code": "SPE_E3",
                    "prepaidUnits": 10,
                    "consumedUnits": 7,
                    "availableUnits": 3,
                    "percentageUsed": 70.0,
                    "isFree": False,
                }
            ]
        }
    )
    deps = Deps(
        store=InMemoryStagingStore(),
        bus=InMemoryBus(),
        ecppro=source,
        bc=FakeBusinessCentral(),
        clock=lambda: datetime(2026, 6, 1, 9, 30, tzinfo=UTC),
    )
    with bootstrap.override(deps):
        yield deps
