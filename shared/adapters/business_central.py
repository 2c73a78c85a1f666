"""Business Central client for the EcpPro invoice flows (implements `BusinessCentral`).

Quirks handled:
- A header with its lines and line dimensions is created in one `$batch` with
  `Isolation: snapshot` (BC ≥ 17.1): one transaction, rolled back as a whole when any
  request fails, so a bad line never leaves half a document. Ids are chosen here
  (BC accepts a client SystemId), so later requests in the batch can address the header
  and lines created before them. A batch holds at most 100 requests.
- Inner batch failures come back inside a 200: the first failing response is turned into
  the same typed error a direct call would raise.
- The posted invoice keeps the unposted invoice's id in the API, so a document is
  re-read by id after `Microsoft.NAV.post`; Draft / In Review mean unposted.
- Purchase credit memos (and their lines) have no `dimensionSetLines` in API v2.0: their
  line dimensions go through the companion API (`api/ecppro/hub/v1.0`, see
  sandbox/BC_CUSTOM_API.md) in a second transaction, and the lines just created are
  deleted again if that one fails.
- Force delete (clear the posting number, then delete) exists only in the companion API.
- Master data (customers, vendors, currencies, items, accounts, dimension values) is
  cached for a minute per worker: thousands of invoices share a handful of them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from typing import Any, TypeVar

from shared.adapters.http import HttpClient, error_class_for
from shared.adapters.odata import ODataClient, eq_filter
from shared.domain.invoices import DocumentKind
from shared.errors import NotFound, ValidationError
from shared.ports import BcDocument, BcParty, NewDocument, NewLine

T = TypeVar("T")
MAX_BATCH = 100
CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class _Shape:
    """Where a document kind lives in the API and what its fields are called."""

    entity_set: str
    lines: str
    party: str  # customerNumber / vendorNumber
    reference: str  # externalDocumentNumber / vendorInvoiceNumber / vendorCreditMemoNumber
    date_field: str  # invoiceDate / creditMemoDate
    unit_field: str  # unitPrice / unitCost


SHAPES = {
    DocumentKind.SALES_INVOICE: _Shape("salesInvoices", "salesInvoiceLines", "customerNumber",
                                       "externalDocumentNumber", "invoiceDate", "unitPrice"),
    DocumentKind.SALES_CREDIT_MEMO: _Shape("salesCreditMemos", "salesCreditMemoLines", "customerNumber",
                                           "externalDocumentNumber", "creditMemoDate", "unitPrice"),
    DocumentKind.PURCHASE_INVOICE: _Shape("purchaseInvoices", "purchaseInvoiceLines", "vendorNumber",
                                          "vendorInvoiceNumber", "invoiceDate", "unitCost"),
    DocumentKind.PURCHASE_CREDIT_MEMO: _Shape("purchaseCreditMemos", "purchaseCreditMemoLines",
                                              "vendorNumber", "vendorCreditMemoNumber",
                                              "creditMemoDate", "unitCost"),
}  # fmt: skip


class BusinessCentralClient:
    """Typed access to one company. `http` is rooted at `…/v2.0/{tenant}/{environment}/`."""

    def __init__(
        self,
        http: HttpClient,
        *,
        company_id: str,
        api_path: str = "api/v2.0",
        companion_path: str = "api/ecppro/hub/v1.0",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.odata = ODataClient(http, page_size=1000)
        self.api_path = api_path
        self.companion_path = companion_path
        self.company = f"companies({company_id})"
        self._clock = clock
        self._cache: dict[tuple[str, str], tuple[float, Any]] = {}

    # --- master data ----------------------------------------------------------------------
    def find_customer(self, number: str) -> BcParty | None:
        return self._cached("customers", number, lambda: self._party("customers", number))

    def find_vendor(self, number: str) -> BcParty | None:
        return self._cached("vendors", number, lambda: self._party("vendors", number))

    def currency_exists(self, code: str) -> bool:
        return self._cached("currencies", code, lambda: self._exists("currencies", code=code))

    def existing_items(self, numbers: Iterable[str]) -> set[str]:
        found = set()
        for number in numbers:
            if self._cached("items", number, partial(self._exists, "items", number=number)):
                found.add(number)
        return found

    def account_usable(self, number: str) -> bool:
        def read() -> bool:
            rows = self._list("accounts", eq_filter(number=number))
            return bool(rows) and not rows[0].get("blocked")

        return self._cached("accounts", number, read)

    def customer_default_dimensions(self, customer_id: str) -> dict[str, str]:
        def read() -> dict[str, str]:
            rows = self._list(f"customers({customer_id})/defaultDimensions")
            return {
                r["dimensionCode"]: r["dimensionValueCode"]
                for r in rows
                if r.get("dimensionValueCode")
            }

        return dict(self._cached("defaultDimensions", customer_id, read))

    def dimension_value_exists(self, dimension: str, value: str) -> bool:
        def read() -> bool:
            rows = self._list("dimensionValues", eq_filter(dimensionCode=dimension, code=value))
            return bool(rows) and not rows[0].get("blocked")

        return self._cached("dimensionValues", f"{dimension}/{value}", read)

    # --- documents --------------------------------------------------------------------------
    def find_sales_document(
        self, kind: DocumentKind, external_document_number: str
    ) -> BcDocument | None:
        shape = SHAPES[kind]
        rows = self._list(
            shape.entity_set, eq_filter(externalDocumentNumber=external_document_number)
        )
        return _document(kind, rows[0]) if rows else None

    def find_open_purchase_document(
        self, kind: DocumentKind, vendor_number: str, vendor_invoice_number: str, currency_code: str
    ) -> BcDocument | None:
        shape = SHAPES[kind]
        filter_ = eq_filter(**{"vendorNumber": vendor_number, shape.reference: vendor_invoice_number,
                               "currencyCode": currency_code, "status": "Draft"})  # fmt: skip
        rows = self._list(shape.entity_set, filter_, expand=shape.lines)
        return _document(kind, rows[0]) if rows else None

    def get_document(self, kind: DocumentKind, document_id: str) -> BcDocument | None:
        shape = SHAPES[kind]
        try:
            row = self.odata.get(self._path(shape.entity_set), document_id, expand=shape.lines)
        except NotFound:
            return None
        return _document(kind, row)

    def create_document(self, document: NewDocument) -> BcDocument:
        shape = SHAPES[document.kind]
        header_id = str(uuid.uuid4())
        header = {"id": header_id, shape.party: document.party_number,
                  shape.reference: document.external_document_number,
                  shape.date_field: _iso(document.posting_date), "postingDate": _iso(document.posting_date),
                  "dueDate": _iso(document.due_date), "currencyCode": document.currency_code}  # fmt: skip
        requests = [
            _request(
                "POST",
                f"{self.company}/{shape.entity_set}",
                {k: v for k, v in header.items() if v is not None},
            )
        ]
        line_ids = [str(uuid.uuid4()) for _ in document.lines]
        requests += self._line_requests(document.kind, header_id, document.lines, line_ids)
        answers = self._batch(requests)
        self._companion_dimensions(
            document.kind, header_id, document.lines, line_ids, created_header=True
        )
        # The batch answered with the created header: no read-back request needed.
        markers = frozenset(line.marker for line in document.lines if line.marker)
        return replace(
            _document(document.kind, answers[0].get("body") or {"id": header_id}), markers=markers
        )

    def add_lines(self, document: BcDocument, lines: Sequence[NewLine]) -> BcDocument:
        line_ids = [str(uuid.uuid4()) for _ in lines]
        self._batch(self._line_requests(document.kind, document.id, lines, line_ids))
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
        path = f"{self.companion_path}/{self.company}/purchaseDocuments({document.id})/Microsoft.NAV.forceDelete"
        self.http.request("POST", path)

    # --- helpers ------------------------------------------------------------------------
    def _line_requests(
        self, kind: DocumentKind, header_id: str, lines: Sequence[NewLine], line_ids: Sequence[str]
    ) -> list[dict[str, Any]]:
        shape = SHAPES[kind]
        base = f"{self.company}/{shape.entity_set}({header_id})/{shape.lines}"
        requests = []
        for line, line_id in zip(lines, line_ids, strict=True):
            body = {"id": line_id, "lineType": line.line_type, "lineObjectNumber": line.number,
                    "description": line.description[:100], "description2": line.marker[:50],
                    "quantity": line.quantity, shape.unit_field: line.unit_amount}  # fmt: skip
            requests.append(_request("POST", base, body))
            if kind is not DocumentKind.PURCHASE_CREDIT_MEMO:
                requests += [
                    _request(
                        "POST",
                        f"{base}({line_id})/dimensionSetLines",
                        {"code": code, "valueCode": value},
                    )
                    for code, value in line.dimensions.items()
                ]
        return requests

    def _companion_dimensions(
        self,
        kind: DocumentKind,
        header_id: str,
        lines: Sequence[NewLine],
        line_ids: Sequence[str],
        *,
        created_header: bool,
    ) -> None:
        """Line dimensions of purchase credit memos, which API v2.0 cannot set."""
        if kind is not DocumentKind.PURCHASE_CREDIT_MEMO:
            return
        requests = [
            _request("POST", f"{self.company}/purchaseCreditMemoLineDimensions",
                     {"documentId": header_id, "lineId": line_id, "dimensionCode": code, "valueCode": value})
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
        self._batch([
            {**_request("DELETE", f"{self.company}/{shape.entity_set}({header_id})/{shape.lines}({line_id})", None),
             "headers": {"If-Match": "*"}}
            for line_id in line_ids
        ])  # fmt: skip

    def _batch(
        self, requests: list[dict[str, Any]], *, root: str | None = None
    ) -> list[dict[str, Any]]:
        """One all-or-nothing transaction. Raises the typed error of the first failure."""
        if len(requests) > MAX_BATCH:
            raise ValidationError(
                f"a document with {len(requests)} requests (lines and dimensions) does not fit "
                f"one Business Central transaction of {MAX_BATCH}; split the EcpPro invoice",
                field="lines",
            )
        for index, request in enumerate(requests):
            request["id"] = str(index + 1)
        response = self.http.request(
            "POST", f"{root or self.api_path}/$batch", json={"requests": requests},
            headers={"Isolation": "snapshot", "Content-Type": "application/json"},
        )  # fmt: skip
        answers: list[dict[str, Any]] = response.json().get("responses", [])
        for answer in answers:
            status = int(answer.get("status", 500))
            if status >= 400 and status != 424:
                error = (answer.get("body") or {}).get("error") or {}
                text = f"Business Central refused request {answer.get('id')} of the transaction: {status} {error.get('code', '')}: {error.get('message', '')}"
                raise error_class_for(status)(text, status=status)
        return answers

    def _path(self, path: str) -> str:
        return f"{self.api_path}/{self.company}/{path}"

    def _list(
        self, path: str, filter: str | None = None, *, expand: str | None = None
    ) -> list[dict[str, Any]]:
        return list(self.odata.list(self._path(path), filter=filter, expand=expand))

    def _party(self, entity_set: str, number: str) -> BcParty | None:
        rows = self._list(entity_set, eq_filter(number=number))
        if not rows:
            return None
        row = rows[0]
        # " " is not blocked; Ship / Invoice / Payment / All block invoicing in some way.
        blocked = str(row.get("blocked") or "").strip() not in ("", "Ship")
        return BcParty(row["id"], row["number"], row.get("displayName", ""), blocked)

    def _exists(self, entity_set: str, **fields: str) -> bool:
        return bool(self._list(entity_set, eq_filter(**fields)))

    def _cached(self, kind: str, key: str, read: Callable[[], T]) -> T:
        now = self._clock()
        hit = self._cache.get((kind, key))
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]  # type: ignore[no-any-return]
        value = read()
        self._cache[(kind, key)] = (now, value)
        return value


def _request(method: str, url: str, body: dict[str, Any] | None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": method,
        "url": url,
        "headers": {"Content-Type": "application/json"},
    }
    if body is not None:
        request["body"] = body
    return request


def _document(kind: DocumentKind, row: dict[str, Any]) -> BcDocument:
    shape = SHAPES[kind]
    lines = row.get(shape.lines) or []
    return BcDocument(
        kind=kind,
        id=row["id"],
        number=row.get("number", ""),
        status=row.get("status", ""),
        external_document_number=row.get(shape.reference, ""),
        markers=frozenset(
            line.get("description2", "") for line in lines if line.get("description2")
        ),
        etag=row.get("@odata.etag", "*"),
    )


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
