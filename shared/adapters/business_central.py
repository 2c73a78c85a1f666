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
- Dimension values in API v2.0 carry the dimension's id, not its code.
- Purchase credit memos (and their lines) have no `dimensionSetLines` in API v2.0: their
  line dimensions go through the companion API (`api/ecppro/hub/v1.0`, see
  sandbox/BC_CUSTOM_API.md) in a second transaction, and the lines just created are
  deleted again if that one fails. Force delete exists only in the companion API.
- Master data is cached for a minute per worker (thousands of invoices share a handful
  of customers and items); a miss is never cached, so a customer created in BC to fix a
  failed invoice is seen at once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from shared.adapters.business_central_wire import (
    MAX_BATCH,
    SHAPES,
    batch_request,
    document_from,
    first_failure,
    iso,
)
from shared.adapters.http import HttpClient
from shared.adapters.odata import ODataClient, eq_filter
from shared.domain.invoices import DocumentKind
from shared.errors import NotFound, ValidationError
from shared.ports import BcDocument, BcParty, NewDocument, NewLine

T = TypeVar("T")
CACHE_SECONDS = 60.0


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
        return {number for number in numbers if self._item_id(number)}

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
        # API v2.0 dimension values carry the dimension's id, not its code: find the id first.
        def read() -> bool:
            dimensions = self._list("dimensions", eq_filter(code=dimension))
            if not dimensions:
                return False
            values = self._list(
                f"dimensions({dimensions[0]['id']})/dimensionValues", eq_filter(code=value)
            )
            return bool(values) and not values[0].get("blocked")

        return self._cached("dimensionValues", f"{dimension}/{value}", read)

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

    def _default_codes(self, path: str) -> set[str]:
        def read() -> frozenset[str]:
            return frozenset(
                r["dimensionCode"] for r in self._list(path) if r.get("dimensionValueCode")
            )

        return set(self._cached("defaults", path, read))

    def _item_id(self, number: str) -> str:
        def read() -> str:
            rows = self._list("items", eq_filter(number=number))
            return str(rows[0]["id"]) if rows else ""

        return self._cached("items", number, read)

    def _dimension_id(self, code: str) -> str:
        def read() -> str:
            rows = self._list("dimensions", eq_filter(code=code))
            if not rows:
                raise ValidationError(
                    f"dimension {code} does not exist in Business Central", field=code
                )
            return str(rows[0]["id"])

        return self._cached("dimensions", code, read)

    # --- plumbing ---------------------------------------------------------------------------
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
        failure = first_failure(answers)
        if failure is not None:
            raise failure
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
        """`read()` once a minute per key; misses (None, False, "") are never kept."""
        now = self._clock()
        hit = self._cache.get((kind, key))
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]  # type: ignore[no-any-return]
        value = read()
        if value is not None and value is not False and value != "":
            self._cache[(kind, key)] = (now, value)
        return value


def _has_dimensions(lines: Sequence[NewLine]) -> bool:
    return any(line.dimensions for line in lines)
