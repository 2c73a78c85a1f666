"""Companion API for Project Operations credit memos (BC_CUSTOM_API.md, product document 001).

- `projectCreditMemos`: one row per v2.0 sales credit memo, unposted or posted (same `id`,
  `number`, `status`), with the extension's "Project Revision Id" and "Project Invoice
  Id" (table extension fields on Sales Header and Sales Cr.Memo Header, kept hidden on
  the `salesCreditMemos` records). GET and PATCH (those two GUIDs only, with `If-Match`:
  the row's ETag is the credit memo's); POST and DELETE → 405. Writing the mark modifies
  the credit memo (its `lastModifiedDateTime` moves), posted or not,
- `projectCreditMemoSetup`: the Dataverse Integration Setup's "Sales Credit Memo
  Non-changeable fields", one row: `nonChangeableFields`, v2.0 salesCreditMemo property
  names separated by commas, lines' as `lines/<salesCreditMemoLine property>`. GET and
  PATCH; a name that is neither → 400 `Application_DialogException` naming it; the value
  is stored trimmed, without blanks or repeats. What it locks: `project_locks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.business_central.companion_views import _UpdateOnly
from sandbox.business_central.dialect import dialog
from sandbox.business_central.document_schemas import HEADERS, LINES
from sandbox.business_central.documents import SALES_CREDIT_MEMO
from sandbox.business_central.schema import (
    EMPTY_GUID,
    MODIFIED,
    EntitySchema,
    code,
    date_,
    decimal,
    enum,
    guid,
    ro,
    text,
)
from sandbox.catalog import stable_id
from sandbox.odata.store import EntityStore, Record, RecordNotFound

COMPANION_DOC = "sandbox/BC_CUSTOM_API.md"
PROJECT_CREDIT_MEMOS = "projectCreditMemos"
SETUP = "projectCreditMemoSetup"
SETUP_ID = stable_id("bc", SETUP, "setup")
LINE_PREFIX = "lines/"
MARKS = ("projectRevisionId", "projectInvoiceId")
_SAME = ("number", "status", "invoiceId", "invoiceNumber", "customerNumber",
         "externalDocumentNumber", "postingDate", "creditMemoDate", "currencyCode",
         "totalAmountIncludingTax", *MARKS, MODIFIED)  # fmt: skip
HEADER_NAMES = frozenset(prop.name for prop in HEADERS[SALES_CREDIT_MEMO.header_set])
LINE_NAMES = frozenset(prop.name for prop in LINES[SALES_CREDIT_MEMO.line_set])

PROJECT_CREDIT_MEMOS_SCHEMA = EntitySchema(
    PROJECT_CREDIT_MEMOS, "projectCreditMemo", (
        ro(code("number", 20)), ro(enum("status", "salesCrMemoEntityBufferStatus")),
        ro(guid("invoiceId")), ro(code("invoiceNumber", 20)), ro(code("customerNumber", 20)),
        ro(code("externalDocumentNumber", 35)), ro(date_("postingDate")),
        ro(date_("creditMemoDate")), ro(code("currencyCode", 10)),
        ro(decimal("totalAmountIncludingTax")), guid("projectRevisionId"),
        guid("projectInvoiceId"),
    ), doc=COMPANION_DOC,
)  # fmt: skip
SETUP_SCHEMA = EntitySchema(
    SETUP, "projectCreditMemoSetup", (text("nonChangeableFields", 2048),), doc=COMPANION_DOC
)


def project_credit_memo_sets() -> list[tuple[EntitySchema, list[Record]]]:
    """The view registered without rows; the setup with its one row (nothing locked)."""
    setup = {"id": SETUP_ID, "nonChangeableFields": "", MODIFIED: "2025-01-10T08:00:00Z"}
    return [(PROJECT_CREDIT_MEMOS_SCHEMA, []), (SETUP_SCHEMA, [setup])]


# --- projectCreditMemos ---------------------------------------------------------------------
def project_row(header: Mapping[str, Any]) -> Record:
    return {"id": header["id"], **{name: header[name] for name in _SAME}}


def project_rows(store: EntityStore) -> list[tuple[Record, str]]:
    return [(project_row(row), etag) for row, etag in store.snapshot(SALES_CREDIT_MEMO.header_set)]


def project_lookup(store: EntityStore, key: str) -> tuple[Record, str] | None:
    try:
        header, etag = store.get(SALES_CREDIT_MEMO.header_set, key)
    except RecordNotFound:
        return None
    return project_row(header), etag


class ProjectCreditMemoRules(_UpdateOnly):
    """PATCH `projectCreditMemos({id})`: the mark, written onto the credit memo (the
    integration user's write: never locked, posted or not)."""

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        marks = {field: changes[field] for field in MARKS if field in changes}
        header, etag = self.store.update(
            SALES_CREDIT_MEMO.header_set, key, marks, if_match=if_match
        )
        return project_row(header), etag


# --- projectCreditMemoSetup -----------------------------------------------------------------
def parse_fields(value: str) -> list[str]:
    """`postingDate, lines/quantity` → ["postingDate", "lines/quantity"] (blanks and repeats
    dropped). Raises BC's refusal for a name salesCreditMemo(Line) does not have."""
    names: list[str] = []
    for raw in str(value).split(","):
        name = raw.strip()
        if not name or name in names:
            continue
        line = name.removeprefix(LINE_PREFIX) if name.startswith(LINE_PREFIX) else None
        if (line is None and name not in HEADER_NAMES) or (line is not None
                                                           and line not in LINE_NAMES):  # fmt: skip
            raise dialog(
                f'"{name}" is not a property of salesCreditMemo (or, as lines/<name>, of '
                "salesCreditMemoLine): it cannot be made non-changeable."
            )
        names.append(name)
    return names


def non_changeable(store: EntityStore) -> tuple[frozenset[str], frozenset[str]]:
    """(header properties, line properties) the setup makes non-changeable."""
    setup, _ = store.get(SETUP, SETUP_ID)
    names = [name.strip() for name in str(setup["nonChangeableFields"]).split(",")]
    header = frozenset(name for name in names if name and not name.startswith(LINE_PREFIX))
    lines = frozenset(name.removeprefix(LINE_PREFIX) for name in names
                      if name.startswith(LINE_PREFIX))  # fmt: skip
    return header, lines


class SetupRules(_UpdateOnly):
    """PATCH `projectCreditMemoSetup({id})`: the non-changeable fields, checked."""

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        fields = dict(changes)
        if "nonChangeableFields" in fields:
            fields["nonChangeableFields"] = ",".join(parse_fields(fields["nonChangeableFields"]))
        return self.store.update(name, key, fields, if_match=if_match)


def is_marked(header: Mapping[str, Any]) -> bool:
    return str(header.get("projectRevisionId", EMPTY_GUID)) != EMPTY_GUID
