"""Creates, updates and deletes with the platform's own rules around them.

- a create may supply the primary key (upsert is how a sync creates rows with its ids);
  without one the platform makes a GUID,
- the platform stamps `createdon`/`modifiedon`, `createdby`/`modifiedby` (the caller),
  the owner of a user-owned row (the caller, unless `ownerid@odata.bind` names one), the
  currency of a row with money columns (the organization's base currency unless bound),
  its `exchangerate` and `_base` amounts, numbers such as QUO-01000-X7K2QD, `fullname`,
  and the totals of sales documents (see `sandbox.dataverse.pricing`),
- SystemRequired columns must have a value after all this → 400 `0x80040203`,
- a write-in line cannot have both `productid` and `productdescription` → 400 `0x80043afb`,
- alternate keys are unique: a second row with the same key values → 412 `0x80060892`;
  a create with a primary key in use → 412 `0x80040237`,
- `If-Match` with a stale ETag → 412 `0x80060882`, checked atomically with the write,
- state rules (`sandbox.dataverse.states`); the lines of a locked document are locked,
- deleting a row deletes its children in parental relationships (document lines, line
  details, price list items, units) and clears the lookup elsewhere,
- every write runs inside one store transaction: a failure leaves nothing half done.
"""

from __future__ import annotations

import uuid
from typing import Any

from sandbox.dataverse import errors, pricing, states
from sandbox.dataverse.body import Body, read_body
from sandbox.dataverse.context import Call
from sandbox.dataverse.schema import Required, Table
from sandbox.dataverse.tables import Catalog
from sandbox.odata.store import DuplicateKey, EntityStore, EtagMismatch, Record, RecordNotFound

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTVWXYZ"


def base_unit_id(schedule_id: str) -> str:
    """The id of the base unit the platform makes with a unit group."""
    return str(uuid.uuid5(uuid.UUID(schedule_id), "baseuom"))


