"""The nightly feeds, BC → CRM: open customer ledger entries with account balances, and
inventory per location with product totals — each on its timer, and on demand (Power
Automate, `hub crm nightly`)."""

from __future__ import annotations

import logging

import azure.functions as func

from functions.http_responses import handle_http, json_response
from shared.bootstrap import deps
from shared.context import correlation_id
from shared.domain.crm import NightlyRequest
from shared.flows.crm_nightly import run_nightly
from shared.registry import Schedule

log = logging.getLogger(__name__)
bp = func.Blueprint()  # type: ignore[no-untyped-call]


@bp.function_name("crm_cle_timer")
@bp.timer_trigger(arg_name="timer", schedule=Schedule.CRM_CLE.binding, use_monitor=True)
def crm_cle_timer(timer: func.TimerRequest) -> None:
    report = run_nightly(deps(), ["customer-ledger-entries"], automatic=True)
    log.info("Customer ledger to CRM: %s", report.as_dict())


@bp.function_name("crm_inventory_timer")
@bp.timer_trigger(arg_name="timer", schedule=Schedule.CRM_INVENTORY.binding, use_monitor=True)
def crm_inventory_timer(timer: func.TimerRequest) -> None:
    report = run_nightly(deps(), ["inventory"], automatic=True)
    log.info("Inventory to CRM: %s", report.as_dict())


@bp.function_name("crm_nightly_http")
@bp.route(route="crm/nightly/run", methods=["POST"])
def crm_nightly_http(req: func.HttpRequest) -> func.HttpResponse:
    """Run feeds now: `{"feeds": ["inventory"]}`, or `{}` for both."""

    def run() -> func.HttpResponse:
        request = NightlyRequest.model_validate_json(req.get_body() or b"{}")
        report = run_nightly(deps(), request.feeds or None,
                             correlation_id=correlation_id.get() or "")  # fmt: skip
        return json_response(report.as_dict())

    return handle_http(req, run)
