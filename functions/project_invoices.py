"""Project Operations invoices and credit notes → BC: the poll timer, the Correct Invoice
queue, and the actions Power Automate calls (`hub project …` does the same): Process
Confirmed Invoices, Correct Invoice (per record and in bulk), and the two stagings."""

from __future__ import annotations

import logging

import azure.functions as func

from functions.http_responses import handle_http, json_response, route_key
from functions.queue_messages import read_message, settle_by_kind
from shared.bootstrap import deps
from shared.context import correlation_id
from shared.domain.credit_notes import CorrectMessage, CorrectRequest, ProcessRequest
from shared.flows.credit_notes import correct_invoices, handle_correct_message, note_dead_letter
from shared.flows.project_poll import process_confirmed_invoices, run_project_invoices
from shared.registry import Queue, Schedule
from shared.sync.project_staging import Staging, credit_memo_staging, invoice_staging, view

log = logging.getLogger(__name__)
bp = func.Blueprint()  # type: ignore[no-untyped-call]


@bp.function_name("project_invoices_timer")
@bp.timer_trigger(arg_name="timer", schedule=Schedule.PROJECT_INVOICES.binding, use_monitor=True)
def project_invoices_timer(timer: func.TimerRequest) -> None:
    report = run_project_invoices(deps(), automatic=True)
    log.info("Project Operations invoices: %s", report.as_dict())


@bp.function_name("project_credit_notes_worker")
@bp.service_bus_queue_trigger(
    arg_name="msg", queue_name=Queue.PROJECT_CREDIT_NOTES, connection="ServiceBusConnection"
)
def project_credit_notes_worker(msg: func.ServiceBusMessage) -> None:
    message = read_message(msg, CorrectMessage, source="project-credit-notes")
    if message is None:
        return
    settle_by_kind(
        msg, Queue.PROJECT_CREDIT_NOTES, f"revision {message.revision_id}",
        lambda: handle_correct_message(deps(), message),
        on_give_up=lambda error, given_up: note_dead_letter(
            deps(), message.revision_id, Queue.PROJECT_CREDIT_NOTES, error.message,
            given_up.failing_for),
    )  # fmt: skip


@bp.function_name("project_invoices_run_http")
@bp.route(route="project/invoices/run", methods=["POST"])
def project_invoices_run_http(req: func.HttpRequest) -> func.HttpResponse:
    """The poll now: auto confirm, confirmed invoices when the integration is active, BC's
    outcomes back."""
    return handle_http(req, lambda: json_response(run_project_invoices(
        deps(), automatic=False, correlation_id=correlation_id.get() or "").as_dict()))  # fmt: skip


@bp.function_name("project_invoices_process_http")
@bp.route(route="project/invoices/process", methods=["POST"])
def project_invoices_process_http(req: func.HttpRequest) -> func.HttpResponse:
    """Process Confirmed Invoices: `{"ids": [...]}` (Project Operations invoice ids) or `{}`
    for every confirmed one not processed yet."""

    def run() -> func.HttpResponse:
        request = ProcessRequest.model_validate_json(req.get_body() or b"{}")
        report = process_confirmed_invoices(deps(), request.ids,
                                            correlation_id=correlation_id.get() or "")  # fmt: skip
        return json_response(report.as_dict())

    return handle_http(req, run)


@bp.function_name("project_credit_memos_correct_http")
@bp.route(route="project/credit-memos/correct", methods=["POST"])
def project_credit_memos_correct_http(req: func.HttpRequest) -> func.HttpResponse:
    """Correct Invoice: `{"ids": [...]}` (revision ids) or `{}` for every staged one waiting."""

    def run() -> func.HttpResponse:
        request = CorrectRequest.model_validate_json(req.get_body() or b"{}")
        return json_response(correct_invoices(deps(), request.ids,
                                              correlation_id=correlation_id.get() or ""))  # fmt: skip

    return handle_http(req, run)


@bp.function_name("project_invoice_stagings_http")
@bp.route(route="project/invoices", methods=["GET"])
def project_invoice_stagings_http(req: func.HttpRequest) -> func.HttpResponse:
    """BC Invoice Stagings (`?status=Error` narrows them)."""
    return handle_http(req, lambda: _list(req, invoice_staging(deps().store)))


@bp.function_name("project_invoice_staging_http")
@bp.route(route="project/invoices/{id}", methods=["GET"])
def project_invoice_staging_http(req: func.HttpRequest) -> func.HttpResponse:
    """One BC Invoice Staging row (by Project Operations invoice id) with its lines."""
    return handle_http(req, lambda: _one(req, invoice_staging(deps().store)))


@bp.function_name("project_credit_memo_stagings_http")
@bp.route(route="project/credit-memos", methods=["GET"])
def project_credit_memo_stagings_http(req: func.HttpRequest) -> func.HttpResponse:
    """Dataverse Credit Memos (`?status=Refused` narrows them)."""
    return handle_http(req, lambda: _list(req, credit_memo_staging(deps().store)))


@bp.function_name("project_credit_memo_staging_http")
@bp.route(route="project/credit-memos/{id}", methods=["GET"])
def project_credit_memo_staging_http(req: func.HttpRequest) -> func.HttpResponse:
    """One Dataverse Credit Memo (by the revision's invoice id) with its lines."""
    return handle_http(req, lambda: _one(req, credit_memo_staging(deps().store)))


def _list(req: func.HttpRequest, staging: Staging) -> func.HttpResponse:
    status = req.params.get("status")
    rows = [view(row) for row in (staging.rows(Status=status) if status else staging.rows())]
    statuses: dict[str, int] = {}
    for row in rows:
        statuses[str(row.get("status"))] = statuses.get(str(row.get("status")), 0) + 1
    return json_response({"staging": staging.label, "count": len(rows), "statuses": statuses,
                          "records": rows})  # fmt: skip


def _one(req: func.HttpRequest, staging: Staging) -> func.HttpResponse:
    key = route_key(req, "id")
    return json_response(view(staging.get(key), staging.lines(key)))
