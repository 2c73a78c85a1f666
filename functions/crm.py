"""CRM ⇄ BC connector triggers: BC to CRM Data Sync, CRM → BC through the CRM Data
staging (stage, Create in BC), the logs, BC Data and CRM Data views, the Setup actions
and the Map CRM Data jobs."""

from __future__ import annotations

import logging

import azure.functions as func

from functions.http_responses import handle_http, json_response, route_key
from shared.bootstrap import deps
from shared.context import correlation_id
from shared.domain.crm import CreateInBcRequest, DocumentsRequest, SyncRequest
from shared.errors import ValidationError
from shared.flows.crm_mapping import MappingJob, map_crm_data
from shared.flows.crm_posted_invoices import run_posted_invoices, staged_invoice, staged_invoices
from shared.flows.crm_setup import get_default_price_list, get_default_units
from shared.flows.crm_sync import run_bc_to_crm
from shared.flows.crm_to_bc import create_in_bc, run_crm_to_bc
from shared.flows.crm_views import bc_data, crm_data, sync_log
from shared.registry import Schedule
from shared.sync.maps import Direction

log = logging.getLogger(__name__)
bp = func.Blueprint()  # type: ignore[no-untyped-call]

SETUP_ACTIONS = {"default-units": get_default_units, "default-price-list": get_default_price_list}


@bp.function_name("crm_bc_to_crm_timer")
@bp.timer_trigger(arg_name="timer", schedule=Schedule.CRM_BC_TO_CRM.binding, use_monitor=True)
def crm_bc_to_crm_timer(timer: func.TimerRequest) -> None:
    """The 2-minute sync: the auto-synchronized masters, then the posted invoices (with
    "Auto Synchronize Posted Invoice CRM")."""
    report = run_bc_to_crm(deps(), automatic=True)
    log.info("BC to CRM data sync: %s", report.as_dict())
    invoices = run_posted_invoices(
        deps(), automatic=True, correlation_id=correlation_id.get() or ""
    )
    log.info("Posted invoices to CRM: %s", invoices.as_dict())


@bp.function_name("crm_posted_invoices_http")
@bp.route(route="crm/posted-invoices/run", methods=["POST"])
def crm_posted_invoices_http(req: func.HttpRequest) -> func.HttpResponse:
    """The batch job: every changed or pending posted invoice (`{}`), or the invoices
    named (`{"numbers": ["PS-INV103001"]}`, written again from BC)."""

    def run() -> func.HttpResponse:
        request = DocumentsRequest.model_validate_json(req.get_body() or b"{}")
        report = run_posted_invoices(deps(), request.numbers or None,
                                     correlation_id=correlation_id.get() or "")  # fmt: skip
        return json_response(report.as_dict())

    return handle_http(req, run)


@bp.function_name("crm_posted_invoices_view_http")
@bp.route(route="crm/posted-invoices", methods=["GET"])
def crm_posted_invoices_view_http(req: func.HttpRequest) -> func.HttpResponse:
    """The Sales Invoice Header Staging Table (`?status=Waiting`, `?pending=true`)."""

    def run() -> func.HttpResponse:
        pending = req.params.get("pending")
        rows = [row.as_dict() for row in staged_invoices(
            deps(), status=req.params.get("status"),
            pending=None if pending is None else pending.lower() == "true")]  # fmt: skip
        return json_response({"count": len(rows), "records": rows})

    return handle_http(req, run)


@bp.function_name("crm_posted_invoice_http")
@bp.route(route="crm/posted-invoices/{number}", methods=["GET"])
def crm_posted_invoice_http(req: func.HttpRequest) -> func.HttpResponse:
    """One posted invoice's staging row with its lines."""
    return handle_http(req, lambda: json_response(staged_invoice(deps(), route_key(req, "number"))))


@bp.function_name("crm_bc_to_crm_http")
@bp.route(route="crm/bc-to-crm/run", methods=["POST"])
def crm_bc_to_crm_http(req: func.HttpRequest) -> func.HttpResponse:
    """Run BC to CRM Data Sync for the source types in the body (or all)."""

    def run() -> func.HttpResponse:
        request = SyncRequest.model_validate_json(req.get_body() or b"{}")
        report = run_bc_to_crm(deps(), request.names(), full=request.full,
                               correlation_id=correlation_id.get() or "")  # fmt: skip
        return json_response(report.as_dict())

    return handle_http(req, run)


@bp.function_name("crm_to_bc_timer")
@bp.timer_trigger(arg_name="timer", schedule=Schedule.CRM_TO_BC.binding, use_monitor=True)
def crm_to_bc_timer(timer: func.TimerRequest) -> None:
    report = run_crm_to_bc(deps(), automatic=True)
    log.info("CRM to BC: %s", report.as_dict())


