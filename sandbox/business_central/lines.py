"""Document lines of the BC simulator: what BC checks and computes when a line is written.

BC behaviour reproduced:

- `lineType` Item, Account or Comment (Resource, Fixed Asset and Charge are accepted by
  the enum but the sandbox has no such records: 400 `Internal_RecordNotFound`); left out,
  it is Item when a number or `itemId` is given, Account with `accountId`, Comment
  otherwise,
- `lineObjectNumber` names an item (Item) or a G/L account (Account): unknown → 400
  `Internal_RecordNotFound` "The Item does not exist. Identification fields and values:
  No.='X'"; a blocked item or account, or an account without direct posting → 400
  `Application_FieldValidationException` (BC's TestField text),
- a new line takes the item's or account's name as `description` and the item's
  `unitPrice` (sales) or `unitCost` (purchase) unless given; `description` holds 100
  characters, `description2` 50 (longer → 400 `Application_StringExceededLength`, checked
  with the line's schema),
- `sequence` is the next multiple of 10000 unless given; two lines with one sequence →
  400; `documentId`, `sequence` and `lineObjectNumber` cannot change later,
- amounts: quantity × price − discount (a `discountPercent` sets the discount), no tax;
  every line write recomputes the document's totals (and so its ETag and
  `lastModifiedDateTime`, even when the totals stay as they were); an order line's
  `shipQuantity` and `invoiceQuantity` follow its quantity unless given,
- a new line gets its document's dimensions, plus the item's default dimensions,
- nothing can be added, changed or removed on a posted document.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sandbox.business_central.dialect import (
    bc_error,
    dialog,
    guid_or_new,
    must_equal,
    record_not_found,
)
from sandbox.business_central.dimensions import (
    DimensionLineRules,
    copy_dimension_lines,
    default_dimension_lines,
    delete_dimension_lines,
    dimension_lines,
)
from sandbox.business_central.documents import (
    BY_LINES,
    DIMENSION_SET_LINES,
    DIMENSION_SET_LINES_SCHEMA,
    EMPTY_GUID,
    SALES_INVOICE,
    DocumentKind,
    ensure_draft,
)
from sandbox.business_central.schema import nested_bodies
from sandbox.odata.store import EntityStore, Record, RecordNotFound

SEQUENCE_STEP = 10_000
_FILLED_IN = ("description", "unitPrice", "unitCost", "unitOfMeasureCode", "unitOfMeasureId")
_FIXED = {
    "documentId": 'The value for "documentId" cannot be modified.',
    "sequence": 'The value for "sequence" cannot be modified. Delete and insert the line again.',
    "lineType": 'The value for "lineObjectNumber" cannot be modified.',
    "lineObjectNumber": 'The value for "lineObjectNumber" cannot be modified.',
    "itemId": 'The value for "lineObjectNumber" cannot be modified.',
    "accountId": 'The value for "lineObjectNumber" cannot be modified.',
}


def number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bc_error(
            400, "BadRequest",
            f"Cannot convert the literal '{value}' of '{name}' to the expected type 'Edm.Decimal'.",
        )  # fmt: skip
    return float(value)


def line_amounts(
    kind: DocumentKind,
    line: Mapping[str, Any],
    changes: Mapping[str, Any],
    fields: Collection[str],
) -> Record:
    """The computed amount fields of a line that the line set has (`fields`): no tax in
    the sandbox company; an order line's quantities to ship and invoice follow `quantity`."""
    if line["lineType"] == "Comment":
        gross = discount = 0.0
    else:
        gross = number("quantity", line["quantity"]) * number(
            kind.price_field, line[kind.price_field]
        )
        discount = number("discountAmount", line["discountAmount"])
        if "discountPercent" in changes:
            discount = gross * number("discountPercent", line["discountPercent"]) / 100
    amount = round(gross - discount, 2)
    computed: Record = {
        "discountAmount": round(discount, 2), "amountExcludingTax": amount, "taxPercent": 0,
        "totalTaxAmount": 0, "amountIncludingTax": amount, "invoiceDiscountAllocation": 0,
        "netAmount": amount, "netTaxAmount": 0, "netAmountIncludingTax": amount,
    }  # fmt: skip
    if "quantity" in changes:
        for follows in ("shipQuantity", "invoiceQuantity"):
            if follows not in changes:
                computed[follows] = line["quantity"]
    return {name: value for name, value in computed.items() if name in fields}


