"""CRM quotes and orders → BC: the timer, a run on demand, the CRM Data staging of
documents (list, one with its lines), Create in BC / Reprocess, and the G/L account of a
write-in line (Power Automate calls these; `hub crm documents …` does the same)."""

from __future__ import annotations

import logging

import azure.functions as func

from functions.http_responses import handle_http, json_response, route_key
from shared.bootstrap import deps
from shared.context import correlation_id
from shared.domain.crm import DocumentsRequest, GlAccountRequest, SyncRequest
from shared.flows.crm_documents import documents, process_documents, run_documents, staging_for
from shared.registry import Schedule

log = logging.getLogger(__name__)
bp = func.Blueprint()  # type: ignore[no-untyped-call]


@bp.function_name("crm_documents_timer")
@bp.timer_trigger(arg_name="timer", schedule=Schedule.CRM_DOCUMENTS.binding, use_monitor=True)
def crm_documents_timer(timer: func.TimerRequest) -> None:
    report = run_documents(deps(), automatic=True)
    log.info("CRM documents: %s", report.as_dict())


@bp.function_name("crm_documents_run_http")
@bp.route(route="crm/documents/run", methods=["POST"])
def crm_documents_run_http(req: func.HttpRequest) -> func.HttpResponse:
    """Stage and write quotes and/or orders now (`{"entities": ["quotes"]}` or `{"all": true}`)."""

    def run() -> func.HttpResponse:
        request = SyncRequest.model_validate_json(req.get_body() or b"{}")
        report = run_documents(deps(), request.names(), correlation_id=correlation_id.get() or "")
        return json_response(report.as_dict())

    return handle_http(req, run)


@bp.function_name("crm_documents_http")
@bp.route(route="crm/documents/{entity}", methods=["GET"])
def crm_documents_http(req: func.HttpRequest) -> func.HttpResponse:
    """CRM Data: staged quotes or orders (`?status=Needs G/L Account`, `?pending=true`)."""

    def run() -> func.HttpResponse:
        [doc] = documents([route_key(req, "entity")])
        pending = req.params.get("pending")
        rows = [row.as_dict() for row in staging_for(deps(), doc).rows(
            status=req.params.get("status"),
            pending=None if pending is None else pending.lower() == "true")]  # fmt: skip
        statuses: dict[str, int] = {}
        for row in rows:
            statuses[row["status"]] = statuses.get(row["status"], 0) + 1
        return json_response({"entity": doc.name, "count": len(rows), "statuses": statuses,
                              "records": rows})  # fmt: skip

    return handle_http(req, run)


@bp.function_name("crm_document_http")
@bp.route(route="crm/documents/{entity}/{number}", methods=["GET"])
def crm_document_http(req: func.HttpRequest) -> func.HttpResponse:
    """One staged document with its lines."""

    def run() -> func.HttpResponse:
        [doc] = documents([route_key(req, "entity")])
        return json_response(staging_for(deps(), doc).get(route_key(req, "number")).as_dict())

    return handle_http(req, run)


@bp.function_name("crm_documents_create_http")
@bp.route(route="crm/documents/{entity}/create-in-bc", methods=["POST"])
def crm_documents_create_http(req: func.HttpRequest) -> func.HttpResponse:
    """Create in BC: the documents named (`{"numbers": [...]}`, also those in Error), or
    every pending one (`{}`)."""
    return handle_http(req, lambda: _process(req))


@bp.function_name("crm_documents_reprocess_http")
@bp.route(route="crm/documents/{entity}/reprocess", methods=["POST"])
def crm_documents_reprocess_http(req: func.HttpRequest) -> func.HttpResponse:
    """Reprocess: the same as Create in BC, under the name the operator knows for a
    document in Error or Changed in BC (its CRM values are written again)."""
    return handle_http(req, lambda: _process(req))


def _process(req: func.HttpRequest) -> func.HttpResponse:
    request = DocumentsRequest.model_validate_json(req.get_body() or b"{}")
    result = process_documents(deps(), route_key(req, "entity"), request.numbers or None,
                               correlation_id=correlation_id.get() or "")  # fmt: skip
    return json_response(result.as_dict())


@bp.function_name("crm_document_gl_account_http")
@bp.route(route="crm/documents/{entity}/{number}/lines/{line}/gl-account", methods=["PUT"])
def crm_document_gl_account_http(req: func.HttpRequest) -> func.HttpResponse:
    """The G/L account of a write-in line (`{"glAccount": "6110"}`); the document goes
    on the next run."""

    def run() -> func.HttpResponse:
        request = GlAccountRequest.model_validate_json(req.get_body() or b"{}")
        [doc] = documents([route_key(req, "entity")])
        line = staging_for(deps(), doc).set_gl_account(
            route_key(req, "number"), route_key(req, "line"), request.gl_account
        )
        return json_response(line.as_dict())

    return handle_http(req, run)
