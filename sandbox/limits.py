"""What one user used over a sliding window: the piece the simulators' service limits share.

Dataverse (api-limits) and Business Central (operational-limits-online) both count a
user's requests over a 5-minute sliding window, and Dataverse also sums their execution
time over it. A `SlidingWindow` holds one such measure for one user as (moment, amount)
entries, oldest first; the callers keep one per user and measure, and hold their own lock
around every call (a window is not thread-safe on its own).

`retry_after` turns a wait into the `Retry-After` value both simulators send: whole
seconds, rounded up, at least 1.
"""

from __future__ import annotations

import math
from collections import deque
from contextlib import suppress


class SlidingWindow:
    """Amounts recorded at moments (seconds on one clock), forgotten once out of the window."""

    def __init__(self) -> None:
        self._entries: deque[tuple[float, float]] = deque()

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, moment: float, amount: float = 1.0) -> None:
        """Record `amount` at `moment` (moments arrive in order)."""
        self._entries.append((moment, amount))

    def discard(self, moment: float, amount: float = 1.0) -> None:
        """Forget one entry recorded as (`moment`, `amount`), if the window still holds it."""
        with suppress(ValueError):
            self._entries.remove((moment, amount))

    def total(self) -> float:
        """The sum of the amounts in the window."""
        return sum(amount for _, amount in self._entries)

    def expire(self, now: float, length: float) -> None:
        """Forget what was recorded `length` seconds or more before `now`."""
        horizon = now - length
        while self._entries and self._entries[0][0] <= horizon:
            self._entries.popleft()

    def wait_below(self, limit: float, now: float, length: float) -> float:
        """Seconds until the window's total is below `limit` (0 when it already is)."""
        left, wait = self.total(), 0.0
        for moment, amount in self._entries:
            if left < limit:
                break
            left -= amount
            wait = moment + length - now
        return wait


def retry_after(wait: float) -> str:
    """A `Retry-After` value: whole seconds, rounded up, at least 1."""
    return str(max(1, math.ceil(wait)))
