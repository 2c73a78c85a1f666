"""Sales quotes and orders, CRM → BC through the CRM Data staging (product document §18,
§19; setup fields 2–7). Maps: `shared.entities.documents`.

- **stage**: Dataverse change tracking on quotes and orders (a delta link per type);
  Active quotes and Active, Confirmed orders are staged with their lines (and each
  product's name), keyed by their CRM number, so a quote's revisions share one row.
- **process** each pending document, under a lease per document (two runs, a timer and a
  Create in BC, never write one document twice at the same time):
  - *decide*: map header and lines through the couplings; a customer, master, product or
    unit not in BC yet → Waiting; a write-in line without a G/L account → Needs G/L
    Account; a value BC cannot hold → Error naming the field;
  - *apply*: find the document in BC (its staged BC id, else Your Reference = the CRM
    number). None: an order from a quote BC has archives and deletes that quote first,
    then the document is created under an id derived from its CRM number (a retry after
    a lost answer finds it, never makes a second one), numbered per setup. Found: a
    quote's newer revision, or an order changed in CRM, archives the BC document and
    replaces its content; the same content is Synced;
  - *record*: the BC id, No., revision and the integrated values BC answered.
- **check**: documents changed in BC since the last check whose integrated values are no
  longer what the hub wrote are reported on their staging row (Changed in BC).
Errors: fatal ones (credentials, configuration) stop the run and are raised; BC
unavailable leaves the document Waiting; a refusal is the row's Error, waiting for a fix
in CRM (a new revision) or Reprocess.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.domain.crm import CrmSetup
from shared.entities.documents import (
    DOCUMENTS,
    ORDER_HEADER,
    ORDERS,
    QUOTE_HEADER,
    QUOTES,
    DocumentMap,
)
from shared.errors import (
    ConfigurationError,
    FatalError,
    RecordError,
    RejectedError,
    TransientError,
    ValidationError,
)
from shared.flows.crm_setup import DISABLED, crm_ports, enabled_setup
from shared.flows.deps import Deps
from shared.flows.flow_status import tracked
from shared.flows.locks import hold_lock
from shared.ports.dataverse import Dataverse
from shared.ports.sales_documents import BcSalesDocuments, DocContent, SalesDoc, SalesDocKind
from shared.registry import Flow
from shared.sync.couplings import Coupling, Couplings, key_of
from shared.sync.document_staging import DocumentStaging, StagedDocument, is_write_in
from shared.sync.maps import Direction, Lookup, MappingProblem
from shared.sync.planner import Filtered, Wait, map_payload
from shared.sync.sides import parse_modified
from shared.sync.watermarks import Watermarks

ID_NAMESPACE = uuid.UUID("6f1d3c52-8a47-4f0e-9d61-2c5b7e9a0f13")
IDS_PER_QUERY = 15  # header ids per lines query (`or`-joined, well under URL limits)
INVALID_DELTA_TOKEN = "0x80044352"
DESCRIPTION, DESCRIPTION_2 = 100, 50
DATES = frozenset({"documentDate", "postingDate", "requestedDeliveryDate"})
AMOUNTS = frozenset({"quantity", "unitPrice", "lineDiscountAmount"})  # no Edm.Decimal is ""
BLANK_DATE = "0001-01-01"
FROM_ACCOUNT = (
    "accountname",
    "accountline1",
    "accountline2",
)  # read from the account  # BC's blank date: an empty string is no Edm.Date
LINE_KEYS = ("lineType", "lineObjectNumber", "description", "description2", "quantity",
             "unitOfMeasureCode", "unitPrice", "lineDiscountAmount")  # fmt: skip


@dataclass
class DocumentResult:
    """How one document type went in one run."""

    entity: str
    staged: int = 0
    created: int = 0
    replaced: int = 0
    synced: int = 0
    waiting: int = 0
    needs_gl_account: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.created + self.replaced

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity, "staged": self.staged, "created": self.created,
            "replaced": self.replaced, "synced": self.synced, "waiting": self.waiting,
            "needsGlAccount": self.needs_gl_account, "failed": self.failed,
            "errors": self.errors[:20],
        }  # fmt: skip


@dataclass
class DocumentsReport:
    results: list[DocumentResult] = field(default_factory=list)
    skipped: str = ""

    @property
    def written(self) -> int:
        return sum(r.written for r in self.results)

    def as_dict(self) -> dict[str, Any]:
        return {"written": self.written, "entities": [r.as_dict() for r in self.results],
                **({"skipped": self.skipped} if self.skipped else {})}  # fmt: skip


def documents(names: Iterable[str] | None = None) -> list[DocumentMap]:
    """The chosen document types (all of them for None). Raises ValidationError naming an unknown one."""
    if names is None:
        return list(DOCUMENTS.values())
    chosen = []
    for name in names:
        if name not in DOCUMENTS:
            raise ValidationError(f"unknown document type '{name}'; known: "
                                  f"{', '.join(DOCUMENTS)}", field="entities")  # fmt: skip
        chosen.append(DOCUMENTS[name])
    return chosen


def staging_for(deps: Deps, doc: DocumentMap) -> DocumentStaging:
    return DocumentStaging(deps.store, doc.staging, doc.lines_staging, deps.clock)


def run_documents(
    deps: Deps,
    names: Iterable[str] | None = None,
    *,
    automatic: bool = False,
    correlation_id: str = "",
) -> DocumentsReport:
    """Stage CRM's changes to quotes and orders, then write the pending ones to BC, then
    report BC-side changes. The timer does nothing while the integration is disabled."""
    report = DocumentsReport()
    setup = enabled_setup(deps, automatic=automatic)
    if setup is None:
        report.skipped = DISABLED
        return report
    with tracked(deps, Flow.CRM_DOCUMENTS):
        for doc in documents(names):
            result = DocumentResult(doc.name, staged=stage_documents(deps, doc))
            _Processor(deps, setup, correlation_id).run(doc, result)
            check_bc_changes(deps, doc)
            report.results.append(result)
    return report


def process_documents(
    deps: Deps,
    name: str,
    numbers: Sequence[str] | None = None,
    *,
    correlation_id: str = "",
) -> DocumentResult:
    """Create in BC / Reprocess: the chosen staged documents (also those in Error), or
    every pending one. Raises ValidationError naming an unknown document or number."""
    setup = enabled_setup(deps)
    assert setup is not None
    [doc] = documents([name])
    if numbers:
        staging_for(deps, doc).mark_pending(numbers)
    result = DocumentResult(doc.name)
    _Processor(deps, setup, correlation_id).run(doc, result, numbers=numbers or None,
                                                 errors=bool(numbers))  # fmt: skip
    return result


def stage_documents(deps: Deps, doc: DocumentMap) -> int:
    """Stage what changed in CRM for one document type; answers how many documents."""
    dataverse, _ = crm_ports(deps)
    watermarks = Watermarks(deps.store)
    token = watermarks.token(Direction.CRM_TO_BC, doc.name)
    columns = _header_columns(doc)
    try:
        feed = dataverse.changes(doc.header.source_set, select=columns, delta_link=token)
        changes = list(feed)
    except RejectedError as error:
        if error.detail != INVALID_DELTA_TOKEN:
            raise
        feed = dataverse.changes(doc.header.source_set, select=columns, delta_link=None)
        changes = list(feed)
    headers = [{**c.row, "id": c.id} for c in changes if c.kind != "deleted"]
    wanted = [h for h in headers if doc.include(h) and h.get(doc.number_field)]
    _add_accounts(dataverse, wanted)
    lines = _lines_of(dataverse, doc, [str(h["id"]) for h in wanted])
    staging = staging_for(deps, doc)
    staged = sum(staging.stage(str(h[doc.number_field]), h, lines.get(str(h["id"]).lower(), []))
                 for h in wanted)  # fmt: skip
    if feed.delta_link:
        watermarks.keep_token(Direction.CRM_TO_BC, doc.name, feed.delta_link, deps.clock())
    return staged


def check_bc_changes(deps: Deps, doc: DocumentMap) -> int:
    """Report documents whose integrated values were changed in BC since the hub wrote
    them (the companion extension refuses that when they are locked; this finds the rest)."""
    bc = _sales(deps)
    watermarks, staging = Watermarks(deps.store), staging_for(deps, doc)
    name = f"{doc.name}-changed-in-bc"
    since, started, noted = watermarks.get(Direction.CRM_TO_BC, name), deps.clock(), 0
    newest = since
    for bc_doc in bc.changed_since(doc.kind, since):
        modified = _modified(bc_doc)
        newest = modified if newest is None or (modified and modified > newest) else newest
        reference = str(bc_doc.header.get("yourReference") or "")
        try:
            row = staging.get(reference, lines=False)
        except RecordError:
            continue
        if row.bc_id != bc_doc.id or not row.bc_hash:
            continue
        changes = _differences(json.loads(row.bc_hash), bc_doc)
        if changes:
            staging.note(reference, f"changed in BC after the hub wrote it: {changes}")
            noted += 1
    if newest is not None and newest != since:
        watermarks.advance(Direction.CRM_TO_BC, name, newest, started)
    return noted


# --- one document ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Waits:
    """Why a document cannot be written yet (Waiting, Needs G/L Account)."""

    status: str
    reason: str


class _Processor:
    def __init__(self, deps: Deps, setup: CrmSetup, correlation_id: str) -> None:
        self.deps, self.setup, self.correlation_id = deps, setup, correlation_id
        self.bc = _sales(deps)
        self.couplings = Couplings(deps.store)
        self._parents: dict[str, dict[str, dict[str, Coupling]]] = {}

    def run(self, doc: DocumentMap, result: DocumentResult, *,
            numbers: Sequence[str] | None = None, errors: bool = False) -> None:  # fmt: skip
        staging = staging_for(self.deps, doc)
        if numbers is not None:
            chosen = list(numbers)
        else:
            chosen = [row.number for row in staging.rows(pending=True)
                      if errors or row.status != "Error"]  # fmt: skip
        for number in chosen:
            with hold_lock(self.deps, f"crm-document|{doc.name}|{number}", wait=5.0):
                status = self._one(doc, staging, staging.get(number))
            _count(result, status, staging.get(number, lines=False))

    def _one(self, doc: DocumentMap, staging: DocumentStaging, row: StagedDocument) -> str:
        if not row.pending:
            return "Synced"  # another run wrote it meanwhile
        number = row.number
        try:
            planned = self._plan(doc, row)
        except RecordError as refused:
            return self._settle(staging, number, "Error", refused.message, pending=True)
        if isinstance(planned, _Waits):
            return self._settle(staging, number, planned.status, planned.reason, pending=True)
        try:
            written, status = self._apply(doc, row, planned)
        except FatalError:
            raise
        except TransientError as error:
            return self._settle(staging, number, "Waiting", f"{error}; retried on the next run",
                                pending=True)  # fmt: skip
        except RecordError as refused:
            return self._settle(staging, number, "Error", refused.message, pending=True)
        values = {"BcId": written.id, "BcNo": written.number, "BcRevision": written.revision,
                  "BcHash": json.dumps(_integrated(written), default=str), "Notice": ""}  # fmt: skip
        return self._settle(staging, number, status, "", pending=False, **values)

    def _settle(self, staging: DocumentStaging, number: str, status: str, error: str, *,
                pending: bool, **values: Any) -> str:  # fmt: skip
        staging.settle(number, status, error=error, pending=pending,
                       correlation_id=self.correlation_id, **values)  # fmt: skip
        return status

    # --- decide ---------------------------------------------------------------------------
    def _plan(self, doc: DocumentMap, row: StagedDocument) -> DocContent | _Waits:
        """The content to write, or why the document waits. Raises RecordError naming the field."""
        label = f"{doc.header.label} {row.number}"
        source = {**row.source, "id": row.crm_id}
        for name, message in doc.header.required:
            if not str(source.get(name) or "").strip():
                raise ValidationError(f"{label}: {message}", record=row.number, field=name)
        header = self._map(doc.header, source, label)
        if isinstance(header, str):
            return _Waits("Waiting", header)
        header = {k: (BLANK_DATE if k in DATES else "") if v in (None, "") else v
                  for k, v in header.items()}  # fmt: skip
        header["crmLocked"] = doc.locked(self.setup)
        if doc is ORDERS:
            header["quoteNumber"] = ""
        lines: list[dict[str, Any]] = []
        needs_gl: list[str] = []
        ordered = sorted(row.lines, key=lambda x: (_int(x.source.get("lineitemnumber")),
                                                   _int(x.source.get("sequencenumber")), x.crm_id))  # fmt: skip
        for index, line in enumerate(ordered, start=1):
            line_label = f"{label} line {line.source.get('lineitemnumber') or index}"
            values = {**line.source, "id": line.crm_id}
            mapped: dict[str, Any]
            if is_write_in(values):
                mapped = {
                    "lineType": "Account", "lineObjectNumber": line.gl_account,
                    "quantity": values.get("quantity") or 0,
                    "unitPrice": values.get("priceperunit") or 0,
                    "lineDiscountAmount": values.get("manualdiscountamount") or 0,
                    "crmLineId": line.crm_id,
                }  # fmt: skip
                if not line.gl_account:
                    needs_gl.append(
                        f"{line_label} ({values.get('productdescription') or 'write-in'})"
                    )
                text = str(values.get("description") or values.get("productdescription") or "")
            else:
                item = self._map(doc.line, values, line_label)
                if isinstance(item, str):
                    return _Waits("Waiting", item)
                mapped = {**item, "lineType": "Item"}
                text = str(values.get("description") or values.get("productname") or "")
            mapped = {k: 0 if v in (None, "") and k in AMOUNTS else v for k, v in mapped.items()}
            mapped.update(_descriptions(text.strip(), line_label, row.number))
            mapped["id"] = line_id(doc, row.number, line.crm_id)
            mapped["sequence"] = index * 10000
            lines.append(mapped)
        if needs_gl:
            return _Waits("Needs G/L Account", f"set the G/L account of {', '.join(needs_gl)} "
                          "on the staging line (a write-in product has no BC item)")  # fmt: skip
        return DocContent(header, tuple(lines))

    def _map(self, entity: Any, source: Mapping[str, Any], label: str) -> dict[str, Any] | str:
        try:
            mapped = map_payload(entity, dict(source), self._resolve)
        except MappingProblem as problem:
            raise ValidationError(f"{label}: {problem.message}", field=problem.field) from None
        if isinstance(mapped, Wait | Filtered):
            return f"{label}: {mapped.reason}"
        return mapped

    def _resolve(self, lookup: Lookup, value: str) -> Coupling | None:
        if lookup.entity not in self._parents:
            self._parents[lookup.entity] = self.couplings.index(lookup.entity)
        found = self._parents[lookup.entity].get(lookup.by, {})
        return found.get(value.lower() if lookup.by in ("crm", "bc") else key_of(value))

    # --- apply ----------------------------------------------------------------------------
    def _apply(
        self, doc: DocumentMap, row: StagedDocument, content: DocContent
    ) -> tuple[SalesDoc, str]:
        current = self.bc.get(doc.kind, row.bc_id) if row.bc_id else None
        if current is None:
            current = self.bc.find(doc.kind, row.number)
        if (
            current is not None
            and not current.complete
            and current.id == document_id(doc, row.number)
        ):
            current = None  # ours, stopped half-way: creating it again completes it
        if current is None:
            header = dict(content.header)
            if doc is ORDERS:
                header["quoteNumber"] = self._archive_quote(row)
            keep = doc.keep_number(self.setup)
            created = self.bc.create(
                doc.kind, document_id(doc, row.number), DocContent(header, content.lines),
                number=row.number.upper() if keep else "",
                series="" if keep else doc.series(self.setup),
            )  # fmt: skip
            return created, "Created"
        if doc is ORDERS:
            content = DocContent({**content.header,
                                  "quoteNumber": current.header.get("quoteNumber") or ""},
                                 content.lines)  # fmt: skip
        newer = doc is QUOTES and row.revision > current.revision
        if not newer and _same(content, current):
            return current, "Synced"
        if newer or doc is ORDERS:  # each revision (an order's change) archives the last
            self.bc.archive(doc.kind, current.id)
        return self.bc.replace(current, content), "Replaced"

    def _archive_quote(self, order: StagedDocument) -> str:
        """An order from a quote BC has: that quote is archived and deleted (as BC does with
        a quote it makes an order of); answers its No. for the order's Quote No."""
        quote_id = str(order.source.get("_quoteid_value") or "")
        if not quote_id:
            return ""
        dataverse, _ = crm_ports(self.deps)
        try:
            quote = dataverse.get("quotes", quote_id, select=["quotenumber"])
        except RecordError:
            return ""
        quote_number = str(quote.get("quotenumber") or "")
        quotes = staging_for(self.deps, QUOTES)
        with hold_lock(self.deps, f"crm-document|{QUOTES.name}|{quote_number}", wait=5.0):
            try:
                staged = quotes.get(quote_number, lines=False)
            except RecordError:
                staged = None
            bc_quote = (
                self.bc.get(SalesDocKind.QUOTE, staged.bc_id) if staged and staged.bc_id else None
            )
            bc_quote = bc_quote or self.bc.find(SalesDocKind.QUOTE, quote_number)
            if bc_quote is None:
                return staged.bc_number if staged else ""
            self.bc.archive(SalesDocKind.QUOTE, bc_quote.id)
            self.bc.delete(SalesDocKind.QUOTE, bc_quote.id)
            if staged is not None:
                quotes.settle(quote_number, "Archived", error="", pending=False,
                              correlation_id=self.correlation_id,
                              Notice=f"archived when order {order.number} was created")  # fmt: skip
            return bc_quote.number


