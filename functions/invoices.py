"""EcpPro invoice triggers: import, the two legs' queue workers, views, actions, mapping."""

from __future__ import annotations

import logging
from collections.abc import Callable

import azure.functions as func

from functions.http_responses import handle_http, json_response, route_key
from functions.queue_messages import read_message, settle_by_kind
from shared.bootstrap import deps
from shared.context import correlation_id
from shared.domain.invoices import (
    InvoiceMappingBody,
    InvoiceQuery,
    InvoiceSelection,
    ProcessInvoice,
)
from shared.errors import ValidationError
from shared.flows.invoice_actions import (
    Queued,
    force_delete,
    note_dead_letter,
    queue_purchase,
    queue_sales,
    reprocess_purchase,
    reprocess_sales,
)
from shared.flows.invoice_import import handle_import, load_mapping, save_mapping
from shared.flows.invoice_purchase import handle_purchase
from shared.flows.invoice_sales import handle_sales
from shared.flows.invoice_staging import load_invoice
from shared.flows.invoice_status import sync_statuses
from shared.flows.invoice_views import invoice_row, read_view
from shared.mappings.invoice_mapping import MappingEntry
from shared.registry import Queue, Schedule

log = logging.getLogger(__name__)
bp = func.Blueprint()  # type: ignore[no-untyped-call]


@bp.function_name("invoice_import_timer")
@bp.timer_trigger(arg_name="timer", schedule=Schedule.INVOICE_IMPORT.binding, use_monitor=True)
def invoice_import_timer(timer: func.TimerRequest) -> None:
    log.info("EcpPro invoices imported: %s", handle_import(deps()).as_dict())


@bp.function_name("invoice_status_timer")
@bp.timer_trigger(arg_name="timer", schedule=Schedule.INVOICE_STATUS_SYNC.binding, use_monitor=True)
def invoice_status_timer(timer: func.TimerRequest) -> None:
    log.info("BC document statuses checked: %s", sync_statuses(deps()).as_dict())


@bp.function_name("invoice_sales_worker")
@bp.service_bus_queue_trigger(
    arg_name="msg", queue_name=Queue.INVOICE_SALES, connection="ServiceBusConnection"
)
def invoice_sales_worker(msg: func.ServiceBusMessage) -> None:
    _work(msg, Queue.INVOICE_SALES, lambda command: handle_sales(command.invoice_id, deps()))


@bp.function_name("invoice_purchase_worker")
@bp.service_bus_queue_trigger(
    arg_name="msg", queue_name=Queue.INVOICE_PURCHASE, connection="ServiceBusConnection"
)
def invoice_purchase_worker(msg: func.ServiceBusMessage) -> None:
    _work(msg, Queue.INVOICE_PURCHASE, lambda command: handle_purchase(command.invoice_id, deps()))


def _work(
    msg: func.ServiceBusMessage, queue: Queue, run: Callable[[ProcessInvoice], object]
) -> None:
    command = read_message(msg, ProcessInvoice, source="invoice-queues")
    if command is None:
        return
    settle_by_kind(
        msg,
        queue,
        f"invoice {command.invoice_id} ({command.leg})",
        lambda: run(command),
        on_give_up=lambda error, given_up: note_dead_letter(
            deps(), command.invoice_id, command.leg, queue, error.message, given_up.failing_for
        ),
    )  # fmt: skip  (a gone invoice, NotFound, completes: nothing is left to do)


@bp.function_name("invoice_view_http")
@bp.route(route="invoices", methods=["GET"])
def invoice_view_http(req: func.HttpRequest) -> func.HttpResponse:
    def run() -> func.HttpResponse:
        query = InvoiceQuery.model_validate(dict(req.params))
        return json_response(
            read_view(
                deps(), query.view, size=query.page_size, continuation=query.continuation
            ).as_dict()
        )

    return handle_http(req, run)


@bp.function_name("invoice_get_http")
@bp.route(route="invoices/{id}", methods=["GET"])
def invoice_get_http(req: func.HttpRequest) -> func.HttpResponse:
    def run() -> func.HttpResponse:
        invoice = load_invoice(deps().store, route_key(req, "id"))
        return json_response(invoice_row(invoice, deps().invoice_options))

    return handle_http(req, run)


@bp.function_name("invoice_batch_action_http")
@bp.route(route="invoices/actions/{action}", methods=["POST"])
def invoice_batch_action_http(req: func.HttpRequest) -> func.HttpResponse:
    def run() -> func.HttpResponse:
        action = req.route_params["action"]
        if action == "import":
            return json_response(
                handle_import(deps(), correlation_id=correlation_id.get() or "").as_dict()
            )
        if action == "create-sales-documents":
            selection = InvoiceSelection.model_validate_json(req.get_body() or b"{}")
            return _accepted(
                queue_sales(
                    deps(), selection.invoice_ids, correlation_id=correlation_id.get() or ""
                ),
                "sales",
            )
        if action == "sync-status":
            return json_response(sync_statuses(deps()).as_dict())
        if action == "create-purchase-documents":
            return _accepted(
                queue_purchase(deps(), correlation_id=correlation_id.get() or ""), "purchase"
            )
        raise ValidationError(
            f"unknown action '{action}' (import, create-sales-documents, "
            "create-purchase-documents, sync-status)",
            field="action",
        )

    return handle_http(req, run)


@bp.function_name("invoice_action_http")
@bp.route(route="invoices/{id}/{action}", methods=["POST"])
def invoice_action_http(req: func.HttpRequest) -> func.HttpResponse:
    def run() -> func.HttpResponse:
        invoice_id, action = route_key(req, "id"), req.route_params["action"]
        if action == "force-delete":
            return json_response(
                {"invoiceId": invoice_id, "markedForReprocess": force_delete(deps(), invoice_id)}
            )
        actions = {"reprocess-sales": reprocess_sales, "reprocess-purchase": reprocess_purchase}
        if action not in actions:
            raise ValidationError(
                f"unknown action '{action}' (reprocess-sales, reprocess-purchase, force-delete)",
                field="action",
            )
        return json_response(
            invoice_row(actions[action](deps(), invoice_id), deps().invoice_options)
        )

    return handle_http(req, run)


@bp.function_name("invoice_mapping_http")
@bp.route(route="invoice-mapping", methods=["GET", "PUT"])
def invoice_mapping_http(req: func.HttpRequest) -> func.HttpResponse:
    def run() -> func.HttpResponse:
        if req.method == "PUT":
            entries = InvoiceMappingBody.model_validate_json(req.get_body() or b"{}")
            save_mapping(
                deps().store, [MappingEntry(e.ecppro_field, e.bc_field) for e in entries.mapping]
            )
        rows = [
            {"ecpproField": e.ecppro_field, "bcField": e.bc_field}
            for e in load_mapping(deps().store)
        ]
        return json_response({"mapping": rows})

    return handle_http(req, run)


def _accepted(queued: Queued, leg: str) -> func.HttpResponse:
    view = f"/api/invoices?view={leg}-created"
    body = {
        "queued": len(queued.invoice_ids),
        "accepted": queued.accepted,
        "queue": queued.queue,
        "invoiceIds": queued.invoice_ids,
        "created": view,
        "errors": f"/api/invoices?view={leg}-error",
    }
    return json_response(body, 202, {"Location": view})
