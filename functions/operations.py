"""Operator views that span flows: each flow's health, and what was kept in quarantine."""

from __future__ import annotations

import azure.functions as func
import pydantic

from functions.http_responses import handle_http, json_response
from shared.bootstrap import deps
from shared.flows.flow_status import flow_statuses
from shared.flows.quarantine import list_quarantine

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
