"""Document headers of the BC simulator: creating, changing and deleting unposted documents.

BC behaviour reproduced:

- the customer (sales) or vendor (purchase) is given by number or id: neither → 400
  'A "customerNumber" or a "customerId" must be provided.'; an unknown one → 400
  `Internal_RecordNotFound` "The Customer does not exist. Identification fields and
  values: No.='C99999'"; number and id of two different records → 400,
- a customer blocked All (or Invoice, for invoices, quotes and orders; or Ship, for quotes
  and orders) or a vendor blocked All cannot get a new document: "You cannot create this
  type of document when Customer C00010 is blocked with type All",
- the customer's or vendor's name, addresses, phone and e-mail, and a sales document's
  payment terms, shipment method and salesperson are copied onto the header,
- `currencyCode` defaults to the customer's or vendor's currency; "" (or the company's
  own currency code, GBP) is local currency; an unknown code → 400 'The "currencyCode"
  does not match to a Currency.',
- document date and posting date default to today, the due date (orders have none) to
  30 days after the document date; dates must be `YYYY-MM-DD`,
- `number` comes from the kind's number series (S-QUO1001, S-ORD1001, S-INV1001,
  S-CR1001, P-INV1001, P-CR1001...), `status` is Draft; a client may choose the `id`,
- a POST may nest the lines (and dimension set lines): one deep insert, all or nothing,
- the document starts with the customer's or vendor's default dimensions,
- a credit memo's `invoiceId` (or `invoiceNumber`) must name a posted invoice
  ('The "invoiceId" does not match to an Invoice.'); the other field is filled in,
- the customer or vendor cannot change once the document has lines ("You cannot reset
  Sell-to Customer No. because the document still has one or more lines."),
- DELETE removes the lines and dimensions with the document; a posted document cannot
  be deleted, nor can one whose posted number is already taken (`postingNumber`: BC
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
    guid_or_new,
    record_not_found,
)
from sandbox.business_central.dimensions import (
    DimensionLineRules,
    copy_dimension_lines,
    default_dimension_lines,
    delete_dimension_lines,
    sync_shortcuts,
)
from sandbox.business_central.documents import (
    BY_HEADER,
    DIMENSION_SET_LINES,
    DIMENSION_SET_LINES_SCHEMA,
    DRAFT,
    EMPTY_GUID,
    LOCAL_CURRENCY,
    DocumentKind,
    ensure_draft,
    header_spec,
    line_schema,
)
from sandbox.business_central.lines import LineRules
from sandbox.business_central.schema import nested_bodies
from sandbox.odata.store import EntityStore, EtagMismatch, Record, RecordNotFound

PAYMENT_DAYS = 30
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PARTY = {
    "sales": ("customers", "Customer", "Sell-to Customer No."),
    "purchase": ("vendors", "Vendor", "Buy-from Vendor No."),
}


def next_number(store: EntityStore, prefix: str) -> str:
    return f"{prefix}{store.next_number(prefix, 1001)}"


def check_blocked(kind: DocumentKind, party: Mapping[str, Any], action: str) -> None:
    """BC's blocked check for creating ("create") or posting ("post") a document."""
    blocked = str(party.get("blocked") or " ")
    stopped = {"All"}
    if kind.side == "sales" and not kind.is_credit:
        stopped |= {"Invoice"} if kind.postable else {"Invoice", "Ship"}
    hit = blocked in stopped
    if hit:
        table = _PARTY[kind.side][1]
        raise dialog(
            f"You cannot {action} this type of document when {table} {party['number']} is "
            f"blocked with type {blocked}"
        )


def resolve_party(store: EntityStore, kind: DocumentKind, fields: Mapping[str, Any]) -> Record:
    entity_set, table, _ = _PARTY[kind.side]
    party_id, number = fields.get(f"{kind.party}Id"), fields.get(f"{kind.party}Number")
    if party_id in (None, "", EMPTY_GUID) and not number:
        raise dialog(f'A "{kind.party}Number" or a "{kind.party}Id" must be provided.')
    if party_id not in (None, "", EMPTY_GUID):
        try:
            party, _ = store.get(entity_set, str(party_id))
        except RecordNotFound:
            raise record_not_found(table, {"Id": str(party_id)}) from None
        if number and str(number).upper() != party["number"]:
            raise dialog(f"The {kind.party} values do not match to a specific {table}.")
        return party
    code = str(number).upper()
    found = [row for row, _ in store.find(entity_set, "number", code) if row["number"] == code]
    if not found:
        raise record_not_found(table, {"No.": code})
    return dict(found[0])


