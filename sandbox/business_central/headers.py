"""Document headers of the BC simulator: creating, changing and deleting unposted documents.

BC behaviour reproduced:

- the customer or vendor, its blocked state, what is copied from it and the currency are
  resolved as `business_central_document_parties` says,
- document date and posting date default to today, the due date (orders have none) to
  30 days after the document date; dates must be `YYYY-MM-DD`,
- `number` comes from the kind's number series (S-QUO1001, S-ORD1001, S-INV1001,
  S-CR1001, P-INV1001, P-CR1001...; `business_central_no_series` keeps the counters),
  `status` is Draft; a client may choose the `id`. The companion API may give the No.
  (`crmSalesQuotes`): one the document type already has → 400
  `Internal_EntityWithSameKeyExists` "The record in table Sales Header already exists.
  Identification fields and values: Document Type='Quote',No.='S-QUO1001'",
- a POST may nest the lines (and dimension set lines): one deep insert, all or nothing,
- the document starts with the customer's or vendor's default dimensions,
- a credit memo's `invoiceId` (or `invoiceNumber`) must name a posted invoice
  ('The "invoiceId" does not match to an Invoice.'); the other field is filled in,
- the customer or vendor cannot change once the document has lines ("You cannot reset
  Sell-to Customer No. because the document still has one or more lines."),
- DELETE removes the lines and dimensions with the document. A posted invoice or credit
  memo: the API pages delete the posted header (Sales Invoice Aggregator's
  PropagateOnDelete), whose OnDelete trigger asks PostSales-Delete (PostPurch-Delete)
  `IsDocumentDeletionAllowed`; the company's "Allow Document Deletion Before" is blank,
  so 400 `Application_FieldValidationException` "Allow Document Deletion Before must have
  a value in Sales & Receivables Setup: Primary Key=. It cannot be zero or empty." (for
  purchase documents, Purchases & Payables Setup). Nor can an unposted one be deleted
  whose posted number is already taken (`postingNumber`: BC
  would have to ask whether to leave a gap in the posted numbers, which an API session
  cannot answer: 400 `Application_CallbackNotAllowed`), unless forced (companion API).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sandbox.business_central.dialect import (
    bc_error,
    callback_not_allowed,
    dialog,
    field_validation,
    guid_or_new,
)
from sandbox.business_central.dimensions import (
    DimensionLineRules,
    copy_dimension_lines,
    default_dimension_lines,
    delete_dimension_lines,
    sync_shortcuts,
)
from sandbox.business_central.document_parties import (
    PARTY,
    check_blocked,
    copied_fields,
    currency_fields,
    invoice_defaults,
    party_fields,
    resolve_party,
)
from sandbox.business_central.documents import (
    BY_HEADER,
    DIMENSION_SET_LINES,
    DIMENSION_SET_LINES_SCHEMA,
    DRAFT,
    EMPTY_GUID,
    DocumentKind,
    ensure_draft,
    header_spec,
    line_schema,
)
from sandbox.business_central.lines import LineRules
from sandbox.business_central.no_series import draw
from sandbox.business_central.schema import nested_bodies
from sandbox.odata.store import EntityStore, EtagMismatch, Record

PAYMENT_DAYS = 30
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def next_number(store: EntityStore, prefix: str) -> str:
    return draw(store, prefix)


def check_free_number(store: EntityStore, kind: DocumentKind, number: str) -> None:
    """(Document Type, No.) is the Sales/Purchase Header's primary key."""
    if any(row["number"] == number for row, _ in store.find(kind.header_set, "number", number)):
        side, document_type = kind.caption.split(" ", 1)
        raise bc_error(
            400, "Internal_EntityWithSameKeyExists",
            f"The record in table {side} Header already exists. Identification fields and "
            f"values: Document Type='{document_type}',No.='{number}'",
        )  # fmt: skip


def applies_to_fields(store: EntityStore, kind: DocumentKind, fields: Mapping[str, Any]) -> Record:
    """A credit memo's `invoiceId`/`invoiceNumber`: the posted invoice it corrects."""
    if not kind.is_credit or not ({"invoiceId", "invoiceNumber"} & set(fields)):
        return {}
    invoices = "salesInvoices" if kind.side == "sales" else "purchaseInvoices"
    by_id, number = fields.get("invoiceId"), fields.get("invoiceNumber")
    if by_id in (None, "", EMPTY_GUID) and not number:
        return {"invoiceId": EMPTY_GUID, "invoiceNumber": ""}
    if by_id not in (None, "", EMPTY_GUID):
        rows = store.find(invoices, "id", str(by_id))
        field = "invoiceId"
    else:
        rows = store.find(invoices, "number", str(number))
        field = "invoiceNumber"
    posted = [row for row, _ in rows if row["status"] != DRAFT]
    if not posted or (number and posted[0]["number"] != number):
        raise dialog(f'The "{field}" does not match to an Invoice.')
    return {"invoiceId": posted[0]["id"], "invoiceNumber": posted[0]["number"]}


def check_date(name: str, value: Any) -> str:
    text = str(value)
    try:
        date.fromisoformat(text)
    except ValueError:
        text = ""
    if not _DATE.match(text):
        raise bc_error(
            400, "BadRequest",
            f"Cannot convert the literal '{value}' of '{name}' to the expected type 'Edm.Date'.",
        )  # fmt: skip
    return text


