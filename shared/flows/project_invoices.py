"""Confirmed Project Operations invoices → BC sales invoices, through the BC Invoice
Stagings (product document 001; the credit notes that correct them: `credit_notes`).

- **poll** (timer `%PROJECT_INVOICES_SCHEDULE%`): Dataverse change tracking on invoices.
  A draft revision is confirmed when Auto Confirm Credit Note Invoice is on. A confirmed
  project invoice is processed when Activate BC Invoice Integration is on; otherwise
  "Process Confirmed Invoices" (HTTP, CLI) does it on demand. Then BC's outcomes come
  back: an invoice or credit memo the user posted in BC.
- **process** one confirmed invoice: an original is staged (header and every line
  detail) and written to BC as one sales invoice (header and lines in one deep insert, an
  id derived from the Project Operations invoice, so a retry finds it and never makes a
  second); a revision is staged in the Dataverse Credit Memos and, when the integration
  is active, queued for Correct Invoice.
- Every change is written to the Dataverse staging users open (`bcs_bcinvoicestagings`,
  its lines) and to the Project Operations invoice (`bcs_bcinvoiceno`,
  `bcs_bcintegrationstatus`, `bcs_bcintegrationmessage`).

Errors: fatal ones stop the run and are raised; BC or Dataverse unavailable leaves the
invoice New with the reason, retried on the next run; a refusal is the row's Error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.domain.credit_notes import (
    CHARGEABLE,
    DATAVERSE_INVOICE_STATUS,
    INTEGRATION_STATUS,
    CreditNoteSetup,
    InvoiceStatus,
)
from shared.domain.invoices import DocumentKind
from shared.entities.project_invoices import (
    DESCRIPTION,
    DETAIL_COLUMNS,
    HEADER_COLUMNS,
    LINE_FIELDS,
    PROJECT_INVOICE,
)
from shared.errors import (
    ConfigurationError,
    DependencyNotSynced,
    FatalError,
    NotFound,
    RecordError,
    TransientError,
    ValidationError,
)
from shared.flows.deps import Deps
from shared.ports.business_central import NewDocument, NewLine
from shared.ports.credit_memos import BcCreditMemos
from shared.ports.dataverse import ChangeSet, Dataverse, Operation
from shared.sync.couplings import Coupling, Couplings
from shared.sync.maps import Lookup, MappingProblem
from shared.sync.planner import Filtered, Wait, map_payload
from shared.sync.project_staging import Staging, credit_memo_staging, invoice_staging

ID_NAMESPACE = uuid.UUID("3c1f7a2e-5b84-4d69-a0e3-8f2b6c4d9e17")
IDS_PER_QUERY = 15  # invoice ids per line-details query (`or`-joined, well under URL limits)
STAGING_SET, STAGING_LINES_SET = "bcs_bcinvoicestagings", "bcs_bcinvoicestaginglines"


def document_id(kind: str, source_id: str) -> str:
    """The BC id of what the hub writes for a Project Operations record (kind: invoice,
    invoice-line, credit-memo, credit-memo-line): the same on every attempt."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}|{source_id.lower()}"))


@dataclass
class ProjectReport:
    """How one run (the poll, or Process Confirmed Invoices) went."""

    read: int = 0
    confirmed: int = 0  # draft revisions confirmed (Auto Confirm)
    staged: int = 0
    created: int = 0  # BC sales invoices written
    revisions: int = 0  # revisions staged in the Dataverse Credit Memos
    queued: int = 0  # revisions queued for Correct Invoice
    posted: int = 0  # invoices and credit memos found posted in BC
    waiting: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    skipped: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read, "confirmed": self.confirmed, "staged": self.staged,
            "created": self.created, "revisions": self.revisions, "queued": self.queued,
            "posted": self.posted, "waiting": self.waiting, "failed": self.failed,
            "errors": self.errors[:20], **({"skipped": self.skipped} if self.skipped else {}),
        }  # fmt: skip


