"""Project Operations revised invoices → BC credit memos: Correct Invoice (product
document 001; the original invoices: `project_invoices`; decisions: `credit_note_plan`).

- **stage** a confirmed revision in the Dataverse Credit Memos: header (Credit Note
  Invoice ID = the revision, Invoice ID = the original, …) and, per original chargeable
  line detail, what the revision keeps (Revised) and takes back (Quantity = original −
  revised). The original's BC Invoice Staging row gets Is Correction Invoice and the
  Credit Note Invoice Id. With Activate BC Invoice Integration on, the revision is
  queued for Correct Invoice.
- **Correct Invoice** (queue, HTTP per record and in bulk, CLI), under a lease per
  revision: a credit memo BC has for the revision already (found by the revision's id,
  or by the id the hub derives from it) is linked, never made twice. Otherwise the plan:
  refused (a business error on the row), nothing to credit, cancel transactions (the
  unposted BC invoice deleted; BC Unposted Invoice Number = "Deleted"; a kept part is
  billed as a new invoice from the revision), BC's own cancel of a posted invoice (a full
  reversal in Cancel invoice mode), or a credit memo applied to the invoice with the
  differences, the project dimension on each line, posted in Cancel invoice mode.
  Coupled = Yes and the credit memo's numbers recorded; the outcome goes to both
  Project Operations invoices and both Dataverse stagings.
- **refresh**: a credit memo left for the user that they posted in BC becomes Posted.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from shared.domain.credit_notes import (
    INTEGRATION_STATUS,
    PO_CONFIRMED,
    CorrectMessage,
    CorrectMode,
    CreditMemoStatus,
    InvoiceStatus,
)
from shared.domain.invoices import DocumentKind
from shared.entities.project_invoices import DESCRIPTION
from shared.errors import NotFound, RecordError, TransientError, ValidationError
from shared.flows.credit_note_plan import (
    BcFacts,
    CancelPosted,
    CancelUnposted,
    CreditLine,
    CreditMemo,
    Nothing,
    OriginalLine,
    Plan,
    Refuse,
    plan_correction,
)
from shared.flows.deps import Deps
from shared.flows.flow_status import tracked
from shared.flows.locks import hold_lock
from shared.flows.project_invoices import (
    ProjectDimension,
    ProjectInvoice,
    ProjectReport,
    chargeable,
    credit_memos_port,
    document_id,
    map_header,
    number,
    outcome_hash,
    ports,
    publish_invoice,
    read_invoice,
    revenue_account,
    stage_invoice,
    with_details,
    write_all,
    write_invoice,
)
from shared.ports.bus import OutgoingMessage
from shared.ports.business_central import NewDocument, NewLine
from shared.ports.credit_memos import CreditMemoState, InvoiceState
from shared.ports.dataverse import Operation
from shared.registry import Flow, Queue
from shared.sync.project_staging import Staging, credit_memo_staging, invoice_staging

DELETED = "Deleted"  # BC Unposted Invoice Number of a cancelled unposted invoice
MAX_CHAIN = 20  # revisions of revisions followed back to the invoice BC has
DONE = frozenset({CreditMemoStatus.CREATED, CreditMemoStatus.POSTED, CreditMemoStatus.DELETED,
                  CreditMemoStatus.NOTHING})  # fmt: skip


# --- staging ------------------------------------------------------------------------------
def stage_revision(deps: Deps, revision: ProjectInvoice, *, correlation_id: str = "") -> bool:
    """Stage a confirmed revision (and, if the hub never saw it, its original); answers
    whether it is new. A revision already corrected is left as it is."""
    dataverse, _ = ports(deps)
    credits = credit_memo_staging(deps.store)
    existing = credits.find(revision.id)
    if existing is not None and existing.get("Status") in DONE:
        return False
    original_id, kept = _original_of(deps, revision)
    invoices = invoice_staging(deps.store)
    if invoices.find(original_id) is None:
        stage_invoice(deps, read_invoice(dataverse, original_id))
    original = invoices.get(original_id)
    taken = credited_before(credits, original_id, revision.id)
    credits.save(
        revision.id, CreditNoteInvoiceId=revision.id, RevisionNumber=revision.number,
        InvoiceId=original_id, InvoiceNumber=original.get("Number"),
        DocumentDate=str(revision.row.get("msdyn_invoicedate") or ""),
        CustomerAccountNumber=original.get("CustomerAccountNumber") or "",
        Currency=original.get("Currency") or "", Coupled=False,
        Status=(existing or {}).get("Status") or CreditMemoStatus.NEW.value,
        BcUnpostedInvoiceNo=original.get("BcUnpostedInvoiceNo") or "",
        BcPostedInvoiceNo=original.get("BcPostedInvoiceNo") or "",
        ModifiedOn=str(revision.row.get("modifiedon") or ""), StagedAt=deps.clock(),
        CorrelationId=correlation_id,
    )  # fmt: skip
    lines, on_original = [], []
    total = 0.0
    for line in invoices.lines(original_id):
        billed = round(number(line.get("Quantity")) - taken.get(line["Id"], 0.0), 5)
        revised = kept.get(line["Id"], billed)
        credit = round(billed - revised, 5)
        amount = round(credit * number(line.get("UnitPrice")), 2)
        total += amount if chargeable(line) else 0.0
        lines.append((line["Id"], {
            **{k: line.get(k) for k in ("Name", "Description", "BillingType", "TransactionClass",
                                        "TransactionCategory", "DimensionCode", "DimensionValue",
                                        "UnitPrice", "ExchangeRate", "ImportSequenceNumber",
                                        "Sequence", "CreatedOn")},
            "DocumentNo": original.get("Number"), "OriginalQuantity": line.get("Quantity"),
            "RevisedQuantity": revised, "Quantity": credit, "LineAmount": amount,
            "LineAmountBase": round(amount / (number(line.get("ExchangeRate")) or 1.0), 2),
            "Coupled": False, "Status": CreditMemoStatus.NEW.value, "ModifiedOn": deps.clock(),
        }))  # fmt: skip
        credited = round(taken.get(line["Id"], 0.0) + credit, 5)
        on_original.append((line["Id"], {"RevisedQuantity": revised, "CreditedQuantity": credited}))
    credits.save_lines(revision.id, lines)
    credits.save(revision.id, TotalAmount=round(total, 2), TotalTax=0.0)
    invoices.save(original_id, IsCorrectionInvoice=True, CreditNoteInvoiceId=revision.id)
    invoices.merge_lines(original_id, on_original)
    _publish_quietly(deps, original_id, lines=True)
    return existing is None


def queue_correction(deps: Deps, revision_id: str, correlation_id: str = "") -> bool:
    """Queue Correct Invoice for a staged revision that waits for it (integration active)."""
    if not deps.credit_notes.integration_active:
        return False
    row = credit_memo_staging(deps.store).find(revision_id)
    if row is None or row.get("Status") != CreditMemoStatus.NEW:
        return False
    body = CorrectMessage(revision_id=revision_id.lower(), correlation_id=correlation_id)
    message_id = f"correct-{revision_id.lower()}-{row.get('ModifiedOn') or ''}"[:128]
    deps.bus.send(Queue.PROJECT_CREDIT_NOTES,
                  [OutgoingMessage(body.model_dump_json(), message_id)])  # fmt: skip
    return True


def confirm_revision(deps: Deps, revision_id: str) -> None:
    """Auto Confirm Credit Note Invoice: the draft revision becomes Confirmed."""
    dataverse, _ = ports(deps)
    dataverse.upsert("invoices", revision_id, {"msdyn_projectinvoicestatus": PO_CONFIRMED},
                     mode="update")  # fmt: skip


# --- Correct Invoice ----------------------------------------------------------------------
def correct_invoices(
    deps: Deps, ids: Sequence[str] = (), *, correlation_id: str = ""
) -> dict[str, Any]:
    """Correct Invoice for the chosen revisions (staged first if need be), or for every
    staged one waiting for it. Raises NotFound naming an unknown revision."""
    credits = credit_memo_staging(deps.store)
    with tracked(deps, Flow.PROJECT_CREDIT_NOTES):
        chosen = list(ids) or [row["Id"] for row in credits.rows(Status=CreditMemoStatus.NEW.value)]
        for revision_id in chosen:
            if credits.find(revision_id) is None:
                revision = read_invoice(ports(deps)[0], revision_id)
                if not revision.is_revision:
                    raise ValidationError(f"project invoice {revision.number} is no revision: "
                                          "it corrects no invoice", record=revision_id,
                                          field="msdyn_correction")  # fmt: skip
                stage_revision(deps, revision, correlation_id=correlation_id)
        _set_non_changeable(deps)
        outcomes = []
        for revision_id in chosen:
            try:
                status = correct_invoice(deps, revision_id, correlation_id=correlation_id)
            except TransientError as error:
                credits.save(revision_id, Error=f"{error}; retried by Correct Invoice")
                status = CreditMemoStatus.NEW
            row = credits.get(revision_id)
            outcomes.append({"revision": row.get("RevisionNumber"), "id": revision_id,
                             "status": status.value, "error": row.get("Error") or "",
                             "creditMemo": row.get("BcPostedCreditMemoId")
                             or row.get("BcUnpostedCreditMemoId") or ""})  # fmt: skip
    done = {status.value for status in DONE}
    return {"corrected": sum(o["status"] in done for o in outcomes),
            "records": outcomes}  # fmt: skip


def handle_correct_message(deps: Deps, message: CorrectMessage) -> CreditMemoStatus:
    """The queue's Correct Invoice. A transient error is raised (the message comes back
    later); a refusal is the row's and completes the message."""
    with tracked(deps, Flow.PROJECT_CREDIT_NOTES):
        _set_non_changeable(deps)
        return correct_invoice(deps, message.revision_id, correlation_id=message.correlation_id)


