"""The hub's companion BC extension: a custom API next to the standard one (BC_CUSTOM_API.md).

Route `/v2.0/{tenant}/{environment}/api/ecppro/hub/v1.0/companies({id})/...`, same token
audience as BC, its own `$batch`. The purchase document sets are here; the connector's
masters, views and ledgers are in `business_central_companion_masters`, `_companion_views`
and `_ledgers`, its customer and contact pages in `_crm_customers` and `_crm_contacts`,
its quotes and orders in `_crm_sales` (with `_crm_locks`, `_archives`, `_no_series`), all
wired in `business_central_registry`. Entity sets here:

- `purchaseDocuments` (read-only): unposted and posted purchase invoices and credit memos
  with the "Posting No." that the standard API hides (`postingNumber`); bound action
  `purchaseDocuments({id})/Microsoft.NAV.forceDelete` clears that number and deletes an
  unposted document with its lines and dimensions (204); a posted one → 400,
- `purchaseCreditMemoLineDimensions` (GET, POST, DELETE): the dimension set of purchase
  credit memo lines, which API v2.0 cannot reach. A POST is checked as a dimension set
  line POST is (unknown or blocked value, duplicate, posted document); it also needs the
  line to belong to `documentId`.

Both are views over the same records the standard API serves, so what one API writes the
other reads at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.business_central.dialect import dialog, record_not_found
from sandbox.business_central.dimensions import DimensionLineRules, dimension_lines
from sandbox.business_central.documents import (
    DIMENSION_SET_LINES,
    DRAFT,
    PURCHASE_CREDIT_MEMO,
    PURCHASE_INVOICE,
)
from sandbox.business_central.headers import HeaderRules
from sandbox.business_central.schema import EntitySchema, code, guid, text
from sandbox.odata.store import EntityStore, Record, RecordNotFound

CUSTOM_API_PATH = "api/ecppro/hub/v1.0"
COMPANION_DOC = "sandbox/BC_CUSTOM_API.md"
PURCHASE_DOCUMENTS = "purchaseDocuments"
LINE_DIMENSIONS = "purchaseCreditMemoLineDimensions"

PURCHASE_DOCUMENTS_SCHEMA = EntitySchema(
    PURCHASE_DOCUMENTS, "purchaseDocument", (
        text("documentType"), code("number", 20), code("vendorNumber", 20),
        text("vendorInvoiceNumber", 35), code("currencyCode", 10), text("status"),
        code("postingNumber", 20),
    ), modified=False, doc=COMPANION_DOC,
)  # fmt: skip
LINE_DIMENSIONS_SCHEMA = EntitySchema(
    LINE_DIMENSIONS, "purchaseCreditMemoLineDimension", (
        guid("documentId"), guid("lineId"), code("dimensionCode", 20), code("valueCode", 20),
    ), modified=False, doc=COMPANION_DOC,
)  # fmt: skip


def custom_document_sets() -> list[tuple[EntitySchema, list[Record]]]:
    """Registered without rows: views over the purchase documents and their dimensions."""
    return [(PURCHASE_DOCUMENTS_SCHEMA, []), (LINE_DIMENSIONS_SCHEMA, [])]


_PURCHASE_KINDS = ((PURCHASE_INVOICE, "Invoice"), (PURCHASE_CREDIT_MEMO, "Credit Memo"))


def purchase_document_rows(store: EntityStore) -> list[tuple[Record, str]]:
    rows = []
    for kind, document_type in _PURCHASE_KINDS:
        for header, etag in store.snapshot(kind.header_set):
            rows.append(({
                "id": header["id"], "documentType": document_type, "number": header["number"],
                "vendorNumber": header["vendorNumber"],
                "vendorInvoiceNumber": header[kind.external_field],
                "currencyCode": header["currencyCode"], "status": header["status"],
                "postingNumber": header["postingNumber"],
            }, etag))  # fmt: skip
    return rows


def _line_dimension_row(store: EntityStore, row: Mapping[str, Any]) -> Record:
    line, _ = store.get(PURCHASE_CREDIT_MEMO.line_set, row["parentId"])
    return {"id": row["systemKey"], "documentId": line["documentId"], "lineId": row["parentId"],
            "dimensionCode": row["code"], "valueCode": row["valueCode"]}  # fmt: skip


def line_dimension_rows(store: EntityStore) -> list[tuple[Record, str]]:
    caption = PURCHASE_CREDIT_MEMO.line_caption
    return [
        (_line_dimension_row(store, row), etag)
        for row, etag in store.find(DIMENSION_SET_LINES, "parentType", caption)
    ]


def force_delete(store: EntityStore, headers: HeaderRules, document_id: str) -> None:
    """Delete an unposted purchase document even when its posted number is taken."""
    for kind, _ in _PURCHASE_KINDS:
        try:
            header, _ = store.get(kind.header_set, document_id)
        except RecordNotFound:
            continue
        if header["status"] != DRAFT:
            raise dialog(
                f"The purchase {kind.noun} {header['number']} is posted and cannot be deleted."
            )
        headers.delete(kind.header_set, document_id, force=True)
        return
    raise record_not_found("Purchase Header", {"Id": document_id})


class LineDimensionRules:
    """Writes to `purchaseCreditMemoLineDimensions`: dimension set lines of credit memo lines."""

    def __init__(self, store: EntityStore) -> None:
        self.store = store
        self.dimensions = DimensionLineRules(store)

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        document_id = str(record.get("documentId") or "").lower()
        line_id = str(record.get("lineId") or "").lower()
        try:
            self.store.get(PURCHASE_CREDIT_MEMO.header_set, document_id)
        except RecordNotFound:
            raise record_not_found("Purchase Header", {"Id": document_id}) from None
        try:
            line, _ = self.store.get(PURCHASE_CREDIT_MEMO.line_set, line_id)
        except RecordNotFound:
            raise record_not_found("Purchase Line", {"Id": line_id}) from None
        if line["documentId"] != document_id:
            raise dialog(f"The line {line_id} is not a line of the credit memo {document_id}.")
        code = str(record.get("dimensionCode") or "").upper()
        existing = dimension_lines(self.store, line_id).get(code)
        if existing is not None:  # an upsert: the line got it from its document; set the value
            row, etag = self.dimensions.update(
                DIMENSION_SET_LINES, existing["systemKey"], {"valueCode": record.get("valueCode")}
            )
            return _line_dimension_row(self.store, row), etag
        row, etag = self.dimensions.insert(DIMENSION_SET_LINES, {
            "code": record.get("dimensionCode"), "valueCode": record.get("valueCode"),
            "parentType": PURCHASE_CREDIT_MEMO.line_caption, "parentId": line_id,
        })  # fmt: skip
        return _line_dimension_row(self.store, row), etag

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        raise dialog("Line dimensions cannot be changed: delete the line dimension and add it.")

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        self.dimensions.delete(DIMENSION_SET_LINES, key, if_match=if_match)
