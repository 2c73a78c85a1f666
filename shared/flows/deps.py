"""What handlers get from the composition root: ports and a clock, nothing concrete."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shared.ports import Bus, EcpProSource, StagingStore


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Deps:
    """The ports a handler may use. Built once per worker by `shared.bootstrap`."""

    store: StagingStore
    bus: Bus
    ecppro: EcpProSource
    clock: Callable[[], datetime] = field(default=utc_now)