def note_dead_letter(
    deps: Deps, revision_id: str, queue: str, error: str, failing_for: timedelta
) -> None:
    """Say on the Dataverse Credit Memo that Correct Invoice's message is going to the
    dead-letter queue, and how to replay it (its status stays: nothing is wrong with it)."""
    credits = credit_memo_staging(deps.store)
    if credits.find(revision_id) is None:
        return
    hours = failing_for.total_seconds() / 3600
    credits.save(revision_id, Error=(
        f"dead-lettered after failing for {hours:.1f} h: {error}. Once the cause is fixed, "
        f"replay it: POST /api/dead-letters/{queue}/replay or hub dead-letters replay {queue}"))  # fmt: skip


def correct_invoice(deps: Deps, revision_id: str, *, correlation_id: str = "") -> CreditMemoStatus:
    """Correct Invoice for one staged revision (see the module docstring)."""
    with hold_lock(deps, f"project-credit-note|{revision_id.lower()}", wait=5.0):
        return _Corrector(deps, revision_id.lower(), correlation_id).run()


def refresh_credit_memos(deps: Deps, report: ProjectReport) -> None:
    """Credit memos left for the user (Create credit memo mode) that were posted in BC."""
    credits = credit_memo_staging(deps.store)
    bc = credit_memos_port(deps)
    for row in credits.rows(Status=CreditMemoStatus.CREATED.value):
        try:
            state = bc.credit_memo(str(row.get("BcCreditMemoId") or ""))
        except TransientError:
            return
        corrector = _Corrector(deps, row["Id"], "")
        if state is None:
            corrector.record(CreditMemoStatus.ERROR, f"BC credit memo "
                             f"{row.get('BcUnpostedCreditMemoId')} was deleted in BC")  # fmt: skip
        elif state.posted:
            report.posted += 1
            corrector.record(CreditMemoStatus.POSTED, "", state)
        else:
            changed = changed_fields(row, state, deps.credit_notes.non_changeable_fields)
            if changed and changed != row.get("Error"):
                corrector.record(CreditMemoStatus.CREATED, changed, state)


