"""NCRONTAB as the Functions host reads it: six fields, seconds first, UTC, both day fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.host_errors import ScheduleError
from hub.ncrontab import is_past_due, next_fire, plan_next, previous_fire


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def upcoming(expression: str, base: datetime, count: int) -> list[datetime]:
    fires, moment = [], base
    for _ in range(count):
        moment = next_fire(expression, moment)
        fires.append(moment)
    return fires


def test_every_two_minutes_on_second_zero() -> None:
    assert upcoming("0 */2 * * * *", at(2026, 1, 1, 0, 0, 30), 3) == [
        at(2026, 1, 1, 0, 2),
        at(2026, 1, 1, 0, 4),
        at(2026, 1, 1, 0, 6),
    ]


def test_seconds_come_first() -> None:
    assert upcoming("*/15 * * * * *", at(2026, 1, 1, 10, 0, 1), 2) == [
        at(2026, 1, 1, 10, 0, 15),
        at(2026, 1, 1, 10, 0, 30),
    ]


def test_day_of_month_and_day_of_week_must_both_match() -> None:
    # "0 0 8 1-7 * 2": 08:00 on the first Tuesday of every month, not every Tuesday or 1st-7th.
    fires = upcoming("0 0 8 1-7 * 2", at(2026, 1, 1), 4)
    assert fires == [at(2026, 1, 6, 8), at(2026, 2, 3, 8), at(2026, 3, 3, 8), at(2026, 4, 7, 8)]
    assert all(fire.weekday() == 1 and fire.day <= 7 for fire in fires)


def test_next_fire_is_strictly_after_and_naive_means_utc() -> None:
    assert next_fire("0 0 * * * *", datetime(2026, 1, 1, 5)) == at(2026, 1, 1, 6)
    assert previous_fire("0 0 * * * *", at(2026, 1, 1, 5)) == at(2026, 1, 1, 5)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("*/5 * * * *", "5 fields; NCRONTAB needs 6"),
        ("0 0 * * * * 2026", "7 fields"),
        ("00:05:00", "1 fields"),
        ("61 * * * * *", "not a valid NCRONTAB"),
        ("a b c d e f", "not a valid NCRONTAB"),
    ],
)
def test_invalid_expressions_are_rejected(expression: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        next_fire(expression, at(2026, 1, 1))


def test_plan_next_without_overrun_is_the_next_occurrence() -> None:
    due = at(2026, 1, 1, 0, 2)
    assert plan_next("0 */2 * * * *", due, due + timedelta(seconds=3)) == at(2026, 1, 1, 0, 4)


def test_plan_next_coalesces_occurrences_missed_during_a_long_run() -> None:
    due = at(2026, 1, 1, 0, 2)
    ended = at(2026, 1, 1, 0, 9, 30)  # 0:04, 0:06 and 0:08 were missed
    planned = plan_next("0 */2 * * * *", due, ended)
    assert planned == at(2026, 1, 1, 0, 8)
    assert is_past_due(planned, ended)


def test_past_due_means_more_than_one_second_late() -> None:
    due = at(2026, 1, 1)
    assert not is_past_due(due, due + timedelta(milliseconds=999))
    assert not is_past_due(due, due + timedelta(seconds=1))
    assert is_past_due(due, due + timedelta(seconds=1, milliseconds=1))