def recompute_totals(store: EntityStore, kind: DocumentKind, header_id: str) -> None:
    lines = store.find(kind.line_set, "documentId", header_id)
    total = round(sum(float(line["amountExcludingTax"]) for line, _ in lines), 2)
    totals: Record = {"totalAmountExcludingTax": total, "totalTaxAmount": 0,
                      "totalAmountIncludingTax": total}  # fmt: skip
    if kind is SALES_INVOICE:
        totals["remainingAmount"] = total
    # Always written: the header's lastModifiedDateTime (and ETag) moves with its lines, as
    # the APIV2 entity buffers' do (their aggregators modify them on every line change).
    store.update(kind.header_set, header_id, totals)


def line_type_of(fields: Mapping[str, Any]) -> str:
    """The line type given (the schema checked it against its enum), or the one BC infers."""
    line_type = fields.get("lineType")
    if line_type is None:
        if fields.get("accountId") not in (None, "", EMPTY_GUID):
            return "Account"
        has_item = fields.get("itemId") not in (None, "", EMPTY_GUID)
        return "Item" if has_item or fields.get("lineObjectNumber") else "Comment"
    return str(line_type)


def _find(store: EntityStore, entity_set: str, table: str, by_id: Any, by_number: Any) -> Record:
    if by_id not in (None, "", EMPTY_GUID):
        try:
            return store.get(entity_set, str(by_id))[0]
        except RecordNotFound:
            raise record_not_found(table, {"Id": str(by_id)}) from None
    code = str(by_number or "").upper()
    found = [row for row, _ in store.find(entity_set, "number", code) if row["number"] == code]
    if not found:
        raise record_not_found(table, {"No.": code})
    return dict(found[0])


def resolve_object(store: EntityStore, kind: DocumentKind, fields: Mapping[str, Any]) -> Record:
    """lineType, the item or account it names, and what BC fills in from that record."""
    line_type = line_type_of(fields)
    if line_type == "Comment":
        return {"lineType": line_type, "lineObjectNumber": "", "itemId": EMPTY_GUID,
                "accountId": EMPTY_GUID}  # fmt: skip
    if line_type == "Item" and fields.get("accountId") not in (None, "", EMPTY_GUID):
        raise dialog('Both "itemId" and "accountId" are specified. Specify only one of them.')
    if line_type not in ("Item", "Account"):
        raise record_not_found(line_type, {"No.": str(fields.get("lineObjectNumber", ""))})
    if line_type == "Item":
        item = _find(store, "items", "Item", fields.get("itemId"), fields.get("lineObjectNumber"))
        if item["blocked"]:
            raise must_equal("Blocked", "No", "Item", f"No.={item['number']}", "Yes")
        return {"lineType": "Item", "lineObjectNumber": item["number"], "itemId": item["id"],
                "accountId": EMPTY_GUID, "description": item["displayName"],
                kind.price_field: item[kind.price_field],
                "unitOfMeasureCode": item["baseUnitOfMeasureCode"],
                "unitOfMeasureId": item["baseUnitOfMeasureId"]}  # fmt: skip
    account = _find(
        store, "accounts", "G/L Account", fields.get("accountId"), fields.get("lineObjectNumber")
    )
    where = f"No.={account['number']}"
    if account["blocked"]:
        raise must_equal("Blocked", "No", "G/L Account", where, "Yes")
    if not account["directPosting"]:
        raise must_equal("Direct Posting", "Yes", "G/L Account", where, "No")
    return {"lineType": "Account", "lineObjectNumber": account["number"],
            "itemId": EMPTY_GUID, "accountId": account["id"],
            "description": account["displayName"], kind.price_field: 0}  # fmt: skip


