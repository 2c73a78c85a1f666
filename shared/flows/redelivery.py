"""Back-off across deliveries: a queued message that failed for a passing reason is sent
again later, each time twice as late, instead of being redelivered at once.

Service Bus redelivers an abandoned message immediately and dead-letters it after
MaxDeliveryCount deliveries (10 within seconds), and a Python function cannot delay its
own redelivery. So a failing handler's message is completed and a copy is scheduled
(`scheduled_enqueue_time`) 30 s, 1, 2, 4 … minutes later (at most `max_delay` apart),
carrying how often it was retried and when it first failed. An outage shorter than the
window (4 h by default) is ridden out; past it the handler raises, the bus dead-letters
the message, and the staging row says so until an operator replays it.

`plan_redelivery` is pure: the trigger gives it the message and the clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared.ports.bus import RETRY_MARK, RETRY_PROPERTIES, OutgoingMessage

RETRIES, FIRST_FAILED = RETRY_PROPERTIES


@dataclass(frozen=True)
class RedeliveryPolicy:
    """How a failing queued message is tried again (from the HUB_RETRY_* settings)."""

    first_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(minutes=30)
    window: timedelta = timedelta(hours=4)

    def delay(self, retries: int) -> timedelta:
        """The wait before retry number `retries + 1`."""
        doubled: timedelta = self.first_delay * (2 ** min(retries, 30))
        return min(self.max_delay, doubled)


@dataclass(frozen=True)
class Redelivery:
    """Send `message` (scheduled); it is retry number `retries`."""

    message: OutgoingMessage
    retries: int


@dataclass(frozen=True)
class GiveUp:
    """The window is spent: leave the message to the dead-letter queue."""

    retries: int
    failing_for: timedelta


def plan_redelivery(
    policy: RedeliveryPolicy,
    *,
    body: str,
    message_id: str,
    properties: Mapping[str, object],
    now: datetime,
) -> Redelivery | GiveUp:
    """What to do with a message whose handler just failed for a passing reason."""
    retries = _int(properties.get(RETRIES))
    first_failed = _time(properties.get(FIRST_FAILED)) or now
    wait = policy.delay(retries)
    if now + wait - first_failed > policy.window:
        return GiveUp(retries, now - first_failed)
    kept = {str(k): str(v) for k, v in properties.items() if k not in RETRY_PROPERTIES}
    kept.update({RETRIES: str(retries + 1), FIRST_FAILED: first_failed.isoformat()})
    copy = OutgoingMessage(
        body=body,
        message_id=retry_id(message_id, retries + 1),
        scheduled_at=now + wait,
        properties=kept,
    )
    return Redelivery(copy, retries + 1)


def retry_id(message_id: str, retries: int) -> str:
    """The id of a message's n-th retry: unique per try (so duplicate detection lets it
    through), the same for the same try (so a handler that runs twice schedules it once)."""
    base = message_id.split(RETRY_MARK, 1)[0]
    suffix = f"{RETRY_MARK}{retries}"
    if len(base) + len(suffix) > 128:
        base = hashlib.sha256(base.encode()).hexdigest()[:64]
    return base + suffix


def _int(value: object) -> int:
    try:
        return max(0, int(str(value)))
    except ValueError:
        return 0


def _time(value: object) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed and parsed.tzinfo is None else parsed
