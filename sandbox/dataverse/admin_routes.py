"""The Dataverse simulator's own `/_sandbox` routes (no auth, no limits, no faults).

- `GET|POST|DELETE /_sandbox/limits`: the service protection settings
  (`sandbox.dataverse.limits.LimitRequest`), reset by DELETE,
- `POST /_sandbox/invoices/<id>/revise`: revise a confirmed project invoice; body
  `{"confirm": bool, "kept": {<line detail id>: <quantity>}}`; answers the revision's
  `invoiceid` and `invoicenumber`,
- `POST /_sandbox/project-invoices`: make a project invoice with lines and line details
  (body `sandbox.dataverse.invoicing.NewProjectInvoice`); answers 201 with the invoice as
  `GET invoices(<id>)?$expand=msdyn_invoice_msdyn_invoicelinetransaction_Invoice` would,
  the details in the order given.

Errors of the Web API's own rules keep its shape and codes; a body the route cannot read
is 400 with a sandbox code (`InvalidLimits`, `InvalidProjectInvoice`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from pydantic import ValidationError
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.dataverse import errors
from sandbox.dataverse.context import Call
from sandbox.dataverse.invoicing import (
    DETAILS,
    NewProjectInvoice,
    create_project_invoice,
    revise_project_invoice,
)
from sandbox.dataverse.limits import LimitRequest, ServiceProtection
from sandbox.dataverse.render import Renderer
from sandbox.dataverse.writes import Writer
from sandbox.server import ServiceError, json_response, on_limits, read_json


@dataclass
class AdminRoutes:
    writer: Writer
    renderer: Renderer
    limits: ServiceProtection
    system_call: Callable[[], Call]

    def rules(self) -> Iterable[Rule]:
        return [
            Rule("/_sandbox/limits", methods=["GET", "POST", "DELETE"],
                 endpoint=partial(on_limits, limits=self.limits, body=LimitRequest)),
            Rule("/_sandbox/invoices/<invoice_id>/revise", endpoint=self.on_revise,
                 methods=["POST"]),
            Rule("/_sandbox/project-invoices", endpoint=self.on_project_invoice, methods=["POST"]),
        ]  # fmt: skip

    def on_revise(self, request: Request, invoice_id: str) -> Response:
        body = read_json(request) or {}
        try:
            revision = revise_project_invoice(
                self.writer, self.writer.catalog, self.system_call(), invoice_id.lower(),
                confirm=bool(body.get("confirm")), kept=body.get("kept") or {},
            )  # fmt: skip
        except ServiceError as failure:
            return errors.render(failure)
        return json_response(
            {"invoiceid": revision["invoiceid"], "invoicenumber": revision["invoicenumber"]}
        )

    def on_project_invoice(self, request: Request) -> Response:
        try:
            new = NewProjectInvoice.model_validate(read_json(request) or {})
        except ValidationError as exc:
            error = {"code": "InvalidProjectInvoice", "message": str(exc)}
            return json_response({"error": error}, 400)
        call, catalog = self.system_call(), self.writer.catalog
        try:
            invoice, details = create_project_invoice(self.writer, catalog, call, new)
        except ServiceError as failure:
            return errors.render(failure)
        etag = self.writer.store.get("invoices", invoice["invoiceid"])[1]
        body = self.renderer.entity(
            catalog.by_name("invoice"), invoice, etag, None, call.annotations
        )
        detail_table = catalog.by_name("msdyn_invoicelinetransaction")
        body[DETAILS] = [
            self.renderer.entity(detail_table, d, None, None, call.annotations) for d in details
        ]
        return json_response(body, 201)