class LineRules:
    """Writes to the four document line sets, as the engine's writer for them."""

    def __init__(self, store: EntityStore) -> None:
        self.store = store
        self.dimensions = DimensionLineRules(store)

    def header(self, kind: DocumentKind, document_id: Any) -> Record:
        if not document_id:
            raise dialog("You must specify a document id to get the lines.")
        try:
            return self.store.get(kind.header_set, str(document_id))[0]
        except RecordNotFound:
            raise dialog("No document with the specified ID exists.") from None

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        kind = BY_LINES[name]
        header = self.header(kind, record.get("documentId"))
        ensure_draft(kind, header)
        nested = record.get(DIMENSION_SET_LINES) or []
        fields = {key: value for key, value in record.items() if key != DIMENSION_SET_LINES}
        found = resolve_object(self.store, kind, fields)
        filled = {key: found.pop(key) for key in _FILLED_IN if key in found}
        line = {**filled, **fields, **found}  # what the client gave beats what BC fills in
        line.update(id=guid_or_new(record.get("id")), documentId=header["id"],
                    sequence=self._sequence(kind, header["id"], record.get("sequence")))  # fmt: skip
        self._check(kind, line)
        spec = self.store.spec(name)
        line.update(line_amounts(kind, {**spec.defaults, **line}, line, spec.fields))
        if self.store.find(name, "id", line["id"]):
            raise bc_error(
                400, "Internal_EntityWithSameKeyExists",
                f"The {kind.line_caption} already exists. Identification fields and values: "
                f"Id='{line['id']}'",
            )  # fmt: skip
        self.store.insert(name, line)
        self._inherit_dimensions(kind, header["id"], line)
        for body in nested_bodies(DIMENSION_SET_LINES_SCHEMA, nested):
            self.dimensions.insert(DIMENSION_SET_LINES, {
                **body, "parentType": kind.line_caption, "parentId": line["id"],
            })  # fmt: skip
        recompute_totals(self.store, kind, header["id"])
        return self.store.get(name, line["id"])

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        kind = BY_LINES[name]
        current, _ = self.store.get(name, key)
        ensure_draft(kind, self.header(kind, current["documentId"]))
        for field, message in _FIXED.items():
            if field in changes and str(changes[field]).lower() != str(current[field]).lower():
                raise dialog(message)
        line = {**current, **changes}
        self._check(kind, line)
        line.update(line_amounts(kind, line, changes, self.store.spec(name).fields))
        updated = self.store.update(name, key, line, if_match=if_match)
        recompute_totals(self.store, kind, current["documentId"])
        return updated

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        kind = BY_LINES[name]
        current, _ = self.store.get(name, key)
        ensure_draft(kind, self.header(kind, current["documentId"]))
        self.store.delete(name, key, if_match=if_match)
        delete_dimension_lines(self.store, key)
        recompute_totals(self.store, kind, current["documentId"])

    def _sequence(self, kind: DocumentKind, header_id: str, wanted: Any) -> int:
        used = [
            line["sequence"] for line, _ in self.store.find(kind.line_set, "documentId", header_id)
        ]
        if wanted in (None, 0):
            return max(used, default=0) // SEQUENCE_STEP * SEQUENCE_STEP + SEQUENCE_STEP
        if isinstance(wanted, bool) or not isinstance(wanted, int) or wanted < 0:
            raise bc_error(400, "BadRequest", f"The value '{wanted}' of 'sequence' is not valid.")
        if wanted in used:
            raise dialog("You cannot insert a line because a line already exists.")
        return wanted

    def _check(self, kind: DocumentKind, line: Mapping[str, Any]) -> None:
        for field in ("quantity", kind.price_field, "discountAmount", "discountPercent"):
            if field in line:
                number(field, line[field])

    def _inherit_dimensions(self, kind: DocumentKind, header_id: str, line: Record) -> None:
        inherited = list(dimension_lines(self.store, header_id).values())
        if line["lineType"] == "Item":
            codes = {row["code"] for row in inherited}
            defaults = default_dimension_lines(self.store, "Item", line["itemId"])
            inherited += [row for row in defaults if row["code"] not in codes]
        copy_dimension_lines(self.store, inherited, kind.line_caption, line["id"])