@dataclass(frozen=True)
class ProjectInvoice:
    """A Project Operations invoice with its line details, as Dataverse holds it."""

    row: Mapping[str, Any]
    details: tuple[Mapping[str, Any], ...]

    @property
    def id(self) -> str:
        return str(self.row["invoiceid"]).lower()

    @property
    def number(self) -> str:
        return str(self.row.get("invoicenumber") or self.row.get("name") or self.id)

    @property
    def status(self) -> int | None:
        value = self.row.get("msdyn_projectinvoicestatus")
        return int(value) if value is not None else None

    @property
    def corrections(self) -> tuple[Mapping[str, Any], ...]:
        return tuple(d for d in self.details
                     if d.get("msdyn_correction") and d.get("_msdyn_originalinvoicelinedetail_value"))  # fmt: skip

    @property
    def is_revision(self) -> bool:
        return bool(self.corrections)


# --- staging ------------------------------------------------------------------------------
def stage_invoice(deps: Deps, invoice: ProjectInvoice, *, correction: bool = False) -> bool:
    """Stage (or restage) a project invoice and its line details; answers whether it is new."""
    dataverse, _ = ports(deps)
    staging = invoice_staging(deps.store)
    existing = staging.find(invoice.id)
    names = _Names(dataverse)
    row = invoice.row
    total, tax = number(row.get("totalamount")), number(row.get("totaltax"))
    staging.save(
        invoice.id, Number=invoice.number, InvoiceId=invoice.id,
        AccountId=str(row.get("_customerid_value") or ""),
        CurrencyId=str(row.get("_transactioncurrencyid_value") or ""),
        DocumentDate=str(row.get("msdyn_invoicedate") or ""), TotalAmount=total, TotalTax=tax,
        Status=(existing or {}).get("Status") or InvoiceStatus.NEW,
        IsCorrectionInvoice=bool((existing or {}).get("IsCorrectionInvoice")) or correction,
        ModifiedOn=str(row.get("modifiedon") or ""), StagedAt=deps.clock(),
    )  # fmt: skip
    lines = []
    for index, detail in enumerate(invoice.details, start=1):
        values: dict[str, Any] = {name: detail.get(column) for name, column in LINE_FIELDS}
        project_id = str(detail.get("_msdyn_project_value") or "")
        rate = number(detail.get("exchangerate")) or 1.0
        values.update(
            DocumentNo=invoice.number, Sequence=index, ImportSequenceNumber=index,
            TransactionCategory=names.name("msdyn_transactioncategories",
                                           detail.get("_msdyn_transactioncategory_value")),
            DimensionCode=names.name("msdyn_projects", project_id), DimensionValue=project_id,
            LineAmountBase=round(number(detail.get("msdyn_amount")) / rate, 2),
            Coupled=False, Status=InvoiceStatus.NEW.value,
        )  # fmt: skip
        lines.append((str(detail["msdyn_invoicelinetransactionid"]), values))
    staging.save_lines(invoice.id, lines)  # Dataverse's copy: when the outcome is recorded
    return existing is None


def write_invoice(deps: Deps, invoice_id: str, *, correlation_id: str = "") -> InvoiceStatus:
    """Create the staged invoice in BC (or find it there); record the outcome."""
    staging = invoice_staging(deps.store)
    row = staging.get(invoice_id)
    label = f"project invoice {row['Number']}"
    try:
        document = _bc_invoice(deps, row, staging.lines(invoice_id), label)
        bc = deps.bc
        existing = bc.get_document(DocumentKind.SALES_INVOICE, document.id)
        created = existing or bc.create_document(document)
    except FatalError:
        raise
    except DependencyNotSynced as waiting:  # its reason says it is retried on the next run
        _settle(deps, staging, invoice_id, InvoiceStatus.NEW, waiting.message, lines=True)
        return InvoiceStatus.NEW
    except TransientError as error:
        _settle(deps, staging, invoice_id, InvoiceStatus.NEW, f"{error}; retried on the next run",
                lines=True)  # fmt: skip
        return InvoiceStatus.NEW
    except RecordError as refused:
        message = (
            refused.message if refused.message.startswith(label) else f"{label}: {refused.message}"
        )
        _settle(deps, staging, invoice_id, InvoiceStatus.ERROR, message, lines=True)
        return InvoiceStatus.ERROR
    status = InvoiceStatus.POSTED if created.posted else InvoiceStatus.CREATED
    numbers = ({"BcPostedInvoiceNo": created.number} if created.posted
               else {"BcUnpostedInvoiceNo": created.number})  # fmt: skip
    staging.update_lines(invoice_id, {"Coupled": True})
    _settle(deps, staging, invoice_id, status, "", BcInvoiceId=created.id,
            CustomerAccountNumber=document.party_number, Currency=document.currency_code,
            BcPostingDate=document.posting_date.isoformat() if document.posting_date else "",
            CorrelationId=correlation_id, lines=True, **numbers)  # fmt: skip
    return status


