"""What every queue trigger shares: read the message into its model (or quarantine it), and
settle by the error's kind.

- record: the flow has written it on its staging row; completing the message is right,
  redelivering the same input cannot help;
- transient and fatal: the message is tried again later, backing off across deliveries,
  and dead-lettered once the retry window is spent (a fatal cause is on the flow's status
  row meanwhile).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import azure.functions as func
import pydantic

from shared.bootstrap import deps
from shared.context import correlation_id
from shared.errors import FatalError, HubError, RecordError, TransientError
from shared.flows.quarantine import quarantine_message
from shared.flows.redelivery import GiveUp, plan_redelivery
from shared.registry import Queue

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


def settle_by_kind(
    msg: func.ServiceBusMessage,
    queue: Queue,
    what: str,
    run: Callable[[], object],
    *,
    on_give_up: Callable[[HubError, GiveUp], None] | None = None,
) -> None:
    """Run a queue handler and settle its message by the error's kind.

    - record: the flow wrote it on its staging row; the message is completed.
    - transient or fatal: a copy is scheduled for later (back-off across deliveries, see
      `shared.flows.redelivery`) and the message completed; once the retry window is spent,
      `on_give_up` notes it on the staging row and the error is raised, so the bus
      dead-letters the message for an operator to replay.
    """
    try:
        run()
    except RecordError as exc:
        log.warning("%s: %s", what, exc.message)
    except (TransientError, FatalError) as exc:
        wired = deps()
        plan = plan_redelivery(
            wired.redelivery,
            body=msg.get_body().decode("utf-8"),
            message_id=msg.message_id or "",
            properties=dict(msg.application_properties or {}),
            now=wired.clock(),
        )
        if isinstance(plan, GiveUp):
            log.error("%s: gave up after %d retries over %s: %s", what, plan.retries,
                      plan.failing_for, exc.message)  # fmt: skip
            if on_give_up is not None:
                on_give_up(exc, plan)
            raise
        wired.bus.send(queue, [plan.message])
        log.warning("%s failed (%s); retry %d at %s", what, exc.message, plan.retries,
                    plan.message.scheduled_at)  # fmt: skip
