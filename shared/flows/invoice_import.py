"""EcpPro invoices → staging, through the BC Invoice Mapping.

gather: the mapping, every EcpPro invoice, the staged headers' hashes and statuses.
decide: `plan_import` (pure), per invoice: stage (insert, or refresh while neither leg
        has acted on it), keep as it is, stage as Error when the mapping cannot be applied
        (the message names the invoice, the line and the field), or quarantine a record
        without an id. An invoice with nothing to purchase is staged Not Applicable.
apply:  lines first (one transaction per invoice), then the header, so a crash in
        between leaves lines that the next import overwrites, never a header without lines.

The EcpPro invoice id is the row key: importing the same invoice again never creates a
second staging record.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Literal

from shared.domain.ecppro import INVOICES_ENDPOINT
from shared.domain.invoices import PurchaseStatus, SalesStatus, StagedInvoice, StagedLine
from shared.errors import ConflictError, ValidationError
from shared.flows.deps import Deps
from shared.flows.ecppro_lists import content_hash
from shared.flows.flow_status import tracked
from shared.flows.invoice_purchase import NOTHING_TO_PURCHASE, has_cost_lines
from shared.flows.invoice_staging import (
    BOOKKEEPING_COLUMNS,
    header_entity,
    iter_headers,
    line_entities,
)
from shared.flows.quarantine import Rejected, quarantine_entity
from shared.mappings.invoice_mapping import (
    DEFAULT_MAPPING,
    MappingEntry,
    map_invoice,
    validate_mapping,
)
from shared.ports.store import Entity, StagingStore
from shared.registry import Flow, Table

MAPPING_PARTITION = "ecppro"
QUARANTINE_SOURCE = "ecppro.invoices"
MAX_ID_LENGTH = 200  # what a queued message may name (ProcessInvoice.invoice_id)


@dataclass(frozen=True)
class ImportResult:
    imported: int = 0
    refreshed: int = 0
    unchanged: int = 0
    locked: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "imported": self.imported,
            "refreshed": self.refreshed,
            "unchanged": self.unchanged,
            "locked": self.locked,
            "failed": self.failed,
        }


def load_mapping(store: StagingStore) -> list[MappingEntry]:
    """The stored mapping, or the shipped defaults when none was saved."""
    rows = list(store.query(Table.INVOICE_MAPPING, partition=MAPPING_PARTITION))
    if not rows:
        return list(DEFAULT_MAPPING)
    return [MappingEntry(str(row.data["EcpProField"]), row.row) for row in rows]


def save_mapping(store: StagingStore, entries: Sequence[MappingEntry]) -> None:
    """Replace the mapping. Raises ValidationError (unknown field, duplicate, missing)."""
    validate_mapping(entries)
    keep = {entry.bc_field for entry in entries}
    for row in store.query(Table.INVOICE_MAPPING, partition=MAPPING_PARTITION):
        if row.row not in keep:
            store.delete(Table.INVOICE_MAPPING, MAPPING_PARTITION, row.row)
    store.upsert_many(
        Table.INVOICE_MAPPING,
        [Entity(MAPPING_PARTITION, e.bc_field, {"EcpProField": e.ecppro_field}) for e in entries],
        replace=True,
    )


@dataclass(frozen=True)
class Stage:
    """Stage the invoice (insert, or refresh a row neither leg has acted on yet)."""

    invoice: StagedInvoice
    digest: str
    new: bool


@dataclass(frozen=True)
class StageFailure:
    """Stage the invoice as a sales Error: its fields cannot be mapped."""

    invoice_id: str
    error: ValidationError


@dataclass(frozen=True)
class Keep:
    """Leave the staged row as it is: `unchanged`, or `locked` (a leg already acted on it)."""

    outcome: Literal["unchanged", "locked"]


@dataclass(frozen=True)
class QuarantineRecord:
    """Keep an EcpPro record that cannot even be staged (no id) in quarantine."""

    rejected: Rejected


ImportAction = Stage | StageFailure | Keep | QuarantineRecord


def plan_import(
    mapping: Sequence[MappingEntry], raw: Mapping[str, Any], current: StagedInvoice | None
) -> ImportAction:
    """What importing one EcpPro invoice does to staging (pure).

    `current` is the staged header (None when new). A row may be refreshed only while
    neither leg has acted on it (sales New or Error, purchase New or Not Applicable, no
    sales document); a refresh keeps what each leg recorded (status, error, attempts),
    except an Error the import itself recorded because the mapping failed.
    An invoice with no Unit Cost on any line is purchase Not Applicable.
    """
    if not isinstance(raw, Mapping):
        payload = json.dumps(raw, default=str)
        key = f"not-an-object-{content_hash({'raw': payload})[:12]}"
        return QuarantineRecord(
            Rejected(key, "invoice", "EcpPro invoice is not an object", payload)
        )
    invoice_id = raw.get("id")
    problem = _id_problem(invoice_id)
    if problem:
        payload = json.dumps(raw, default=str)
        key = f"bad-id-{content_hash(dict(raw))[:12]}"
        return QuarantineRecord(Rejected(key, "id", f"EcpPro invoice {problem}", payload))
    assert isinstance(invoice_id, str)
    editable = current is None or (
        current.sales.status in (SalesStatus.NEW, SalesStatus.ERROR)
        and current.purchase.status in (PurchaseStatus.NEW, PurchaseStatus.NOT_APPLICABLE)
        and not current.sales.document_id
    )
    try:
        invoice = _staged_invoice(invoice_id, mapping, raw)
    except ValidationError as exc:
        return StageFailure(invoice_id, exc) if editable else Keep("locked")
    digest = content_hash(_hashable(invoice))
    if current is not None and current.content_hash == digest:
        return Keep("unchanged")
    if not editable:
        return Keep("locked")
    if current is not None:  # the legs' state is theirs; only the EcpPro content changes
        invoice.sales, invoice.purchase = current.sales, current.purchase
        invoice.processed, invoice.imported_on = current.processed, current.imported_on
        invoice.etag = current.etag
        if not current.content_hash and current.sales.status is SalesStatus.ERROR:
            # The import's own error (the mapping failed), not the leg's: it maps now.
            invoice.sales.clear(SalesStatus.NEW)
    if invoice.purchase.status in (PurchaseStatus.NEW, PurchaseStatus.NOT_APPLICABLE):
        if has_cost_lines(invoice):
            invoice.purchase.status, invoice.purchase.error = PurchaseStatus.NEW, ""
        else:
            invoice.purchase.not_applicable(NOTHING_TO_PURCHASE)
    invoice.content_hash, invoice.line_count = digest, len(invoice.lines)
    return Stage(invoice, digest, new=current is None)


def _id_problem(invoice_id: object) -> str:
    """Why an EcpPro invoice id cannot key a staged invoice ("" when it can)."""
    if not invoice_id:
        return "without an id"
    if not isinstance(invoice_id, str):
        return f"id {invoice_id!r} is not text"
    if len(invoice_id) > MAX_ID_LENGTH:
        return f"id of {len(invoice_id)} characters (at most {MAX_ID_LENGTH})"
    return ""


def handle_import(deps: Deps, *, correlation_id: str = "") -> ImportResult:
    """Stage every EcpPro invoice. Raises AuthError / TransientError from EcpPro."""
    with tracked(deps, Flow.INVOICE_IMPORT):
        correlation = correlation_id or str(uuid.uuid4())
        mapping = load_mapping(deps.store)
        staged = {invoice.id: invoice for invoice in iter_headers(deps.store)}
        counts = {"imported": 0, "refreshed": 0, "unchanged": 0, "locked": 0, "failed": 0}
        for raw in deps.ecppro.list_records(INVOICES_ENDPOINT):
            key = raw.get("id") if isinstance(raw, Mapping) else None
            action = plan_import(mapping, raw, staged.get(key) if isinstance(key, str) else None)
            counts[_apply(deps, action, raw, staged, correlation)] += 1
        return ImportResult(**counts)


def _apply(
    deps: Deps,
    action: ImportAction,
    raw: Mapping[str, Any],
    staged: Mapping[str, StagedInvoice],
    correlation: str,
) -> str:
    if isinstance(action, Keep):
        return action.outcome
    if isinstance(action, QuarantineRecord):
        row = quarantine_entity(QUARANTINE_SOURCE, action.rejected, deps.clock())
        deps.store.upsert_many(Table.QUARANTINE, [row], replace=True)
        return "failed"
    if isinstance(action, StageFailure):
        _stage_failure(
            deps, action.invoice_id, raw, action.error, staged.get(action.invoice_id), correlation
        )
        return "failed"
    if not _write(deps, action.invoice, correlation):
        return "locked"
    return "imported" if action.new else "refreshed"


def _staged_invoice(
    invoice_id: str, mapping: Sequence[MappingEntry], raw: Mapping[str, Any]
) -> StagedInvoice:
    header, lines = map_invoice(mapping, raw)
    defaults = {
        "currency_code": "",
        "customer_name": "",
        "vendor_number": "",
        "vendor_invoice_number": "",
        "cost_centre": "",
        "tenant_id": "",
    }
    values = {**defaults, **{k: v for k, v in header.items() if v is not None}}
    staged_lines = [
        StagedLine(
            line_no=line["line_no"],
            number=line["number"],
            description=line.get("description") or "",
            quantity=line["quantity"],
            unit_price=line.get("unit_price"),
            unit_cost=line.get("unit_cost"),
            amount=line.get("amount"),
        )
        for line in lines
    ]
    return StagedInvoice(id=invoice_id, lines=staged_lines, **values)


def _hashable(invoice: StagedInvoice) -> dict[str, Any]:
    """The invoice's EcpPro content: no leg state, no bookkeeping."""
    entity = header_entity(invoice)
    fields = {
        k: v
        for k, v in entity.data.items()
        if not k.startswith(("Sales", "Purchase")) and k not in BOOKKEEPING_COLUMNS
    }
    fields["Lines"] = [line.data for line in line_entities(invoice)]
    return fields