def refresh_invoices(deps: Deps, report: ProjectReport) -> None:
    """Invoices the user posted in BC since they were created: Posted in BC."""
    staging = invoice_staging(deps.store)
    bc = credit_memos_port(deps)
    for row in staging.rows(Status=InvoiceStatus.CREATED.value):
        try:
            state = bc.sales_invoice(str(row.get("BcInvoiceId") or ""))
        except TransientError:
            return  # BC unavailable: the next run looks again
        if state is None:
            _settle(deps, staging, row["Id"], InvoiceStatus.ERROR,
                    f"BC invoice {row.get('BcUnpostedInvoiceNo')} was deleted in BC")  # fmt: skip
        elif state.posted:
            report.posted += 1
            _settle(deps, staging, row["Id"], InvoiceStatus.POSTED, "",
                    BcPostedInvoiceNo=state.number,
                    BcPostingDate=state.posting_date.isoformat() if state.posting_date else "")  # fmt: skip


# --- the BC invoice -----------------------------------------------------------------------
def _bc_invoice(
    deps: Deps, row: Mapping[str, Any], lines: Sequence[Mapping[str, Any]], label: str
) -> NewDocument:
    setup = deps.credit_notes
    header = map_header(deps, row, label)
    account = revenue_account(setup)
    dimension = ProjectDimension(credit_memos_port(deps), setup.dimension)
    new_lines = []
    for line in lines:
        if not chargeable(line):
            continue
        description = str(line.get("Description") or "")[:DESCRIPTION]
        new_lines.append(NewLine(
            "Account", account, description, number(line.get("Quantity")),
            number(line.get("UnitPrice")),
            dimensions={setup.dimension: dimension.value(line, label)},
            id=document_id("invoice-line", str(line["Id"])),
        ))  # fmt: skip
    if not new_lines:
        raise ValidationError(f"{label}: no chargeable line: nothing to bill in BC",
                              record=str(row["Number"]), field="msdyn_billingtype")  # fmt: skip
    return NewDocument(
        kind=DocumentKind.SALES_INVOICE, party_number=header["customerNumber"],
        posting_date=_date(header.get("postingDate")), due_date=None,
        currency_code=str(header.get("currencyCode") or ""),
        external_document_number=str(header["externalDocumentNumber"]), lines=new_lines,
        id=document_id("invoice", str(row["Id"])),
    )  # fmt: skip


def map_header(deps: Deps, row: Mapping[str, Any], label: str) -> dict[str, Any]:
    """The BC header values of a staged project invoice through the couplings. Raises
    ValidationError naming the field, DependencyNotSynced (transient) for a customer or
    currency not coupled yet."""
    source = {"id": row["Id"], "invoicenumber": row["Number"],
              "msdyn_invoicedate": row.get("DocumentDate") or None,
              "_customerid_value": row.get("AccountId"),
              "_transactioncurrencyid_value": row.get("CurrencyId")}  # fmt: skip
    for name, message in PROJECT_INVOICE.required:
        if not str(source.get(name) or "").strip():
            raise ValidationError(f"{label}: {message}", record=str(row["Number"]), field=name)
    couplings = Couplings(deps.store)

    def resolve(lookup: Lookup, value: str) -> Coupling | None:
        return couplings.by_crm(lookup.entity, value)

    try:
        mapped = map_payload(PROJECT_INVOICE, source, resolve)
    except MappingProblem as problem:
        raise ValidationError(f"{label}: {problem.message}", record=str(row["Number"]),
                              field=problem.field) from None  # fmt: skip
    if isinstance(mapped, Wait | Filtered):
        raise DependencyNotSynced(f"{label}: {mapped.reason}")
    return mapped


