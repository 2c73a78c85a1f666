"""Companion API masters API v2.0 lacks: shipping agents, configuration templates, ship-tos.

Contract: BC_CUSTOM_API.md. Each is an API page over its BC table, keyed by SystemId:

- `shippingAgents` (table 291 "Shipping Agent"): GET, POST, PATCH, DELETE; `code` is the
  primary key (a duplicate → 400 `Internal_EntityWithSameKeyExists`),
- `configurationTemplates` (table 8618 "Config. Template Header"): GET only; templates
  are set up in BC and flow to CRM by code. Each keeps, hidden, the default values its
  template lines give (catalog TEMPLATE_DEFAULTS), which `crmCustomers` applies,
- `shipToAddresses` (table 222 "Ship-to Address"): GET, POST, PATCH, DELETE; created from
  CRM. The customer is given by `customerId` or `customerNumber` (neither → 400 'A
  "customerNumber" or a "customerId" must be provided.'; unknown → 400
  `Internal_RecordNotFound` "The Customer does not exist. ..."), and cannot change; the key
  is customer + `code` ("The Ship-to Address already exists. Identification fields and
  values: Customer No.='C00010',Code='GOODS-IN'"); `taxAreaCode` and `country` must exist
  (400 `Internal_InvalidTableRelation`, BC's table relation message); `email` is checked
  as BC's E-Mail field is (`business_central_emails`); `crmId` is the CRM id the
  connector creates it with.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.business_central.dialect import bc_error, dialog, record_not_found
from sandbox.business_central.emails import with_checked_email
from sandbox.business_central.relations import check_relation
from sandbox.business_central.schema import (
    EMPTY_GUID,
    EntitySchema,
    boolean,
    code,
    guid,
    integer,
    text,
)
from sandbox.business_central.seed import CRM_ID, address, master_id, stamp
from sandbox.catalog import (
    CONFIG_TEMPLATES,
    SHIP_TO_ADDRESSES,
    SHIPPING_AGENTS,
    TEMPLATE_DEFAULTS,
)
from sandbox.odata.store import EntityStore, Record, RecordNotFound

COMPANION_DOC = "sandbox/BC_CUSTOM_API.md"
SHIP_TO = "shipToAddresses"
DEFAULT_VALUES = "defaultValues"  # a template's field defaults: {crmCustomers property: value}
_TABLE_IDS = {"Customer": 18, "Vendor": 23, "Item": 27, "Contact": 5050}

SHIPPING_AGENTS_SCHEMA = EntitySchema(
    "shippingAgents", "shippingAgent", (
        code("code", 10), text("displayName", 50), text("internetAddress", 250),
        text("accountNumber", 30),
    ), hidden=CRM_ID, doc=COMPANION_DOC,
)  # fmt: skip

CONFIGURATION_TEMPLATES_SCHEMA = EntitySchema(
    "configurationTemplates", "configurationTemplate", (
        code("code", 10), text("displayName", 100), integer("tableId"), text("tableName", 30),
        boolean("enabled"),
    ), hidden={**CRM_ID, DEFAULT_VALUES: {}}, doc=COMPANION_DOC,
)  # fmt: skip

SHIP_TO_SCHEMA = EntitySchema(
    SHIP_TO, "shipToAddress", (
        guid("customerId"), code("customerNumber", 20), code("code", 10),
        text("displayName", 100), *address(), text("phoneNumber", 30), text("email", 80),
        text("contact", 100), boolean("taxLiable"), code("taxAreaCode", 20), guid("crmId"),
    ), doc=COMPANION_DOC,
)  # fmt: skip
READ_ONLY_SETS = frozenset({"configurationTemplates"})


def companion_master_sets() -> list[tuple[EntitySchema, list[Record]]]:
    agents = [{"code": c, "displayName": name, "internetAddress": url}
              for c, name, url in SHIPPING_AGENTS]  # fmt: skip
    templates = [{"code": c, "displayName": name, "tableId": _TABLE_IDS[table],
                  "tableName": table, "enabled": True,
                  DEFAULT_VALUES: dict(TEMPLATE_DEFAULTS.get(c, {}))}
                 for c, name, table in CONFIG_TEMPLATES]  # fmt: skip
    ship_tos = [{"customerId": master_id("customers", s.customer), "customerNumber": s.customer,
                 "code": s.code, "displayName": s.name, "addressLine1": s.address,
                 "city": s.city, "country": s.country,
                 "taxAreaCode": "DOMESTIC" if s.country == "GB" else "EU"}
                for s in SHIP_TO_ADDRESSES]  # fmt: skip

    def rows(entity_set: str, start: int, items: list[Record], key: Any) -> list[Record]:
        return [{"id": master_id(entity_set, key(item)), **item,
                 "lastModifiedDateTime": stamp(start + i)} for i, item in enumerate(items)]  # fmt: skip

    return [
        (SHIPPING_AGENTS_SCHEMA, rows("shippingAgents", 200, agents, lambda r: r["code"])),
        (CONFIGURATION_TEMPLATES_SCHEMA,
         rows("configurationTemplates", 210, templates, lambda r: r["code"])),
        (SHIP_TO_SCHEMA,
         rows(SHIP_TO, 220, ship_tos, lambda r: f"{r['customerNumber']}/{r['code']}")),
    ]  # fmt: skip


class ShipToRules:
    """Writes to `shipToAddresses`: the customer, the (customer, code) key, table relations."""

    def __init__(self, store: EntityStore) -> None:
        self.store = store

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        customer = self._customer(record)
        fields = {**with_checked_email(record), "customerId": customer["id"],
                  "customerNumber": customer["number"]}  # fmt: skip
        self._check(fields, None)
        return self.store.insert(name, fields)

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        current, _ = self.store.get(name, key)
        for field in ("customerId", "customerNumber"):
            if field in changes and str(changes[field]).lower() != str(current[field]).lower():
                raise dialog(f'The value for "{field}" cannot be modified.')
        fields = with_checked_email(changes)
        self._check({**current, **fields}, current)
        return self.store.update(name, key, fields, if_match=if_match)

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        self.store.delete(name, key, if_match=if_match)

    def _customer(self, fields: Mapping[str, Any]) -> Record:
        by_id, number = fields.get("customerId"), fields.get("customerNumber")
        if by_id in (None, EMPTY_GUID) and not number:
            raise dialog('A "customerNumber" or a "customerId" must be provided.')
        if by_id not in (None, EMPTY_GUID):
            try:
                customer, _ = self.store.get("customers", str(by_id))
            except RecordNotFound:
                raise record_not_found("Customer", {"Id": str(by_id)}) from None
            if number and number != customer["number"]:
                raise dialog("The customer values do not match to a specific Customer.")
            return customer
        found = [row for row, _ in self.store.find("customers", "number", number)
                 if row["number"] == number]  # fmt: skip
        if not found:
            raise record_not_found("Customer", {"No.": str(number)})
        return dict(found[0])

    def _check(self, fields: Mapping[str, Any], current: Record | None) -> None:
        check_relation(self.store, "Ship-to Address", "Tax Area Code",
                       fields.get("taxAreaCode", ""), "taxAreas")  # fmt: skip
        check_relation(self.store, "Ship-to Address", "Country/Region Code",
                       fields.get("country", ""), "countriesRegions")  # fmt: skip
        value = str(fields.get("code", ""))
        same = [row for row, _ in self.store.find(SHIP_TO, "customerId", fields["customerId"])
                if row["code"] == value and (current is None or row["id"] != current["id"])]  # fmt: skip
        if same:
            raise bc_error(
                400, "Internal_EntityWithSameKeyExists",
                "The Ship-to Address already exists. Identification fields and values: "
                f"Customer No.='{fields['customerNumber']}',Code='{value}'",
            )  # fmt: skip
