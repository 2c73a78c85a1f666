"""Quotes and orders from CRM through the companion API (implements
`shared.ports.sales_documents.BcSalesDocuments`; contract: sandbox/BC_CUSTOM_API.md,
`crmSalesQuotes`, `crmSalesOrders`, `salesDocumentArchives`).

Quirks handled:
- A new document is one deep insert (header + up to 100 lines, one transaction). More
  lines: the header and the first 100 go with `crmComplete = false`, the rest in `$batch`
  transactions (`Isolation: snapshot`) of 100, then `crmComplete = true`. Lines have ids
  the hub chose, so an attempt that stopped half-way is completed by the next one: a POST
  answered Internal_EntityWithSameKeyExists under our id is ours, read back and finished.
- The same error under another id is a No. already used in BC: a readable refusal naming
  the No., never an overwrite.
- A replacement (a quote's new revision, an order changed in CRM) is one transaction when
  it fits: header PATCH, CRM lines that went are deleted, the others PATCHed or POSTed.
  Lines a BC user added (no `crmLineId`: Comment lines on a locked document) stay.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from shared.adapters.business_central.records import BusinessCentralRecordsClient
from shared.adapters.business_central.wire import MAX_BATCH, batch_request
from shared.errors import (
    ConflictError,
    NotFound,
    RejectedError,
    TransientError,
    UncertainWriteError,
)
from shared.ports.odata import quote_literal
from shared.ports.sales_documents import DocContent, SalesDoc, SalesDocKind

SETS = {
    SalesDocKind.QUOTE: ("crmSalesQuotes", "crmSalesQuoteLines"),
    SalesDocKind.ORDER: ("crmSalesOrders", "crmSalesOrderLines"),
}
EMPTY_GUID = "00000000-0000-0000-0000-000000000000"


class CompanionSalesDocuments:
    """The connector's quotes and orders in one BC company."""

    def __init__(self, client: BusinessCentralRecordsClient) -> None:
        self.client = client

    def find(self, kind: SalesDocKind, reference: str) -> SalesDoc | None:
        rows = list(self.client.odata.list(
            self._url(SETS[kind][0]), filter=f"yourReference eq {quote_literal(reference)}",
            expand="lines",
        ))  # fmt: skip
        return _doc(kind, rows[0]) if rows else None

    def get(self, kind: SalesDocKind, document_id: str) -> SalesDoc | None:
        try:
            row = self.client.odata.get(self._url(SETS[kind][0]), document_id, expand="lines")
        except NotFound:
            return None
        return _doc(kind, row)

    def create(
        self,
        kind: SalesDocKind,
        document_id: str,
        content: DocContent,
        *,
        number: str = "",
        series: str = "",
    ) -> SalesDoc:
        header_set, _ = SETS[kind]
        first, rest = content.lines[:MAX_BATCH], content.lines[MAX_BATCH:]
        body: dict[str, Any] = {**content.header, "id": document_id, "crmComplete": not rest,
                                "lines": [dict(line) for line in first]}  # fmt: skip
        if number:
            body["number"] = number
        elif series:
            body["noSeriesCode"] = series
        try:
            self.client.http.request("POST", self._url(header_set), json=body)
        except ConflictError as clash:
            if self.get(kind, document_id) is None:  # not ours: the No. is taken
                raise RejectedError(
                    f"{kind.caption} No. {number.upper()} is already used in BC by another "
                    f"document: {clash}",
                    status=400,
                    detail="Internal_EntityWithSameKeyExists",
                    field="number",
                ) from None
        except UncertainWriteError:
            pass  # its answer was lost: whether BC has it is read below
        current = self.get(kind, document_id)
        if current is None:
            raise TransientError(f"{kind.caption} {document_id}: BC's answer to its creation "
                                 "was lost and BC does not have it; tried again later")  # fmt: skip
        present = {str(line["id"]).lower() for line in current.lines}
        missing = [line for line in content.lines if str(line["id"]).lower() not in present]
        if missing or not current.complete:
            requests = [self._line_request("POST", kind, document_id, line) for line in missing]
            self._transactions(requests, kind, document_id, last=True)
            current = self.get(kind, document_id) or current
        return current

    def replace(self, doc: SalesDoc, content: DocContent) -> SalesDoc:
        kind = doc.kind
        wanted = {str(line["id"]).lower(): line for line in content.lines}
        requests: list[dict[str, Any]] = []
        for line in doc.lines:
            line_id = str(line["id"]).lower()
            if line_id in wanted:
                requests.append(self._line_request("PATCH", kind, doc.id, wanted.pop(line_id)))
            elif str(line.get("crmLineId") or EMPTY_GUID) != EMPTY_GUID:
                requests.append(batch_request("DELETE", self._path(SETS[kind][1], line_id),
                                              if_match="*"))  # fmt: skip
        requests += [self._line_request("POST", kind, doc.id, line) for line in wanted.values()]
        header = batch_request("PATCH", self._path(SETS[kind][0], doc.id),
                               {**content.header, "crmComplete": len(requests) < MAX_BATCH},
                               if_match="*")  # fmt: skip
        self._transactions([header, *requests], kind, doc.id,
                           last=len(requests) >= MAX_BATCH)  # fmt: skip
        return self.get(kind, doc.id) or doc

    def archive(self, kind: SalesDocKind, document_id: str) -> None:
        self.client.http.request(
            "POST", self._url(f"{SETS[kind][0]}({document_id})/Microsoft.NAV.archive")
        )

    def delete(self, kind: SalesDocKind, document_id: str) -> None:
        with contextlib.suppress(NotFound):  # deleted already (an earlier attempt)
            self.client.http.request("DELETE", self._url(f"{SETS[kind][0]}({document_id})"),
                                     headers={"If-Match": "*"})  # fmt: skip

    def changed_since(self, kind: SalesDocKind, since: datetime | None) -> Iterator[SalesDoc]:
        condition = f"crmId ne {EMPTY_GUID}"
        if since is not None:
            stamp = since.isoformat().replace("+00:00", "Z")
            condition += f" and lastModifiedDateTime gt {stamp}"
        for row in self.client.odata.list(self._url(SETS[kind][0]), filter=condition,
                                          expand="lines"):  # fmt: skip
            yield _doc(kind, row)

    # --- plumbing ---------------------------------------------------------------------------
    def _transactions(
        self, requests: list[dict[str, Any]], kind: SalesDocKind, document_id: str, *, last: bool
    ) -> None:
        """`requests` in transactions of at most 100; with `last`, a final one marks the
        document complete."""
        if last:
            requests = [*requests, batch_request(
                "PATCH", self._path(SETS[kind][0], document_id), {"crmComplete": True},
                if_match="*")]  # fmt: skip
        root = self.client.companion_path
        for start in range(0, len(requests), MAX_BATCH):
            self.client._batch(requests[start : start + MAX_BATCH], root=root)

    def _line_request(
        self, method: str, kind: SalesDocKind, document_id: str, line: Mapping[str, Any]
    ) -> dict[str, Any]:
        _, lines_set = SETS[kind]
        if method == "POST":
            return batch_request("POST", self._path(lines_set),
                                 {**line, "documentId": document_id})  # fmt: skip
        values = {k: v for k, v in line.items() if k != "id"}
        return batch_request("PATCH", self._path(lines_set, str(line["id"])), values, if_match="*")

    def _path(self, entity_set: str, record_id: str | None = None) -> str:
        key = f"({record_id})" if record_id else ""
        return f"{self.client.company}/{entity_set}{key}"

    def _url(self, path: str) -> str:
        return f"{self.client.companion_path}/{self.client.company}/{path}"


def _doc(kind: SalesDocKind, row: Mapping[str, Any]) -> SalesDoc:
    lines = tuple(row.get("lines") or ())
    header = {k: v for k, v in row.items() if k != "lines" and not k.startswith("@")}
    return SalesDoc(kind, str(row["id"]).lower(), str(row.get("number") or ""), header, lines)