def revenue_account(setup: CreditNoteSetup) -> str:
    if not setup.revenue_account:
        raise ConfigurationError(
            "PROJECT_REVENUE_ACCOUNT is not set: the G/L account of the lines made from "
            "project invoices", settings=["PROJECT_REVENUE_ACCOUNT"],
        )  # fmt: skip
    return setup.revenue_account


class ProjectDimension:
    """The BC dimension value of each line's project (by the project's name), looked up once."""

    def __init__(self, bc: BcCreditMemos, dimension: str) -> None:
        self.bc, self.dimension, self.found = bc, dimension, dict[str, str | None]()

    def value(self, line: Mapping[str, Any], label: str) -> str:
        project = str(line.get("DimensionCode") or "")
        if not project:
            raise ValidationError(f"{label}: line '{line.get('Description')}' has no project",
                                  record=str(line.get("Id")), field="msdyn_Project")  # fmt: skip
        if project not in self.found:
            self.found[project] = self.bc.project_dimension_value(self.dimension, project)
        code = self.found[project]
        if code is None:
            raise ValidationError(
                f"{label}: project '{project}' has no value in BC dimension {self.dimension} "
                "(code or name): add it in BC, then Reprocess", record=str(line.get("Id")),
                field="Dimension Value",
            )  # fmt: skip
        return code


def chargeable(line: Mapping[str, Any]) -> bool:
    return line.get("BillingType") == CHARGEABLE and number(line.get("Quantity")) != 0


# --- Dataverse ----------------------------------------------------------------------------
def ports(deps: Deps) -> tuple[Dataverse, BcCreditMemos]:
    if deps.dataverse is None:
        raise ConfigurationError("DATAVERSE_URL is not set: the credit-notes flow reads "
                                 "Project Operations", settings=["DATAVERSE_URL"])  # fmt: skip
    return deps.dataverse, credit_memos_port(deps)


def credit_memos_port(deps: Deps) -> BcCreditMemos:
    if deps.bc_credit_memos is None:
        raise ConfigurationError("Business Central is not configured for the credit-notes flow",
                                 settings=["BC_TENANT_ID", "BC_ENVIRONMENT"])  # fmt: skip
    return deps.bc_credit_memos


def read_invoice(dataverse: Dataverse, invoice_id: str) -> ProjectInvoice:
    """Raises NotFound naming the invoice."""
    try:
        row = dataverse.get("invoices", invoice_id, select=HEADER_COLUMNS)
    except NotFound:
        raise NotFound(f"project invoice {invoice_id} is not in Project Operations",
                       record=invoice_id) from None  # fmt: skip
    return with_details(dataverse, row)


def with_details(dataverse: Dataverse, row: Mapping[str, Any]) -> ProjectInvoice:
    [invoice] = with_details_many(dataverse, [row])
    return invoice


def with_details_many(
    dataverse: Dataverse, rows: Sequence[Mapping[str, Any]]
) -> list[ProjectInvoice]:
    """The invoices with their line details, read `IDS_PER_QUERY` invoices a request, in the
    order the invoice shows them: by its line (Line Item Number), then date and description."""
    details: dict[str, list[Mapping[str, Any]]] = {str(r["invoiceid"]).lower(): [] for r in rows}
    line_numbers: dict[str, int] = {}  # invoice line id → its Line Item Number
    ids = list(details)
    for start in range(0, len(ids), IDS_PER_QUERY):
        chunk = ids[start : start + IDS_PER_QUERY]
        chosen = " or ".join(f"_msdyn_invoice_value eq {i}" for i in chunk)
        for detail in dataverse.rows("msdyn_invoicelinetransactions", select=DETAIL_COLUMNS,
                                     filter=chosen):  # fmt: skip
            details[str(detail["_msdyn_invoice_value"]).lower()].append(detail)
        lines = " or ".join(f"_invoiceid_value eq {i}" for i in chunk)
        for line in dataverse.rows("invoicedetails", filter=lines,
                                   select=["invoicedetailid", "lineitemnumber", "sequencenumber"]):  # fmt: skip
            number = line.get("lineitemnumber") or line.get("sequencenumber") or 0
            line_numbers[str(line["invoicedetailid"]).lower()] = int(number)

    def order(detail: Mapping[str, Any]) -> tuple[int, str, str, str]:
        """Not by creation time: Dataverse keeps it to the second, so details made together tie."""
        line = line_numbers.get(str(detail.get("_msdyn_invoicelineid_value") or "").lower(), 0)
        return (line, str(detail.get("msdyn_documentdate") or ""),
                str(detail.get("msdyn_description") or ""), str(detail["msdyn_invoicelinetransactionid"]))  # fmt: skip

    return [ProjectInvoice(dict(row), tuple(sorted(details[str(row["invoiceid"]).lower()], key=order)))
            for row in rows]  # fmt: skip


