"""`Microsoft.NAV.post` on the four document kinds: BC's checks and what posting changes.

BC behaviour reproduced (each refusal is a 400, nothing changes):

- only a Draft document can be posted: 'The action can be applied to a draft invoice
  only.' (or credit memo),
- its posting date must be within the allowed posting dates ("Posting Date is not within
  your range of allowed posting dates.": `business_central_accounting_periods`),
- a purchase credit memo without lines: 'Please add at least one line item to the credit
  memo.'; other kinds: 'There is nothing to post.' (also when every line is a comment);
  an item or account line with quantity 0: 'One or more document lines with a value in
  the No. field do not have a quantity specified.',
- the customer or vendor must not be blocked ("You cannot post this type of document
  when Vendor V00010 is blocked with type All"),
- a purchase document needs the vendor's document number (`TestField`: "Vendor Invoice
  No. must have a value in Purchase Header: Document Type=Invoice, No.=P-INV1001. It
  cannot be zero or empty."), and BC refuses a second posted document of the same type
  with the same vendor and number: "Purchase Invoice V00010-202505-1 already exists for
  this vendor.",
- an invoice's total must not be negative ('The total amount for the invoice must be 0
  or greater.'); neither may a credit memo's: its ledger entry would have the wrong sign
  ("Amount must be negative in Gen. Journal Line ..." for sales, "positive" for purchase),
- a default dimension with `postingValidation` "Code Mandatory" or "Same Code" must be on
  the document ("Select Dimension Value Code LARGE for the Dimension Code CUSTOMERGROUP
  for Customer C00010."), and no dimension value on it may be blocked.

Posting keeps the document's `id` (the API carries it over), sets `status` Open and
replaces `number` with the posted number: the one already assigned (`postingNumber`) or
the next of PS-INV, PS-CR, PP-INV, PP-CR. Posted lines are new records: their ids change.
A posted sales document writes its customer ledger entry (see `business_central_ledgers`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sandbox.business_central.accounting_periods import check_posting_date
from sandbox.business_central.dialect import dialog, field_validation
from sandbox.business_central.dimensions import dimension_lines
from sandbox.business_central.document_parties import check_blocked
from sandbox.business_central.documents import (
    DIMENSION_SET_LINES,
    DRAFT,
    POSTED,
    DocumentKind,
    dimension_line_key,
)
from sandbox.business_central.headers import next_number
from sandbox.business_central.ledgers import add_customer_entry, entry_caption
from sandbox.odata.store import EntityStore, Record

_PARTY_SET = {"sales": ("customers", "Customer"), "purchase": ("vendors", "Vendor")}


def post_document(
    store: EntityStore, kind: DocumentKind, document_id: str, description: str = ""
) -> None:
    """Post a document or raise the ServiceError BC would answer; `description` is the
    posting description (default "Invoice S-INV1001")."""
    header, _ = store.get(kind.header_set, document_id)
    if header["status"] != DRAFT:
        raise dialog(f"The action can be applied to a draft {kind.noun} only.")
    check_posting_date(store, header["postingDate"])
    lines = [dict(line) for line, _ in store.find(kind.line_set, "documentId", document_id)]
    _check_lines(kind, lines)
    party, _ = store.get(_PARTY_SET[kind.side][0], header[f"{kind.party}Id"])
    check_blocked(kind, party, "post")
    if kind.side == "purchase":
        _check_vendor_document_number(store, kind, header)
    _check_total(kind, header)
    _check_dimensions(store, kind, header, party, lines)
    number = header["postingNumber"] or next_number(store, kind.posted_prefix)
    posted, _ = store.update(kind.header_set, document_id, {
        "number": number, "status": POSTED, "postingNumber": ""})  # fmt: skip
    for line in lines:
        _repost_line(store, kind, line)
    if kind.side == "sales":
        description = description or f"{entry_caption(kind)} {header['number']}"
        add_customer_entry(store, kind, posted, description)


def _check_lines(kind: DocumentKind, lines: list[Record]) -> None:
    if not lines and kind.side == "purchase" and kind.is_credit:
        raise dialog("Please add at least one line item to the credit memo.")
    postable = [line for line in lines if line["lineType"] != "Comment"]
    if any(not line["quantity"] for line in postable):
        raise dialog(
            "One or more document lines with a value in the No. field do not have a quantity "
            "specified."
        )
    if not postable:
        raise dialog("There is nothing to post.")


def _check_vendor_document_number(
    store: EntityStore, kind: DocumentKind, header: Mapping[str, Any]
) -> None:
    external = header[kind.external_field]
    document_type = "Credit Memo" if kind.is_credit else "Invoice"
    if not external:
        raise field_validation(
            f"{kind.external_caption} must have a value in Purchase Header: Document "
            f"Type={document_type}, No.={header['number']}. It cannot be zero or empty."
        )
    for other, _ in store.find(kind.header_set, kind.external_field, external):
        if (other["status"] != DRAFT and other["vendorId"] == header["vendorId"]
                and other[kind.external_field] == external):  # fmt: skip
            raise dialog(f"Purchase {document_type} {external} already exists for this vendor.")


def _check_total(kind: DocumentKind, header: Mapping[str, Any]) -> None:
    if header["totalAmountIncludingTax"] >= 0:
        return
    if not kind.is_credit:
        raise dialog(f"The total amount for the {kind.noun} must be 0 or greater.")
    sign = "negative" if kind.side == "sales" else "positive"
    raise dialog(
        f"Amount must be {sign} in Gen. Journal Line Journal Template Name='',"
        "Journal Batch Name='',Line No.='0'."
    )


def _check_dimensions(
    store: EntityStore, kind: DocumentKind, header: Record, party: Record, lines: list[Record]
) -> None:
    on_header = dimension_lines(store, header["id"])
    table = _PARTY_SET[kind.side][1]
    for default, _ in store.find("defaultDimensions", "parentId", party["id"]):
        rule, code = default["postingValidation"], default["dimensionCode"]
        wanted = default["dimensionValueCode"]
        have = on_header.get(code, {}).get("valueCode")
        if rule == "Code Mandatory" and not have:
            raise dialog(
                f"Select a Dimension Value Code for the Dimension Code {code} for {table} "
                f"{party['number']}."
            )
        if rule == "Same Code" and have != wanted:
            raise dialog(
                f"Select Dimension Value Code {wanted} for the Dimension Code {code} for "
                f"{table} {party['number']}."
            )
    for parent_id in [header["id"], *(line["id"] for line in lines)]:
        for row in dimension_lines(store, parent_id).values():
            value, _ = store.get("dimensionValues", row["valueId"])
            if value.get("blocked"):
                raise dialog(f"Dimension Value {row['code']} - {row['valueCode']} is blocked.")


def _repost_line(store: EntityStore, kind: DocumentKind, line: Record) -> None:
    """Posted lines are new records (new ids); their dimensions move with them."""
    posted_id = str(uuid.uuid4())
    store.delete(kind.line_set, line["id"])
    store.insert(kind.line_set, {**line, "id": posted_id})
    for row in dimension_lines(store, line["id"]).values():
        store.delete(DIMENSION_SET_LINES, row["systemKey"])
        moved = {**row, "parentId": posted_id}
        moved["systemKey"] = dimension_line_key(posted_id, row["id"])
        store.insert(DIMENSION_SET_LINES, moved)
