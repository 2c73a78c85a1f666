"""Posted sales invoices, BC → CRM invoices (product document §20; setup field 16 "Auto
Synchronize Posted Invoice CRM"). Maps: `shared.entities.posted_invoices`; decide:
`crm_posted_invoice_plan`; apply: `crm_posted_invoice_writes`; the hub's record of each
invoice: `shared.sync.posted_invoice_staging`.

- **gather**: posted sales credit memos changed since their watermark mark the invoices
  they name as corrected; posted invoices (companion `crmPostedSalesInvoices` with their
  lines) changed since theirs (both minus `CRM_SYNC_OVERLAP_SECONDS`) are staged; staged
  invoices still pending (New, Updated, Waiting; Error too on a manual run) are read
  again from BC by No. Chosen numbers (the batch job for some invoices) are read by No.
  and written again even when the hub believes CRM has them (a repair: same ids).
- **decide**, per invoice under a lease (a timer run and a manual one never write one
  invoice at the same time): map header and lines through the couplings; a customer,
  master, currency, product or unit not in CRM yet → Waiting; a value CRM cannot hold →
  Error naming the field. The same content as CRM was last given, nothing to cancel and
  no order left to mark → nothing is written (a second run writes nothing).
- **apply**: the invoice and its lines in one Dataverse change set under ids derived
  from BC's (a retry after a lost answer writes the same rows: never a second invoice);
  cancelled or corrected in BC → Canceled in the same change set; then the CRM order it
  was invoiced from (a BC order made from a CRM order) → Invoiced.
- **record**: status, CRM ids, hash, notes, error and attempts on the staging row; after
  the run got through, the two watermarks (what waits stays pending on its row).
Errors: fatal ones (credentials, configuration) stop the run and are raised (the flow's
status row names the setting); CRM unavailable, throttling, a lease held elsewhere or a
row missing in CRM leave the invoice Waiting; a refusal is the row's Error naming the
field, retried by a manual run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared.domain.crm import CrmSetup
from shared.entities.posted_invoices import CREDIT_MEMOS, NAME, SOURCE_SET, is_posted
from shared.errors import FatalError, RecordError, TransientError
from shared.flows.crm_posted_invoice_plan import InvoicePlan, InvoicePlanner
from shared.flows.crm_posted_invoice_writes import CrmInvoiceWriter
from shared.flows.crm_setup import DISABLED, crm_ports, enabled_setup
from shared.flows.deps import Deps
from shared.flows.flow_status import tracked
from shared.flows.locks import hold_lock
from shared.ports.odata import quote_literal
from shared.registry import Flow
from shared.sync.maps import Direction
from shared.sync.posted_invoice_staging import PostedInvoiceStaging, StagedInvoice
from shared.sync.sides import odata_datetime, parse_modified
from shared.sync.watermarks import Watermarks

NUMBERS_PER_QUERY = 15  # BC numbers per `or`-joined filter, well under URL limits
AUTO_OFF = "Auto Synchronize Posted Invoice CRM is off (CRM_AUTO_SYNC_POSTED_INVOICES)"
CORRECTIONS = f"{NAME}-credit-memos"  # the credit memos' watermark
NOT_POSTED = "not a posted sales invoice in BC"


@dataclass
class PostedInvoicesReport:
    """How one run went: invoices read from BC and staged, and what became of those it
    processed (each counted once: created, updated, canceled, synced, unchanged,
    waiting or failed), plus the CRM orders set Invoiced."""

    read: int = 0
    staged: int = 0
    created: int = 0
    updated: int = 0
    canceled: int = 0
    synced: int = 0
    unchanged: int = 0
    waiting: int = 0
    failed: int = 0
    orders_invoiced: int = 0
    errors: list[str] = field(default_factory=list)
    skipped: str = ""

    @property
    def written(self) -> int:
        return self.created + self.updated + self.canceled

    def as_dict(self) -> dict[str, Any]:
        return {
            "written": self.written, "read": self.read, "staged": self.staged,
            "created": self.created, "updated": self.updated, "canceled": self.canceled,
            "synced": self.synced, "unchanged": self.unchanged, "waiting": self.waiting,
            "failed": self.failed, "ordersInvoiced": self.orders_invoiced,
            "errors": self.errors[:20], **({"skipped": self.skipped} if self.skipped else {}),
        }  # fmt: skip


def run_posted_invoices(
    deps: Deps,
    numbers: Iterable[str] | None = None,
    *,
    automatic: bool = False,
    correlation_id: str = "",
) -> PostedInvoicesReport:
    """Send BC's posted sales invoices to CRM: those changed since the last run and those
    still pending, or the chosen `numbers`. The timer (`automatic`) does nothing while the
    integration is disabled or "Auto Synchronize Posted Invoice CRM" is off; a manual run
    (the batch job) always runs. Raises ConfigurationError (integration disabled, CRM or
    BC not configured) and the other fatal errors, which the flow's status row records."""
    report = PostedInvoicesReport()
    setup = enabled_setup(deps, automatic=automatic)
    if setup is None:
        report.skipped = DISABLED
        return report
    if automatic and not setup.auto_sync.posted_invoices:
        report.skipped = AUTO_OFF
        return report
    with tracked(deps, Flow.CRM_POSTED_INVOICES):
        run = _Run(deps, setup, report, correlation_id)
        if numbers is None:
            run.changed_and_pending(errors=not automatic)
        else:
            run.chosen(numbers)
    return report