@bp.function_name("crm_to_bc_stage_http")
@bp.route(route="crm/crm-to-bc/run", methods=["POST"])
def crm_to_bc_stage_http(req: func.HttpRequest) -> func.HttpResponse:
    """Stage CRM's changes and create in BC the entities in the body (or all)."""

    def run() -> func.HttpResponse:
        request = SyncRequest.model_validate_json(req.get_body() or b"{}")
        report = run_crm_to_bc(deps(), request.names(),
                               correlation_id=correlation_id.get() or "")  # fmt: skip
        return json_response(report.as_dict())

    return handle_http(req, run)


@bp.function_name("crm_data_http")
@bp.route(route="crm/crm-data/{entity}", methods=["GET"])
def crm_data_http(req: func.HttpRequest) -> func.HttpResponse:
    """CRM Data: an entity's staged rows; ?status=Error or ?pending=true narrow it."""

    def run() -> func.HttpResponse:
        pending = req.params.get("pending")
        view = crm_data(deps(), route_key(req, "entity"), status=req.params.get("status"),
                        pending=None if pending is None else pending.lower() == "true")  # fmt: skip
        return json_response(view)

    return handle_http(req, run)


@bp.function_name("crm_create_in_bc_http")
@bp.route(route="crm/crm-data/{entity}/create-in-bc", methods=["POST"])
def crm_create_in_bc_http(req: func.HttpRequest) -> func.HttpResponse:
    """Create in BC: the staged rows named in the body (`{"ids": [...]}`), or every
    pending one (`{}`), whatever the auto-sync toggle."""

    def run() -> func.HttpResponse:
        request = CreateInBcRequest.model_validate_json(req.get_body() or b"{}")
        result = create_in_bc(deps(), route_key(req, "entity"), request.ids or None,
                              errors=True, correlation_id=correlation_id.get() or "")  # fmt: skip
        return json_response(result.as_dict())

    return handle_http(req, run)


@bp.function_name("crm_bc_data_http")
@bp.route(route="crm/bc-data/{entity}", methods=["GET"])
def crm_bc_data_http(req: func.HttpRequest) -> func.HttpResponse:
    return handle_http(req, lambda: json_response(bc_data(deps(), route_key(req, "entity"))))


@bp.function_name("crm_log_http")
@bp.route(route="crm/logs/{direction}", methods=["GET"])
def crm_log_http(req: func.HttpRequest) -> func.HttpResponse:
    """?entity=<name> for one entity's rows, &pending=true for those not yet updated."""

    def run() -> func.HttpResponse:
        direction = _direction(req.route_params["direction"])
        pending = req.params.get("pending", "").lower() == "true"
        view = sync_log(deps(), direction, req.params.get("entity") or None, pending=pending)
        return json_response(view)

    return handle_http(req, run)


@bp.function_name("crm_setup_http")
@bp.route(route="crm/setup/{action}", methods=["POST"])
def crm_setup_http(req: func.HttpRequest) -> func.HttpResponse:
    """The Setup actions: default-units (Get Default UOM GUIDs), default-price-list."""

    def run() -> func.HttpResponse:
        action = req.route_params["action"]
        if action not in SETUP_ACTIONS:
            raise ValidationError(
                f"unknown action '{action}' ({', '.join(SETUP_ACTIONS)})", field="action"
            )
        return json_response(SETUP_ACTIONS[action](deps()).as_dict())

    return handle_http(req, run)


@bp.function_name("crm_map_http")
@bp.route(route="crm/map/{job}", methods=["POST"])
def crm_map_http(req: func.HttpRequest) -> func.HttpResponse:
    """Map CRM Data: salespersons, currencies or customers; ?dryRun=true lists only."""

    def run() -> func.HttpResponse:
        job = req.route_params["job"]
        if job not in set(MappingJob):
            jobs = ", ".join(MappingJob)
            raise ValidationError(f"unknown mapping job '{job}' ({jobs})", field="job")
        dry_run = req.params.get("dryRun", "").lower() == "true"
        report = map_crm_data(deps(), MappingJob(job), dry_run=dry_run,
                              correlation_id=correlation_id.get() or "")  # fmt: skip
        return json_response(report.as_dict())

    return handle_http(req, run)


def _direction(text: str) -> Direction:
    try:
        return Direction(text)
    except ValueError:
        raise ValidationError(
            f"unknown direction '{text}' ({', '.join(Direction)})", field="direction"
        ) from None