def document_id(doc: DocumentMap, number: str) -> str:
    """The BC id of a CRM document (stable across retries and revisions)."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{doc.name}|{number.lower()}"))


def line_id(doc: DocumentMap, number: str, crm_line_id: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{doc.name}|{number.lower()}|{crm_line_id.lower()}"))


def _descriptions(text: str, label: str, record: str) -> dict[str, str]:
    """Description (100) and Description 2 (50) from one text; longer is refused."""
    if len(text) > DESCRIPTION + DESCRIPTION_2:
        raise ValidationError(
            f"{label}: description is {len(text)} characters; BC holds {DESCRIPTION} in "
            f"Description and {DESCRIPTION_2} in Description 2", record=record, field="description",
        )  # fmt: skip
    return {"description": text[:DESCRIPTION], "description2": text[DESCRIPTION:]}


def _integrated(doc: SalesDoc) -> dict[str, Any]:
    """The values the hub wrote and BC keeps, as BC answered them (header and CRM lines)."""
    header_map = QUOTE_HEADER if doc.kind is SalesDocKind.QUOTE else ORDER_HEADER
    keys = [f.target for f in header_map.fields] + [lk.target for lk in header_map.lookups]
    header = {k: _norm(doc.header.get(k)) for k in keys if k != "crmId"}
    lines = sorted((str(line.get("crmLineId") or ""), *(_norm(line.get(k)) for k in LINE_KEYS))
                   for line in doc.lines if str(line.get("crmLineId") or "").strip("0-"))  # fmt: skip
    return {"header": header, "lines": hashlib.sha256(
        json.dumps(lines, default=str).encode()).hexdigest()}  # fmt: skip


def _differences(written: Mapping[str, Any], doc: SalesDoc) -> str:
    now = _integrated(doc)
    changed = [f"{k} {written['header'].get(k)!r} → {v!r}" for k, v in now["header"].items()
               if written.get("header", {}).get(k) != v]  # fmt: skip
    if written.get("lines") != now["lines"]:
        changed.append("lines")
    return "; ".join(changed)


def _same(content: DocContent, doc: SalesDoc) -> bool:
    """Whether BC already holds `content` (header values written and every line)."""
    for key, value in content.header.items():
        if key in ("crmLocked", "quoteNumber"):
            continue
        if _norm(doc.header.get(key)) != _norm(value):
            return False
    ours = {str(line["id"]).lower(): line for line in content.lines}
    theirs = {str(line["id"]).lower(): line for line in doc.lines
              if str(line.get("crmLineId") or "").strip("0-")}  # fmt: skip
    if ours.keys() != theirs.keys():
        return False
    return all(_norm(theirs[i].get(k)) == _norm(line.get(k))
               for i, line in ours.items() for k in LINE_KEYS)  # fmt: skip


def _norm(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return round(float(value), 5)
    text = str(value)
    return text[:10] if len(text) >= 10 and text[4:5] == "-" and text[7:8] == "-" else text


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _modified(doc: SalesDoc) -> datetime | None:
    return parse_modified(doc.header.get("lastModifiedDateTime"))


def _count(result: DocumentResult, status: str, row: StagedDocument) -> None:
    if status == "Created":
        result.created += 1
    elif status == "Replaced":
        result.replaced += 1
    elif status == "Synced":
        result.synced += 1
    elif status == "Waiting":
        result.waiting += 1
    elif status == "Needs G/L Account":
        result.needs_gl_account += 1
    else:
        result.failed += 1
        result.errors.append(f"{row.number}: {row.error}")


def _header_columns(doc: DocumentMap) -> list[str]:
    names = [n for f in doc.header.fields for n in f.source if n not in ("id", *FROM_ACCOUNT)]
    names += [lookup.source for lookup in doc.header.lookups]
    names += [doc.number_field, "statecode", "statuscode", "modifiedon"]
    names.append("_quoteid_value" if doc is ORDERS else "revisionnumber")
    return list(dict.fromkeys(names))


def _add_accounts(dataverse: Dataverse, headers: Sequence[dict[str, Any]]) -> None:
    """Each header's customer name and address from its account (§18/§19: Customer Name,
    Name 2, Address, Address 2), as `accountname`, `accountline1`, `accountline2`."""
    ids = sorted({str(h["_customerid_value"]).lower() for h in headers
                  if h.get("_customerid_value")})  # fmt: skip
    accounts: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), IDS_PER_QUERY):
        condition = " or ".join(f"accountid eq {i}" for i in ids[start : start + IDS_PER_QUERY])
        for row in dataverse.rows("accounts", filter=condition,
                                  select=["accountid", "name", "address1_line1", "address1_line2"]):  # fmt: skip
            accounts[str(row["accountid"]).lower()] = row
    for header in headers:
        found = accounts.get(str(header.get("_customerid_value") or "").lower(), {})
        values = (found.get("name"), found.get("address1_line1"), found.get("address1_line2"))
        header.update({name: value or "" for name, value in zip(FROM_ACCOUNT, values, strict=True)})


def _lines_of(
    dataverse: Dataverse, doc: DocumentMap, header_ids: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """Each header's lines, with the product's name (`productname`) for the description."""
    found: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(header_ids), IDS_PER_QUERY):
        chunk = header_ids[start : start + IDS_PER_QUERY]
        condition = " or ".join(f"{doc.lines_parent} eq {i}" for i in chunk)
        for line in dataverse.rows(doc.lines_set, filter=condition):
            line_id_ = str(line[f"{doc.lines_set[:-1]}id"])
            found.setdefault(str(line[doc.lines_parent]).lower(), []).append(
                {**line, "id": line_id_}
            )
    products = sorted({str(x["_productid_value"]) for rows in found.values() for x in rows
                       if x.get("_productid_value")})  # fmt: skip
    names: dict[str, str] = {}
    for start in range(0, len(products), IDS_PER_QUERY):
        chunk = products[start : start + IDS_PER_QUERY]
        condition = " or ".join(f"productid eq {i}" for i in chunk)
        for product in dataverse.rows("products", filter=condition, select=["productid", "name"]):
            names[str(product["productid"]).lower()] = str(product.get("name") or "")
    for rows in found.values():
        for line in rows:
            line["productname"] = names.get(str(line.get("_productid_value") or "").lower(), "")
    return found


def _sales(deps: Deps) -> BcSalesDocuments:
    if deps.bc_sales is None:
        raise ConfigurationError(
            "Business Central is not configured for CRM documents: set BC_API_URL",
            settings=["BC_API_URL"],
        )
    return deps.bc_sales
