"""EcpPro list refresh triggers: timer fan-out, queue worker, HTTP Refresh and list reads."""

from __future__ import annotations

import logging

import azure.functions as func

from functions.http_responses import handle_http, json_response
from functions.queue_messages import read_message, settle_by_kind
from shared.bootstrap import deps
from shared.context import correlation_id
from shared.domain.ecppro import ListQuery, RefreshList
from shared.flows.ecppro_list_view import read_list
from shared.flows.ecppro_lists import handle_refresh, refresh_all_lists
from shared.registry import Queue, Schedule

log = logging.getLogger(__name__)
bp = func.Blueprint()  # type: ignore[no-untyped-call]


@bp.function_name("ecppro_refresh_timer")
@bp.timer_trigger(arg_name="timer", schedule=Schedule.ECPPRO_REFRESH.binding, use_monitor=True)
def ecppro_refresh_timer(timer: func.TimerRequest) -> None:
    queued = refresh_all_lists(deps(), reason="timer")
    log.info("queued %d EcpPro list refreshes (past due: %s)", queued, timer.past_due)


@bp.function_name("ecppro_refresh_worker")
@bp.service_bus_queue_trigger(
    arg_name="msg", queue_name=Queue.ECPPRO_REFRESH, connection="ServiceBusConnection"
)
def ecppro_refresh_worker(msg: func.ServiceBusMessage) -> None:
    command = read_message(msg, RefreshList, source=Queue.ECPPRO_REFRESH)
    if command is not None:
        settle_by_kind(msg, Queue.ECPPRO_REFRESH, f"EcpPro {command.list.value} refresh",
                       lambda: handle_refresh(command, deps()))  # fmt: skip


@bp.function_name("ecppro_refresh_http")
@bp.route(route="ecppro/{list}/refresh", methods=["POST"])
def ecppro_refresh_http(req: func.HttpRequest) -> func.HttpResponse:
    def run() -> func.HttpResponse:
        command = RefreshList(
            list=req.route_params.get("list"), reason="http", correlation_id=correlation_id.get()
        )
        return json_response(handle_refresh(command, deps()).as_dict())

    return handle_http(req, run)


@bp.function_name("ecppro_list_http")
@bp.route(route="ecppro/{list}", methods=["GET"])
def ecppro_list_http(req: func.HttpRequest) -> func.HttpResponse:
    def run() -> func.HttpResponse:
        query = ListQuery.model_validate({**req.params, **req.route_params})
        page = read_list(
            deps(),
            query.list,
            size=query.page_size,
            continuation=query.continuation,
            include_removed=query.include_removed,
            correlation_id=correlation_id.get() or "",
        )
        return json_response(page.as_dict())

    return handle_http(req, run)
