"""Who a document is for: its customer or vendor, checked and copied as BC does.

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
  does not match to a Currency.'
- an invoice also takes, hidden (no v2.0 page shows them), the customer's Name 2,
  Shipping Agent Code and Tax Area Code (`invoice_defaults`; see `posted_invoices`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.business_central.dialect import dialog, record_not_found
from sandbox.business_central.documents import (
    EMPTY_GUID,
    INVOICE_HEADER_FIELDS,
    LOCAL_CURRENCY,
    SALES_INVOICE,
    DocumentKind,
)
from sandbox.odata.store import EntityStore, Record, RecordNotFound

PARTY = {
    "sales": ("customers", "Customer", "Sell-to Customer No."),
    "purchase": ("vendors", "Vendor", "Buy-from Vendor No."),
}


def check_blocked(kind: DocumentKind, party: Mapping[str, Any], action: str) -> None:
    """BC's blocked check for creating ("create") or posting ("post") a document."""
    blocked = str(party.get("blocked") or " ")
    stopped = {"All"}
    if kind.side == "sales" and not kind.is_credit:
        stopped |= {"Invoice"} if kind.postable else {"Invoice", "Ship"}
    hit = blocked in stopped
    if hit:
        table = PARTY[kind.side][1]
        raise dialog(
            f"You cannot {action} this type of document when {table} {party['number']} is "
            f"blocked with type {blocked}"
        )


def resolve_party(store: EntityStore, kind: DocumentKind, fields: Mapping[str, Any]) -> Record:
    entity_set, table, _ = PARTY[kind.side]
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


def code_of(store: EntityStore, related: str, record_id: str) -> str:
    """The code of the record of `related` with this id ("" for none)."""
    found = store.find(related, "id", record_id) if record_id not in ("", EMPTY_GUID) else []
    return str(found[0][0]["code"]) if found else ""


def invoice_defaults(store: EntityStore, kind: DocumentKind, customer: Mapping[str, Any]) -> Record:
    """The hidden Sales Header fields an invoice takes from its customer (none for other kinds)."""
    if kind is not SALES_INVOICE:
        return {}
    return {**INVOICE_HEADER_FIELDS, "customerName2": customer.get("name2", ""),
            "shippingAgentCode": customer.get("shippingAgentCode", ""),
            "taxAreaCode": code_of(store, "taxAreas", str(customer.get("taxAreaId") or ""))}  # fmt: skip


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