OPEN_STATUSES = ("New", "Error")  # a staging row still to be written (or written again)


def finished(deps: Deps, invoice_id: str) -> bool:
    """Whether the stagings are done with this Project Operations invoice (an original in
    BC, a revision corrected or refused): a change to it has nothing left to do. A revision
    that bills what it kept is done once its own invoice is."""
    row = invoice_staging(deps.store).find(invoice_id) or credit_memo_staging(deps.store).find(
        invoice_id
    )
    return row is not None and row.get("Status") not in OPEN_STATUSES


def finished_ids(deps: Deps) -> set[str]:
    """Every invoice id `finished` answers True for, from one read of each staging."""
    originals = {row["Id"]: row.get("Status") for row in invoice_staging(deps.store).rows()}
    revisions = {row["Id"]: row.get("Status") for row in credit_memo_staging(deps.store).rows()
                 if row["Id"] not in originals}  # fmt: skip
    return {
        key for key, status in {**revisions, **originals}.items() if status not in OPEN_STATUSES
    }


def publish_invoice(deps: Deps, invoice_id: str, *, lines: bool = False) -> None:
    """Write the staging row (and its lines) to the Dataverse BC Invoice Stagings, and
    the outcome to the Project Operations invoice."""
    dataverse, _ = ports(deps)
    staging = invoice_staging(deps.store)
    row = staging.get(invoice_id)
    staging_id = document_id("staging", invoice_id)
    status = InvoiceStatus(row.get("Status") or InvoiceStatus.NEW)
    operations = [Operation("PATCH", f"{STAGING_SET}({staging_id})", {
        "bcs_name": row.get("Number"), "bcs_Invoice@odata.bind": f"/invoices({invoice_id})",
        "bcs_customeraccountnumber": row.get("CustomerAccountNumber") or None,
        "bcs_currencycode": row.get("Currency") or None,
        "bcs_documentdate": row.get("DocumentDate") or None,
        "bcs_bcpostingdate": row.get("BcPostingDate") or None,
        "bcs_totalamount": row.get("TotalAmount"), "bcs_totaltax": row.get("TotalTax"),
        "bcs_status": DATAVERSE_INVOICE_STATUS[status],
        "bcs_bcunpostedinvoiceno": row.get("BcUnpostedInvoiceNo") or None,
        "bcs_bcpostedinvoiceno": row.get("BcPostedInvoiceNo") or None,
        "bcs_iscorrectioninvoice": bool(row.get("IsCorrectionInvoice")),
        "bcs_creditnoteinvoiceid": row.get("CreditNoteInvoiceId") or None,
        "bcs_bcunpostedcreditmemoid": row.get("BcUnpostedCreditMemoId") or None,
        "bcs_bcpostedcreditmemoid": row.get("BcPostedCreditMemoId") or None,
        "bcs_errormessage": (str(row.get("Error") or "")[:2000]) or None,
    })]  # fmt: skip
    if lines:
        operations += [Operation("PATCH", f"{STAGING_LINES_SET}({document_id('staging-line', line['Id'])})", {
            "bcs_name": str(line.get("Name") or "")[:100],
            "bcs_InvoiceStaging@odata.bind": f"/{STAGING_SET}({staging_id})",
            "bcs_InvoiceLineDetail@odata.bind": f"/msdyn_invoicelinetransactions({line['Id']})",
            "bcs_description": str(line.get("Description") or "")[:100],
            "bcs_billingtype": line.get("BillingType"),
            "bcs_transactionclass": line.get("TransactionClass"),
            "bcs_transactioncategory": line.get("TransactionCategory") or None,
            "bcs_dimensioncode": str(line.get("DimensionCode") or "")[:100] or None,
            "bcs_dimensionvalue": line.get("DimensionValue") or None,
            "bcs_quantity": line.get("Quantity"), "bcs_unitprice": line.get("UnitPrice"),
            "bcs_lineamount": line.get("LineAmount"),
            "bcs_lineamountbase": line.get("LineAmountBase"),
            "bcs_exchangerate": line.get("ExchangeRate"),
            "bcs_revisedquantity": line.get("RevisedQuantity"),
            "bcs_creditedquantity": line.get("CreditedQuantity"),
            "bcs_importsequencenumber": line.get("ImportSequenceNumber"),
            "bcs_coupled": bool(line.get("Coupled")),
        }) for line in staging.lines(invoice_id)]  # fmt: skip
    outcome = {InvoiceStatus.NEW: "Pending", InvoiceStatus.CREATED: "Created",
               InvoiceStatus.POSTED: "Posted", InvoiceStatus.CREDITED: "Credited",
               InvoiceStatus.CANCELLED: "Cancelled", InvoiceStatus.ERROR: "Error"}[status]  # fmt: skip
    outcome_values = {
        "bcs_bcinvoiceno": row.get("BcPostedInvoiceNo") or row.get("BcUnpostedInvoiceNo") or None,
        "bcs_bcintegrationstatus": INTEGRATION_STATUS[outcome],
        "bcs_bcintegrationmessage": (str(row.get("Error") or "")[:2000]) or None,
    }
    written = outcome_hash(outcome_values)
    if written != row.get("PublishedOutcome"):
        operations.append(Operation("PATCH", f"invoices({invoice_id})", outcome_values))
    write_all(dataverse, operations)
    if written != row.get("PublishedOutcome"):
        staging.save(invoice_id, PublishedOutcome=written)