def changed_fields(row: Mapping[str, Any], state: CreditMemoState, fields: Sequence[str]) -> str:
    """What a BC user changed of the non-changeable header fields since the hub wrote the
    credit memo (BC refuses such a change while the setting names the field; this finds one
    made before, or while the setting was off). "" when nothing."""
    written = json.loads(str(row.get("Written") or "{}"))
    changes = [f"{name} {written[name]!r} → {state.header.get(name)!r}"
               for name in fields if name in written and state.header.get(name) != written[name]]  # fmt: skip
    if not changes:
        return ""
    return (f"credit memo {state.number} was changed in BC after the hub wrote it: "
            f"{', '.join(changes)} (non-changeable: PROJECT_NON_CHANGEABLE_FIELDS)")  # fmt: skip


class _Corrector:
    def __init__(self, deps: Deps, revision_id: str, correlation_id: str) -> None:
        self.deps, self.revision_id, self.correlation_id = deps, revision_id, correlation_id
        self.credits, self.invoices = credit_memo_staging(deps.store), invoice_staging(deps.store)
        self.bc = credit_memos_port(deps)

    def run(self) -> CreditMemoStatus:
        row = self.credits.get(self.revision_id)
        if row.get("Coupled") and CreditMemoStatus(row["Status"]) in DONE:
            return CreditMemoStatus(row["Status"])  # a redelivery: done already
        label = f"revision {row.get('RevisionNumber')} of {row.get('InvoiceNumber')}"
        try:
            found = self._existing()
            if found is not None:  # made by an attempt whose answer was lost: link it
                return self._finish(found, post=self._post(), label=label)
            plan = self._plan(row, label)
            return self._apply(plan, row, label)
        except RecordError as refused:  # BC refused (transient and fatal errors go up)
            message = refused.message
            return self.record(CreditMemoStatus.ERROR,
                               message if message.startswith(label) else f"{label}: {message}")  # fmt: skip

    # --- gather and decide ----------------------------------------------------------------
    def _existing(self) -> CreditMemoState | None:
        return (self.bc.credit_memo_for_revision(self.revision_id)
                or self.bc.credit_memo(document_id("credit-memo", self.revision_id)))  # fmt: skip

    def _plan(self, row: Mapping[str, Any], label: str) -> Plan:
        original_id = str(row["InvoiceId"])
        original = self.invoices.get(original_id)
        credited = credited_before(self.credits, original_id, self.revision_id)
        dimension = ProjectDimension(self.bc, self.deps.credit_notes.dimension)
        originals = []
        for line in self.invoices.lines(original_id):
            if not number(line.get("Quantity")) or not chargeable(line):
                continue
            originals.append(OriginalLine(
                line["Id"], str(line.get("Description") or "")[:DESCRIPTION],
                number(line.get("Quantity")), number(line.get("UnitPrice")),
                dimension.value(line, label) if original.get("BcInvoiceId") else "",
                credited.get(line["Id"], 0.0),
            ))  # fmt: skip
        revised = {line["Id"]: number(line.get("RevisedQuantity"))
                   for line in self.credits.lines(self.revision_id)}  # fmt: skip
        bc_id = str(original.get("BcInvoiceId") or "")
        invoice = self.bc.sales_invoice(bc_id) if bc_id else None
        facts = BcFacts(invoice)
        if invoice is not None and invoice.posted:
            self._note_posted(original_id, invoice)
            today = self.deps.clock().date()
            ours = frozenset(str(r.get("BcCreditMemoId")) for r in self.credits.rows(InvoiceId=original_id)
                             if r.get("BcCreditMemoId"))  # fmt: skip
            facts = BcFacts(
                invoice, self.bc.credit_memos_for_invoice(invoice.id), ours,
                self.bc.closed_period(today), self.bc.customer_blocked(invoice.customer_number),
                today,
            )  # fmt: skip
        return plan_correction(originals, revised, facts, self.deps.credit_notes, label)

    def _note_posted(self, original_id: str, invoice: InvoiceState) -> None:
        """BC Posted Invoice No on both rows: the user may have posted the original since
        the poll last looked (a poll stages revisions before it reads BC's postings)."""
        posting_date = _iso(invoice.posting_date)
        self.invoices.save(
            original_id, BcPostedInvoiceNo=invoice.number, BcPostingDate=posting_date
        )
        self.credits.save(self.revision_id, BcPostedInvoiceNo=invoice.number)

    # --- apply ----------------------------------------------------------------------------
    def _apply(self, plan: Plan, row: Mapping[str, Any], label: str) -> CreditMemoStatus:
        if isinstance(plan, Refuse):
            return self.record(CreditMemoStatus.REFUSED, plan.reason, refused_field=plan.field)
        if isinstance(plan, Nothing):
            return self.record(CreditMemoStatus.NOTHING, "")
        original = self.invoices.get(str(row["InvoiceId"]))
        if isinstance(plan, CancelUnposted):
            return self._cancel_unposted(original, plan)
        if isinstance(plan, CancelPosted):
            cancelled = self.bc.cancel_invoice(str(original["BcInvoiceId"]))
            return self._finish(cancelled, post=False, label=label, lines=plan.lines)
        document = self._credit_memo(original, plan, label)
        created = self.deps.bc.create_document(document)
        self.bc.mark_credit_memo(created.id, self.revision_id, str(original["InvoiceId"]))
        state = self.bc.credit_memo(created.id)
        if state is None:
            raise TransientError(f"credit memo {created.number} cannot be read back yet")
        return self._finish(state, post=plan.post, label=label, lines=plan.lines)

    def _credit_memo(
        self, original: Mapping[str, Any], plan: CreditMemo, label: str
    ) -> NewDocument:
        header = map_header(self.deps, original, label)
        account = revenue_account(self.deps.credit_notes)
        dimension = self.deps.credit_notes.dimension
        return NewDocument(
            kind=DocumentKind.SALES_CREDIT_MEMO, party_number=header["customerNumber"],
            posting_date=self.deps.clock().date(), due_date=None,
            currency_code=str(header.get("currencyCode") or ""),
            external_document_number=str(self.credits.get(self.revision_id).get("RevisionNumber")),
            lines=[NewLine("Account", account, line.description, line.quantity, line.unit_price,
                           dimensions={dimension: line.dimension_value},
                           id=document_id("credit-memo-line", f"{self.revision_id}|{line.detail_id}"))
                   for line in plan.lines],
            id=document_id("credit-memo", self.revision_id),
            applies_to_invoice_id=str(original["BcInvoiceId"]),
        )  # fmt: skip

    def _post(self) -> bool:
        return self.deps.credit_notes.correct_mode is CorrectMode.CANCEL_INVOICE

    def _finish(self, state: CreditMemoState, *, post: bool, label: str,
                lines: Sequence[CreditLine] = ()) -> CreditMemoStatus:  # fmt: skip
        if not state.project_revision_id:
            self.bc.mark_credit_memo(state.id, self.revision_id,
                                     str(self.credits.get(self.revision_id)["InvoiceId"]))  # fmt: skip
        if post and not state.posted:
            posted = self.deps.bc.get_document(DocumentKind.SALES_CREDIT_MEMO, state.id)
            if posted is None:
                raise TransientError(f"{label}: credit memo {state.number} cannot be read back yet")
            self.deps.bc.post_document(posted)
            state = self.bc.credit_memo(state.id) or state
        status = CreditMemoStatus.POSTED if state.posted else CreditMemoStatus.CREATED
        return self.record(status, "", state)

    def _cancel_unposted(
        self, original: Mapping[str, Any], plan: CancelUnposted
    ) -> CreditMemoStatus:
        bc_id = str(original.get("BcInvoiceId") or "")
        if bc_id:
            self.bc.delete_unposted_invoice(bc_id)
        self.invoices.save(original["Id"], BcInvoiceId="", Status=InvoiceStatus.CANCELLED.value,
                           Error="")  # fmt: skip
        if not plan.full:  # the kept part is billed: the revision becomes an invoice of its own
            dataverse, _ = ports(self.deps)  # (first: "Deleted" says all of it is done)
            revision = with_details(dataverse, dataverse.get("invoices", self.revision_id))
            stage_invoice(self.deps, revision, correction=True)
            write_invoice(self.deps, self.revision_id, correlation_id=self.correlation_id)
        return self.record(CreditMemoStatus.DELETED, "", deleted=True)

    # --- record ---------------------------------------------------------------------------
    def record(
        self, status: CreditMemoStatus, error: str, state: CreditMemoState | None = None, *,
        deleted: bool = False, refused_field: str = "",
    ) -> CreditMemoStatus:  # fmt: skip
        row = self.credits.get(self.revision_id)
        coupled = status in DONE
        values: dict[str, Any] = {"Status": status.value, "Error": error, "Coupled": coupled,
                                  "RefusedField": refused_field, "UpdatedAt": self.deps.clock(),
                                  "Attempts": int(row.get("Attempts") or 0) + 1}  # fmt: skip
        if state is not None:
            values.update(BcCreditMemoId=state.id, BcPostingDate=_iso(state.posting_date),
                          TotalAmount=state.total_including_tax,
                          TotalTax=number(state.header.get("totalTaxAmount")))  # fmt: skip
            values["BcPostedCreditMemoId" if state.posted else "BcUnpostedCreditMemoId"] = (
                state.number
            )
            if not state.posted and not row.get("Written"):  # what the hub wrote, to see changes
                header_fields = [f for f in self.deps.credit_notes.non_changeable_fields
                                 if "/" not in f]  # fmt: skip
                values["Written"] = json.dumps({f: state.header.get(f) for f in header_fields},
                                               default=str)  # fmt: skip
        if deleted:
            values["BcUnpostedInvoiceNo"] = DELETED
        self.credits.save(self.revision_id, **values)
        self.credits.update_lines(self.revision_id, {"Coupled": coupled, "Status": status.value})
        original_id = str(row["InvoiceId"])
        if coupled and status is not CreditMemoStatus.NOTHING:
            numbers = {k: v for k, v in values.items()
                       if k in ("BcPostedCreditMemoId", "BcUnpostedCreditMemoId")}  # fmt: skip
            after = InvoiceStatus.CANCELLED if deleted else InvoiceStatus.CREDITED
            self.invoices.save(original_id, Status=after.value, **numbers)
        self._publish(status, error, original_id)
        return status

    def _publish(self, status: CreditMemoStatus, error: str, original_id: str) -> None:
        """The outcome on both Project Operations invoices and in both Dataverse stagings."""
        row = self.credits.get(self.revision_id)
        number = row.get("BcPostedCreditMemoId") or row.get("BcUnpostedCreditMemoId") or None
        outcome = {CreditMemoStatus.POSTED: "Credited", CreditMemoStatus.CREATED: "Credited",
                   CreditMemoStatus.DELETED: "Cancelled", CreditMemoStatus.NOTHING: "Posted",
                   CreditMemoStatus.NEW: "Pending"}.get(status, "Error")  # fmt: skip
        values = {
            "bcs_bccreditmemono": number,
            "bcs_bccreditmemoposted": status is CreditMemoStatus.POSTED,
            "bcs_bcintegrationstatus": INTEGRATION_STATUS[outcome],
            "bcs_bcintegrationmessage": error[:2000] or None,
        }
        with contextlib.suppress(TransientError, RecordError):  # Dataverse follows later
            dataverse, _ = ports(self.deps)
            if outcome_hash(values) != row.get("PublishedOutcome"):
                write_all(dataverse, [Operation("PATCH", f"invoices({self.revision_id})", values)])
                self.credits.save(self.revision_id, PublishedOutcome=outcome_hash(values))
            publish_invoice(self.deps, original_id)