def date_fields(
    kind: DocumentKind, fields: Mapping[str, Any], current: Mapping[str, Any]
) -> Record:
    today = date.today().isoformat()
    document_date = check_date(kind.date_field, fields.get(kind.date_field) or current.get(
        kind.date_field) or today)  # fmt: skip
    posting_date = check_date("postingDate", fields.get("postingDate") or current.get(
        "postingDate") or today)  # fmt: skip
    dates = {kind.date_field: document_date, "postingDate": posting_date}
    if kind.due_date:
        due = fields.get("dueDate") or current.get("dueDate")
        if not due:
            due = (date.fromisoformat(document_date) + timedelta(days=PAYMENT_DAYS)).isoformat()
        dates["dueDate"] = check_date("dueDate", due)
    return dates


class HeaderRules:
    """Writes to the four document header sets, as the engine's writer for them."""

    def __init__(self, store: EntityStore) -> None:
        self.store = store
        self.lines = LineRules(store)
        self.dimensions = DimensionLineRules(store)

    def insert(
        self, name: str, record: Mapping[str, Any], *, number: str | None = None
    ) -> tuple[Record, str]:
        """A new document; `number` given (the companion API) instead of the kind's series."""
        kind = BY_HEADER[name]
        lines = nested_bodies(line_schema(kind), record.get(kind.line_set) or [])
        dimensions = nested_bodies(
            DIMENSION_SET_LINES_SCHEMA, record.get(DIMENSION_SET_LINES) or []
        )
        fields = {k: v for k, v in record.items() if k not in (kind.line_set, DIMENSION_SET_LINES)}
        party = resolve_party(self.store, kind, fields)
        check_blocked(kind, party, "create")
        header = {**copied_fields(kind, party), **invoice_defaults(self.store, kind, party),
                  **fields, **party_fields(kind, party),
                  **currency_fields(self.store, fields, party["currencyCode"]),
                  **date_fields(kind, fields, {}), **applies_to_fields(self.store, kind, fields),
                  "id": guid_or_new(fields.get("id")), "status": DRAFT}  # fmt: skip
        if number is None:
            header.update(number=next_number(self.store, kind.draft_prefix),
                          noSeriesCode=kind.draft_prefix)  # fmt: skip
        else:
            header["number"] = number
        check_free_number(self.store, kind, header["number"])
        spec = header_spec(kind)
        self.store.insert(name, {k: v for k, v in header.items()
                                 if spec.known(k) or k in spec.hidden})  # fmt: skip
        defaults = default_dimension_lines(self.store, PARTY[kind.side][1], party["id"])
        copy_dimension_lines(self.store, defaults, kind.caption, header["id"])
        for body in dimensions:
            self.dimensions.insert(DIMENSION_SET_LINES, {
                **body, "parentType": kind.caption, "parentId": header["id"]})  # fmt: skip
        for body in lines:
            self.lines.insert(kind.line_set, {**body, "documentId": header["id"]})
        sync_shortcuts(self.store, kind, header["id"])
        return self.store.get(name, header["id"])

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        kind = BY_HEADER[name]
        current, etag = self.store.get(name, key)
        if if_match is not None and if_match.strip() not in ("*", etag):
            raise EtagMismatch(etag)  # before side effects change the ETag
        ensure_draft(kind, current)
        fields = dict(changes)
        if f"{kind.party}Id" in fields or f"{kind.party}Number" in fields:
            fields.update(self._change_party(kind, current, fields))
        if "currencyCode" in fields or "currencyId" in fields:
            fields.update(currency_fields(self.store, fields, current["currencyCode"]))
        fields.update(date_fields(kind, fields, current))
        fields.update(applies_to_fields(self.store, kind, fields))
        return self.store.update(name, key, fields)

    def delete(
        self, name: str, key: str, *, if_match: str | None = None, force: bool = False
    ) -> None:
        kind = BY_HEADER[name]
        current, _ = self.store.get(name, key)
        if kind.postable and current["status"] not in (DRAFT, "In Review") and not force:
            setup = "Sales & Receivables" if kind.side == "sales" else "Purchases & Payables"
            raise field_validation(
                f"Allow Document Deletion Before must have a value in {setup} Setup: "
                "Primary Key=. It cannot be zero or empty."
            )
        ensure_draft(kind, current)
        if current.get("postingNumber") and not force:
            plural = f"{kind.noun}s"
            raise callback_not_allowed(
                f"Deleting this document will cause a gap in the number series for posted "
                f"{plural}. An empty posted {kind.noun} {current['postingNumber']} will be "
                "created to fill this gap in the number series. Do you want to continue?"
            )
        self.store.delete(name, key, if_match=if_match)
        for line, _ in self.store.find(kind.line_set, "documentId", key):
            self.store.delete(kind.line_set, line["id"])
            delete_dimension_lines(self.store, line["id"])
        delete_dimension_lines(self.store, key)

    def _change_party(self, kind: DocumentKind, current: Record, fields: Record) -> Record:
        party = resolve_party(self.store, kind, fields)
        if party["id"] == current[f"{kind.party}Id"]:
            return party_fields(kind, party)
        if self.store.find(kind.line_set, "documentId", current["id"]):
            raise dialog(
                f"You cannot reset {PARTY[kind.side][2]} because the document still has one "
                "or more lines."
            )
        check_blocked(kind, party, "create")
        delete_dimension_lines(self.store, current["id"])
        defaults = default_dimension_lines(self.store, PARTY[kind.side][1], party["id"])
        copy_dimension_lines(self.store, defaults, kind.caption, current["id"])
        sync_shortcuts(self.store, kind, current["id"])
        spec = header_spec(kind)
        copied = {k: v for k, v in copied_fields(kind, party).items() if spec.known(k)}
        return {
            **copied,
            **invoice_defaults(self.store, kind, party),
            **party_fields(kind, party),
            **currency_fields(self.store, {}, party["currencyCode"]),
        }
