"""Dead-lettered messages as an operator sees them: what, why, and a way to send them back."""

from __future__ import annotations

from typing import Any

from shared.errors import ConfigurationError
from shared.flows.deps import Deps
from shared.ports.bus import DeadLetters, ReceivedMessage


def dead_letters_of(deps: Deps) -> DeadLetters:
    """The dead-letter access the composition root wired. Raises ConfigurationError."""
    if deps.dead_letters is None:
        raise ConfigurationError(
            "no dead-letter access is wired (HUB_BUS_KIND)", settings=("HUB_BUS_KIND",)
        )
    return deps.dead_letters


def dead_letter_row(message: ReceivedMessage) -> dict[str, Any]:
    return {
        "messageId": message.message_id,
        "reason": message.dead_letter_reason,
        "description": message.dead_letter_description,
        "deliveryCount": message.delivery_count,
        "properties": dict(message.properties),
        "body": message.body,
    }
