"""Business Central client for the EcpPro invoice flows (implements `BusinessCentral`).

Quirks handled:
- A header with its lines and line dimensions is created in one `$batch` with
  `Isolation: snapshot` (BC ≥ 17.1): one transaction, rolled back as a whole when any
  request fails, so a bad line never leaves half a document. Ids are chosen here
  (BC accepts a client SystemId), so later requests in the batch can address the header
  and lines created before them. A batch holds at most 100 requests.
- A new line starts with its document's dimensions (the customer's or vendor's defaults)
  plus its item's defaults, and BC refuses to add a dimension the line already has: such
  dimensions are PATCHed (by dimension id), the others POSTed.
- Purchase credit memos (and their lines) have no `dimensionSetLines` in API v2.0: their
  line dimensions go through the companion API (`api/ecppro/hub/v1.0`, see
  sandbox/BC_CUSTOM_API.md) in a second transaction, and the lines just created are
  deleted again if that one fails. Force delete exists only in the companion API.
- Master data lookups, caching and `$batch` plumbing live in `business_central_master`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from shared.adapters.business_central.master_data import BusinessCentralMasterData
from shared.adapters.business_central.wire import SHAPES, batch_request, document_from, iso
from shared.adapters.odata import eq_filter
from shared.domain.invoices import DocumentKind
from shared.errors import NotFound
from shared.ports.business_central import BcDocument, NewDocument, NewLine


class BusinessCentralClient(BusinessCentralMasterData):
    """Typed access to one company's documents (and, inherited, its master data)."""

    # --- documents --------------------------------------------------------------------------
    def find_sales_document(
        self, kind: DocumentKind, external_document_number: str
    ) -> BcDocument | None:
        shape = SHAPES[kind]
        rows = self._list(
            shape.entity_set, eq_filter(externalDocumentNumber=external_document_number)
        )
        return document_from(kind, rows[0]) if rows else None

    def find_open_purchase_document(
        self, kind: DocumentKind, vendor_number: str, vendor_invoice_number: str, currency_code: str
    ) -> BcDocument | None:
        shape = SHAPES[kind]
        filter_ = eq_filter(**{"vendorNumber": vendor_number, shape.reference: vendor_invoice_number,
                               "currencyCode": currency_code, "status": "Draft"})  # fmt: skip
        rows = self._list(shape.entity_set, filter_, expand=shape.lines)
        return document_from(kind, rows[0]) if rows else None

    def get_document(self, kind: DocumentKind, document_id: str) -> BcDocument | None:
        shape = SHAPES[kind]
        try:
            row = self.odata.get(self._path(shape.entity_set), document_id, expand=shape.lines)
        except NotFound:
            return None
        return document_from(kind, row)

    def create_document(self, document: NewDocument) -> BcDocument:
        shape = SHAPES[document.kind]
        header_id = str(uuid.uuid4())
        header = {"id": header_id, shape.party: document.party_number,
                  shape.reference: document.external_document_number,
                  shape.date_field: iso(document.posting_date), "postingDate": iso(document.posting_date),
                  "dueDate": iso(document.due_date), "currencyCode": document.currency_code}  # fmt: skip
        url = f"{self.company}/{shape.entity_set}"
        requests = [batch_request("POST", url, {k: v for k, v in header.items() if v is not None})]
        line_ids = [str(uuid.uuid4()) for _ in document.lines]
        inherited = (
            self._party_default_codes(document) if _has_dimensions(document.lines) else set()
        )
        requests += self._line_requests(
            document.kind, header_id, document.lines, line_ids, inherited
        )
        answers = self._batch(requests)
        self._companion_dimensions(
            document.kind, header_id, document.lines, line_ids, created_header=True
        )
        # The batch answered with the created header: no read-back request needed.
        markers = frozenset(line.marker for line in document.lines if line.marker)
        created = document_from(document.kind, answers[0].get("body") or {"id": header_id})
        return replace(created, markers=markers)

    def add_lines(self, document: BcDocument, lines: Sequence[NewLine]) -> BcDocument:
        line_ids = [str(uuid.uuid4()) for _ in lines]
        # Credit memo line dimensions go through the companion API, which replaces values.
        needs_codes = (
            _has_dimensions(lines) and document.kind is not DocumentKind.PURCHASE_CREDIT_MEMO
        )
        inherited = self._header_codes(document) if needs_codes else set()
        self._batch(self._line_requests(document.kind, document.id, lines, line_ids, inherited))
        self._companion_dimensions(
            document.kind, document.id, lines, line_ids, created_header=False
        )
        added = frozenset(line.marker for line in lines if line.marker)
        return replace(document, markers=document.markers | added)

    def post_document(self, document: BcDocument) -> BcDocument:
        shape = SHAPES[document.kind]
        self.http.request(
            "POST", self._path(f"{shape.entity_set}({document.id})/Microsoft.NAV.post")
        )
        posted = self.get_document(document.kind, document.id)
        if posted is None:
            raise NotFound(f"posted {document.kind.value} {document.number} cannot be read back")
        return posted

    def force_delete_purchase_document(self, document: BcDocument) -> None:
        path = f"{self.companion_path}/{self.company}/purchaseDocuments({document.id})"
        self.http.request("POST", f"{path}/Microsoft.NAV.forceDelete")

    # --- lines and their dimensions --------------------------------------------------------
    def _line_requests(
        self,
        kind: DocumentKind,
        header_id: str,
        lines: Sequence[NewLine],
        line_ids: Sequence[str],
        inherited: set[str],
    ) -> list[dict[str, Any]]:
        shape = SHAPES[kind]
        base = f"{self.company}/{shape.entity_set}({header_id})/{shape.lines}"
        requests = []
        for line, line_id in zip(lines, line_ids, strict=True):
            body = {"id": line_id, "lineType": line.line_type, "lineObjectNumber": line.number,
                    "description": line.description[:100], "description2": line.marker[:50],
                    "quantity": line.quantity, shape.unit_field: line.unit_amount}  # fmt: skip
            requests.append(batch_request("POST", base, body))
            if kind is not DocumentKind.PURCHASE_CREDIT_MEMO:
                codes = inherited | self._item_default_codes(line)
                requests += self._dimension_requests(
                    f"{base}({line_id})/dimensionSetLines", line, codes
                )
        return requests

    def _dimension_requests(
        self, url: str, line: NewLine, inherited: set[str]
    ) -> list[dict[str, Any]]:
        requests = []
        for code, value in line.dimensions.items():
            if code in inherited:  # already on the line: BC refuses a second one, so change it
                target = f"{url}({self._dimension_id(code)})"
                requests.append(batch_request("PATCH", target, {"valueCode": value}, if_match="*"))
            else:
                requests.append(batch_request("POST", url, {"code": code, "valueCode": value}))
        return requests

    def _companion_dimensions(
        self, kind: DocumentKind, header_id: str, lines: Sequence[NewLine], line_ids: Sequence[str],
        *, created_header: bool,
    ) -> None:  # fmt: skip
        """Line dimensions of purchase credit memos, which API v2.0 cannot set."""
        if kind is not DocumentKind.PURCHASE_CREDIT_MEMO:
            return
        url = f"{self.company}/purchaseCreditMemoLineDimensions"
        requests = [
            batch_request("POST", url, {"documentId": header_id, "lineId": line_id,
                                        "dimensionCode": code, "valueCode": value})
            for line, line_id in zip(lines, line_ids, strict=True)
            for code, value in line.dimensions.items()
        ]  # fmt: skip
        if not requests:
            return
        try:
            self._batch(requests, root=self.companion_path)
        except Exception:
            self._undo(kind, header_id, line_ids, created_header=created_header)
            raise

    def _undo(
        self, kind: DocumentKind, header_id: str, line_ids: Sequence[str], *, created_header: bool
    ) -> None:
        shape = SHAPES[kind]
        if created_header:
            self.http.request(
                "DELETE", self._path(f"{shape.entity_set}({header_id})"), headers={"If-Match": "*"}
            )
            return
        base = f"{self.company}/{shape.entity_set}({header_id})/{shape.lines}"
        self._batch(
            [batch_request("DELETE", f"{base}({line_id})", if_match="*") for line_id in line_ids]
        )

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


def _has_dimensions(lines: Sequence[NewLine]) -> bool:
    return any(line.dimensions for line in lines)
