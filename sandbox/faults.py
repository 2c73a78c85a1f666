"""Fault injection for the simulators: throttling, outages and slowness on demand.

Clients must be proven against the failures the real services produce, not only the happy
path. Each simulator owns one `FaultInjector`; it can:

- answer 429 Too Many Requests with a `Retry-After` header in seconds, at random with a
  given probability (Dataverse always sends the header; BC does not promise it, so
  `retry_after_seconds=None` leaves it out),
- answer 503 Service Unavailable at random with a given probability,
- add a fixed delay to every request,
- fail the next N requests with a chosen status (and `Retry-After`), first in first out,
  for tests that need exact sequences,
- cut the answer of a write (POST, PATCH, PUT, DELETE) after the simulator carried it out:
  the connection closes with no answer, as when a network drops between service and
  client. At random (`cut_answer_probability`, its own seeded draw, so 429/503 sequences
  do not shift) or for the next N writes (`cut_next`).

Random decisions come from `random.Random(seed)`, so the same seed and the same request
order give the same faults. Settings change in-process (`configure`, `fail_next`,
`reset`) or over HTTP (`POST /_sandbox/faults` with the same field names, `DELETE` to
reset, `GET` to read), handled by `sandbox.server`.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FaultSettings(BaseModel):
    """Random faults and delay applied to every request of one simulator."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    throttle_probability: float = Field(0.0, ge=0.0, le=1.0, description="Chance of a 429.")
    retry_after_seconds: int | None = Field(
        1, ge=0, le=3600, description="Retry-After sent with random 429s; None sends none."
    )
    unavailable_probability: float = Field(0.0, ge=0.0, le=1.0, description="Chance of a 503.")
    delay_ms: int = Field(0, ge=0, le=60_000, description="Added to every request.")
    cut_answer_probability: float = Field(
        0.0, ge=0.0, le=1.0, description="Chance that a write is done but its answer is lost."
    )
    seed: int = Field(0, description="Seed of the random decisions; setting it restarts them.")


class FailNext(BaseModel):
    """Fail the next `count` requests with `status` (and `Retry-After` when given)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    count: int = Field(ge=1, le=10_000)
    status: int = Field(503, ge=400, le=599)
    retry_after: int | None = Field(None, ge=0, le=3600)


class FaultRequest(BaseModel):
    """Body of `POST /_sandbox/faults`: settings to change and/or failures to queue."""

    model_config = ConfigDict(extra="forbid")

    throttle_probability: float | None = Field(None, ge=0.0, le=1.0)
    retry_after_seconds: int | None = Field(None, ge=0, le=3600)
    unavailable_probability: float | None = Field(None, ge=0.0, le=1.0)
    delay_ms: int | None = Field(None, ge=0, le=60_000)
    cut_answer_probability: float | None = Field(None, ge=0.0, le=1.0)
    seed: int | None = None
    fail_next: FailNext | None = None
    cut_next: int | None = Field(None, ge=1, le=10_000)


@dataclass(frozen=True)
class Fault:
    """A failure to answer instead of the real response."""

    status: int
    retry_after: int | None = None


class FaultInjector:
    """Decides, per request, whether to delay and whether to fail. Thread-safe."""

    def __init__(self, settings: FaultSettings | None = None) -> None:
        self._lock = threading.Lock()
        self._settings = settings or FaultSettings()
        self._random = random.Random(self._settings.seed)
        self._cut_random = random.Random(_cut_seed(self._settings.seed))
        self._queue: deque[Fault] = deque()
        self._cuts_queued = self._cuts_skipped = 0
        self.injected = 0
        self.cut = 0

    @property
    def settings(self) -> FaultSettings:
        return self._settings

    def configure(self, **changes: Any) -> FaultSettings:
        """Change some settings (names as in `FaultSettings`); the rest stay.

        Raises pydantic.ValidationError on an unknown name or a value out of range.
        """
        with self._lock:
            merged = {**self._settings.model_dump(), **changes}
            self._settings = FaultSettings.model_validate(merged)
            if "seed" in changes:
                self._random = random.Random(self._settings.seed)
                self._cut_random = random.Random(_cut_seed(self._settings.seed))
            return self._settings

    def fail_next(self, count: int, status: int = 503, retry_after: int | None = None) -> None:
        """Queue `count` failures with `status`, answered before any random fault."""
        order = FailNext(count=count, status=status, retry_after=retry_after)
        with self._lock:
            self._queue.extend(Fault(order.status, order.retry_after) for _ in range(order.count))

    def cut_next(self, count: int, *, after: int = 0) -> None:
        """Cut the answers of `count` writes (carried out all the same), after letting
        `after` writes through untouched."""
        with self._lock:
            self._cuts_queued += count
            self._cuts_skipped = after

    def cut_answer(self) -> bool:
        """Whether to drop the answer of the write being served (it is done all the same)."""
        with self._lock:
            if self._cuts_queued and self._cuts_skipped:
                self._cuts_skipped -= 1
                cut = False
            elif self._cuts_queued:
                self._cuts_queued -= 1
                cut = True
            else:
                cut = self._cut_random.random() < self._settings.cut_answer_probability
            self.cut += cut
            return cut

    def apply(self, request: FaultRequest) -> None:
        """Apply a `POST /_sandbox/faults` body."""
        changes = request.model_dump(exclude_unset=True, exclude={"fail_next", "cut_next"})
        if changes:
            self.configure(**changes)
        if request.fail_next is not None:
            order = request.fail_next
            self.fail_next(order.count, order.status, order.retry_after)
        if request.cut_next is not None:
            self.cut_next(request.cut_next)

    def reset(self) -> None:
        """Back to no faults, no delay, seed 0, empty queue."""
        with self._lock:
            self._settings = FaultSettings()
            self._random = random.Random(0)
            self._cut_random = random.Random(_cut_seed(0))
            self._queue.clear()
            self._cuts_queued = self._cuts_skipped = 0
            self.injected = self.cut = 0

    def decide(self) -> tuple[float, Fault | None]:
        """Delay in seconds for this request and the fault to answer, if any."""
        with self._lock:
            delay = self._settings.delay_ms / 1000
            fault = self._draw()
            if fault is not None:
                self.injected += 1
            return delay, fault

    def _draw(self) -> Fault | None:
        if self._queue:
            return self._queue.popleft()
        settings = self._settings
        # Both draws happen on every request so one probability does not shift the other's
        # sequence: the same seed gives the same 429s whatever the 503 rate is.
        throttle = self._random.random() < settings.throttle_probability
        unavailable = self._random.random() < settings.unavailable_probability
        if throttle:
            return Fault(429, settings.retry_after_seconds)
        if unavailable:
            return Fault(503, None)
        return None

    def describe(self) -> dict[str, Any]:
        """Current settings, queued failures and the count injected so far (for GET)."""
        with self._lock:
            return {
                "settings": self._settings.model_dump(),
                "queued": [{"status": f.status, "retry_after": f.retry_after} for f in self._queue],
                "injected": self.injected,
                "cutQueued": self._cuts_queued,
                "cut": self.cut,
            }


def _cut_seed(seed: int) -> int:
    """The cuts' own seed, derived from the settings' seed."""
    return seed * 7919 + 104729
