"""statecode and statuscode: what a create starts with, which updates may change them.

From update-delete-entities-using-web-api and the table reference pages:

- a create cannot choose the state: the row starts in the table's initial state (Active;
  Draft for quotes and products); a status reason of that state may be given,
- an update sends statecode and statuscode together; a statuscode alone must belong to
  the current state; a pair that does not belong together is 400 `0x80048408`,
- a state change the table does not allow by update is 400 `0x80040233`: quotes are won
  and closed by the WinQuote and CloseQuote actions and revised by ReviseQuote (Draft →
  Active is the update that activates one); orders go from Active through Submitted,
  Fulfilled, Invoiced or Canceled and not back; invoices go from Active to Paid or
  Canceled and are reactivated to Active,
- a row in a state that is not editable takes no other change: a quote once activated,
  an order no longer active, a paid or canceled invoice ("read-only until reactivated"),
  and a Project Operations invoice once Confirmed (or paid) → 400 `0x8004022e`. Its lines
  cannot be created, changed or deleted either. It still takes its project invoice status
  and the columns the connector writes back (BC's numbers and the outcome), which the
  connector's solution writes to confirmed invoices,
- a Project Operations invoice is confirmed by an update of `msdyn_projectinvoicestatus`
  Draft (or In Review) → Confirmed (the app's Confirm; no Web API message is documented);
  a confirmed invoice only moves on to Invoice Paid: back to Draft or In Review, or
  clearing the status, is 400 `0x80040233` (proforma-invoicing/confirm-proforma-invoice:
  "it becomes read-only", corrections go through a revision).
"""

from __future__ import annotations

from typing import Any

from sandbox.dataverse import errors
from sandbox.dataverse.schema import StateModel, Table
from sandbox.dataverse.tables.sales import WRITE_BACK_COLUMNS
from sandbox.odata.store import Record

DRAFT, IN_REVIEW, CONFIRMED_PROJECT_INVOICE, PAID = 192350000, 192350001, 192350002, 192350003
STATE_FIELDS = frozenset({"statecode", "statuscode"})
PROJECT_STATUS = "msdyn_projectinvoicestatus"
# Columns a Confirmed project invoice still takes: its own status and the connector's.
_PROJECT_STATUS_FIELDS = (
    frozenset({PROJECT_STATUS, "modifiedon", "modifiedby"}) | WRITE_BACK_COLUMNS
)
# Project invoice status changes an update may make (from, to).
_PROJECT_TRANSITIONS = frozenset({
    (DRAFT, DRAFT), (DRAFT, IN_REVIEW), (DRAFT, CONFIRMED_PROJECT_INVOICE),
    (IN_REVIEW, IN_REVIEW), (IN_REVIEW, DRAFT), (IN_REVIEW, CONFIRMED_PROJECT_INVOICE),
    (CONFIRMED_PROJECT_INVOICE, CONFIRMED_PROJECT_INVOICE), (CONFIRMED_PROJECT_INVOICE, PAID),
    (PAID, PAID),
})  # fmt: skip


def initial(table: Table, requested_status: Any) -> Record:
    """The state fields of a new row. Raises ServiceError for a status of another state."""
    model = table.states
    if model is None:
        return {}
    status = model.default_status(model.initial) if requested_status is None else requested_status
    if _state_of(model, status) != model.initial:
        raise errors.invalid_state_status()
    return {"statecode": model.initial, "statuscode": status}


def change(table: Table, current: Record, changes: Record) -> Record:
    """The state fields an update sets (maybe none). Raises ServiceError."""
    model = table.states
    if model is None or not STATE_FIELDS & changes.keys():
        return {}
    state_now: int = current.get("statecode", model.initial)
    state: int = changes.get("statecode", state_now)
    status = changes.get("statuscode")
    if status is None and state in model.states:
        status = model.default_status(state) if "statecode" in changes else current["statuscode"]
    if state not in model.states or _state_of(model, status) != state:
        raise errors.invalid_state_status()
    if state in model.by_action or (state_now, state) not in model.transitions:
        raise errors.invalid_state()
    return {"statecode": state, "statuscode": status}


def _state_of(model: StateModel, status: Any) -> int | None:
    entry = model.statuses.get(status) if isinstance(status, int) else None
    return None if entry is None else entry[0]


def locked(table: Table, row: Record) -> bool:
    """Whether the row takes no change but to its state."""
    model = table.states
    state = row.get("statecode")
    if model is not None and (model.initial if state is None else state) not in model.editable:
        return True  # a row written straight to the store (a test's) has no state: the initial
    return table.logical_name == "invoice" and is_confirmed_project_invoice(row)


def is_confirmed_project_invoice(row: Record) -> bool:
    """Confirmed or paid: the project invoice is read-only."""
    return row.get(PROJECT_STATUS) in (CONFIRMED_PROJECT_INVOICE, PAID)


def check_editable(table: Table, row: Record, changes: Record) -> None:
    """Refuse changes to a locked row other than its state, and project invoice status
    changes the app does not make. Raises ServiceError."""
    if table.logical_name == "invoice" and PROJECT_STATUS in changes:
        current = row.get(PROJECT_STATUS)
        wanted = changes[PROJECT_STATUS]
        if current is not None and (current, wanted) not in _PROJECT_TRANSITIONS:
            raise errors.invalid_state()
    if not locked(table, row):
        return
    allowed = STATE_FIELDS | {"modifiedon", "modifiedby"}
    if table.logical_name == "invoice" and is_confirmed_project_invoice(row):
        allowed |= _PROJECT_STATUS_FIELDS
        editable_state = table.states is None or row.get("statecode") in table.states.editable
        if not editable_state:
            allowed -= _PROJECT_STATUS_FIELDS
    if any(name not in allowed for name in changes):
        raise errors.read_only_record()
