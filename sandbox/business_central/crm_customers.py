"""Companion API `crmCustomers`: customers as the CRM connector creates them (BC_CUSTOM_API.md).

AL: an API page over table 18 Customer (key SystemId) with the fields the connector maps
that v2.0 `customers` lacks: Name 2, Fax No., Home Page, Shipping Agent Code, the
configuration template and the posting groups it fills, the CRM id. Its records are
v2.0's customers (same `id`, same `number`): a write here goes through the customers'
rules (number series, 'A "displayName" must be provided.', country relation, e-mail,
the Company contact), and what v2.0 writes shows here. Reproduced:

- codes where v2.0 has ids: `taxAreaCode`, `paymentTermsCode` and `shipmentMethodCode`
  name the records v2.0's `taxAreaId`, `paymentTermsId` and `shipmentMethodId` point to;
  `homePage` is v2.0's `website`. The company uses VAT, so (as v2.0's `taxAreaId` does)
  the tax area is the VAT Bus. Posting Group: `vatBusPostingGroup` shows `taxAreaCode`,
- a code naming nothing (tax area, payment terms, shipment method, shipping agent,
  country, template) → 400 `Internal_InvalidTableRelation`, BC's table relation text,
- `templateCode` (a Config. Template Header for table 18): on POST its default values
  are applied first and the body's values over them; on a PATCH that changes it, the new
  template's values go to every template field the body does not set, overwriting what
  the customer had (BC's Apply Template overwrites); "" or the current code applies
  nothing. A template for another table → 400 `Application_DialogException` naming it,
- `companyContactNumber` is the No. of the customer's Company contact (its Contact
  Business Relation), the `companyNumber` its persons get in `crmContacts`,
- `customerPostingGroup`, `genBusPostingGroup`, `vatBusPostingGroup`,
  `companyContactNumber` and `number` are read-only (400 `BadRequest_InvalidOperation`);
  DELETE → 405 (refused by the route).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.business_central.companion_masters import COMPANION_DOC, DEFAULT_VALUES
from sandbox.business_central.contacts import CONTACTS
from sandbox.business_central.dialect import dialog, method_not_allowed
from sandbox.business_central.relations import (
    CAPTIONS,
    check_relation,
    find_code,
    relation_error,
)
from sandbox.business_central.schema import (
    EMPTY_GUID,
    MODIFIED,
    EntitySchema,
    boolean,
    code,
    guid,
    ro,
    text,
)
from sandbox.odata.store import EntityStore, EntityWrites, Record, RecordNotFound

CRM_CUSTOMERS = "crmCustomers"
CUSTOMERS = "customers"
_TABLE = "Customer"
_TABLE_ID = 18

CRM_CUSTOMERS_SCHEMA = EntitySchema(
    CRM_CUSTOMERS, "crmCustomer", (
        ro(code("number", 20)), text("displayName", 100), text("name2", 50),
        text("addressLine1", 100), text("addressLine2", 50), text("city", 30),
        text("state", 30), code("postalCode", 20), code("country", 10),
        text("phoneNumber", 30), text("faxNumber", 30), text("email", 80),
        text("homePage", 80), text("taxRegistrationNumber", 20), boolean("taxLiable"),
        code("taxAreaCode", 20), code("paymentTermsCode", 10), code("shipmentMethodCode", 10),
        code("shippingAgentCode", 10), code("templateCode", 10),
        ro(code("customerPostingGroup", 20)), ro(code("genBusPostingGroup", 20)),
        ro(code("vatBusPostingGroup", 20)), ro(code("companyContactNumber", 20)), guid("crmId"),
    ), doc=COMPANION_DOC,
)  # fmt: skip

# property → (customers field holding the id, set the code names, BC field caption)
_BY_CODE = {
    "taxAreaCode": ("taxAreaId", "taxAreas", "Tax Area Code"),
    "paymentTermsCode": ("paymentTermsId", "paymentTerms", "Payment Terms Code"),
    "shipmentMethodCode": ("shipmentMethodId", "shipmentMethods", "Shipment Method Code"),
}  # fmt: skip
_RENAMED = {"homePage": "website"}  # property → customers field
_SAME = (
    "number", "displayName", "name2", "addressLine1", "addressLine2", "city", "state",
    "postalCode", "country", "phoneNumber", "faxNumber", "email", "taxRegistrationNumber",
    "taxLiable", "shippingAgentCode", "templateCode", "customerPostingGroup",
    "genBusPostingGroup", "crmId",
)  # fmt: skip


def crm_customer_row(store: EntityStore, customer: Mapping[str, Any]) -> Record:
    """A customer as `crmCustomers` shows it."""
    row: Record = {"id": customer["id"], **{name: customer[name] for name in _SAME}}
    row.update({name: customer[field] for name, field in _RENAMED.items()})
    for name, (id_field, related, _) in _BY_CODE.items():
        found = store.find(related, "id", customer[id_field])
        row[name] = found[0][0]["code"] if customer[id_field] != EMPTY_GUID and found else ""
    row["vatBusPostingGroup"] = row["taxAreaCode"]
    companies = store.find(CONTACTS, "customerId", customer["id"])
    row["companyContactNumber"] = companies[0][0]["number"] if companies else ""
    row[MODIFIED] = customer[MODIFIED]
    return row


def crm_customer_rows(store: EntityStore) -> list[tuple[Record, str]]:
    return [(crm_customer_row(store, row), etag) for row, etag in store.snapshot(CUSTOMERS)]


def crm_customer_lookup(store: EntityStore, key: str) -> tuple[Record, str] | None:
    """One customer's `crmCustomers` row, by id."""
    try:
        customer, etag = store.get(CUSTOMERS, key)
    except RecordNotFound:
        return None
    return crm_customer_row(store, customer), etag


