"""Companion API `crmSalesQuotes`, `crmSalesOrders` and their lines (BC_CUSTOM_API.md).

AL: API pages over table 36 Sales Header (Document Type Quote / Order, key SystemId) and,
as their `lines` and the sets `crmSalesQuoteLines` / `crmSalesOrderLines`, table 37
Sales Line, with what the connector maps from a CRM quote or order that v2.0 cannot
carry. Their records are v2.0's `salesQuotes`/`salesOrders` and their lines (same `id`,
same `number`): every write here goes through the documents' rules (`HeaderRules`,
`LineRules`: the customer and what is copied from it, dates, currency, blocked
customers, item and account lines, amounts, dimensions), and what v2.0 writes shows here.
The Sales Header/Line fields no v2.0 page shows are stored hidden on the v2.0 records
(documents.CRM_HEADER_FIELDS, CRM_LINE_FIELDS). Reproduced:

- `number`: given on POST → used as given (upper-cased, a Code field); else the next No.
  of `noSeriesCode` (a `noSeries` code; unknown → 400 `Internal_InvalidTableRelation`)
  or of the company's quote/order series, shared with v2.0 (S-QUO…, S-ORD…). A No. the
  document type already has → 400 `Internal_EntityWithSameKeyExists` ("The record in
  table Sales Header already exists. …"); `number` and `noSeriesCode` in a PATCH → 400
  `BadRequest_InvalidOperation` (Insert-only fields),
- codes where v2.0 has ids or other names: `paymentTermsCode`/`shipmentMethodCode` name
  what v2.0's `paymentTermsId`/`shipmentMethodId` point to, `salespersonCode` is v2.0's
  `salesperson`, the sell-to address is v2.0's `sellTo…`, `documentDate` is a quote's
  `documentDate` and an order's `orderDate`,
- table relations as BC checks them (400 `Internal_InvalidTableRelation`, "The field
  Payment Terms Code of table Sales Header contains a value (X) that cannot be found in
  the related table (Payment Terms)."): customer, country, salesperson, payment terms,
  shipment method, shipping agent, location, currency (blank or GBP = local currency),
  ship-to code (one of the customer's ship-to addresses, whose name and address it copies
  to the ship-to fields, as validating Ship-to Code does); on lines the item or G/L
  account (field No.) and the unit of measure,
- defaults from the customer (names, address, terms, salesperson: v2.0's rules); a quote's
  Posting Date stays empty unless given (BC's quotes have none), `crmComplete` starts true,
- `customerName` may be written (v2.0 shows it read-only),
- lines: `lineDiscountAmount` is v2.0's `discountAmount` and may not exceed quantity ×
  unit price (BC's UpdateLineDiscPct: 400 "The value in the Line Discount % field must be
  between 0 and 100."); `lineAmount` = quantity × unit price − line discount, rounded to
  2 decimals; `totalAmountExcludingTax` is their sum; a deep insert of `lines` on the
  header POST is one transaction with it,
- `lastModifiedDateTime` moves with the header and with its lines (LineRules rewrites
  the header's totals on every line write),
- `status` is the Sales Header's (Open; an order v2.0 shows as "Open" is Released),
  `noOfArchivedVersions` the FlowField over `salesDocumentArchives`,
- bound action `archive` (`archive_document`) → a new archived version of the document,
- writes here are the connector's: never refused for `crmLocked` (that is v2.0's side,
  `business_central_crm_locks`); DELETE removes the document and its lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.business_central.archives import (
    ARCHIVE_NAVIGATIONS,
    archive_schemas,
    archived_versions,
    store_archive,
)
from sandbox.business_central.dialect import dialog, read_only_control
from sandbox.business_central.documents import (
    EMPTY_GUID,
    LOCAL_CURRENCY,
    SALES_ORDER,
    SALES_QUOTE,
    DocumentKind,
    Navigation,
)
from sandbox.business_central.headers import HeaderRules
from sandbox.business_central.lines import LineRules, line_type_of
from sandbox.business_central.no_series import draw_from, find_series
from sandbox.business_central.relations import CAPTIONS, find_code, relation_error
from sandbox.business_central.schema import (
    BLANK_DATE,
    MODIFIED,
    EntitySchema,
    Prop,
    boolean,
    code,
    date_,
    decimal,
    enum,
    guid,
    integer,
    nested_bodies,
    ro,
    text,
)
from sandbox.odata.store import EntityStore, Record, RecordNotFound

COMPANION_DOC = "sandbox/BC_CUSTOM_API.md"
CRM_QUOTES, CRM_ORDERS = "crmSalesQuotes", "crmSalesOrders"
CRM_QUOTE_LINES, CRM_ORDER_LINES = "crmSalesQuoteLines", "crmSalesOrderLines"
LINES = "lines"
SALES_HEADER, SALES_LINE = "Sales Header", "Sales Line"
LINE_DISCOUNT_RANGE = "The value in the Line Discount % field must be between 0 and 100."
BLOB = 2**31 - 1  # Work Description is a BLOB: text of any length
INSERT_ONLY = ("number", "noSeriesCode")


@dataclass(frozen=True)
class CrmKind:
    """One of the two companion document pages and the v2.0 document kind it shows."""

    header_set: str
    line_set: str
    kind: DocumentKind
    document_type: str  # Sales Header "Document Type"

    @property
    def orders(self) -> bool:
        return self.kind is SALES_ORDER


CRM_QUOTE = CrmKind(CRM_QUOTES, CRM_QUOTE_LINES, SALES_QUOTE, "Quote")
CRM_ORDER = CrmKind(CRM_ORDERS, CRM_ORDER_LINES, SALES_ORDER, "Order")
CRM_KINDS = (CRM_QUOTE, CRM_ORDER)
BY_CRM_HEADER = {crm.header_set: crm for crm in CRM_KINDS}
BY_CRM_LINES = {crm.line_set: crm for crm in CRM_KINDS}


def _header_props(orders: bool) -> tuple[Prop, ...]:
    quote_number = (code("quoteNumber", 20),) if orders else ()
    return (
        code("number", 20), code("noSeriesCode", 20), guid("crmId"),
        integer("crmRevisionNumber"), ro(integer("noOfArchivedVersions")),
        code("customerNumber", 20), text("customerName", 100), text("customerName2", 50),
        text("addressLine1", 100), text("addressLine2", 50), text("city", 30),
        code("postalCode", 20), code("country", 10), date_("documentDate"),
        date_("postingDate"), date_("requestedDeliveryDate"), code("salespersonCode", 20),
        code("paymentTermsCode", 10), code("shipmentMethodCode", 10),
        code("shippingAgentCode", 10), code("locationCode", 10), code("currencyCode", 10),
        code("shipToCode", 10), text("workDescription", BLOB), text("yourReference", 35),
        *quote_number, boolean("crmLocked"), boolean("crmComplete"), ro(text("status")),
        ro(decimal("totalAmountExcludingTax")),
    )  # fmt: skip


LINE_PROPS = (
    guid("documentId"), integer("sequence"), enum("lineType", "crmSalesLineType"),
    code("lineObjectNumber", 20), text("description", 100), text("description2", 50),
    decimal("quantity"), decimal("unitPrice"), decimal("lineDiscountAmount"),
    code("unitOfMeasureCode", 10), ro(decimal("lineAmount")), guid("crmLineId"),
)  # fmt: skip


def header_schema(crm: CrmKind) -> EntitySchema:
    return EntitySchema(
        crm.header_set, crm.header_set[:-1], _header_props(crm.orders), navigations=(LINES,),
        doc=COMPANION_DOC,
    )  # fmt: skip


def line_schema(crm: CrmKind) -> EntitySchema:
    return EntitySchema(
        crm.line_set, crm.line_set[:-1], LINE_PROPS, modified=False, doc=COMPANION_DOC
    )


def crm_sales_sets() -> list[tuple[EntitySchema, list[Record]]]:
    """Registered without rows (views of the v2.0 documents), and the archive tables."""
    schemas = [schema for crm in CRM_KINDS for schema in (header_schema(crm), line_schema(crm))]
    archives = archive_schemas(_header_props(orders=True), LINE_PROPS)
    return [(schema, []) for schema in (*schemas, *archives)]


NAVIGATIONS: Mapping[tuple[str, str], Navigation] = {
    **{(crm.header_set, LINES): Navigation(crm.line_set, "documentId") for crm in CRM_KINDS},
    **ARCHIVE_NAVIGATIONS,
}

# --- reading: v2.0 records as the pages show them ---------------------------------------

_SAME = (
    "number", "noSeriesCode", "crmId", "crmRevisionNumber", "customerNumber", "customerName",
    "customerName2", "postingDate", "requestedDeliveryDate", "shippingAgentCode",
    "locationCode", "currencyCode", "shipToCode", "workDescription", "yourReference",
    "crmLocked", "crmComplete", "totalAmountExcludingTax",
)  # fmt: skip
# property → the v2.0 field that holds it
_RENAMED = {
    "addressLine1": "sellToAddressLine1", "addressLine2": "sellToAddressLine2",
    "city": "sellToCity", "postalCode": "sellToPostCode", "country": "sellToCountry",
    "salespersonCode": "salesperson",
}  # fmt: skip
# property → (v2.0 field holding the related record's id, related set, BC field caption)
_BY_ID = {
    "paymentTermsCode": ("paymentTermsId", "paymentTerms", "Payment Terms Code"),
    "shipmentMethodCode": ("shipmentMethodId", "shipmentMethods", "Shipment Method Code"),
}  # fmt: skip
# property → (BC field caption, related set) checked as a table relation
_RELATIONS = {
    "country": ("Sell-to Country/Region Code", "countriesRegions"),
    "salespersonCode": ("Salesperson Code", "salespeoplePurchasers"),
    "shippingAgentCode": ("Shipping Agent Code", "shippingAgents"),
    "locationCode": ("Location Code", "locations"),
    "currencyCode": ("Currency Code", "currencies"),
}  # fmt: skip
# Sales Header Status as v2.0's salesOrders show it (APIV2: Released is "Open")
_ORDER_STATUS = {"Open": "Released", "In Review": "Pending Approval"}
# line type → (the set its No. names, that table's caption)
_LINE_OBJECTS = {"Item": ("items", "Item"), "Account": ("accounts", "G/L Account")}
_SHIP_TO = {
    "shipToName": "displayName", "shipToContact": "contact",
    "shipToAddressLine1": "addressLine1", "shipToAddressLine2": "addressLine2",
    "shipToCity": "city", "shipToState": "state", "shipToCountry": "country",
    "shipToPostCode": "postalCode",
}  # fmt: skip


def _code_of(store: EntityStore, related: str, record_id: str) -> str:
    found = store.find(related, "id", record_id) if record_id != EMPTY_GUID else []
    return str(found[0][0]["code"]) if found else ""


def crm_header_row(store: EntityStore, crm: CrmKind, header: Mapping[str, Any]) -> Record:
    """A quote or order as `crmSalesQuotes`/`crmSalesOrders` show it."""
    row: Record = {"id": header["id"], **{name: header[name] for name in _SAME}}
    row.update({name: header[field] for name, field in _RENAMED.items()})
    row["documentDate"] = header[crm.kind.date_field]
    for name, (id_field, related, _) in _BY_ID.items():
        row[name] = _code_of(store, related, header[id_field])
    if crm.orders:
        row["quoteNumber"] = header["quoteNumber"]
        row["status"] = _ORDER_STATUS.get(header["status"], "Open")
    else:
        row["status"] = "Open"  # v2.0's Draft, Sent, Accepted: the Sales Header stays Open
    row["noOfArchivedVersions"] = archived_versions(store, str(header["id"]))
    row[MODIFIED] = header[MODIFIED]
    return row


def line_amount(line: Mapping[str, Any]) -> float:
    """Line Amount: quantity × unit price − line discount amount, to the cent."""
    if line["lineType"] == "Comment":
        return 0
    gross = float(line["quantity"]) * float(line["unitPrice"])
    return round(gross - float(line["discountAmount"]), 2)


def crm_line_row(line: Mapping[str, Any]) -> Record:
    """A quote or order line as `crmSalesQuoteLines`/`crmSalesOrderLines` show it."""
    return {
        "id": line["id"], "documentId": line["documentId"], "sequence": line["sequence"],
        "lineType": line["lineType"], "lineObjectNumber": line["lineObjectNumber"],
        "description": line["description"], "description2": line["description2"],
        "quantity": line["quantity"], "unitPrice": line["unitPrice"],
        "lineDiscountAmount": line["discountAmount"],
        "unitOfMeasureCode": line["unitOfMeasureCode"], "lineAmount": line_amount(line),
        "crmLineId": line["crmLineId"],
    }  # fmt: skip


def crm_header_rows(store: EntityStore, crm: CrmKind) -> list[tuple[Record, str]]:
    return [(crm_header_row(store, crm, row), etag)
            for row, etag in store.snapshot(crm.kind.header_set)]  # fmt: skip


def crm_header_lookup(store: EntityStore, crm: CrmKind, key: str) -> tuple[Record, str] | None:
    try:
        header, etag = store.get(crm.kind.header_set, key)
    except RecordNotFound:
        return None
    return crm_header_row(store, crm, header), etag


def crm_line_rows(store: EntityStore, crm: CrmKind) -> list[tuple[Record, str]]:
    return [(crm_line_row(row), etag) for row, etag in store.snapshot(crm.kind.line_set)]


def crm_lines_of(store: EntityStore, crm: CrmKind, document_id: str) -> list[tuple[Record, str]]:
    """The `lines` of one document (the navigation's rows)."""
    rows = store.find(crm.kind.line_set, "documentId", document_id)
    return [(crm_line_row(row), etag) for row, etag in rows]


def crm_line_lookup(store: EntityStore, crm: CrmKind, key: str) -> tuple[Record, str] | None:
    try:
        line, etag = store.get(crm.kind.line_set, key)
    except RecordNotFound:
        return None
    return crm_line_row(line), etag


def archive_document(store: EntityStore, crm: CrmKind, document_id: str) -> None:
    """Bound action `archive`: BC's Archive Document (Archive Management)."""
    header, _ = store.get(crm.kind.header_set, document_id)
    lines = sorted((row for row, _ in store.find(crm.kind.line_set, "documentId", document_id)),
                   key=lambda row: row["sequence"])  # fmt: skip
    store_archive(store, crm.document_type, crm_header_row(store, crm, header),
                  [crm_line_row(line) for line in lines])  # fmt: skip


# --- writing: through the v2.0 documents' rules -----------------------------------------


def _check_relation(store: EntityStore, table: str, caption: str, value: Any, related: str) -> None:
    if value and find_code(store, related, str(value)) is None:
        raise relation_error(table, caption, value, CAPTIONS[related])


def _check_discount(line: Mapping[str, Any]) -> None:
    """BC's UpdateLineDiscPct: the discount is 0–100 % of quantity × unit price."""
    discount = float(line["discountAmount"])
    if line["lineType"] == "Comment" or discount == 0:
        return
    gross = round(float(line["quantity"]) * float(line["unitPrice"]), 2)
    if gross == 0 or not 0 <= round(discount / gross * 100, 5) <= 100:
        raise dialog(LINE_DISCOUNT_RANGE)


class CrmSalesLineRules:
    """Writes to `crmSalesQuoteLines`/`crmSalesOrderLines`: v2.0 lines, written by LineRules."""

    def __init__(self, store: EntityStore, lines: LineRules) -> None:
        self.store = store
        self.lines = lines  # v2.0's line rules, without the lock (the connector's writes)

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        line, etag = self.add(BY_CRM_LINES[name], record)
        return crm_line_row(line), etag

    def add(self, crm: CrmKind, record: Mapping[str, Any]) -> tuple[Record, str]:
        """A new line (the v2.0 record): the header POST's deep insert comes here too."""
        with self.store.atomic():
            fields = self._line_fields(record)
            number = fields.get("lineObjectNumber")
            related = _LINE_OBJECTS.get(line_type_of(fields))
            if related is not None and number:
                found = self.store.find(related[0], "number", number)
                if not any(row["number"] == number for row, _ in found):
                    raise relation_error(SALES_LINE, "No.", number, related[1])
            created, _ = self.lines.insert(crm.kind.line_set, fields)
            _check_discount(created)
            return self.store.get(crm.kind.line_set, created["id"])

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        crm = BY_CRM_LINES[name]
        with self.store.atomic():
            updated, _ = self.lines.update(
                crm.kind.line_set, key, self._line_fields(changes), if_match=if_match
            )
            _check_discount(updated)
            line, etag = self.store.get(crm.kind.line_set, key)
        return crm_line_row(line), etag

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        self.lines.delete(BY_CRM_LINES[name].kind.line_set, key, if_match=if_match)

    def _line_fields(self, record: Mapping[str, Any]) -> Record:
        """The v2.0 line fields a page body stands for, the unit of measure checked."""
        fields: Record = {}
        for name, value in record.items():
            if name == "lineDiscountAmount":
                fields["discountAmount"] = value
            elif name == "unitOfMeasureCode":
                unit = find_code(self.store, "unitsOfMeasure", str(value)) if value else None
                if value and unit is None:
                    raise relation_error(SALES_LINE, "Unit of Measure Code", value,
                                         CAPTIONS["unitsOfMeasure"])  # fmt: skip
                fields.update(unitOfMeasureCode=value,
                              unitOfMeasureId=unit["id"] if unit else EMPTY_GUID)  # fmt: skip
            else:
                fields[name] = value
        return fields


class CrmSalesRules:
    """Writes to `crmSalesQuotes`/`crmSalesOrders`: v2.0 headers, written by HeaderRules."""

    def __init__(self, store: EntityStore, headers: HeaderRules, lines: CrmSalesLineRules) -> None:
        self.store = store
        self.headers = headers  # v2.0's header rules, without the lock (the connector's writes)
        self.lines = lines

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        crm = BY_CRM_HEADER[name]
        header_set = crm.kind.header_set
        with self.store.atomic():
            lines = nested_bodies(line_schema(crm), record.get(LINES) or [])
            fields = {key: value for key, value in record.items() if key != LINES}
            if not fields.get("customerNumber"):
                raise dialog('A "customerNumber" must be provided.')
            customer = self._customer(fields["customerNumber"])
            number, series = self._number(fields)
            header = {"customerName2": customer["name2"], **self._header_fields(
                crm, fields, customer), "noSeriesCode": series}  # fmt: skip
            if not crm.orders and "postingDate" not in fields:
                header["postingDate"] = BLANK_DATE  # a quote has no Posting Date by default
            created, _ = self.headers.insert(header_set, header, number=number)
            if "customerName" in fields:  # v2.0's rules always copy the customer's name
                self.store.update(
                    header_set, created["id"], {"customerName": fields["customerName"]}
                )
            for body in lines:
                self.lines.add(crm, {**body, "documentId": created["id"]})
            row, etag = self.store.get(header_set, created["id"])
        return crm_header_row(self.store, crm, row), etag

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        crm = BY_CRM_HEADER[name]
        header_set = crm.kind.header_set
        for field in INSERT_ONLY:
            if field in changes:
                raise read_only_control(field)
        with self.store.atomic():
            current, _ = self.store.get(header_set, key)
            number = changes.get("customerNumber", current["customerNumber"])
            customer = self._customer(number)
            fields = self._header_fields(crm, changes, customer)
            if customer["id"] != current["customerId"]:  # BC copies from the new customer
                fields.setdefault("customerName2", customer["name2"])
                fields.setdefault("shipToCode", "")
            self.headers.update(header_set, key, fields, if_match=if_match)
            if "customerName" in changes:
                self.store.update(header_set, key, {"customerName": changes["customerName"]})
            row, etag = self.store.get(header_set, key)
        return crm_header_row(self.store, crm, row), etag

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        """The document and its lines, locked or not (the connector's delete)."""
        self.headers.delete(BY_CRM_HEADER[name].kind.header_set, key, if_match=if_match)

    def _customer(self, number: Any) -> Record:
        found = [row for row, _ in self.store.find("customers", "number", number)
                 if row["number"] == number]  # fmt: skip
        if not found:
            raise relation_error(SALES_HEADER, "Sell-to Customer No.", number, "Customer")
        return dict(found[0])

    def _number(self, fields: Mapping[str, Any]) -> tuple[str | None, str]:
        """(No. given or drawn from `noSeriesCode`, the series) — (None, "") for v2.0's."""
        series_code = str(fields.get("noSeriesCode") or "")
        series = find_series(self.store, series_code) if series_code else None
        if series_code and series is None:
            raise relation_error(SALES_HEADER, "No. Series", series_code, "No. Series")
        if fields.get("number"):
            return str(fields["number"]), series_code
        if series is not None:
            return draw_from(self.store, series), series_code
        return None, ""

    def _header_fields(self, crm: CrmKind, fields: Mapping[str, Any], customer: Record) -> Record:
        """The v2.0 header fields (hidden ones included) a page body stands for, checked."""
        header: Record = {}
        for name, value in fields.items():
            if name in INSERT_ONLY or name == "customerName":
                continue  # written apart
            if name in _RELATIONS:
                caption, related = _RELATIONS[name]
                if name == "currencyCode" and value == LOCAL_CURRENCY:
                    value = ""
                _check_relation(self.store, SALES_HEADER, caption, value, related)
            if name in _BY_ID:
                id_field, related, caption = _BY_ID[name]
                header[id_field] = self._id_of(related, caption, value)
            elif name == "documentDate":
                header[crm.kind.date_field] = value
            elif name == "shipToCode":
                header.update(self._ship_to(customer, value))
            else:
                header[_RENAMED.get(name, name)] = value
        return header

    def _id_of(self, related: str, caption: str, value: Any) -> str:
        if not value:
            return EMPTY_GUID
        found = find_code(self.store, related, str(value))
        if found is None:
            raise relation_error(SALES_HEADER, caption, value, CAPTIONS[related])
        return str(found["id"])

    def _ship_to(self, customer: Record, value: Any) -> Record:
        """Ship-to Code: one of the customer's addresses, copied to the ship-to fields
        ("": the customer's own address, as BC restores it)."""
        if not value:
            source = {field: customer.get(field, "") for field in _SHIP_TO.values()}
            source["contact"] = ""  # the customer's Contact is a person, not a ship-to's
        else:
            addresses = self.store.find("shipToAddresses", "customerId", customer["id"])
            found = [row for row, _ in addresses if row["code"] == value]
            if not found:
                raise relation_error(SALES_HEADER, "Ship-to Code", value, "Ship-to Address")
            source = dict(found[0])
        return {"shipToCode": value, **{field: source[name] for field, name in _SHIP_TO.items()}}
