"""`FakeSalesDocuments`: the BcSalesDocuments port on dicts, with the companion API's rules
the hub relies on (sandbox/BC_CUSTOM_API.md, `crmSalesQuotes` / `crmSalesOrders`).

Numbers: a given No. is used upper-cased (one a document of the kind has → RejectedError
Internal_EntityWithSameKeyExists), else the next of the named series, else BC's own
(S-QUO1001, S-ORD1001). `archive` keeps a copy and counts versions. `lineAmount` is
computed. `fail_after` makes a write stop after that many line writes (a worker that
died half-way), `edit` changes a document as a BC user would. `writes` counts requests.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.errors import RejectedError, TransientError
from shared.ports.sales_documents import DocContent, SalesDoc, SalesDocKind

DEFAULT_SERIES = {SalesDocKind.QUOTE: "S-QUO", SalesDocKind.ORDER: "S-ORD"}
START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


class FakeSalesDocuments:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}  # id → header with "kind" and "lines"
        self.archives: list[dict[str, Any]] = []
        self.series: dict[str, Iterator[int]] = {}
        self.writes = 0
        self.fail_after: int | None = None  # line writes before the next write "dies"
        self._clock = itertools.count(1)

    # --- test helpers ---------------------------------------------------------------------
    def of_kind(self, kind: SalesDocKind) -> list[SalesDoc]:
        return [self._doc(d) for d in self.docs.values() if d["kind"] is kind]

    def edit(self, document_id: str, **values: Any) -> None:
        """A BC user's change (what the companion extension allows or not is the
        simulator's business; here it is just made)."""
        self.docs[document_id].update(values, lastModifiedDateTime=self._tick())

    def archived(self, number: str) -> list[dict[str, Any]]:
        return [a for a in self.archives if a["number"] == number]

    # --- the port -------------------------------------------------------------------------
    def find(self, kind: SalesDocKind, reference: str) -> SalesDoc | None:
        return next((self._doc(d) for d in self.docs.values()
                     if d["kind"] is kind and d.get("yourReference") == reference), None)  # fmt: skip

    def get(self, kind: SalesDocKind, document_id: str) -> SalesDoc | None:
        found = self.docs.get(document_id.lower())
        return self._doc(found) if found is not None and found["kind"] is kind else None

    def create(self, kind: SalesDocKind, document_id: str, content: DocContent, *,
               number: str = "", series: str = "") -> SalesDoc:  # fmt: skip
        self.writes += 1
        document_id = document_id.lower()
        if document_id not in self.docs:
            if number:
                number = number.upper()
                if any(d["kind"] is kind and d["number"] == number for d in self.docs.values()):
                    raise RejectedError(
                        f"{kind.caption} No. {number} is already used in BC by another document",
                        status=400, detail="Internal_EntityWithSameKeyExists", field="number",
                    )  # fmt: skip
            else:
                prefix = series or DEFAULT_SERIES[kind]
                counter = self.series.setdefault(prefix, itertools.count(1001))
                number = f"{prefix}{next(counter)}"
            self.docs[document_id] = {
                **content.header, "kind": kind, "id": document_id, "number": number,
                "noOfArchivedVersions": 0, "crmComplete": False, "lines": [],
                "lastModifiedDateTime": self._tick(),
            }  # fmt: skip
        doc = self.docs[document_id]
        present = {line["id"] for line in doc["lines"]}
        for line in content.lines:
            if line["id"] not in present:
                self._line_write()
                doc["lines"].append(_line(line))
        doc["crmComplete"] = True
        return self._doc(doc)

    def replace(self, doc: SalesDoc, content: DocContent) -> SalesDoc:
        self.writes += 1
        stored = self.docs[doc.id]
        stored.update(content.header, lastModifiedDateTime=self._tick())
        wanted = {line["id"]: line for line in content.lines}
        kept = [line for line in stored["lines"] if not line.get("crmLineId")]  # user lines
        stored["lines"] = [_line(line) for line in content.lines] + kept
        stored["crmComplete"] = True
        assert set(wanted) <= {line["id"] for line in stored["lines"]}
        return self._doc(stored)

    def archive(self, kind: SalesDocKind, document_id: str) -> None:
        self.writes += 1
        doc = self.docs[document_id]
        doc["noOfArchivedVersions"] += 1
        self.archives.append({**copy.deepcopy(doc), "versionNumber": doc["noOfArchivedVersions"]})

    def delete(self, kind: SalesDocKind, document_id: str) -> None:
        self.writes += 1
        self.docs.pop(document_id, None)

    def changed_since(self, kind: SalesDocKind, since: datetime | None) -> Iterator[SalesDoc]:
        stamp = since.isoformat().replace("+00:00", "Z") if since else ""
        for doc in list(self.docs.values()):
            if doc["kind"] is kind and doc.get("crmId") and doc["lastModifiedDateTime"] > stamp:
                yield self._doc(doc)

    # --- plumbing -------------------------------------------------------------------------
    def _line_write(self) -> None:
        if self.fail_after is not None:
            if self.fail_after == 0:
                self.fail_after = None
                raise TransientError("the worker stopped half-way (test)")
            self.fail_after -= 1

    def _doc(self, doc: Mapping[str, Any]) -> SalesDoc:
        header = {k: v for k, v in doc.items() if k not in ("kind", "lines")}
        lines = tuple(copy.deepcopy(line) for line in doc["lines"])
        return SalesDoc(doc["kind"], doc["id"], doc["number"], copy.deepcopy(header), lines)

    def _tick(self) -> str:
        moment = START + timedelta(minutes=next(self._clock))
        return moment.isoformat().replace("+00:00", "Z")


def _line(line: Mapping[str, Any]) -> dict[str, Any]:
    amount = round(float(line.get("quantity") or 0) * float(line.get("unitPrice") or 0)
                   - float(line.get("lineDiscountAmount") or 0), 2)  # fmt: skip
    return {**line, "lineAmount": amount}
