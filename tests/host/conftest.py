"""Fixtures of the local host tests: the sample app, its settings, a bus and a running host."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from hub.host import LocalHost
from shared.ports import OutgoingMessage, ReceivedMessage
from tests.fakes.bus import InMemoryBus
from tests.host import sample_app

FUNCTION_KEY = "function-key-for-tests"
MASTER_KEY = "master-key-for-tests"


class SerializedBus:
    """InMemoryBus behind one lock: the host calls the bus from its poller and worker threads."""

    def __init__(self, inner: InMemoryBus) -> None:
        self.inner = inner
        self._lock = threading.Lock()

    def send(self, queue: str, messages: Sequence[OutgoingMessage]) -> int:
        with self._lock:
            return self.inner.send(queue, messages)

    def receive(
        self, queue: str, *, max_messages: int = 32, lock_seconds: int = 60
    ) -> list[ReceivedMessage]:
        with self._lock:
            return self.inner.receive(queue, max_messages=max_messages, lock_seconds=lock_seconds)

    def complete(self, message: ReceivedMessage) -> None:
        with self._lock:
            self.inner.complete(message)

    def abandon(self, message: ReceivedMessage, *, error: str) -> None:
        with self._lock:
            self.inner.abandon(message, error=error)

    def dead_letter(self, message: ReceivedMessage, *, reason: str, description: str) -> None:
        with self._lock:
            self.inner.dead_letter(message, reason=reason, description=description)

    def peek_dead_letters(self, queue: str, *, max_messages: int = 32) -> list[ReceivedMessage]:
        with self._lock:
            return self.inner.peek_dead_letters(queue, max_messages=max_messages)

    def pending(self, queue: str) -> int:
        with self._lock:
            return len(self.inner.queues.get(queue, ()))


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
def bus() -> SerializedBus:
    return SerializedBus(InMemoryBus(max_delivery_count=3))


@pytest.fixture
def make_host(bus: SerializedBus) -> Iterator[Callable[..., LocalHost]]:
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
        bus=SerializedBus(InMemoryBus()),
        timers=False,
        settings_lookup=settings_lookup(),
        function_key=FUNCTION_KEY,
        master_key=MASTER_KEY,
    )
    with host:
        yield host
