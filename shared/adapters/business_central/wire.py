"""Business Central API v2.0 wire format for documents: entity sets, field names, `$batch`.

Quirks handled:
- The four document kinds name the same things differently (customerNumber/vendorNumber,
  externalDocumentNumber/vendorInvoiceNumber/vendorCreditMemoNumber, invoiceDate/
  creditMemoDate, unitPrice/unitCost); `SHAPES` keeps that in one table.
- A `$batch` answers 200 even when inner requests failed; with `Isolation: snapshot` the
  first failure rolled everything back and later requests answer 424. `first_failure`
  turns the real failure into the typed error a direct call would have raised.
- Draft and In Review are unposted; Open, Paid, Canceled and Corrective are posted (the
  posted document keeps the unposted one's id).
- Enum values arrive XML-escaped, as OData identifiers must be: `"In_x0020_Review"`,
  `"blocked": "_x0020_"` for the blank member; `enum_member` gives the member back.
- Purchase credit memo lines have no `description2` in v2.0 (resource page and APIV2 page
  alike), so only the other kinds carry the line marker.
- External document numbers (Code[35]) are upper-cased by BC; `reference` is how the hub
  writes and looks them up.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.adapters.http import error_class_for
from shared.domain.invoices import DocumentKind
from shared.errors import ConflictError, HubError
from shared.ports.business_central import BcDocument, BcLine, NewLine

MAX_BATCH = 100
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")

# BC error codes whose meaning is more than their status says.
ERROR_CODES: Mapping[str, type[HubError]] = {
    # 400 on a POST whose id exists: an earlier attempt (whose answer was lost, or a
    # worker that died after it) made it. Not a refusal of the data: read it again.
    "Internal_EntityWithSameKeyExists": ConflictError,
}


@dataclass(frozen=True)
class Shape:
    """Where a document kind lives in the API and what its fields are called."""

    entity_set: str
    lines: str
    party: str  # customerNumber / vendorNumber
    reference: str  # externalDocumentNumber / vendorInvoiceNumber / vendorCreditMemoNumber
    date_field: str  # invoiceDate / creditMemoDate
    unit_field: str  # unitPrice / unitCost
    line_caption: str  # parentType of the line's dimension set lines
    marks_lines: bool = True  # the lines have description2 for the hub's marker


SHAPES = {
    DocumentKind.SALES_INVOICE: Shape(
        "salesInvoices", "salesInvoiceLines", "customerNumber", "externalDocumentNumber",
        "invoiceDate", "unitPrice", "Sales Invoice Line",
    ),
    DocumentKind.SALES_CREDIT_MEMO: Shape(
        "salesCreditMemos", "salesCreditMemoLines", "customerNumber", "externalDocumentNumber",
        "creditMemoDate", "unitPrice", "Sales Credit Memo Line",
    ),
    DocumentKind.PURCHASE_INVOICE: Shape(
        "purchaseInvoices", "purchaseInvoiceLines", "vendorNumber", "vendorInvoiceNumber",
        "invoiceDate", "unitCost", "Purchase Invoice Line",
    ),
    DocumentKind.PURCHASE_CREDIT_MEMO: Shape(
        "purchaseCreditMemos", "purchaseCreditMemoLines", "vendorNumber", "vendorCreditMemoNumber",
        "creditMemoDate", "unitCost", "Purchase Credit Memo Line", marks_lines=False,
    ),
}  # fmt: skip


def enum_member(value: object) -> str:
    """An enum value as its member is named: `In_x0020_Review` → "In Review", `_x0020_` → " "."""
    return _ESCAPED.sub(lambda match: chr(int(match.group(1), 16)), str(value or ""))


def reference(number: str) -> str:
    """An External Document No. / Vendor Invoice No. as BC stores it (Code[35]: upper case)."""
    return number.strip().upper()


def batch_request(
    method: str, url: str, body: dict[str, Any] | None = None, *, if_match: str | None = None
) -> dict[str, Any]:
    """One request of a `$batch` body (its id is numbered when the batch is sent)."""
    headers = {"Content-Type": "application/json"}
    if if_match:
        headers["If-Match"] = if_match
    request: dict[str, Any] = {"method": method, "url": url, "headers": headers}
    if body is not None:
        request["body"] = body
    return request


def first_failure(answers: list[dict[str, Any]]) -> HubError | None:
    """The error of the request that failed the transaction (424s only followed it)."""
    for answer in answers:
        status = int(answer.get("status", 500))
        if status >= 400 and status != 424:
            error = (answer.get("body") or {}).get("error") or {}
            code = str(error.get("code", ""))
            text = (
                f"Business Central refused request {answer.get('id')} of the transaction: "
                f"{status} {code}: {error.get('message', '')}"
            )
            return (ERROR_CODES.get(code) or error_class_for(status))(text, status=status)
    return None


def document_from(kind: DocumentKind, row: dict[str, Any]) -> BcDocument:
    """A document as the API returned it (lines expanded when asked for)."""
    shape = SHAPES[kind]
    lines = row.get(shape.lines) or []
    return BcDocument(
        kind=kind,
        id=row["id"],
        number=row.get("number", ""),
        status=enum_member(row.get("status")),
        external_document_number=row.get(shape.reference, ""),
        lines=tuple(BcLine(line["id"], line.get("description2") or "") for line in lines),
        etag=row.get("@odata.etag", "*"),
    )


def line_body(kind: DocumentKind, line: NewLine, line_id: str) -> dict[str, Any]:
    """The API body of one new document line (description and description2 cut to BC's sizes)."""
    body = {"id": line_id, "lineType": line.line_type, "lineObjectNumber": line.number,
            "description": line.description[:100], "quantity": line.quantity,
            SHAPES[kind].unit_field: line.unit_amount}  # fmt: skip
    if SHAPES[kind].marks_lines:
        body["description2"] = line.marker[:50]
    return body


def pack(
    groups: Sequence[Sequence[dict[str, Any]]], limit: int = MAX_BATCH
) -> list[list[dict[str, Any]]]:
    """Requests packed into transactions of at most `limit`, keeping each group whole.

    A group is what must succeed together (a line and its dimensions); only a group
    larger than a whole transaction is split, in order, over as many as it needs.
    """
    batches: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    for group in groups:
        if len(current) + len(group) > limit and current:
            batches.append(current)
            current = []
        for start in range(0, len(group), limit):
            piece = list(group[start : start + limit])
            if len(current) + len(piece) > limit:
                batches.append(current)
                current = []
            current += piece
    if current:
        batches.append(current)
    return batches


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
