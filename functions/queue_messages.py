"""What every queue trigger shares: read the message into its model (or quarantine it), and
settle by the error's kind.

- record: the flow has written it on its staging row; completing the message is right,
  redelivering the same input cannot help;
- transient and fatal: raised, so the message is not completed: the bus redelivers it and
  dead-letters it if the cause persists (a fatal cause is on the flow's status row).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import azure.functions as func
import pydantic

from shared.bootstrap import deps
from shared.context import correlation_id
from shared.errors import RecordError
from shared.flows.quarantine import quarantine_message

M = TypeVar("M", bound=pydantic.BaseModel)
log = logging.getLogger(__name__)


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


def complete_on_record_error(what: str, run: Callable[[], object]) -> None:
    """Run a queue handler; a RecordError completes the message (logged), others propagate."""
    try:
        run()
    except RecordError as exc:
        log.warning("%s: %s", what, exc.message)
