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
from dataclasses import dataclass
from typing import Any, Literal

from shared.domain.ecppro import INVOICES_ENDPOINT
from shared.domain.invoices import PurchaseStatus, SalesStatus, StagedInvoice, StagedLine
from shared.errors import ConflictError, ValidationError
from shared.flows.deps import Deps
from shared.flows.ecppro_lists import content_hash
from shared.flows.flow_status import tracked
from shared.flows.invoice_purchase import NOTHING_TO_PURCHASE, has_cost_lines
from shared.flows.invoice_staging import PARTITION, header_entity, line_entities
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
    mapping: Sequence[MappingEntry], raw: Mapping[str, Any], current: Mapping[str, Any] | None
) -> ImportAction:
    """What importing one EcpPro invoice does to staging (pure).

    `current` is the staged header (None when new). A row may be refreshed only while
    neither leg has acted on it (sales New or Error, purchase New or Not Applicable, no
    sales document); an invoice with no Unit Cost on any line is staged with purchase
    status Not Applicable.
    """
    invoice_id = str(raw.get("id") or "")
    if not invoice_id:
        payload = json.dumps(raw, default=str)
        key = f"no-id-{content_hash(dict(raw))[:12]}"
        return QuarantineRecord(Rejected(key, "id", "EcpPro invoice without an id", payload))
    editable = current is None or (
        current.get("SalesStatus") in (SalesStatus.NEW, SalesStatus.ERROR)
        and current.get("PurchaseStatus") in (PurchaseStatus.NEW, PurchaseStatus.NOT_APPLICABLE)
        and not current.get("SalesDocumentId")
    )
    try:
        invoice = _staged_invoice(invoice_id, mapping, raw)
    except ValidationError as exc:
        return StageFailure(invoice_id, exc) if editable else Keep("locked")
    digest = content_hash(_hashable(invoice))
    if current is not None and current.get("ContentHash") == digest:
        return Keep("unchanged")
    if not editable:
        return Keep("locked")
    if not has_cost_lines(invoice):
        invoice.purchase.not_applicable(NOTHING_TO_PURCHASE)
    return Stage(invoice, digest, new=current is None)


def handle_import(deps: Deps, *, correlation_id: str = "") -> ImportResult:
    """Stage every EcpPro invoice. Raises AuthError / TransientError from EcpPro."""
    with tracked(deps, Flow.INVOICE_IMPORT):
        correlation = correlation_id or str(uuid.uuid4())
        mapping = load_mapping(deps.store)
        staged = {e.row: e.data for e in deps.store.query(Table.INVOICES, partition=PARTITION)}
        counts = {"imported": 0, "refreshed": 0, "unchanged": 0, "locked": 0, "failed": 0}
        for raw in deps.ecppro.list_records(INVOICES_ENDPOINT):
            action = plan_import(mapping, raw, staged.get(str(raw.get("id") or "")))
            counts[_apply(deps, action, raw, staged, correlation)] += 1
        return ImportResult(**counts)


def _apply(
    deps: Deps,
    action: ImportAction,
    raw: Mapping[str, Any],
    staged: Mapping[str, dict[str, Any]],
    correlation: str,
) -> str:
    if isinstance(action, Keep):
        return action.outcome
    if isinstance(action, QuarantineRecord):
        row = quarantine_entity("ecppro.invoices", action.rejected, deps.clock())
        deps.store.upsert_many(Table.QUARANTINE, [row], replace=True)
        return "failed"
    if isinstance(action, StageFailure):
        current = staged.get(action.invoice_id)
        _stage_failure(deps, action.invoice_id, raw, action.error, current, correlation)
        return "failed"
    _write(deps, action.invoice, action.digest, staged.get(action.invoice.id), correlation)
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
    entity = header_entity(invoice)
    fields = {k: v for k, v in entity.data.items() if not k.startswith(("Sales", "Purchase"))}
    fields.pop("CorrelationId", None)
    fields["Lines"] = [line.data for line in line_entities(invoice)]
    return fields


def _write(
    deps: Deps,
    invoice: StagedInvoice,
    digest: str,
    current: dict[str, Any] | None,
    correlation: str,
) -> None:
    store = deps.store
    now = deps.clock()
    new_rows = line_entities(invoice)
    wanted = {row.row for row in new_rows}
    for old in store.query(Table.INVOICE_LINES, partition=invoice.id):
        if old.row not in wanted:
            store.delete(Table.INVOICE_LINES, invoice.id, old.row)
    store.upsert_many(Table.INVOICE_LINES, new_rows, replace=True)
    invoice.correlation_id = correlation
    # LineCount is written here only: later saves carry the header without its lines.
    header = header_entity(invoice, ContentHash=digest, UpdatedOn=now, LineCount=len(invoice.lines))
    header.data["ImportedOn"] = (current or {}).get("ImportedOn") or now
    if current is None:
        try:
            store.insert(Table.INVOICES, header)
        except ConflictError:  # another import staged it a moment ago: theirs stands
            return
    else:
        store.upsert_many(Table.INVOICES, [header], replace=True)


def _stage_failure(
    deps: Deps,
    invoice_id: str,
    raw: Mapping[str, Any],
    error: ValidationError,
    current: dict[str, Any] | None,
    correlation: str,
) -> None:
    """Stage (or mark) an invoice whose fields cannot be mapped, with the reason."""
    now = deps.clock()
    data = {
        "InvoiceNumber": str(
            raw.get("invoiceNumber") or (current or {}).get("InvoiceNumber") or ""
        ),
        "SalesStatus": SalesStatus.ERROR.value,
        "SalesView": "error",
        "SalesError": error.message,
        "PurchaseStatus": (current or {}).get("PurchaseStatus", PurchaseStatus.NEW.value),
        "PurchaseView": "new",
        "ContentHash": "",
        "CorrelationId": correlation,
        "UpdatedOn": now,
        "ImportedOn": (current or {}).get("ImportedOn") or now,
    }
    deps.store.upsert_many(Table.INVOICES, [Entity(PARTITION, invoice_id, data)])