_ADDRESS = ("AddressLine1", "AddressLine2", "City", "Country", "State", "PostCode")
_PARTY_ADDRESS = ("addressLine1", "addressLine2", "city", "country", "state", "postalCode")


def _address(prefix: str, party: Mapping[str, Any]) -> Record:
    return {prefix + suffix: party.get(source, "")
            for suffix, source in zip(_ADDRESS, _PARTY_ADDRESS, strict=True)}  # fmt: skip


def party_fields(kind: DocumentKind, party: Mapping[str, Any]) -> Record:
    """The customer's or vendor's ids and names: always the party's, never the client's."""
    if kind.side == "sales":
        return {
            "customerId": party["id"],
            "customerNumber": party["number"],
            "customerName": party["displayName"],
            "billToCustomerId": party["id"],
            "billToCustomerNumber": party["number"],
            "billToName": party["displayName"],
        }
    return {"vendorId": party["id"], "vendorNumber": party["number"],
            "vendorName": party["displayName"], "payToVendorId": party["id"],
            "payToVendorNumber": party["number"], "payToName": party["displayName"]}  # fmt: skip


def copied_fields(kind: DocumentKind, party: Mapping[str, Any]) -> Record:
    """What BC copies from the party and a client may override: addresses, contact, terms.

    Callers keep only what the kind's header has."""
    terms = {"paymentTermsId": party.get("paymentTermsId", EMPTY_GUID)}
    if kind.side == "purchase":
        return {**terms, **_address("buyFrom", party), **_address("payTo", party)}
    return {
        **terms, "shipmentMethodId": party.get("shipmentMethodId", EMPTY_GUID),
        "salesperson": party.get("salespersonCode", ""), "shipToName": party["displayName"],
        **_address("sellTo", party), **_address("billTo", party), **_address("shipTo", party),
        "phoneNumber": party.get("phoneNumber", ""), "email": party.get("email", ""),
    }  # fmt: skip


def currency_fields(store: EntityStore, fields: Mapping[str, Any], default: str) -> Record:
    by_id = fields.get("currencyId")
    currency: Record | None = None
    if by_id not in (None, "", EMPTY_GUID):
        try:
            currency = store.get("currencies", str(by_id))[0]
        except RecordNotFound:
            raise dialog('The "currencyId" does not match to a Currency.') from None
    code = str(fields.get("currencyCode", currency["code"] if currency else default)).upper()
    code = "" if code == LOCAL_CURRENCY else code
    if currency is not None and currency["code"] != code:
        raise dialog("The currency values do not match to a specific Currency.")
    if not code:
        return {"currencyCode": "", "currencyId": EMPTY_GUID}
    found = [row for row, _ in store.find("currencies", "code", code) if row["code"] == code]
    if not found:
        raise dialog('The "currencyCode" does not match to a Currency.')
    return {"currencyCode": code, "currencyId": found[0]["id"]}


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

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        kind = BY_HEADER[name]
        lines = nested_bodies(line_schema(kind), record.get(kind.line_set) or [])
        dimensions = nested_bodies(
            DIMENSION_SET_LINES_SCHEMA, record.get(DIMENSION_SET_LINES) or []
        )
        fields = {k: v for k, v in record.items() if k not in (kind.line_set, DIMENSION_SET_LINES)}
        party = resolve_party(self.store, kind, fields)
        check_blocked(kind, party, "create")
        header = {**copied_fields(kind, party), **fields, **party_fields(kind, party),
                  **currency_fields(self.store, fields, party["currencyCode"]),
                  **date_fields(kind, fields, {}), **applies_to_fields(self.store, kind, fields),
                  "id": guid_or_new(fields.get("id")),
                  "number": next_number(self.store, kind.draft_prefix), "status": DRAFT}  # fmt: skip
        spec = header_spec(kind)
        self.store.insert(name, {k: v for k, v in header.items() if spec.known(k)})
        defaults = default_dimension_lines(self.store, _PARTY[kind.side][1], party["id"])
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
                f"You cannot reset {_PARTY[kind.side][2]} because the document still has one "
                "or more lines."
            )
        check_blocked(kind, party, "create")
        delete_dimension_lines(self.store, current["id"])
        defaults = default_dimension_lines(self.store, _PARTY[kind.side][1], party["id"])
        copy_dimension_lines(self.store, defaults, kind.caption, current["id"])
        sync_shortcuts(self.store, kind, current["id"])
        spec = header_spec(kind)
        copied = {k: v for k, v in copied_fields(kind, party).items() if spec.known(k)}
        return {
            **copied,
            **party_fields(kind, party),
            **currency_fields(self.store, {}, party["currencyCode"]),
        }
