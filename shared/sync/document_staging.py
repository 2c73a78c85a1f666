"""CRM Data for documents: "CRM Sales Quote" and "CRM Sales Order" (product document §18, §19).

One header row per CRM document, keyed by its CRM number (a quote's revisions are new CRM
records with the same number, so they land on the same row), and its lines in a table of
their own (a document may have hundreds; one row each, partition = the document):

- header: the CRM id of the revision staged, the revision, CRM's values, `Status`, the
  BC id and No. once written, the last error, attempts, the revision BC has, the BC
  values written last (`BcHash`: what the hub wrote, to see a change made in BC), `Pending`;
- line: CRM's values and the G/L account the operator chose for a write-in product.

Statuses: New, Revised (a new revision staged), Updated (an order changed in CRM),
Created, Replaced (a revision or a change written to BC), Synced (BC had it), Waiting (a
master, the customer, a product or unit not in BC yet; or BC unavailable: retried),
Needs G/L Account (a write-in line has no G/L account yet: set it, then Create in BC or
wait for the timer), Error (BC or the hub refused it: the message names the field; waits
for a fix and Reprocess), Changed in BC (an integrated field was changed in BC).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.errors import NotFound, ValidationError
from shared.ports.store import Entity, StagingStore
from shared.sync.staging import row_filter

PARTITION = "staged"
WAITING_STATUSES = frozenset({"Waiting", "Needs G/L Account"})


@dataclass(frozen=True)
class StagedLine:
    crm_id: str
    source: dict[str, Any]
    gl_account: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"crmLineId": self.crm_id, "glAccount": self.gl_account, "crm": self.source}


@dataclass(frozen=True)
class StagedDocument:
    number: str
    crm_id: str
    revision: int
    status: str
    pending: bool
    source: dict[str, Any]
    bc_id: str = ""
    bc_number: str = ""
    bc_revision: int = -1
    bc_hash: str = ""
    error: str = ""
    notice: str = ""
    attempts: int = 0
    crm_modified: str = ""
    staged_at: datetime | None = None
    lines: tuple[StagedLine, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number, "crmId": self.crm_id, "revision": self.revision,
            "status": self.status, "pending": self.pending, "bcId": self.bc_id,
            "bcNo": self.bc_number, "error": self.error, "changedInBc": self.notice,
            "attempts": self.attempts, "crmModifiedOn": self.crm_modified,
            "stagedAt": self.staged_at.isoformat() if self.staged_at else None,
            "crm": self.source, "lines": [line.as_dict() for line in self.lines],
        }  # fmt: skip


class DocumentStaging:
    """The staging tables of one document type (headers and lines)."""

    def __init__(self, store: StagingStore, table: str, lines_table: str, clock: Any) -> None:
        self.store, self.table, self.lines_table, self.clock = store, table, lines_table, clock

    def stage(
        self, number: str, header: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]
    ) -> bool:
        """Record a CRM document's latest values; answers whether anything changed. A
        write-in line keeps the G/L account chosen for the same write-in product on the
        previous revision."""
        current = self._get(number)
        source = _clean(header)
        staged_lines = {str(line["id"]).lower(): _clean(line) for line in lines}
        if current is not None and current.source == source:
            old = {line.crm_id: line.source for line in self._lines(number)}
            if old == staged_lines:
                return False
        revision = int(header.get("revisionnumber") or 0)
        if current is None or not current.bc_id:
            status = "New"
        elif revision != current.revision:
            status = "Revised"
        else:
            status = "Updated"
        chosen = {_write_in(line.source): line.gl_account for line in self._lines(number)
                  if line.gl_account and _write_in(line.source)}  # fmt: skip
        for line in self._lines(number):
            if line.crm_id not in staged_lines:
                self.store.delete(self.lines_table, number, line.crm_id)
        self.store.upsert_many(self.lines_table, [
            Entity(number, line_id, {"Source": json.dumps(values, default=str),
                                     "GlAccount": chosen.get(_write_in(values), "")})
            for line_id, values in staged_lines.items()
        ], replace=True)  # fmt: skip
        self.store.upsert_many(self.table, [Entity(PARTITION, number, {
            "CrmId": str(header["id"]).lower(), "Revision": revision,
            "Source": json.dumps(source, default=str), "Status": status, "Pending": True,
            "CrmModifiedOn": str(header.get("modifiedon") or ""), "StagedAt": self.clock(),
        })])  # fmt: skip
        return True

    def rows(
        self, *, pending: bool | None = None, status: str | None = None
    ) -> Iterator[StagedDocument]:
        where = row_filter(pending=pending, status=status)
        for entity in self.store.query(self.table, partition=PARTITION, where=where):
            yield _document(entity)

    def by_bc_number(self, bc_number: str) -> StagedDocument | None:
        """The staged document BC holds under this No. (a posted invoice names its order)."""
        found = self.store.query(self.table, partition=PARTITION, where={"BcNo": bc_number})
        return next((_document(entity) for entity in found), None)

    def get(self, number: str, *, lines: bool = True) -> StagedDocument:
        """Raises NotFound naming the document."""
        found = self._get(number)
        if found is None:
            raise NotFound(f"{number} is not in the CRM Data staging ({self.table})", record=number)
        if not lines:
            return found
        return StagedDocument(**{**found.__dict__, "lines": tuple(self._lines(number))})

    def set_gl_account(self, number: str, line_id: str, account: str) -> StagedLine:
        """The operator's G/L account for a write-in line; the document is pending again.
        Raises NotFound naming the line, ValidationError for a line that is no write-in."""
        self.get(number, lines=False)
        line = next((x for x in self._lines(number) if x.crm_id == line_id.lower()), None)
        if line is None:
            raise NotFound(f"{number} has no staged line {line_id}", record=line_id)
        if not _write_in(line.source):
            raise ValidationError(
                f"{number} line {line_id} is for a product with a BC item: it takes no G/L "
                "account", field="glAccount",
            )  # fmt: skip
        account = account.strip().upper()
        if not account or len(account) > 20:
            raise ValidationError("glAccount: a G/L account No. (Code[20]) is required",
                                  field="glAccount")  # fmt: skip
        self.store.upsert_many(
            self.lines_table, [Entity(number, line.crm_id, {"GlAccount": account})]
        )
        self.store.upsert_many(self.table, [Entity(PARTITION, number, {"Pending": True})])
        return StagedLine(line.crm_id, line.source, account)

    def mark_pending(self, numbers: Sequence[str]) -> None:
        """Reprocess / Create in BC for chosen documents. Raises ValidationError naming
        the numbers that are not staged."""
        missing = [n for n in numbers if self._get(n) is None]
        if missing:
            raise ValidationError(
                f"not in the CRM Data staging ({self.table}): {', '.join(missing)}",
                field="numbers",
            )
        self.store.upsert_many(
            self.table, [Entity(PARTITION, n, {"Pending": True}) for n in numbers]
        )

    def settle(self, number: str, status: str, *, error: str = "", pending: bool = False,
               correlation_id: str = "", **values: Any) -> None:  # fmt: skip
        """Record how a document went; `values`: BcId, BcNo, BcRevision, BcHash, Notice."""
        current = self._get(number)
        attempts = (current.attempts if current else 0) + 1 if pending else 0
        self.store.upsert_many(self.table, [Entity(PARTITION, number, {
            "Status": status, "Pending": pending, "Error": error[:4000], "Attempts": attempts,
            "CorrelationId": correlation_id, "SettledAt": self.clock(), **values,
        })])  # fmt: skip

    def note(self, number: str, notice: str) -> None:
        """Report a change made in BC to an integrated field (kept until the next write)."""
        self.store.upsert_many(self.table, [Entity(PARTITION, number, {
            "Status": "Changed in BC", "Notice": notice[:4000]})])  # fmt: skip

    def _get(self, number: str) -> StagedDocument | None:
        try:
            return _document(self.store.get(self.table, PARTITION, number))
        except NotFound:
            return None

    def _lines(self, number: str) -> Iterable[StagedLine]:
        for entity in self.store.query(self.lines_table, partition=number):
            yield StagedLine(entity.row, json.loads(str(entity.data.get("Source") or "{}")),
                             str(entity.data.get("GlAccount") or ""))  # fmt: skip


def is_write_in(line: Mapping[str, Any]) -> bool:
    """A CRM line without an existing product (CRM's "Write In")."""
    return bool(line.get("isproductoverridden")) or not line.get("_productid_value")


def _write_in(line: Mapping[str, Any]) -> str:
    """A write-in line's product description (what the operator's G/L account is for)."""
    return str(line.get("productdescription") or "").strip().lower() if is_write_in(line) else ""


def _clean(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "id" and not k.startswith("@")}


def _document(entity: Entity) -> StagedDocument:
    data = entity.data
    staged = data.get("StagedAt")
    return StagedDocument(
        number=entity.row,
        crm_id=str(data.get("CrmId") or ""),
        revision=int(data.get("Revision") or 0),
        status=str(data.get("Status") or ""),
        pending=bool(data.get("Pending")),
        source=json.loads(str(data["Source"])) if data.get("Source") else {},
        bc_id=str(data.get("BcId") or ""),
        bc_number=str(data.get("BcNo") or ""),
        bc_revision=int(data["BcRevision"]) if data.get("BcRevision") is not None else -1,
        bc_hash=str(data.get("BcHash") or ""),
        error=str(data.get("Error") or ""),
        notice=str(data.get("Notice") or ""),
        attempts=int(data.get("Attempts") or 0),
        crm_modified=str(data.get("CrmModifiedOn") or ""),
        staged_at=staged if isinstance(staged, datetime) else None,
    )
