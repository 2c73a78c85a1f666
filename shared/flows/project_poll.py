"""The Project Operations invoice poll and Process Confirmed Invoices (product document
001): which confirmed invoices go where. An original goes to the BC Invoice Stagings and
BC (`project_invoices`); a revision to the Dataverse Credit Memos and, with Activate BC
Invoice Integration on, to the Correct Invoice queue (`credit_notes`).

- **poll** (timer `%PROJECT_INVOICES_SCHEDULE%`): Dataverse change tracking on invoices.
  A draft revision is confirmed when Auto Confirm Credit Note Invoice is on. A confirmed
  project invoice is processed when Activate BC Invoice Integration is on; otherwise
  Process Confirmed Invoices (HTTP, CLI) does it on demand. Then BC's outcomes come back:
  invoices and credit memos the user posted in BC.
- Originals are processed before revisions, so a revision finds its original staged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from shared.domain.credit_notes import (
    PO_CONFIRMED,
    PO_DRAFT,
    PO_PAID,
    CreditNoteSetup,
    InvoiceStatus,
)
from shared.entities.project_invoices import HEADER_COLUMNS
from shared.errors import RejectedError, ValidationError
from shared.flows.credit_notes import (
    confirm_revision,
    queue_correction,
    refresh_credit_memos,
    stage_revision,
)
from shared.flows.deps import Deps
from shared.flows.flow_status import tracked
from shared.flows.locks import hold_lock
from shared.flows.project_invoices import (
    IDS_PER_QUERY,
    ProjectInvoice,
    ProjectReport,
    finished,
    finished_ids,
    ports,
    read_invoice,
    refresh_invoices,
    stage_invoice,
    with_details_many,
    write_invoice,
)
from shared.ports.dataverse import Dataverse
from shared.registry import Flow
from shared.sync.maps import Direction
from shared.sync.project_staging import invoice_staging
from shared.sync.watermarks import Watermarks

INVALID_DELTA_TOKEN = "0x80044352"
WATERMARK = "project-invoices"


# --- entry points -------------------------------------------------------------------------
def run_project_invoices(
    deps: Deps, *, automatic: bool = True, correlation_id: str = ""
) -> ProjectReport:
    """The poll: what changed in Project Operations, then BC's outcomes back."""
    report = ProjectReport()
    setup = deps.credit_notes
    if automatic and deps.dataverse is None:  # no Project Operations here: nothing to poll
        report.skipped = "DATAVERSE_URL is not set"
        return report
    with tracked(deps, Flow.PROJECT_INVOICES):
        dataverse, _ = ports(deps)
        for invoice in _changed(deps, dataverse):
            report.read += 1
            _poll_one(deps, setup, invoice, report, correlation_id)
        refresh_invoices(deps, report)
        refresh_credit_memos(deps, report)
    if not setup.integration_active:
        report.skipped = ("Activate BC Invoice Integration is off (PROJECT_BC_INVOICE_INTEGRATION): "
                          "confirmed invoices wait for Process Confirmed Invoices")  # fmt: skip
    return report


def process_confirmed_invoices(
    deps: Deps, ids: Sequence[str] = (), *, correlation_id: str = ""
) -> ProjectReport:
    """Process Confirmed Invoices: the chosen confirmed project invoices (or every one
    not processed yet) go to the stagings; originals to BC, revisions to Correct Invoice.
    Raises NotFound naming an unknown id, ValidationError naming one that is not confirmed."""
    report = ProjectReport()
    with tracked(deps, Flow.PROJECT_INVOICES):
        dataverse, _ = ports(deps)
        if ids:
            chosen = [read_invoice(dataverse, invoice_id) for invoice_id in ids]
            for invoice in chosen:
                if invoice.status not in (PO_CONFIRMED, PO_PAID):
                    raise ValidationError(f"project invoice {invoice.number} is not confirmed",
                                          field="msdyn_projectinvoicestatus")  # fmt: skip
        else:
            chosen = list(_confirmed(deps, dataverse))
        for invoice in _originals_first(chosen):
            report.read += 1
            process_invoice(deps, invoice, report, queue=True, correlation_id=correlation_id)
    return report


