"""Per-invocation context shared by triggers and adapters: the correlation id.

A trigger sets it from the caller (`x-correlation-id`) or the message; every outbound
request carries it, so one Power Automate run can be followed through BC and Dataverse.
"""

from __future__ import annotations

from contextvars import ContextVar

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
