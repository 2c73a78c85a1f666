"""What every queue trigger does first: read the message into its model, or quarantine it."""

from __future__ import annotations

from typing import TypeVar

import azure.functions as func
import pydantic

from shared.bootstrap import deps
from shared.context import correlation_id
from shared.flows.quarantine import quarantine_message

M = TypeVar("M", bound=pydantic.BaseModel)


def read_message(msg: func.ServiceBusMessage, model: type[M], *, source: str) -> M | None:
    """The message as `model`, with its correlation id set; None once a malformed one is
    quarantined (completing it: redelivering the same bytes cannot make them valid)."""
    body = msg.get_body().decode()
    try:
        command = model.model_validate_json(body)
    except pydantic.ValidationError as exc:
        quarantine_message(
            deps(), source=source, key=msg.message_id or "", payload=body, error=str(exc)
        )
        return None
    correlation_id.set(getattr(command, "correlation_id", "") or msg.message_id)
    return command