def staged_invoices(
    deps: Deps, *, status: str | None = None, pending: bool | None = None
) -> Iterator[StagedInvoice]:
    """The hub's record of posted invoices (the "Sales Invoice Header Staging Table")."""
    yield from PostedInvoiceStaging(deps.store, deps.clock).rows(pending=pending, status=status)


def staged_invoice(deps: Deps, number: str) -> dict[str, Any]:
    """One posted invoice's staging row with its lines, as a view shows it. Raises
    NotFound naming it."""
    staging = PostedInvoiceStaging(deps.store, deps.clock)
    return {**staging.require(number).as_dict(), "lines": staging.lines(number)}


class _Run:
    def __init__(
        self, deps: Deps, setup: CrmSetup, report: PostedInvoicesReport, correlation_id: str
    ) -> None:
        self.deps, self.report, self.correlation_id = deps, report, correlation_id
        dataverse, self.bc = crm_ports(deps)
        self.staging = PostedInvoiceStaging(deps.store, deps.clock)
        self.watermarks = Watermarks(deps.store)
        self.planner = InvoicePlanner(deps, setup, self.bc)
        self.writer = CrmInvoiceWriter(dataverse)

    def changed_and_pending(self, *, errors: bool) -> None:
        """What changed in BC since the watermarks, then every other pending staged
        invoice; each is processed as it is read, so memory holds one page at a time."""
        started = self.deps.clock()
        newest_memo = self._corrections()
        newest: datetime | None = None
        seen: set[str] = set()
        changed = self.bc.records(SOURCE_SET, api="companion", filter=self._since(NAME),
                                  expand="lines")  # fmt: skip
        for invoice in changed:
            self.report.read += 1
            newest = _later(newest, parse_modified(invoice.get("lastModifiedDateTime")))
            if is_posted(invoice) and self._stage(invoice).pending:
                seen.add(str(invoice["number"]).upper())
                self._process(invoice, force=False)
        pending = [row.number for row in self.staging.rows(pending=True)
                   if row.number.upper() not in seen and (errors or row.status != "Error")]  # fmt: skip
        for invoice in self._by_number(pending, missing=NOT_POSTED):
            self._stage(invoice)  # BC's values as they are now on the row
            self._process(invoice, force=False)
        for name, moment in ((NAME, newest), (CORRECTIONS, newest_memo)):
            if moment is not None:
                self.watermarks.advance(Direction.BC_TO_CRM, name, moment, started)

    def chosen(self, numbers: Iterable[str]) -> None:
        """The batch job for chosen invoices: read, staged and written again."""
        wanted = list(dict.fromkeys(str(n).strip().upper() for n in numbers if str(n).strip()))
        for invoice in self._by_number(wanted, missing=NOT_POSTED):
            self._stage(invoice)
            self._process(invoice, force=True)

    # --- gather ---------------------------------------------------------------------------
    def _since(self, name: str) -> str | None:
        since = self.watermarks.get(Direction.BC_TO_CRM, name)
        if since is None:
            return None
        overlap = timedelta(seconds=self.deps.crm_sync_overlap_seconds)
        return f"lastModifiedDateTime gt {odata_datetime(since - overlap)}"

    def _corrections(self) -> datetime | None:
        """Posted credit memos that name an invoice mark it corrected (to be Canceled)."""
        newest: datetime | None = None
        select = ("number", "status", "invoiceNumber", "lastModifiedDateTime")
        for memo in self.bc.records(CREDIT_MEMOS, filter=self._since(CORRECTIONS), select=select):
            newest = _later(newest, parse_modified(memo.get("lastModifiedDateTime")))
            invoice = str(memo.get("invoiceNumber") or "")
            if invoice and is_posted(memo):
                self.staging.mark_canceled(invoice, str(memo.get("number") or ""))
        return newest

    def _by_number(self, numbers: Sequence[str], *, missing: str) -> Iterator[dict[str, Any]]:
        """Posted invoices read from BC by No. (with their lines), a few per request; a
        No. BC has no posted invoice under is a failure saying `missing`."""
        for start in range(0, len(numbers), NUMBERS_PER_QUERY):
            chunk = numbers[start : start + NUMBERS_PER_QUERY]
            condition = " or ".join(f"number eq {quote_literal(n)}" for n in chunk)
            found = [invoice for invoice in self.bc.records(
                SOURCE_SET, api="companion", filter=condition, expand="lines")
                if is_posted(invoice)]  # fmt: skip
            self.report.read += len(found)
            numbers_found = {str(invoice["number"]).upper() for invoice in found}
            for number in chunk:
                if number.upper() not in numbers_found:
                    self._failed(number, f"{number}: {missing}")
            yield from found

    def _stage(self, invoice: Mapping[str, Any]) -> StagedInvoice:
        before = self.staging.get(str(invoice["number"]))
        row = self.staging.stage(invoice, invoice.get("lines") or [])
        if before is None or before.digest != row.digest:
            self.report.staged += 1
        return row

    # --- one invoice ----------------------------------------------------------------------
    def _process(self, invoice: Mapping[str, Any], *, force: bool) -> None:
        number = str(invoice["number"])
        try:
            with hold_lock(self.deps, f"crm-posted-invoice|{number}", wait=5.0):
                self._one(invoice, self.staging.require(number), force=force)
        except TransientError as busy:  # the lease is held elsewhere: that run writes it
            self.report.waiting += 1
            self.report.errors.append(f"{number}: {busy.message}")

    def _one(self, invoice: Mapping[str, Any], row: StagedInvoice, *, force: bool) -> None:
        try:
            plan = self.planner.plan(invoice, corrected=bool(row.canceled_by))
        except RecordError as refused:
            self._failed(row.number, refused.message)
            return
        if isinstance(plan, str):
            self._waits(row.number, plan)
            return
        if _done(row, plan) and not force:
            self.report.unchanged += 1
            if row.pending:  # re-staged, yet CRM already holds all of it
                status = row.status if row.status in ("Created", "Canceled") else "Synced"
                self.staging.settle(row.number, status, correlation_id=self.correlation_id)
            return
        try:
            self._apply(row, plan, rewrite=force)
        except FatalError:
            raise
        except TransientError as error:
            self._waits(row.number, f"{error.message}; retried on the next run")
        except RecordError as refused:
            self._failed(row.number, refused.message)

    def _apply(self, row: StagedInvoice, plan: InvoicePlan, *, rewrite: bool) -> None:
        """Write what CRM lacks (everything again for the batch job on chosen invoices:
        upserts by id, so a line deleted in CRM comes back and nothing doubles)."""
        content = rewrite or plan.hash != row.hash or not row.crm_invoice_id
        written = self.writer.write(plan, content=content)
        new = not row.crm_invoice_id or written.created
        if written.canceled:
            counted = "canceled"
        else:
            counted = "created" if new else ("updated" if written.content else "synced")
        status = "Canceled" if plan.canceled else counted.capitalize()
        values: dict[str, Any] = {"CrmInvoiceId": plan.invoice_id, "CrmOrderId": plan.order_id,
                                  "Hash": plan.hash}  # fmt: skip
        # Recorded before the order is marked: if that fails, the invoice is known written.
        self.staging.settle(row.number, status, pending=True, Notice=written.notice,
                            correlation_id=self.correlation_id, **values)  # fmt: skip
        invoiced, note = row.order_invoiced, ""
        if plan.order_id and not invoiced:
            invoiced, note = self.writer.invoice_order(plan.order_id)
            self.report.orders_invoiced += 1 if invoiced else 0
        notice = "; ".join(n for n in (written.notice, note) if n)
        self.staging.settle(row.number, status, Notice=notice, OrderInvoiced=invoiced,
                            correlation_id=self.correlation_id, **values)  # fmt: skip
        setattr(self.report, counted, getattr(self.report, counted) + 1)

    def _waits(self, number: str, reason: str) -> None:
        self.report.waiting += 1
        self.staging.settle(number, "Waiting", error=reason, pending=True,
                            correlation_id=self.correlation_id)  # fmt: skip

    def _failed(self, number: str, message: str) -> None:
        self.report.failed += 1
        self.report.errors.append(message)
        if self.staging.get(number) is not None:
            self.staging.settle(number, "Error", error=message, pending=True,
                                correlation_id=self.correlation_id)  # fmt: skip


def _done(row: StagedInvoice, plan: InvoicePlan) -> bool:
    """CRM already holds the plan: the same content, cancelled if it should be, and the
    order (if any) marked Invoiced."""
    return bool(
        row.crm_invoice_id and row.hash == plan.hash
        and (not plan.canceled or row.status == "Canceled")
        and (not plan.order_id or row.order_invoiced)
    )  # fmt: skip


def _later(current: datetime | None, moment: datetime | None) -> datetime | None:
    if moment is None:
        return current
    return moment if current is None or moment > current else current