def process_invoice(
    deps: Deps, invoice: ProjectInvoice, report: ProjectReport, *, queue: bool,
    correlation_id: str = "",
) -> None:  # fmt: skip
    """One confirmed project invoice: an original to BC, a revision to the Credit Memos. A
    revision that bills what it kept of an invoice BC never posted (cancel transactions)
    is in the BC Invoice Stagings too, and is written to BC like an original."""
    staging = invoice_staging(deps.store)
    if invoice.is_revision and staging.find(invoice.id) is None:
        if stage_revision(deps, invoice, correlation_id=correlation_id):
            report.revisions += 1
        if queue and queue_correction(deps, invoice.id, correlation_id):
            report.queued += 1
        return
    with hold_lock(deps, f"project-invoice|{invoice.id}", wait=5.0):
        row = staging.find(invoice.id)
        if row is None or row.get("Status") in (InvoiceStatus.NEW, InvoiceStatus.ERROR):
            if stage_invoice(deps, invoice, correction=invoice.is_revision):
                report.staged += 1
            status = write_invoice(deps, invoice.id, correlation_id=correlation_id)
            _count(report, status, staging.get(invoice.id))


def _changed(deps: Deps, dataverse: Dataverse) -> Iterator[ProjectInvoice]:
    watermarks = Watermarks(deps.store)
    token = watermarks.token(Direction.CRM_TO_BC, WATERMARK)
    try:
        feed = dataverse.changes("invoices", select=HEADER_COLUMNS, delta_link=token)
        changes = list(feed)
    except RejectedError as error:
        if error.detail != INVALID_DELTA_TOKEN:
            raise
        feed = dataverse.changes("invoices", select=HEADER_COLUMNS, delta_link=None)
        changes = list(feed)
    rows = [{**c.row, "invoiceid": c.id} for c in changes
            if c.kind == "updated" and c.row.get("msdyn_projectinvoicestatus") is not None
            and not finished(deps, c.id)]  # fmt: skip
    yield from _originals_first(with_details_many(dataverse, rows))
    if feed.delta_link:
        watermarks.keep_token(Direction.CRM_TO_BC, WATERMARK, feed.delta_link, deps.clock())


def _confirmed(deps: Deps, dataverse: Dataverse) -> Iterator[ProjectInvoice]:
    """Confirmed project invoices no staging has finished with."""
    done = finished_ids(deps)  # one read of the stagings, not one per invoice
    for status in (PO_CONFIRMED, PO_PAID):
        waiting: list[Mapping[str, Any]] = []
        for row in dataverse.rows("invoices", select=HEADER_COLUMNS,
                                  filter=f"msdyn_projectinvoicestatus eq {status}"):  # fmt: skip
            if str(row["invoiceid"]).lower() not in done:
                waiting.append(row)
            if len(waiting) == IDS_PER_QUERY:
                yield from with_details_many(dataverse, waiting)
                waiting = []
        yield from with_details_many(dataverse, waiting)


def _originals_first(invoices: Iterable[ProjectInvoice]) -> list[ProjectInvoice]:
    return sorted(invoices, key=lambda invoice: invoice.is_revision)


def _poll_one(
    deps: Deps, setup: CreditNoteSetup, invoice: ProjectInvoice, report: ProjectReport,
    correlation_id: str,
) -> None:  # fmt: skip
    if invoice.status == PO_DRAFT and invoice.is_revision and setup.auto_confirm:
        confirm_revision(deps, invoice.id)
        report.confirmed += 1
        invoice = read_invoice(ports(deps)[0], invoice.id)
    if invoice.status in (PO_CONFIRMED, PO_PAID) and setup.integration_active:
        process_invoice(deps, invoice, report, queue=True, correlation_id=correlation_id)


def _count(report: ProjectReport, status: InvoiceStatus, row: Mapping[str, Any]) -> None:
    if status in (InvoiceStatus.CREATED, InvoiceStatus.POSTED):
        report.created += 1
    elif status is InvoiceStatus.NEW:
        report.waiting += 1
    elif status is InvoiceStatus.ERROR:
        report.failed += 1
        report.errors.append(str(row.get("Error") or ""))
