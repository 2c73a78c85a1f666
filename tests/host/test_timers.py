"""Timer triggers: schedules, past-due firings, run on startup, one firing at a time."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from hub.functions_index import TimerFunction, build_index
from hub.host import LocalHost
from hub.host_errors import HostError
from hub.host_invoke import Invoker
from hub.timers import TimerScheduler
from tests.host import sample_app
from tests.host.conftest import settings_lookup
from tests.host.sample_app import Recorder

T0 = datetime(2026, 3, 1, 12, 0, 0, 500000, tzinfo=UTC)


class JumpingClock:
    """Reads `first` once, then `later` forever: as if the process slept through the schedule."""

    def __init__(self, first: datetime, later: datetime) -> None:
        self._readings: Iterator[datetime] = iter([first])
        self._later = later

    def __call__(self) -> datetime:
        return next(self._readings, self._later)


def scheduled_timer(schedule: str) -> TimerFunction:
    index = build_index(sample_app, settings_lookup(SAMPLE_SCHEDULE=schedule))
    timer = index.get("scheduled_timer")
    assert isinstance(timer, TimerFunction)
    return timer


def test_fire_timer_runs_the_function_once_with_a_timer_request(
    make_host: Callable[..., LocalHost], calls: Recorder
) -> None:
    host = make_host()
    result = host.fire_timer("scheduled_timer")
    assert result.succeeded and result.function == "scheduled_timer"
    assert host.fire_timer("scheduled_timer", past_due=True).succeeded
    assert calls.of("scheduled_timer") == [False, True]


def test_fire_timer_refuses_other_functions(make_host: Callable[..., LocalHost]) -> None:
    with pytest.raises(HostError, match="'get_item' is a httpTrigger, not a timer"):
        make_host().fire_timer("get_item")


def test_a_firing_that_starts_late_is_past_due(calls: Recorder) -> None:
    # Due at 12:00:01; the clock then reads 12:00:10: fire at once, past due.
    scheduler = TimerScheduler(
        [scheduled_timer("* * * * * *")],
        Invoker(),
        clock=JumpingClock(T0, T0 + timedelta(seconds=10)),
    )
    scheduler.start()
    try:
        assert calls.wait_for(lambda: len(calls.of("scheduled_timer")) >= 2)
    finally:
        scheduler.stop()
    # The missed occurrences 12:00:02 … 12:00:10 coalesce into one firing, on time at 12:00:10.
    assert calls.of("scheduled_timer")[:2] == [True, False]


def test_timers_fire_on_schedule_in_real_time(
    make_host: Callable[..., LocalHost], calls: Recorder
) -> None:
    host = make_host(timers=True, settings_lookup=settings_lookup(SAMPLE_SCHEDULE="* * * * * *"))
    host.start()
    assert calls.wait_for(lambda: len(calls.of("scheduled_timer")) >= 1, timeout=3)
    assert calls.of("scheduled_timer")[0] is False


def test_run_on_startup_fires_at_start_only_when_timers_run(
    make_host: Callable[..., LocalHost], calls: Recorder
) -> None:
    make_host(timers=False).start()
    assert not calls.wait_for(lambda: bool(calls.of("startup_timer")), timeout=0.2)
    make_host(timers=True).start()
    assert calls.wait_for(lambda: bool(calls.of("startup_timer")))
    assert calls.of("scheduled_timer") == []  # yearly schedule, no startup flag


def test_firings_of_one_timer_never_overlap(
    make_host: Callable[..., LocalHost], calls: Recorder
) -> None:
    host = make_host()
    threads = [threading.Thread(target=host.fire_timer, args=("slow_timer",)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls.of("slow_timer")) == 4
    assert calls.max_active == 1


def test_stop_waits_for_a_running_firing(
    make_host: Callable[..., LocalHost], calls: Recorder
) -> None:
    host = make_host(timers=True, settings_lookup=settings_lookup(SAMPLE_SCHEDULE="* * * * * *"))
    host.start()
    firing = threading.Thread(target=host.fire_timer, args=("slow_timer",))
    firing.start()
    assert calls.wait_for(lambda: calls.active == 1)
    host.stop()
    assert calls.of("slow_timer") == [False]
    firing.join()
