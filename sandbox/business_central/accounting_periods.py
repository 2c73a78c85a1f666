"""Accounting periods and the allowed posting dates of the sandbox company.

v2.0 `accountingPeriods` (api-reference/v2.0/resources/dynamics_accountingperiod: GET
only; id, startingDate, name, newFiscalYear, closed, dateLocked, lastModifiedDateTime)
over table 50 "Accounting Period". The seed has one period per month of the previous,
the current and the next calendar year (named after the month, a new fiscal year each
January), none closed. BC behaviour reproduced:

- a period runs from its `startingDate` to the day before the next period's,
- closing the books (`close_periods`, an admin action: Close Year and the General Ledger
  Setup's "Allow Posting From" are set up in BC's client, not through the API) marks every
  period that ends on or before the date `closed` and `dateLocked`, and moves Allow
  Posting From to the first day after them,
- posting (`Microsoft.NAV.post`, and the credit memo `cancel` posts) with a posting date
  outside the allowed range → 400 `Application_DialogException` "Posting Date is not
  within your range of allowed posting dates." (Sales-Post's PostingDateNotAllowedErr
  with the field's caption); `cancel` of an invoice posted before Allow Posting From →
  "You cannot cancel this posted sales invoice because it was posted in a posting
  period that is closed." (Correct Posted Sales Invoice, TestIfPostingIsAllowed).

The General Ledger Setup row is kept in a set no API serves (`generalLedgerSetup`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sandbox.business_central.dialect import dialog
from sandbox.business_central.schema import BLANK_DATE, EntitySchema, boolean, date_, ro, text
from sandbox.business_central.seed import stamp
from sandbox.catalog import stable_id
from sandbox.odata.store import EntityStore, Record

ACCOUNTING_PERIODS = "accountingPeriods"
GL_SETUP = "generalLedgerSetup"
GL_SETUP_ID = stable_id("bc", GL_SETUP, "setup")
NOT_ALLOWED = "Posting Date is not within your range of allowed posting dates."
CANCEL_IN_CLOSED = (
    "You cannot cancel this posted sales invoice because it was posted in a posting period "
    "that is closed."
)
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip

ACCOUNTING_PERIODS_SCHEMA = EntitySchema(
    ACCOUNTING_PERIODS, "accountingPeriod", (
        ro(date_("startingDate")), ro(text("name", 10)), ro(boolean("newFiscalYear")),
        ro(boolean("closed")), ro(boolean("dateLocked")),
    ),
)  # fmt: skip
GL_SETUP_SCHEMA = EntitySchema(
    GL_SETUP, "generalLedgerSetup", (date_("allowPostingFrom"), date_("allowPostingTo")),
    modified=False,
)  # fmt: skip


def period_rows(today: date | None = None) -> list[Record]:
    """Monthly periods of the previous, current and next calendar year."""
    year = (today or date.today()).year
    return [
        {"id": stable_id("bc", ACCOUNTING_PERIODS, f"{y}-{m:02d}"),
         "startingDate": date(y, m, 1).isoformat(), "name": _MONTHS[m - 1],
         "newFiscalYear": m == 1, "closed": False, "dateLocked": False,
         "lastModifiedDateTime": stamp(300)}
        for y in (year - 1, year, year + 1)
        for m in range(1, 13)
    ]  # fmt: skip


def accounting_period_sets() -> list[tuple[EntitySchema, list[Record]]]:
    setup = {"id": GL_SETUP_ID, "allowPostingFrom": BLANK_DATE, "allowPostingTo": BLANK_DATE}
    return [(ACCOUNTING_PERIODS_SCHEMA, period_rows()), (GL_SETUP_SCHEMA, [setup])]


def periods(store: EntityStore) -> list[tuple[Record, date]]:
    """Each period with its last day, by starting date."""
    rows = sorted(store.list(ACCOUNTING_PERIODS), key=lambda row: str(row["startingDate"]))
    starts = [date.fromisoformat(str(row["startingDate"])) for row in rows]
    ends = [following - timedelta(days=1) for following in starts[1:]]
    if starts:
        last = starts[-1]
        ends.append(date(last.year + last.month // 12, last.month % 12 + 1, 1) - timedelta(days=1))
    return list(zip(rows, ends, strict=True))


def close_periods(store: EntityStore, through: date) -> list[Record]:
    """Close every period ending on or before `through`; Allow Posting From follows."""
    closed = [(row, end) for row, end in periods(store) if end <= through]
    for row, _ in closed:
        if not (row["closed"] and row["dateLocked"]):
            store.update(ACCOUNTING_PERIODS, row["id"], {"closed": True, "dateLocked": True})
    if closed:
        first_open = max(end for _, end in closed) + timedelta(days=1)
        setup, _ = store.get(GL_SETUP, GL_SETUP_ID)
        current = _date(setup["allowPostingFrom"])
        if current is None or current < first_open:
            store.update(GL_SETUP, GL_SETUP_ID, {"allowPostingFrom": first_open.isoformat()})
    return [store.get(ACCOUNTING_PERIODS, row["id"])[0] for row, _ in closed]


def reopen_periods(store: EntityStore) -> None:
    """Open every period and clear the allowed posting range (a test's clean-up: BC itself
    cannot reopen a closed fiscal year)."""
    for row in store.list(ACCOUNTING_PERIODS):
        if row["closed"] or row["dateLocked"]:
            store.update(ACCOUNTING_PERIODS, row["id"], {"closed": False, "dateLocked": False})
    store.update(GL_SETUP, GL_SETUP_ID, {"allowPostingFrom": BLANK_DATE,
                                         "allowPostingTo": BLANK_DATE})  # fmt: skip


def posting_allowed(store: EntityStore, posting_date: Any) -> bool:
    """GenJnlCheckLine.DateNotAllowed, negated: within Allow Posting From/To (blank: open)."""
    setup, _ = store.get(GL_SETUP, GL_SETUP_ID)
    when = _date(posting_date)
    if when is None:
        return True
    start, end = _date(setup["allowPostingFrom"]), _date(setup["allowPostingTo"])
    return (start is None or when >= start) and (end is None or when <= end)


def check_posting_date(store: EntityStore, posting_date: Any) -> None:
    """Raises BC's refusal when a document's Posting Date is outside the allowed range."""
    if not posting_allowed(store, posting_date):
        raise dialog(NOT_ALLOWED)


def _date(value: Any) -> date | None:
    text_value = str(value or "")
    if not text_value or text_value == BLANK_DATE:
        return None
    return date.fromisoformat(text_value[:10])
