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
    quarantined (completing it: redelivering the same bytes cannot make them valid).

    Bytes that are not UTF-8, text that is not JSON and JSON that is not a `model` are each
    kept with the field at fault (`body` when it is the whole message).
    """
    raw = msg.get_body()
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        _quarantine(msg, source, raw.decode("utf-8", "backslashreplace"), "body",
                    f"the message body is not UTF-8 text ({exc.reason} at byte {exc.start})")  # fmt: skip
        return None
    try:
        command = model.model_validate_json(body)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        _quarantine(
            msg, source, body, field, f"{field}: {first['msg']} ({exc.error_count()} errors)"
        )
        return None
    correlation_id.set(getattr(command, "correlation_id", "") or msg.message_id)
    return command


def _quarantine(
    msg: func.ServiceBusMessage, source: str, payload: str, field: str, error: str
) -> None:
    key = quarantine_message(
        deps(), source=source, key=msg.message_id or "", payload=payload, error=error, field=field
    )
    log.warning("message %s on %s quarantined (%s): %s", key, source, field, error)


def complete_on_record_error(what: str, run: Callable[[], object]) -> None:
    """Run a queue handler; a RecordError completes the message (logged), others propagate."""
    try:
        run()
    except RecordError as exc:
        log.warning("%s: %s", what, exc.message)
