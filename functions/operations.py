"""Operator views that span flows: each flow's health, what was kept in quarantine, and the
dead-letter queues (look, and replay once the cause is fixed)."""

from __future__ import annotations

import azure.functions as func
import pydantic

from functions.http_responses import handle_http, json_response
from shared.bootstrap import deps
from shared.flows.dead_letters import dead_letter_row, dead_letters_of
from shared.flows.flow_status import flow_statuses
from shared.flows.quarantine import list_quarantine
from shared.registry import Queue

bp = func.Blueprint()  # type: ignore[no-untyped-call]


class QuarantineQuery(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="ignore")

    source: str | None = pydantic.Field(None, max_length=200)
    limit: int = pydantic.Field(100, ge=1, le=1000)


@bp.function_name("quarantine_http")
@bp.route(route="quarantine", methods=["GET"])
def quarantine_http(req: func.HttpRequest) -> func.HttpResponse:
    def run() -> func.HttpResponse:
        query = QuarantineQuery.model_validate(dict(req.params))
        items = list_quarantine(deps(), source=query.source, limit=query.limit)
        return json_response({"count": len(items), "items": items})

    return handle_http(req, run)


@bp.function_name("status_http")
@bp.route(route="status", methods=["GET"])
def status_http(req: func.HttpRequest) -> func.HttpResponse:
    """Each flow: healthy, failing (with the settings to fix) or not run yet."""

    def run() -> func.HttpResponse:
        flows = flow_statuses(deps())
        return json_response(
            {"failing": sum(f["state"] == "failing" for f in flows), "flows": flows}
        )

    return handle_http(req, run)


class DeadLetterQuery(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="ignore")

    queue: Queue
    max: int = pydantic.Field(32, ge=1, le=1000)


@bp.function_name("dead_letters_http")
@bp.route(route="dead-letters/{queue}", methods=["GET"])
def dead_letters_http(req: func.HttpRequest) -> func.HttpResponse:
    """The oldest dead-lettered messages of a queue: id, reason, description, body."""

    def run() -> func.HttpResponse:
        query = DeadLetterQuery.model_validate({**req.params, **req.route_params})
        items = [
            dead_letter_row(m)
            for m in dead_letters_of(deps()).peek_dead_letters(
                query.queue, max_messages=min(query.max, 32)
            )
        ]
        return json_response({"queue": query.queue.value, "count": len(items), "items": items})

    return handle_http(req, run)


@bp.function_name("dead_letters_replay_http")
@bp.route(route="dead-letters/{queue}/replay", methods=["POST"])
def dead_letters_replay_http(req: func.HttpRequest) -> func.HttpResponse:
    """Send dead letters back to their queue (up to `max`), each with a fresh retry window."""

    def run() -> func.HttpResponse:
        query = DeadLetterQuery.model_validate({**req.params, **req.route_params})
        replayed = dead_letters_of(deps()).replay_dead_letters(query.queue, max_messages=query.max)
        return json_response(
            {"queue": query.queue.value, "replayed": len(replayed), "messageIds": replayed}
        )

    return handle_http(req, run)