def outcome_hash(values: Mapping[str, Any]) -> str:
    """What was last written to a Project Operations invoice. Writing it again only when
    it changed keeps the hub's own write from coming back through change tracking as a
    change to process, over and over, for an invoice in Error."""
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:16]


def write_all(dataverse: Dataverse, operations: Sequence[Operation]) -> None:
    """Each operation on its own (one refused row must not hold back the others), packed
    in `$batch` requests; the first refusal is raised after all were tried."""
    results = dataverse.execute([ChangeSet([op]) for op in operations], continue_on_error=True)
    failed = next((r.error for r in results if r.error is not None), None)
    if failed is not None:
        raise failed


class _Names:
    """Names of Dataverse rows (projects, transaction categories), read once each."""

    def __init__(self, dataverse: Dataverse) -> None:
        self.dataverse, self.cache = dataverse, dict[tuple[str, str], str]()
        self.columns = {"msdyn_projects": "msdyn_subject",
                        "msdyn_transactioncategories": "msdyn_name"}  # fmt: skip

    def name(self, entity_set: str, row_id: object) -> str:
        if not row_id:
            return ""
        key = (entity_set, str(row_id).lower())
        if key not in self.cache:
            column = self.columns[entity_set]
            try:
                self.cache[key] = str(self.dataverse.get(entity_set, key[1], select=[column])
                                      .get(column) or "")  # fmt: skip
            except NotFound:
                self.cache[key] = ""
        return self.cache[key]


# --- small helpers ------------------------------------------------------------------------
def _settle(deps: Deps, staging: Staging, key: str, status: InvoiceStatus, error: str, *,
            lines: bool = False, **values: Any) -> None:  # fmt: skip
    row = staging.find(key) or {}
    attempts = int(row.get("Attempts") or 0) + (1 if error else 0)
    staging.save(key, Status=status.value, Error=error, Attempts=attempts,
                 UpdatedAt=deps.clock(), **values)  # fmt: skip
    with contextlib.suppress(TransientError, RecordError):  # the hub's row is the record;
        publish_invoice(deps, key, lines=lines)  # Dataverse's copy follows on the next change


def number(value: object) -> float:
    """A numeric column's value (Dataverse or staging); blank or not a number → 0."""
    try:
        return float(value or 0)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def _date(value: object) -> date | None:
    text = str(value or "")[:10]
    return date.fromisoformat(text) if text else None
