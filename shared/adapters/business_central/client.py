"""Business Central client for the EcpPro invoice flows (implements `BusinessCentral`).

Quirks handled:
- A new document is one deep insert: the header with every line nested in one POST, one
  transaction whatever the number of lines, so a document is never seen half-created.
  Ids are chosen by the hub (BC accepts a client SystemId), so a document or line written
  before a crash is recognised, and a second copy is refused by BC itself.
- Lines added to an existing document go in `$batch` transactions (`Isolation: snapshot`)
  of at most 100 requests, each line with its dimensions in the same transaction.
- A new line starts with its document's dimensions (the customer's or vendor's defaults)
  plus its item's defaults, and BC refuses to add a dimension the line already has: such
  dimensions are PATCHed (by dimension id), the others POSTed. A deep insert cannot carry
  a PATCH, so a new document's line dimensions follow it in transactions of their own;
  until they are all in, the document stays unposted and the next attempt completes them
  (`line_dimensions` reads what is there).
- Purchase credit memos (and their lines) have no `dimensionSetLines` in API v2.0: their
  line dimensions go through the companion API (`api/ecppro/hub/v1.0`, see
  sandbox/BC_CUSTOM_API.md), whose POST replaces an inherited value. Force delete exists
  only in the companion API.
- A write whose answer was lost is not sent again (the HTTP layer raises
  UncertainWriteError) and an id that exists already is a ConflictError: the flows read
  back and link. A post whose answer was lost, or that BC refuses because the document is
  posted already, succeeds when the document reads back posted; a force delete likewise
  when it reads back gone.
- Master data lookups, caching and `$batch` plumbing live in `master_data`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from shared.adapters.business_central.records import BusinessCentralRecordsClient
from shared.adapters.business_central.wire import (
    SHAPES,
    batch_request,
    document_from,
    iso,
    line_body,
    reference,
)
from shared.adapters.odata import eq_filter
from shared.domain.invoices import DocumentKind
from shared.errors import NotFound, RejectedError, TransientError, UncertainWriteError
from shared.ports.business_central import BcDocument, BcLine, DimensionFix, NewDocument, NewLine

Requests = list[dict[str, Any]]


class BusinessCentralClient(BusinessCentralRecordsClient):
    """Typed access to one company's documents (and, inherited, its master data and any
    entity set's records)."""

    # --- reads ------------------------------------------------------------------------------
    def find_sales_document(
        self, kind: DocumentKind, external_document_number: str
    ) -> BcDocument | None:
        shape = SHAPES[kind]
        rows = self._list(
            shape.entity_set, eq_filter(externalDocumentNumber=reference(external_document_number))
        )
        return document_from(kind, rows[0]) if rows else None

    def find_open_purchase_document(
        self, kind: DocumentKind, vendor_number: str, vendor_invoice_number: str, currency_code: str
    ) -> BcDocument | None:
        shape = SHAPES[kind]
        filter_ = eq_filter(**{"vendorNumber": vendor_number, shape.reference: reference(vendor_invoice_number),
                               "currencyCode": currency_code, "status": "Draft"})  # fmt: skip
        rows = self._list(shape.entity_set, filter_, expand=shape.lines)
        return document_from(kind, rows[0]) if rows else None

    def line_dimensions(
        self, document: BcDocument, line_ids: Iterable[str]
    ) -> dict[str, dict[str, str]]:
        wanted = set(line_ids)
        found: dict[str, dict[str, str]] = {line_id: {} for line_id in wanted & document.line_ids}
        if document.kind is DocumentKind.PURCHASE_CREDIT_MEMO:
            rows = self.odata.list(
                f"{self.companion_path}/{self.company}/purchaseCreditMemoLineDimensions",
                filter=eq_filter(documentId=uuid.UUID(document.id)),
            )
            for row in rows:
                if row["lineId"] in found:
                    found[row["lineId"]][row["dimensionCode"]] = row["valueCode"]
            return found
        shape = SHAPES[document.kind]
        lines = self._list(f"{shape.entity_set}({document.id})/{shape.lines}",
                           expand="dimensionSetLines")  # fmt: skip
        for line in lines:
            if line["id"] in found:
                found[line["id"]] = {d["code"]: d["valueCode"] for d in line["dimensionSetLines"]}
        return found

    def get_document(self, kind: DocumentKind, document_id: str) -> BcDocument | None:
        shape = SHAPES[kind]
        try:
            row = self.odata.get(self._path(shape.entity_set), document_id, expand=shape.lines)
        except NotFound:
            return None
        return document_from(kind, row)

    # --- writes -----------------------------------------------------------------------------
    def create_document(self, document: NewDocument) -> BcDocument:
        shape = SHAPES[document.kind]
        header_id = document.id or str(uuid.uuid4())
        pairs = _with_ids(document.lines)
        header = {"id": header_id, shape.party: document.party_number,
                  shape.reference: reference(document.external_document_number),
                  shape.date_field: iso(document.posting_date), "postingDate": iso(document.posting_date),
                  "dueDate": iso(document.due_date), "currencyCode": document.currency_code,
                  shape.lines: [line_body(document.kind, line, line_id) for line, line_id in pairs]}  # fmt: skip
        if document.applies_to_invoice_id:  # Applies-to Doc. No.: BC applies it on posting
            header["invoiceId"] = document.applies_to_invoice_id
        answer = self.http.request(
            "POST",
            self._path(shape.entity_set),
            json={k: v for k, v in header.items() if v is not None},
        ).json()
        created = replace(
            document_from(document.kind, {**answer, shape.lines: []}),
            lines=_placed(document.kind, pairs),
        )
        if not any(line.dimensions for line in document.lines):
            return created
        # A deep insert cannot PATCH the dimensions the lines inherit: they follow.
        inherited = self._party_default_codes(document)
        try:
            self._write_dimensions(created, [
                (line_id, line.dimensions, inherited | self._item_default_codes(line))
                for line, line_id in pairs])  # fmt: skip
        except RejectedError as exc:
            raise RejectedError(
                f"{created.kind.value.lower()} {created.number} was created with its lines, but "
                f"their dimensions were refused ({exc.message}); it stays unposted until they "
                "are in", field=exc.field, status=exc.status, detail=exc.detail,
            ) from exc  # fmt: skip
        return created

    def add_lines(
        self, document: BcDocument, lines: Sequence[NewLine], fixes: Sequence[DimensionFix] = ()
    ) -> BcDocument:
        pairs = _with_ids(lines)
        base = self._lines_url(document)
        if document.kind is DocumentKind.PURCHASE_CREDIT_MEMO:
            # No v2.0 dimensions here: lines first, then their dimensions (an upsert) after.
            self._transactions(
                [[batch_request("POST", base, line_body(document.kind, line, line_id))]
                 for line, line_id in pairs]
            )  # fmt: skip
            self._write_dimensions(document, [(i, line.dimensions, set()) for line, i in pairs])
        else:
            inherited = (
                self._header_codes(document) if any(ln.dimensions for ln in lines) else set()
            )
            self._transactions([
                [batch_request("POST", base, line_body(document.kind, line, line_id)),
                 *self._dimension_requests(f"{base}({line_id})/dimensionSetLines", line.dimensions,
                                           inherited | self._item_default_codes(line))]
                for line, line_id in pairs
            ])  # fmt: skip
        self._write_dimensions(document, _by_line(fixes))
        return replace(document, lines=document.lines + _placed(document.kind, pairs))

    def post_document(self, document: BcDocument) -> BcDocument:
        shape = SHAPES[document.kind]
        try:
            self.http.request(
                "POST", self._path(f"{shape.entity_set}({document.id})/Microsoft.NAV.post")
            )
        except (UncertainWriteError, RejectedError):
            # Posted already (an earlier answer was lost) is what was wanted; else the error.
            again = self.get_document(document.kind, document.id)
            if again is not None and again.posted:
                return again
            raise
        posted = self.get_document(document.kind, document.id)
        if posted is None:  # read-after-write: the posted document is there, just not seen yet
            raise TransientError(
                f"posted {document.kind.value} {document.number} cannot be read back yet"
            )
        return posted

    def force_delete_purchase_document(self, document: BcDocument) -> None:
        path = f"{self.companion_path}/{self.company}/purchaseDocuments({document.id})"
        try:
            self.http.request("POST", f"{path}/Microsoft.NAV.forceDelete")
        except (UncertainWriteError, NotFound):
            if self.get_document(document.kind, document.id) is not None:
                raise  # still there: the delete did not happen
            # Gone: an earlier attempt whose answer was lost deleted it.

    # --- dimensions -------------------------------------------------------------------------
    def _write_dimensions(self, document: BcDocument, wanted: Sequence[LineDimensions]) -> None:
        """Dimensions of lines already on the document, in as few transactions as fit.

        `wanted`: (line id, code → value, codes the line already has, which BC changes
        rather than adds). Purchase credit memos go through the companion API, whose POST
        replaces an existing value, so what the line has does not matter there.
        """
        if document.kind is DocumentKind.PURCHASE_CREDIT_MEMO:
            url = f"{self.company}/purchaseCreditMemoLineDimensions"
            groups = [
                [batch_request("POST", url, {"documentId": document.id, "lineId": line_id,
                                             "dimensionCode": code, "valueCode": value})
                 for code, value in values.items()]
                for line_id, values, _ in wanted
            ]  # fmt: skip
            self._transactions(groups, root=self.companion_path)
            return
        base = self._lines_url(document)
        self._transactions([
            self._dimension_requests(f"{base}({line_id})/dimensionSetLines", values, present)
            for line_id, values, present in wanted
        ])  # fmt: skip

    def _dimension_requests(
        self, url: str, dimensions: Mapping[str, str], present: set[str]
    ) -> Requests:
        requests = []
        for code, value in dimensions.items():
            if code in present:  # already on the line: BC refuses a second one, so change it
                target = f"{url}({self._dimension_id(code)})"
                requests.append(batch_request("PATCH", target, {"valueCode": value}, if_match="*"))
            else:
                requests.append(batch_request("POST", url, {"code": code, "valueCode": value}))
        return requests

    def _lines_url(self, document: BcDocument) -> str:
        shape = SHAPES[document.kind]
        return f"{self.company}/{shape.entity_set}({document.id})/{shape.lines}"

    def _party_default_codes(self, document: NewDocument) -> set[str]:
        """Dimension codes a new document (and so each of its lines) starts with."""
        sales = document.kind.is_sales
        party = (
            self.find_customer(document.party_number)
            if sales
            else self.find_vendor(document.party_number)
        )
        if party is None:
            return set()
        entity_set = "customers" if sales else "vendors"
        return self._default_codes(f"{entity_set}({party.id})/defaultDimensions")

    def _header_codes(self, document: BcDocument) -> set[str]:
        rows = self._list(f"{SHAPES[document.kind].entity_set}({document.id})/dimensionSetLines")
        return {row["code"] for row in rows}

    def _item_default_codes(self, line: NewLine) -> set[str]:
        item_id = self._item_id(line.number) if line.line_type == "Item" and line.dimensions else ""
        return self._default_codes(f"items({item_id})/defaultDimensions") if item_id else set()


LineDimensions = tuple[str, Mapping[str, str], set[str]]


def _with_ids(lines: Sequence[NewLine]) -> list[tuple[NewLine, str]]:
    """Each line with its id: the hub's, or a new one when the caller left it to BC."""
    return [(line, line.id or str(uuid.uuid4())) for line in lines]


def _placed(kind: DocumentKind, pairs: Sequence[tuple[NewLine, str]]) -> tuple[BcLine, ...]:
    """The lines as BC now holds them (a marker only where the lines have description2)."""
    marks = SHAPES[kind].marks_lines
    return tuple(BcLine(line_id, line.marker[:50] if marks else "") for line, line_id in pairs)


def _by_line(fixes: Sequence[DimensionFix]) -> list[LineDimensions]:
    """Fixes grouped per line: (line id, code → value, codes to change rather than add)."""
    values: dict[str, dict[str, str]] = defaultdict(dict)
    present: dict[str, set[str]] = defaultdict(set)
    for fix in fixes:
        values[fix.line_id][fix.code] = fix.value
        if fix.replace:
            present[fix.line_id].add(fix.code)
    return [(line_id, codes, present[line_id]) for line_id, codes in values.items()]
