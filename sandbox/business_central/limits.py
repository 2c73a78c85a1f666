"""OData request limits per user, as operational-limits-online documents them for BC online.

What the page's "OData request limits (per user)" table says, and what is enforced here
for each user (the token's `oid`, or its `appid` when it has none; application users get
no special treatment, as the page's FAQ says):

- Speed (rate): 6,000 requests submitted within a 5-minute sliding window; past it 429,
- Max concurrent requests: 5 processed at once; the rest wait in a queue until a slot
  frees, first come first served; a request still waiting after the operation timeout
  (8 minutes) is answered 503 "Service Temporarily Unavailable",
- Max connections: 100 requests processed plus queued; the one past it is answered 429 at
  once; Max request queue size: 95 waiting; the one past it is answered 429 at once,
- a `$batch` is one request (api-reference/v2.0/dynamics-rate-limits: batching performs
  many operations "in one call. Instead of issuing multiple requests, one request can be
  issued"); refused requests (429, and a 503 from the queue, which never ran) count for
  nothing; users are limited independently.

Where the documentation is silent (BC_SIMULATOR.md lists the choices):

- the pages name no error body: every 429 is `Application_TooManyRequests` "Too many
  requests reached.  Actual (n).  Maximum (m)." (what BC is seen answering at its
  connection limit, the injected faults' 429; the rate limit uses the same form with the
  window's numbers); the 503 is the injected faults' `Unavailable`,
- every refusal carries `Retry-After` in whole seconds: for the rate limit, the time until
  the window has room again (rounded up); for connections, the queue and the queue timeout,
  1 second (a slot frees whenever any request finishes). BC's docs do not promise the
  header on 429 (include-http-status-error-codes says it comes with 503), so clients must
  cope without it; the limits are checked in that order: connections, queue, rate.

The numbers are the documented defaults; tests tighten them in-process
(`business_central.limits.configure(requests=5, window_seconds=2)`) or over HTTP
(`POST /_sandbox/limits` with the same names, `GET` to read them with the refusals so far
and each user's requests in the window, processing and queued, `DELETE` to restore the
defaults and forget every window).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sandbox.business_central.dialect import bc_error
from sandbox.limits import SlidingWindow, retry_after
from sandbox.server import ServiceError

OPERATION_TIMEOUT_SECONDS = 8 * 60.0


class LimitSettings(BaseModel):
    """The OData limits per user and their window."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    requests: int = Field(6000, ge=1, description="Requests submitted per window (Speed).")
    window_seconds: float = Field(300.0, gt=0, description="Length of the sliding window.")
    concurrent: int = Field(5, ge=1, description="Requests processed at once; the rest queue.")
    connections: int = Field(100, ge=1, description="Requests processed plus queued.")
    queued: int = Field(95, ge=0, description="Requests waiting in the queue.")
    queue_timeout_seconds: float = Field(
        OPERATION_TIMEOUT_SECONDS, gt=0, description="Longest wait in the queue (then 503)."
    )


class LimitRequest(BaseModel):
    """Body of `POST /_sandbox/limits`: the settings to change."""

    model_config = ConfigDict(extra="forbid")

    requests: int | None = Field(None, ge=1)
    window_seconds: float | None = Field(None, gt=0)
    concurrent: int | None = Field(None, ge=1)
    connections: int | None = Field(None, ge=1)
    queued: int | None = Field(None, ge=0)
    queue_timeout_seconds: float | None = Field(None, gt=0)


@dataclass(eq=False)
class _Waiter:
    """A queued request: `turn` is set when a processing slot is handed to it."""

    submitted: float
    turn: threading.Event = field(default_factory=threading.Event)


@dataclass(eq=False)
class _User:
    window: SlidingWindow = field(default_factory=SlidingWindow)
    processing: int = 0
    waiting: deque[_Waiter] = field(default_factory=deque)


@dataclass(frozen=True, eq=False)
class Slot:
    """A processing slot held by one admitted request; give it back with `leave`."""

    user: _User


