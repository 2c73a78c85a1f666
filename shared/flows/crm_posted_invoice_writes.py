"""Write one planned posted invoice to CRM, and invoice its CRM order.

- CRM is read for an invoice with this number (alternate key `invoicenumber`): none →
  the invoice is created; one under the hub's id → it is ours (perhaps written by an
  attempt whose answer was lost); one under another id → someone else's: refused
  (RejectedError naming `invoicenumber`), never overwritten or duplicated.
- Header and lines are upserts (PATCH) by the ids the hub chose, in one change set (all
  or nothing; an invoice of more than 1,000 rows takes several, each complete, and a
  retry rewrites the same rows). An Active invoice takes BC's values; a Paid or
  Canceled one is read-only in CRM and keeps its own (the caller notes it).
- Cancelling (statecode 3 Canceled, status 100003) rides in the same change set; a Paid
  invoice is reactivated first, as CRM requires.
- The order is set Invoiced (statecode 4, status 100003) unless it is already, or is
  Canceled, or is gone (each noted, none an error).
A refusal is a RejectedError naming the invoice, the part (header, line n, state) and
the CRM column with the BC field it comes from; transient and fatal errors pass as they are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shared.entities.posted_invoices import (
    HEADER,
    INVOICE_ACTIVE,
    INVOICE_CANCELED,
    INVOICE_PAID,
    ORDER_CANCELED,
    ORDER_INVOICED,
    PRODUCT_LINE,
    WRITE_IN_LINE,
)
from shared.errors import HubError, NotFound, RecordError, RejectedError
from shared.flows.crm_posted_invoice_plan import InvoicePlan
from shared.ports.dataverse import ChangeSet, Dataverse, Operation

CHANGE_SET_SIZE = 1000  # Dataverse's limit of requests in one change set
_COLUMN = re.compile(
    r"'(\w+)' attribute|property '(\w+)'|Attribute '(\w+)'|'(\w+)' on record"
)  # the column Dataverse's messages name


@dataclass(frozen=True)
class Written:
    """What writing an invoice did: `content` (header and lines written), `canceled`
    (set Canceled now), and a note for what CRM kept."""

    created: bool
    content: bool
    canceled: bool
    notice: str = ""


class CrmInvoiceWriter:
    def __init__(self, dataverse: Dataverse) -> None:
        self.dataverse = dataverse

    def write(self, plan: InvoicePlan, *, content: bool) -> Written:
        """Bring CRM's invoice to the plan; `content` False: header and lines are known to
        be there already (only its state may change). Raises RejectedError, TransientError."""
        current = self._current(plan)
        state = int(current.get("statecode") or 0) if current else INVOICE_ACTIVE[0]
        operations: list[tuple[str, Operation]] = []
        notice = ""
        if current is None or content:
            if state == INVOICE_ACTIVE[0]:
                operations += self._content(plan)
            else:
                kept = "Paid" if state == INVOICE_PAID[0] else "Canceled"
                notice = f"the CRM invoice is {kept}, read-only there: BC's values not written"
        cancel = plan.canceled and state != INVOICE_CANCELED[0]
        if cancel and state == INVOICE_PAID[0]:  # CRM reactivates a paid invoice to cancel it
            operations.append(("state", _state("invoices", plan.invoice_id, INVOICE_ACTIVE)))
        if cancel:
            operations.append(("state", _state("invoices", plan.invoice_id, INVOICE_CANCELED)))
        self._execute(plan.number, operations)
        wrote = any(part != "state" for part, _ in operations)
        return Written(current is None, wrote, cancel, notice)

    def invoice_order(self, order_id: str) -> tuple[bool, str]:
        """Set the CRM order Invoiced: (it is Invoiced now, a note when it is not). Raises
        TransientError (CRM unavailable)."""
        try:
            order = self.dataverse.get("salesorders", order_id, select=["statecode", "ordernumber"])
        except NotFound:
            return False, f"the CRM order {order_id} no longer exists: not set Invoiced"
        state, name = int(order.get("statecode") or 0), order.get("ordernumber") or order_id
        if state == ORDER_INVOICED[0]:
            return True, ""
        if state == ORDER_CANCELED:
            return False, f"the CRM order {name} is Canceled: not set Invoiced"
        values = {"statecode": ORDER_INVOICED[0], "statuscode": ORDER_INVOICED[1]}
        try:
            self.dataverse.upsert("salesorders", order_id, values, mode="update")
        except RecordError as refused:
            return False, f"the CRM order {name} could not be set Invoiced: {refused.message}"
        return True, ""

    def _current(self, plan: InvoicePlan) -> dict[str, Any] | None:
        try:
            found = self.dataverse.get("invoices", {"invoicenumber": plan.number},
                                       select=["invoiceid", "statecode", "statuscode"])  # fmt: skip
        except NotFound:
            return None
        if str(found.get("invoiceid") or "").lower() != plan.invoice_id:
            raise RejectedError(
                f"{HEADER.label} {plan.number}: CRM already has an invoice {plan.number} "
                f"({found.get('invoiceid')}) that the hub did not write; delete or renumber "
                "it in CRM, then run the batch job for this invoice",
                record=plan.number, field="invoicenumber",
            )  # fmt: skip
        return found

    def _content(self, plan: InvoicePlan) -> list[tuple[str, Operation]]:
        target = plan.invoice_id
        operations = [("header", Operation("PATCH", f"invoices({target})", plan.header))]
        for crm_line, sequence, values in plan.lines:
            body = {**values, "invoiceid@odata.bind": f"/invoices({target})"}
            path = f"invoicedetails({crm_line})"
            operations.append((f"line {sequence}", Operation("PATCH", path, body)))
        return operations

    def _execute(self, number: str, operations: Sequence[tuple[str, Operation]]) -> None:
        if not operations:
            return
        parts = [operation for _, operation in operations]
        change_sets = [ChangeSet(parts[s : s + CHANGE_SET_SIZE])
                       for s in range(0, len(parts), CHANGE_SET_SIZE)]  # fmt: skip
        results = self.dataverse.execute(change_sets)
        for (part, _), result in zip(operations, results, strict=False):
            if result.error is not None and result.status != 424:  # 424: another one failed
                raise refusal(number, part, result.error)


def _state(entity_set: str, row_id: str, state: tuple[int, int]) -> Operation:
    body = {"statecode": state[0], "statuscode": state[1]}
    return Operation("PATCH", f"{entity_set}({row_id})", body)


def refusal(number: str, part: str, error: Exception) -> HubError:
    """A failed write as the hub's error: a refusal names the invoice, the part and the
    CRM column with the BC field it is mapped from."""
    if not isinstance(error, HubError):
        return RejectedError(f"{HEADER.label} {number} {part}: {error}", record=number)
    if not isinstance(error, RecordError):
        return error
    found = _COLUMN.search(error.message)
    column = next((group for group in found.groups() if group), "") if found else ""
    fields = HEADER.fields if part in ("header", "state") else (
        *PRODUCT_LINE.fields, *WRITE_IN_LINE.fields)  # fmt: skip
    sources = [", ".join(f.source) for f in fields if f.target == column]
    named = f"{column} (BC {sources[0]})" if sources else (column or "a value")
    return RejectedError(
        f"{HEADER.label} {number} {part}: CRM refused {named}: {error.message}",
        record=number, field=column, status=error.status, detail=error.detail,
    )  # fmt: skip
