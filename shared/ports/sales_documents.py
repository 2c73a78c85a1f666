"""Sales quotes and orders from CRM, as Business Central keeps them (the companion API's
`crmSalesQuotes` / `crmSalesOrders`, see sandbox/BC_CUSTOM_API.md).

A document is written whole: its header and every line. What does not fit one BC
transaction (more than 100 writes) is written as a header transaction and line
transactions; the document carries `crmComplete = false` until the last one is in, so BC
will not release, convert or post it half-written, and a write that stopped half-way is
completed by the next attempt (the lines have ids the hub chose).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class SalesDocKind(StrEnum):
    QUOTE = "quote"
    ORDER = "order"

    @property
    def caption(self) -> str:
        return "Sales Quote" if self is SalesDocKind.QUOTE else "Sales Order"


@dataclass(frozen=True)
class SalesDoc:
    """A quote or order in BC with its lines, as BC answers them."""

    kind: SalesDocKind
    id: str
    number: str
    header: Mapping[str, Any]
    lines: tuple[Mapping[str, Any], ...] = ()

    @property
    def revision(self) -> int:
        return int(self.header.get("crmRevisionNumber") or 0)

    @property
    def archived_versions(self) -> int:
        return int(self.header.get("noOfArchivedVersions") or 0)

    @property
    def complete(self) -> bool:
        return bool(self.header.get("crmComplete", True))


@dataclass(frozen=True)
class DocContent:
    """What the hub writes: the integrated header values (never the No.) and the lines,
    each with the `id` the hub chose and its `crmLineId`."""

    header: Mapping[str, Any]
    lines: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)


class BcSalesDocuments(Protocol):
    """Quotes and orders the CRM connector writes in one BC company."""

    def find(self, kind: SalesDocKind, reference: str) -> SalesDoc | None:
        """The document whose Your Reference is the CRM number, with its lines."""
        ...

    def get(self, kind: SalesDocKind, document_id: str) -> SalesDoc | None: ...

    def create(
        self,
        kind: SalesDocKind,
        document_id: str,
        content: DocContent,
        *,
        number: str = "",
        series: str = "",
    ) -> SalesDoc:
        """A new document under `document_id`: No. `number` if given, else the next of
        `series`, else BC's own series. A document already under that id (an earlier
        attempt) is completed instead. Raises RejectedError when BC refuses it (a No.
        already used: `detail` Internal_EntityWithSameKeyExists)."""
        ...

    def replace(self, doc: SalesDoc, content: DocContent) -> SalesDoc:
        """The document's integrated header values and CRM lines become `content`'s:
        CRM lines not in it are deleted, the others changed or added; lines a BC user
        added (Comment lines) stay."""
        ...

    def archive(self, kind: SalesDocKind, document_id: str) -> None:
        """BC's Archive Document: a version goes to the archive, No. of Archived Versions + 1."""
        ...

    def delete(self, kind: SalesDocKind, document_id: str) -> None: ...

    def changed_since(self, kind: SalesDocKind, since: datetime | None) -> Iterator[SalesDoc]:
        """Documents from CRM (a CRM id) changed in BC since `since`, with their lines."""
        ...
