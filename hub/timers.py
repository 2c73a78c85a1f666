"""Timer triggers: fire each timer function on its NCRONTAB schedule.

One thread per timer waits for the next occurrence and calls the function with a
`TimerRequest` whose `past_due` is true when the firing starts more than a second late.
Firings of one timer never overlap (the host runs timers as singletons): a scheduled firing and
an on-demand `fire()` share one lock, and occurrences missed while a firing ran are coalesced
into one past-due firing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from azure.functions.timer import TimerRequest

from hub.functions_index import TimerFunction
from hub.host_invoke import InvocationResult, Invoker
from hub.ncrontab import is_past_due, next_fire, plan_next

Clock = Callable[[], datetime]
logger = logging.getLogger("hub.host")


def utc_now() -> datetime:
    return datetime.now(UTC)


class TimerScheduler:
    """Runs the timer functions of an index until stopped."""

    def __init__(
        self, timers: list[TimerFunction], invoker: Invoker, *, clock: Clock = utc_now
    ) -> None:
        self._timers = {timer.name: timer for timer in timers}
        self._locks = {timer.name: threading.Lock() for timer in timers}
        self._invoker = invoker
        self._clock = clock
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def fire(
        self, timer: TimerFunction, *, past_due: bool = False, reason: str | None = None
    ) -> InvocationResult:
        """Run `timer` once now, after any firing of it that is running."""
        with self._locks[timer.name]:
            fired_at = self._clock()
            return self._invoker.invoke(
                timer,
                TimerRequest(past_due=past_due),
                reason=reason or f"Timer fired at {fired_at.isoformat()}",
            )

    def start(self) -> None:
        """Start a thread per timer: its run-on-startup firing, then its schedule."""
        for timer in self._timers.values():
            thread = threading.Thread(
                target=self._run, args=(timer,), name=f"timer-{timer.name}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop scheduling and wait for running firings to end."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _run(self, timer: TimerFunction) -> None:
        if timer.run_on_startup and not self._stop.is_set():
            self.fire(timer, reason="Timer fired at startup (runOnStartup)")
        due = next_fire(timer.schedule, self._clock())
        logger.info(
            "Timer '%s' (%s): next firing at %s", timer.name, timer.schedule, due.isoformat()
        )
        while self._wait_until(due):
            self.fire(timer, past_due=is_past_due(due, self._clock()))
            due = plan_next(timer.schedule, due, self._clock())

    def _wait_until(self, due: datetime) -> bool:
        """Sleep until `due`; False when stopped first."""
        while not self._stop.is_set():
            remaining = (due - self._clock()).total_seconds()
            if remaining <= 0:
                return True
            self._stop.wait(remaining)
        return False