class OperationalLimits:
    """Admits, queues or refuses each request of a user. Thread-safe."""

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
            for state in self._users.values():  # more slots may let waiting requests in
                self._hand_over(state)
            return self._settings

    def reset(self) -> None:
        """The documented defaults, and no user has used anything; waiting requests go on."""
        with self._lock:
            for state in self._users.values():
                while state.waiting:
                    state.waiting.popleft().turn.set()
            self._settings = LimitSettings()
            self._users.clear()
            self.refused = 0

    def enter(self, user: str) -> Slot:
        """Admit a request, waiting in the user's queue when all slots are taken.

        Raises ServiceError: 429 past the rate, connection or queue limit, 503 when the
        request waited longer than the queue timeout.
        """
        with self._lock:
            now, state = self._clock(), self._users.setdefault(user, _User())
            state.window.expire(now, self._settings.window_seconds)
            failure = self._refusal(state, now)
            if failure is not None:
                self.refused += 1
                raise failure
            state.window.add(now)
            if state.processing < self._settings.concurrent and not state.waiting:
                state.processing += 1
                return Slot(state)
            waiter = _Waiter(now)
            state.waiting.append(waiter)
            timeout = self._settings.queue_timeout_seconds
        if not waiter.turn.wait(timeout):
            self._give_up(state, waiter)
        return Slot(state)

    def leave(self, slot: Slot) -> None:
        """The request holding `slot` finished: its slot goes to the first waiting request."""
        with self._lock:
            slot.user.processing = max(0, slot.user.processing - 1)
            self._hand_over(slot.user)

    def describe(self) -> dict[str, Any]:
        """Settings, refusals so far, and per user: requests in the window, processing, queued."""
        with self._lock:
            now, users = self._clock(), {}
            for user, state in self._users.items():
                state.window.expire(now, self._settings.window_seconds)
                users[user] = {"requests": len(state.window), "processing": state.processing,
                               "queued": len(state.waiting)}  # fmt: skip
            return {"settings": self._settings.model_dump(), "refused": self.refused,
                    "users": users}  # fmt: skip

    # --- internals --------------------------------------------------------------------
    def _refusal(self, state: _User, now: float) -> ServiceError | None:
        limits = self._settings
        connections = state.processing + len(state.waiting)
        would_wait = state.processing >= limits.concurrent or bool(state.waiting)
        if connections >= limits.connections:
            return _with_retry_after(too_many_requests(connections + 1, limits.connections))
        if would_wait and len(state.waiting) >= limits.queued:
            return _with_retry_after(too_many_requests(len(state.waiting) + 1, limits.queued))
        if len(state.window) >= limits.requests:
            wait = state.window.wait_below(limits.requests, now, limits.window_seconds)
            return _with_retry_after(
                too_many_requests(len(state.window) + 1, limits.requests), wait
            )
        return None

    def _hand_over(self, state: _User) -> None:
        """Give free slots to waiting requests, oldest first (the caller holds the lock)."""
        while state.waiting and state.processing < self._settings.concurrent:
            state.processing += 1
            state.waiting.popleft().turn.set()

    def _give_up(self, state: _User, waiter: _Waiter) -> None:
        """A waiter's time ran out: 503, unless a slot reached it meanwhile."""
        with self._lock:
            if waiter.turn.is_set():
                return
            state.waiting.remove(waiter)
            state.window.discard(waiter.submitted)  # it never ran
            self.refused += 1
        raise _with_retry_after(unavailable())


def too_many_requests(actual: int, maximum: int) -> ServiceError:
    """BC's 429 for a limit of `maximum` reached by the `actual`-th request (no Retry-After:
    the injected faults decide theirs)."""
    return bc_error(
        429,
        "Application_TooManyRequests",
        f"Too many requests reached.  Actual ({actual}).  Maximum ({maximum}).",
    )


def unavailable(status: int = 503) -> ServiceError:
    """BC's answer when it cannot serve a request now (503 unless told otherwise)."""
    return bc_error(
        status, "Unavailable", "The service is temporarily unavailable. Please try again."
    )


def _with_retry_after(failure: ServiceError, wait: float = 1.0) -> ServiceError:
    failure.headers["Retry-After"] = retry_after(wait)
    return failure
