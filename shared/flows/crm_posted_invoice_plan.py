"""Decide, for one BC posted invoice, what its CRM invoice holds (no writes).

The header and each line go through their maps (`shared.entities.posted_invoices`) with
lookups resolved through the parents' couplings, read once per run. Which map a line
takes: an Item line whose item is coupled → a product line (product and unit); an Item
line whose item goes to CRM but is not coupled yet → the invoice waits; any other line
(a G/L account, a resource, a charge, an item CRM never gets: the items map's filter)
→ a write-in line; comment lines are left out. The CRM order comes from the "CRM Sales
Order" staging (the BC order No. it was created as); the ids of the CRM rows derive
from the BC ids, so every attempt writes the same rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.domain.crm import CrmSetup
from shared.entities.context import EntityContext
from shared.entities.documents import ORDERS
from shared.entities.items import ITEMS
from shared.entities.posted_invoices import (
    CANCELED_IN_BC,
    HEADER,
    NAME,
    PRODUCT_LINE,
    WRITE_IN_LINE,
    is_comment,
    is_item,
    ship_to_key,
)
from shared.errors import ValidationError
from shared.flows.crm_documents import staging_for
from shared.flows.deps import Deps
from shared.ports.business_central import BusinessCentralRecords
from shared.ports.odata import quote_literal
from shared.sync.couplings import Coupling, Couplings, key_of
from shared.sync.maps import EntityMap, Lookup, MappingProblem
from shared.sync.planner import Filtered, Wait, map_payload, payload_hash

ID_NAMESPACE = uuid.UUID("1e0c5a77-5d0b-4c3e-8f3a-7b2d9e4c6a10")


def invoice_id(bc_id: str) -> str:
    """The CRM id of a posted invoice's CRM invoice (stable across retries)."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{NAME}|{bc_id.lower()}"))


def line_id(bc_id: str, bc_line_id: str) -> str:
    """The CRM id of a posted invoice line's CRM invoice line."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{NAME}|{bc_id.lower()}|{bc_line_id.lower()}"))


@dataclass(frozen=True)
class InvoicePlan:
    """What CRM should hold for one posted invoice. `hash` covers header and lines (what
    is written); cancelling and the order's state are tracked on the staging row."""

    number: str
    invoice_id: str
    header: dict[str, Any]
    lines: tuple[tuple[str, int, dict[str, Any]], ...]  # (CRM line id, BC Line No., values)
    canceled: bool
    order_id: str
    hash: str


class InvoicePlanner:
    """Plans invoices of one run (parents' couplings and BC facts read once)."""

    def __init__(self, deps: Deps, setup: CrmSetup, bc: BusinessCentralRecords) -> None:
        self.deps, self.setup, self.bc = deps, setup, bc
        self.couplings = Couplings(deps.store)
        self.context = EntityContext(setup, bc)
        self._parents: dict[str, dict[str, dict[str, Coupling]]] = {}
        self._orders: dict[str, str] = {}  # BC order No. → CRM order id ("": none)
        self._for_crm: dict[str, bool] = {}  # item No. → it goes to CRM (the items' filter)

    def plan(self, invoice: Mapping[str, Any], *, corrected: bool) -> InvoicePlan | str:
        """The invoice's plan, or why it waits. `corrected`: a credit memo names it.
        Raises ValidationError naming the field of a value CRM cannot hold."""
        number, bc_id = str(invoice["number"]), str(invoice["id"])
        label = f"{HEADER.label} {number}"
        order_id = self._crm_order(str(invoice.get("orderNumber") or ""))
        source = {**invoice, "id": bc_id, "shipToKey": ship_to_key(invoice),
                  "crmOrderId": order_id, "priceListId": self.setup.default_price_list_id}  # fmt: skip
        header = self._map(HEADER, source, label, number)
        if isinstance(header, str):
            return header
        lines: list[tuple[str, int, dict[str, Any]]] = []
        ordered = sorted(invoice.get("lines") or [], key=lambda x: int(x.get("sequence") or 0))
        for line in (x for x in ordered if not is_comment(x)):
            sequence = int(line.get("sequence") or 0)
            line_label = f"{label} line {sequence}"
            kind = self._line_map(line, line_label)
            if isinstance(kind, str):
                return kind
            values = {**line, "id": str(line["id"]), "position": len(lines) + 1}
            mapped = self._map(kind, values, line_label, number)
            if isinstance(mapped, str):
                return mapped
            lines.append((line_id(bc_id, str(line["id"])), sequence, mapped))
        canceled = str(invoice.get("status") or "") == CANCELED_IN_BC or corrected
        digest = payload_hash({"header": header, "lines": [[i, v] for i, _, v in lines]})
        return InvoicePlan(number, invoice_id(bc_id), header, tuple(lines), canceled, order_id,
                           digest)  # fmt: skip

    def _line_map(self, line: Mapping[str, Any], label: str) -> EntityMap | str:
        if not is_item(line):
            return WRITE_IN_LINE
        number = str(line.get("lineObjectNumber") or "")
        if self._parent("items", "key", number) is not None:
            return PRODUCT_LINE
        if self._goes_to_crm(number):
            return (f"{label}: Item No. (its CRM product): item '{number}' is not in CRM yet "
                    "(synced with the items); retried on the next run")  # fmt: skip
        return WRITE_IN_LINE

    def _goes_to_crm(self, number: str) -> bool:
        """Whether the items map sends this item to CRM (read from BC once per run)."""
        if number not in self._for_crm:
            rows = self.bc.records("items", filter=f"number eq {quote_literal(number)}")
            item = next(iter(rows), None)
            include = ITEMS.include
            self._for_crm[number] = item is not None and (
                include is None or include(item, self.context)
            )
        return self._for_crm[number]

    def _crm_order(self, order_number: str) -> str:
        if not order_number:
            return ""
        if order_number not in self._orders:
            staged = staging_for(self.deps, ORDERS).by_bc_number(order_number)
            self._orders[order_number] = staged.crm_id if staged is not None else ""
        return self._orders[order_number]

    def _map(
        self, entity: EntityMap, source: Mapping[str, Any], label: str, number: str
    ) -> dict[str, Any] | str:
        try:
            mapped = map_payload(entity, dict(source), self._resolve)
        except MappingProblem as problem:
            raise ValidationError(
                f"{label}: {problem.message}", record=number, field=problem.field
            ) from None
        if isinstance(mapped, Wait | Filtered):
            return f"{label}: {mapped.reason}"
        return mapped

    def _resolve(self, lookup: Lookup, value: str) -> Coupling | None:
        return self._parent(lookup.entity, lookup.by, value)

    def _parent(self, entity: str, by: str, value: str) -> Coupling | None:
        if entity not in self._parents:
            self._parents[entity] = self.couplings.index(entity)
        found = self._parents[entity].get(by, {})
        return found.get(value.lower() if by in ("crm", "bc") else key_of(value))