class CrmCustomerRules:
    """Writes to `crmCustomers`: translated to customer fields, written by `customers`."""

    def __init__(self, store: EntityStore, customers: EntityWrites) -> None:
        self.store = store
        self.customers = customers  # the v2.0 customers' writer, with BC's rules

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        fields = {**self._template_values(record.get("templateCode")), **record}
        created, etag = self.customers.insert(CUSTOMERS, self._customer_fields(fields))
        return crm_customer_row(self.store, created), etag

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        current, _ = self.store.get(CUSTOMERS, key)
        fields = dict(changes)
        template = changes.get("templateCode")
        if template and template != current["templateCode"]:
            fields = {**self._template_values(template), **changes}
        updated, etag = self.customers.update(
            CUSTOMERS, key, self._customer_fields(fields), if_match=if_match
        )
        return crm_customer_row(self.store, updated), etag

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        raise method_not_allowed("DELETE", name)  # the route refuses it first

    def _template_values(self, template_code: Any) -> Record:
        """The default values of a customer template ("" or None: none)."""
        if not template_code:
            return {}
        template = find_code(self.store, "configurationTemplates", str(template_code))
        if template is None:
            raise relation_error(_TABLE, "Template Code", template_code, "Config. Template Header")
        if template["tableId"] != _TABLE_ID:
            raise dialog(
                f"The configuration template {template_code} is for table "
                f"{template['tableId']} {template['tableName']}, not for table "
                f"{_TABLE_ID} {_TABLE}."
            )
        return dict(template[DEFAULT_VALUES])

    def _customer_fields(self, fields: Mapping[str, Any]) -> Record:
        """The customers fields a crmCustomers body stands for, its codes checked."""
        translated: Record = {}
        for name, value in fields.items():
            if name in _BY_CODE:
                id_field, related, caption = _BY_CODE[name]
                translated[id_field] = self._id_of(related, caption, value)
                continue
            if name == "shippingAgentCode":
                check_relation(self.store, _TABLE, "Shipping Agent Code", value, "shippingAgents")
            translated[_RENAMED.get(name, name)] = value
        return translated

    def _id_of(self, related: str, caption: str, value: Any) -> str:
        if not value:
            return EMPTY_GUID
        found = find_code(self.store, related, str(value))
        if found is None:
            raise relation_error(_TABLE, caption, value, CAPTIONS[related])
        return str(found["id"])
