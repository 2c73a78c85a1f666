"""NCRONTAB schedules as the Azure Functions timer trigger reads them.

Six fields, seconds first, evaluated in UTC, and day-of-month AND day-of-week must both match
(classic cron ORs them). `croniter` reproduces that with `second_at_beginning=True` and
`day_or=False`; five-field expressions are rejected instead of being read minute-first, because
the host would reject them too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from croniter import croniter
from croniter.croniter import CroniterError

from hub.host_errors import ScheduleError

FIELD_COUNT = 6
PAST_DUE_AFTER = timedelta(seconds=1)
_JUST_AFTER = timedelta(microseconds=1)


def _iterator(expression: str, base: datetime) -> croniter:
    fields = expression.split()
    if len(fields) != FIELD_COUNT:
        raise ScheduleError(
            f"schedule '{expression}' has {len(fields)} fields; NCRONTAB needs 6 "
            "(second minute hour day month day-of-week), e.g. '0 */5 * * * *'"
        )
    try:
        return croniter(expression, base, second_at_beginning=True, day_or=False)
    except (CroniterError, ValueError) as exc:
        raise ScheduleError(f"schedule '{expression}' is not a valid NCRONTAB expression") from exc


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def validate_schedule(expression: str) -> None:
    """Raise ScheduleError unless `expression` is a valid 6-field NCRONTAB expression."""
    next_fire(expression, datetime.now(UTC))


def next_fire(expression: str, after: datetime) -> datetime:
    """The first occurrence strictly after `after` (naive datetimes are taken as UTC).

    Raises ScheduleError for an invalid expression.
    """
    try:
        return _utc(_iterator(expression, _utc(after)).get_next(datetime))
    except CroniterError as exc:
        raise ScheduleError(f"schedule '{expression}' never fires") from exc


def previous_fire(expression: str, at_or_before: datetime) -> datetime:
    """The last occurrence at or before `at_or_before`. Raises ScheduleError."""
    base = _utc(at_or_before) + _JUST_AFTER
    try:
        return _utc(_iterator(expression, base).get_prev(datetime))
    except CroniterError as exc:
        raise ScheduleError(f"schedule '{expression}' never fires") from exc


def plan_next(expression: str, last_due: datetime, now: datetime) -> datetime:
    """When to fire next, after the firing due at `last_due` ended at `now`.

    Occurrences missed while that firing ran are coalesced into one firing of the latest of
    them, which will then be past due, as the host fires a missed schedule once.
    """
    upcoming = next_fire(expression, last_due)
    if upcoming >= _utc(now):
        return upcoming
    return previous_fire(expression, now)


def is_past_due(due: datetime, fired_at: datetime) -> bool:
    """True when a firing starts more than a second after its scheduled time."""
    return _utc(fired_at) - _utc(due) > PAST_DUE_AFTER