def _write(deps: Deps, invoice: StagedInvoice, correlation: str) -> bool:
    """Lines first, then the header; False when a leg changed the row meanwhile."""
    store = deps.store
    now = deps.clock()
    new_rows = line_entities(invoice)
    wanted = {row.row for row in new_rows}
    for old in store.query(Table.INVOICE_LINES, partition=invoice.id):
        if old.row not in wanted:
            store.delete(Table.INVOICE_LINES, invoice.id, old.row)
    store.upsert_many(Table.INVOICE_LINES, new_rows, replace=True)
    invoice.correlation_id = correlation
    invoice.imported_on, invoice.updated_on = invoice.imported_on or now, now
    header = header_entity(invoice)
    try:
        if invoice.etag is None:
            store.insert(Table.INVOICES, header)
        else:
            store.update(Table.INVOICES, header)  # guarded by the ETag read at the start
    except ConflictError:  # another import staged it, or a leg started on it: theirs stands
        return False
    return True


def _stage_failure(
    deps: Deps,
    invoice_id: str,
    raw: Mapping[str, Any],
    error: ValidationError,
    current: StagedInvoice | None,
    correlation: str,
) -> None:
    """Stage (or mark) an invoice whose fields cannot be mapped, with the reason, and keep
    the record as EcpPro sent it in quarantine."""
    invoice = current or StagedInvoice(
        id=invoice_id, invoice_number=str(raw.get("invoiceNumber") or "")[:100],
        customer_number="", posting_date=None, due_date=None, currency_code="", total=0.0,
    )  # fmt: skip
    invoice.sales.fail(error.message)
    invoice.content_hash = ""  # the next import maps it again
    invoice.correlation_id = correlation
    now = deps.clock()
    invoice.imported_on, invoice.updated_on = invoice.imported_on or now, now
    rejected = Rejected(invoice_id, error.field, error.message, json.dumps(raw, default=str))
    deps.store.upsert_many(
        Table.QUARANTINE, [quarantine_entity(QUARANTINE_SOURCE, rejected, now)], replace=True
    )
    with suppress(ConflictError):  # a leg or another import got there first: theirs stands
        if invoice.etag is None:
            deps.store.insert(Table.INVOICES, header_entity(invoice))
        else:
            deps.store.update(Table.INVOICES, header_entity(invoice))
