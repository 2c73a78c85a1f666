"""Service protection API limits, enforced per user as api-limits documents them.

- three measures per user (the token's `oid`) over a sliding window of 300 seconds:
  6,000 requests, 1,200 seconds of combined execution time, 52 concurrent requests,
- past a limit a request is answered 429 with `Retry-After` (whole seconds) and the
  documented error: `0x80072322` "Number of requests exceeded the limit of 6000 over time
  window of 300 seconds.", `0x80072321` "Combined execution time of incoming requests
  exceeded limit of 1,200,000 milliseconds over time window of 300 seconds. ...",
  `0x80072326` "Number of concurrent requests exceeded the limit of 52.",
- the request and time limits are evaluated on what already ran, so the request that goes
  over a limit still runs and the ones after it are refused until the window has room;
  the concurrency limit refuses at once,
- a `$batch` is one request but its whole execution time counts, refused requests count
  for nothing, and users are limited independently,
- every answer carries `x-ms-ratelimit-burst-remaining-xrm-requests` and
  `x-ms-ratelimit-time-remaining-xrm-requests` (for debugging, as documented).

The numbers are the documented defaults; tests and benchmarks tighten them in-process
(`simulator.limits.configure(requests=5, window_seconds=2)`) or over HTTP
(`POST /_sandbox/limits` with the same names, `GET` to read, `DELETE` to restore the
defaults and forget every window).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sandbox.dataverse import errors
from sandbox.limits import SlidingWindow, retry_after
from sandbox.server import ServiceError


class LimitSettings(BaseModel):
    """The limits per user (per web server) and their window."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    requests: int = Field(6000, ge=1, description="Requests per window (0x80072322).")
    execution_seconds: float = Field(
        1200.0, gt=0, description="Combined execution time per window (0x80072321)."
    )
    concurrent: int = Field(52, ge=1, description="Requests in flight at once (0x80072326).")
    window_seconds: float = Field(300.0, gt=0, description="Length of the sliding window.")


class LimitRequest(BaseModel):
    """Body of `POST /_sandbox/limits`: the settings to change."""

    model_config = ConfigDict(extra="forbid")

    requests: int | None = Field(None, ge=1)
    execution_seconds: float | None = Field(None, gt=0)
    concurrent: int | None = Field(None, ge=1)
    window_seconds: float | None = Field(None, gt=0)


@dataclass
class _User:
    started: SlidingWindow = field(default_factory=SlidingWindow)  # one per request started
    finished: SlidingWindow = field(default_factory=SlidingWindow)  # duration at its end
    in_flight: int = 0


class ServiceProtection:
    """Admits or refuses each request of a user. Thread-safe."""

    def __init__(
        self, settings: LimitSettings | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._lock = threading.Lock()
        self._settings = settings or LimitSettings()
        self._clock = clock
        self._users: dict[str, _User] = {}
        self.refused = 0

    @property
    def settings(self) -> LimitSettings:
        return self._settings

    def configure(self, **changes: Any) -> LimitSettings:
        """Change some limits (names as in LimitSettings). Raises pydantic.ValidationError."""
        with self._lock:
            merged = {**self._settings.model_dump(), **changes}
            self._settings = LimitSettings.model_validate(merged)
            return self._settings

    def reset(self) -> None:
        """The documented defaults, and no user has used anything."""
        with self._lock:
            self._settings = LimitSettings()
            self._users.clear()
            self.refused = 0

    def enter(self, user: str) -> float:
        """Admit a request (answer its start time). Raises ServiceError 429 when refused."""
        with self._lock:
            now, limits = self._clock(), self._settings
            state = self._users.setdefault(user, _User())
            self._expire(state, now)
            failure = self._refusal(state, now)
            if failure is not None:
                self.refused += 1
                raise failure
            state.started.add(now)
            state.in_flight += 1
            del limits
            return now

    def leave(self, user: str, started: float) -> dict[str, str]:
        """Record a finished request; answers the rate-limit headers."""
        with self._lock:
            now = self._clock()
            state = self._users.setdefault(user, _User())
            state.in_flight = max(0, state.in_flight - 1)
            state.finished.add(now, now - started)
            self._expire(state, now)
            used = state.finished.total()
            remaining_ms = max(0.0, self._settings.execution_seconds - used) * 1000
            return {
                "x-ms-ratelimit-burst-remaining-xrm-requests": str(
                    max(0, self._settings.requests - len(state.started))
                ),
                "x-ms-ratelimit-time-remaining-xrm-requests": f"{remaining_ms:.2f}",
            }

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {"settings": self._settings.model_dump(), "refused": self.refused}

    # --- internals --------------------------------------------------------------------
    def _expire(self, state: _User, now: float) -> None:
        state.started.expire(now, self._settings.window_seconds)
        state.finished.expire(now, self._settings.window_seconds)

    def _refusal(self, state: _User, now: float) -> ServiceError | None:
        limits = self._settings
        window = limits.window_seconds
        if state.in_flight >= limits.concurrent:
            return _throttled(
                "0x80072326",
                f"Number of concurrent requests exceeded the limit of {limits.concurrent}.",
                1,
            )
        if len(state.started) >= limits.requests:
            return _throttled(
                "0x80072322",
                f"Number of requests exceeded the limit of {limits.requests} over time window of {window:g} seconds.",
                state.started.wait_below(limits.requests, now, window),
            )
        if state.finished.total() > limits.execution_seconds:
            return _throttled(
                "0x80072321",
                f"Combined execution time of incoming requests exceeded limit of "
                f"{limits.execution_seconds * 1000:,.0f} milliseconds over time window of "
                f"{window:g} seconds. Decrease number of concurrent requests or reduce the "
                "duration of requests and try again later.",
                state.finished.wait_below(limits.execution_seconds, now, window),
            )
        return None


def _throttled(code: str, message: str, wait: float) -> ServiceError:
    failure = errors.error(429, code, message)
    failure.headers["Retry-After"] = retry_after(wait)
    return failure