# --- helpers ------------------------------------------------------------------------------
def _original_of(deps: Deps, revision: ProjectInvoice) -> tuple[str, dict[str, float]]:
    """The invoice the revision corrects in BC, and what the revision keeps per line detail
    of it. A revision of a revision is followed back to the invoice BC has: the original,
    or the revision that billed anew what it kept of an invoice BC never posted."""
    dataverse, _ = ports(deps)
    invoices = invoice_staging(deps.store)
    kept = {str(d["_msdyn_originalinvoicelinedetail_value"]).lower(): number(d.get("msdyn_quantity"))
            for d in revision.corrections}  # fmt: skip
    for _ in range(MAX_CHAIN):
        first = next(iter(kept))
        try:
            detail = dataverse.get("msdyn_invoicelinetransactions", first, select=[
                "_msdyn_invoice_value", "msdyn_correction", "_msdyn_originalinvoicelinedetail_value"])  # fmt: skip
        except NotFound:
            raise ValidationError(f"revision {revision.number}: the line detail it corrects "
                                  f"({first}) is gone", record=revision.id,
                                  field="msdyn_OriginalInvoiceLineDetail") from None  # fmt: skip
        invoice_id = str(detail["_msdyn_invoice_value"]).lower()
        staged = invoices.find(invoice_id)
        in_bc = staged is not None and staged.get("Status") != InvoiceStatus.CANCELLED
        if in_bc or not (
            detail.get("msdyn_correction") and detail.get("_msdyn_originalinvoicelinedetail_value")
        ):
            return invoice_id, kept
        parents = {str(d["msdyn_invoicelinetransactionid"]).lower():
                   str(d["_msdyn_originalinvoicelinedetail_value"]).lower()
                   for d in dataverse.rows("msdyn_invoicelinetransactions",
                                           filter=f"_msdyn_invoice_value eq {invoice_id}",
                                           select=["msdyn_invoicelinetransactionid",
                                                   "_msdyn_originalinvoicelinedetail_value"])
                   if d.get("_msdyn_originalinvoicelinedetail_value")}  # fmt: skip
        kept = {parents[key]: quantity for key, quantity in kept.items() if key in parents}
        if not kept:
            break
    raise ValidationError(f"revision {revision.number}: the invoice it corrects cannot be "
                          "traced back to one BC has", record=revision.id,
                          field="msdyn_OriginalInvoiceLineDetail")  # fmt: skip


def credited_before(credits: Staging, original_id: str, revision_id: str) -> dict[str, float]:
    """Per line detail of the original: what other revisions' credit memos took back."""
    taken: dict[str, float] = {}
    for other in credits.rows(InvoiceId=original_id):
        if other["Id"] == revision_id.lower() or other.get("Status") not in (
            CreditMemoStatus.CREATED,
            CreditMemoStatus.POSTED,
        ):
            continue
        for line in credits.lines(other["Id"]):
            taken[line["Id"]] = taken.get(line["Id"], 0.0) + number(line.get("Quantity"))
    return taken


def _set_non_changeable(deps: Deps) -> None:
    """Sales Credit Memo Non-changeable fields, as the operator set them, in BC."""
    credit_memos_port(deps).set_non_changeable_fields(deps.credit_notes.non_changeable_fields)


def _publish_quietly(deps: Deps, invoice_id: str, *, lines: bool) -> None:
    with contextlib.suppress(TransientError, RecordError):  # Dataverse follows on the next change
        publish_invoice(deps, invoice_id, lines=lines)


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""
