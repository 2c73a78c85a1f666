"""Fixtures of the local host tests: the sample app, its settings, a bus and a running host."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hub.host import LocalHost
from tests.fakes.bus import InMemoryBus
from tests.host import sample_app

FUNCTION_KEY = "function-key-for-tests"
MASTER_KEY = "master-key-for-tests"


def eventually(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll `predicate` until it holds (True) or `timeout` passes (False)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def settings_lookup(**overrides: str) -> Callable[[str], str | None]:
    return {**sample_app.SETTINGS, **overrides}.get


@pytest.fixture
def calls() -> Iterator[sample_app.Recorder]:
    sample_app.calls.reset()
    yield sample_app.calls
    sample_app.calls.reset()


@pytest.fixture
def bus() -> InMemoryBus:
    return InMemoryBus(max_delivery_count=3)


@pytest.fixture
def make_host(bus: InMemoryBus) -> Iterator[Callable[..., LocalHost]]:
    """Build sample-app hosts (timers off unless asked); every one is stopped at the end."""
    hosts: list[LocalHost] = []

    def make(**options: Any) -> LocalHost:
        options.setdefault("bus", bus)
        options.setdefault("timers", False)
        options.setdefault("settings_lookup", settings_lookup())
        host = LocalHost(sample_app, function_key=FUNCTION_KEY, master_key=MASTER_KEY, **options)
        hosts.append(host)
        return host

    yield make
    for host in hosts:
        host.stop()


@pytest.fixture(scope="module")
def http_host() -> Iterator[LocalHost]:
    """One running sample-app host for the HTTP tests of a module."""
    host = LocalHost(
        sample_app,
        bus=InMemoryBus(),
        timers=False,
        settings_lookup=settings_lookup(),
        function_key=FUNCTION_KEY,
        master_key=MASTER_KEY,
    )
    with host:
        yield host