class Writer:
    def __init__(self, catalog: Catalog, store: EntityStore, base_currency: str) -> None:
        self.catalog = catalog
        self.store = store
        self.base_currency = base_currency

    def body(self, call: Call, table: Table, data: Any, *, creating: bool) -> Body:
        return read_body(
            call, self.catalog, self.store, table, data, creating=creating,
            create_row=lambda c, t, b: str(self.create(c, t, b)[0][t.primary_id]),
        )  # fmt: skip

    # --- create -------------------------------------------------------------------------
    def create(
        self, call: Call, table: Table, data: Any, *, internal: Record | None = None
    ) -> tuple[Record, str]:
        """Create a row from a request body; `internal` fields are the platform's own."""
        with self.store.atomic():
            body = self.body(call, table, data, creating=True)
            return self.insert(call, table, body, internal or {})

    def insert(self, call: Call, table: Table, body: Body, internal: Record) -> tuple[Record, str]:
        fields = {**body.fields, **internal}
        key = str(fields.pop(table.primary_id, None) or uuid.uuid4())
        fields.pop("statecode", None)
        row = {
            **fields,
            **states.initial(table, fields.pop("statuscode", None)),
            table.primary_id: key,
        }
        self._check_parent(table, row)
        self._stamp(call, table, row, key, creating=True)
        self._check(table, row, key)
        try:
            record, etag = self.store.insert(table.entity_set, row)
        except DuplicateKey:
            raise errors.duplicate() from None
        for relationship, rows in body.children:
            child, column = self.catalog.children(relationship)
            for child_data in rows:
                child_body = self.body(call, child, child_data, creating=True)
                child_body.fields[column.property_name] = key
                child_body.fields[column.type_field] = table.logical_name
                self.insert(call, child, child_body, {})
        self._after(table, record)
        if table.logical_name == "uomschedule":
            self._base_unit(call, record)
        return self.store.get(table.entity_set, key) if body.children else (record, etag)

    def _base_unit(self, call: Call, schedule: Record) -> None:
        """A unit group comes with its base unit, named by `baseuomname` (uomschedule)."""
        schedule_id = schedule["uomscheduleid"]
        unit_id = base_unit_id(schedule_id)
        fields = {
            "name": schedule["baseuomname"], "quantity": 1.0, "isschedulebaseuom": True,
            "_uomscheduleid_value": schedule_id, "uomscheduleidtype": "uomschedule",
            "_baseuom_value": unit_id, "baseuomtype": "uom",
        }  # fmt: skip
        self.insert(call, self.catalog.by_name("uom"), Body(fields), {"uomid": unit_id})

    # --- update -------------------------------------------------------------------------
    def update(
        self, call: Call, table: Table, key: str, data: Any, *, if_match: str | None,
        internal: Record | None = None,
    ) -> tuple[Record, str]:  # fmt: skip
        """Apply a body to an existing row. Raises ServiceError (404, 412, 400)."""
        with self.store.atomic():
            current, etag = self._get(table, key)
            if if_match not in (None, "*") and if_match != etag:
                raise errors.stale()
            changes = {**self.body(call, table, data, creating=False).fields, **(internal or {})}
            if str(changes.pop(table.primary_id, key)).lower() != key.lower():
                raise errors.bad_payload(table.entity_set, "The key property cannot be changed.")
            plain = {k: v for k, v in changes.items() if k not in states.STATE_FIELDS}
            if internal:  # an action: it makes the state change the rules reserve for it
                state = {k: v for k, v in internal.items() if k in states.STATE_FIELDS}
            else:
                state = states.change(table, current, changes)
                states.check_editable(table, current, plain)
            row = {**current, **plain, **state}
            self._check_parent(table, row)
            self._stamp(call, table, row, key, creating=False)
            self._check(table, row, key)
            diff = {k: v for k, v in row.items() if current.get(k) != v or k in changes}
            try:
                record, new_etag = self.store.update(table.entity_set, key, diff, if_match=if_match)
            except EtagMismatch:
                raise errors.stale() from None
            self._after(table, record)
            return record, new_etag

    # --- delete -------------------------------------------------------------------------
    def delete(self, table: Table, key: str, *, if_match: str | None) -> None:
        with self.store.atomic():
            current, etag = self._get(table, key)
            if if_match not in (None, "*") and if_match != etag:
                raise errors.stale()
            self._check_parent(table, current)
            self._remove(table, current)
            self._after(table, current)

    def _remove(self, table: Table, row: Record) -> None:
        key = str(row[table.primary_id])
        for relationship in table.relationships:
            child, column = self.catalog.children(relationship)
            for child_row, _ in self.store.find(child.entity_set, column.property_name, key):
                if relationship.cascade_delete:
                    self._remove(child, dict(child_row))
                else:
                    child_key = str(child_row[child.primary_id])
                    cleared = {column.property_name: None, column.type_field: None}
                    self.store.update(child.entity_set, child_key, cleared)
        self.store.delete(table.entity_set, key)

    # --- the platform's rules ---------------------------------------------------------
    def _get(self, table: Table, key: str) -> tuple[Record, str]:
        try:
            return self.store.get(table.entity_set, key)
        except RecordNotFound:
            raise errors.not_found(table.logical_name, key) from None

    def _check_parent(self, table: Table, row: Record) -> None:
        """The lines of a locked document are locked with it."""
        if table.locked_with is None:
            return
        column = table.column(table.locked_with)
        parent_id = row.get(f"_{table.locked_with}_value")
        if column is None or parent_id is None:
            return
        parent_table = self.catalog.by_name(column.targets[0])
        try:
            parent, _ = self.store.get(parent_table.entity_set, str(parent_id))
        except RecordNotFound:
            return
        if states.locked(parent_table, parent):
            raise errors.read_only_record()

    def _stamp(self, call: Call, table: Table, row: Record, key: str, *, creating: bool) -> None:
        row["_modifiedby_value"], row["modifiedbytype"] = call.caller, "systemuser"
        if creating:
            row["_createdby_value"], row["createdbytype"] = call.caller, "systemuser"
            if table.column("ownerid") is not None and row.get("_ownerid_value") is None:
                row["_ownerid_value"], row["owneridtype"] = call.caller, "systemuser"
            if table.autonumber and not row.get(table.autonumber.column):
                row[table.autonumber.column] = self._number(table, key)
            if table.column("revisionnumber") is not None and row.get("revisionnumber") is None:
                row["revisionnumber"] = 0  # a quote starts at revision 0
        if table.full_name:
            parts = (str(row.get(part) or "") for part in table.full_name)
            row["fullname"] = " ".join(part for part in parts if part) or None
        if table.logical_name == "productpricelevel":
            self._price_list_item_names(row)
        currency = table.column("transactioncurrencyid")
        if table.column("exchangerate") is not None and currency is not None and currency.is_lookup:
            self._amounts(table, row)

    def _amounts(self, table: Table, row: Record) -> None:
        """Currency, exchange rate, line amounts, document totals and base amounts."""
        if row.get("_transactioncurrencyid_value") is None:
            row["_transactioncurrencyid_value"] = self.base_currency
            row["transactioncurrencyidtype"] = "transactioncurrency"
        try:
            currency, _ = self.store.get(
                "transactioncurrencies", row["_transactioncurrencyid_value"]
            )
            rate = currency.get("exchangerate")
        except RecordNotFound:
            rate = None
        if table.pricing is not None and table.pricing.header_lookup is not None:
            row.update(pricing.price_line(self.store, self.catalog, table, row))
        if table.pricing is not None and table.pricing.lines is not None:
            row.update(pricing.totals(self.store, self.catalog, table, row))
        row.update(pricing.base_amounts(table, row, None if rate is None else float(rate)))

    def _price_list_item_names(self, row: Record) -> None:
        for set_name, lookup, target_field in (
            ("products", "_productid_value", "productidname"),
            ("uoms", "_uomid_value", "_uomscheduleid_value"),
        ):
            try:
                found, _ = self.store.get(set_name, str(row.get(lookup)))
            except RecordNotFound:
                continue
            row[target_field] = found.get(
                "name" if set_name == "products" else "_uomscheduleid_value"
            )

    def _number(self, table: Table, key: str) -> str:
        assert table.autonumber is not None
        counter = self.store.next_number(f"autonumber:{table.logical_name}", table.autonumber.first)
        seed = uuid.UUID(key).int
        suffix = "".join(_ALPHABET[(seed >> (5 * i)) % len(_ALPHABET)] for i in range(6))
        return f"{table.autonumber.prefix}-{counter:05d}-{suffix}"

    def _check(self, table: Table, row: Record, key: str) -> None:
        for column in table.columns:
            required = column.required == Required.SYSTEM and column.name != table.primary_id
            if required and row.get(column.property_name) is None:
                raise errors.required(column.name)
        if row.get("_productid_value") and row.get("productdescription"):
            raise errors.both_product_and_description("productid")
        for alternate in table.keys:
            parts = [(name, row.get(name)) for name in alternate.columns]
            if any(value is None for _, value in parts):
                continue
            clash = self.store.find_all(table.entity_set, parts)
            if any(str(other[table.primary_id]).lower() != key.lower() for other, _ in clash):
                raise errors.duplicate_key(alternate.name, alternate.columns)

    def _after(self, table: Table, row: Record) -> None:
        """Recompute the totals of the document a line belongs to."""
        if table.pricing is None or table.pricing.header_lookup is None:
            return
        header_table = self.catalog.by_name(table.pricing.header_lookup.removesuffix("id"))
        header_id = row.get(f"_{table.pricing.header_lookup}_value")
        try:
            header, _ = self.store.get(header_table.entity_set, str(header_id))
        except RecordNotFound:
            return
        computed = pricing.totals(self.store, self.catalog, header_table, header)
        computed.update(
            pricing.base_amounts(header_table, {**header, **computed}, header.get("exchangerate"))
        )
        if any(header.get(name) != value for name, value in computed.items()):
            self.store.update(header_table.entity_set, str(header_id), computed)
