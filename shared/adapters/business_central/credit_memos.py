"""Business Central for the Project Operations credit-notes flow (implements `BcCreditMemos`).

Reads v2.0 `salesInvoices`, `salesCreditMemos`, `accountingPeriods`, `dimensions` and
`dimensionValues`; the mark and the non-changeable fields go through the companion API
(`projectCreditMemos`, `projectCreditMemoSetup`, sandbox/BC_CUSTOM_API.md).

Quirks handled:
- BC keeps a draft's id when it posts it (one `salesInvoices`/`salesCreditMemos` set holds
  both); `status` arrives XML-escaped (`In_x0020_Review`) and is read with `enum_member`.
  A posted invoice's `remainingAmount` is what its customer ledger entry still has open;
  `Paid` once nothing is (a payment or an applied credit memo), `Canceled` after `cancel`.
- A credit memo names the invoice it corrects by `invoiceId` (Applies-to Doc. No.): the
  credit memos of an invoice are found by it, posted or not.
- `cancel` (Correct Posted Sales Invoice) posts a Corrective credit memo applied to the
  invoice. Its answer may be lost, or BC may refuse a second attempt because the first
  went through ("already been cancelled"): either way the invoice is read back, and if
  it is Canceled its Corrective credit memo is the result; otherwise the error stands.
- Deleting an invoice that is gone already (404, or a lost answer and then nothing to
  read) is what was wanted. A posted one cannot be deleted (BC's TestField on Allow
  Document Deletion Before): RejectedError.
- An accounting period ends the day before the next one starts; `accountingPeriods` has
  no end date. Posting into a closed period is refused by BC itself.
- Dimension values carry their dimension's id, not its code (looked up first); a value
  is matched by code or display name, case-insensitively.
- The setup is one row: PATCHed with the ETag a GET just gave.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from shared.adapters.business_central.master_data import BusinessCentralMasterData
from shared.adapters.business_central.wire import enum_member
from shared.adapters.odata import eq_filter
from shared.errors import ContractError, NotFound, RejectedError, UncertainWriteError
from shared.ports.credit_memos import CreditMemoState, InvoiceState

EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
BLANK_DATE = "0001-01-01"
INVOICES, CREDIT_MEMOS = "salesInvoices", "salesCreditMemos"
MARKS, SETUP = "projectCreditMemos", "projectCreditMemoSetup"
CANCELED, CORRECTIVE = "Canceled", "Corrective"


class BcCreditMemosClient(BusinessCentralMasterData):
    """Sales invoices and the credit memos that correct them, in one company."""

    # --- invoices -------------------------------------------------------------------------
    def sales_invoice(self, invoice_id: str) -> InvoiceState | None:
        try:
            row = self.odata.get(self._path(INVOICES), invoice_id)
        except NotFound:
            return None
        return invoice_state(row)

    def cancel_invoice(self, invoice_id: str) -> CreditMemoState:
        """Raises RejectedError when BC refuses (paid, closed period, a draft)."""
        try:
            self.http.request("POST", self._path(f"{INVOICES}({invoice_id})/Microsoft.NAV.cancel"))
        except (UncertainWriteError, RejectedError):
            # Canceled already (an earlier answer was lost) is what was wanted; else the error.
            done = self._corrective(invoice_id)
            if done is not None:
                return done
            raise
        done = self._corrective(invoice_id)
        if done is None:
            raise ContractError(
                f"Business Central canceled sales invoice {invoice_id} but shows no Corrective "
                "credit memo applied to it"
            )
        return done

    def delete_unposted_invoice(self, invoice_id: str) -> None:
        """Raises RejectedError for a posted invoice (BC refuses to delete it)."""
        try:
            self.odata.delete(self._path(INVOICES), invoice_id)
        except NotFound:
            return  # gone already: an earlier attempt deleted it
        except UncertainWriteError:
            if self.sales_invoice(invoice_id) is not None:
                raise  # still there: the delete did not happen

    # --- credit memos ---------------------------------------------------------------------
    def credit_memos_for_invoice(self, invoice_id: str) -> list[CreditMemoState]:
        wanted = eq_filter(invoiceId=uuid.UUID(invoice_id))
        return self._credit_memos(wanted)

    def credit_memo(self, credit_memo_id: str) -> CreditMemoState | None:
        try:
            row = self.odata.get(self._path(CREDIT_MEMOS), credit_memo_id)
        except NotFound:
            return None
        marks = self._marks(eq_filter(id=uuid.UUID(credit_memo_id)))
        return credit_memo_state(row, marks.get(str(row["id"]).lower()))

    def credit_memo_for_revision(self, revision_id: str) -> CreditMemoState | None:
        marks = self._marks(eq_filter(projectRevisionId=uuid.UUID(revision_id)))
        for memo_id in sorted(marks):
            found = self.credit_memo(memo_id)
            if found is not None:
                return found
        return None

    def mark_credit_memo(self, credit_memo_id: str, revision_id: str, invoice_id: str) -> None:
        """Raises NotFound when the credit memo does not exist."""
        path = self._companion(MARKS)
        current = self.odata.get(path, credit_memo_id)
        self.odata.update(
            path, credit_memo_id,
            {"projectRevisionId": revision_id, "projectInvoiceId": invoice_id or EMPTY_GUID},
            etag=current.get("@odata.etag", "*"),
        )  # fmt: skip

    # --- setup and reference data ---------------------------------------------------------
    def customer_blocked(self, number: str) -> str:
        rows = self._list("customers", eq_filter(number=number))
        return enum_member(rows[0].get("blocked")) or " " if rows else ""

    def closed_period(self, on: date) -> str | None:
        rows = sorted(self._list("accountingPeriods"), key=lambda row: str(row["startingDate"]))
        starts = [date.fromisoformat(str(row["startingDate"])[:10]) for row in rows]
        for index, row in enumerate(rows):
            ends_before = starts[index + 1] if index + 1 < len(rows) else None
            if starts[index] <= on and (ends_before is None or on < ends_before):
                return str(row.get("name") or row["startingDate"]) if row.get("closed") else None
        return None

    def project_dimension_value(self, dimension: str, project_name: str) -> str | None:
        dimensions = self._list("dimensions", eq_filter(code=dimension.upper()))
        if not dimensions:
            return None
        wanted = project_name.strip().casefold()
        for value in self._list(f"dimensions({dimensions[0]['id']})/dimensionValues"):
            if wanted in (
                str(value["code"]).casefold(),
                str(value.get("displayName", "")).casefold(),
            ):
                return str(value["code"])
        return None

    def set_non_changeable_fields(self, fields: Sequence[str]) -> None:
        """Raises RejectedError naming a field BC does not know."""
        path = self._companion(SETUP)
        rows = list(self.odata.list(path))
        if len(rows) != 1:
            raise ContractError(f"Business Central's {SETUP} has {len(rows)} rows, not one")
        self.odata.update(path, rows[0]["id"], {"nonChangeableFields": ",".join(fields)},
                          etag=rows[0].get("@odata.etag", "*"))  # fmt: skip

    # --- plumbing -------------------------------------------------------------------------
    def _corrective(self, invoice_id: str) -> CreditMemoState | None:
        invoice = self.sales_invoice(invoice_id)
        if invoice is None or invoice.status != CANCELED:
            return None
        memos = [memo for memo in self.credit_memos_for_invoice(invoice_id)
                 if memo.status == CORRECTIVE]  # fmt: skip
        return memos[-1] if memos else None

    def _credit_memos(self, filter_: str) -> list[CreditMemoState]:
        rows = self._list(CREDIT_MEMOS, filter_)
        marks = self._marks(filter_)
        return [credit_memo_state(row, marks.get(str(row["id"]).lower())) for row in rows]

    def _marks(self, filter_: str) -> dict[str, dict[str, Any]]:
        """Companion rows by credit memo id (lower case)."""
        rows = self.odata.list(self._companion(MARKS), filter=filter_)
        return {str(row["id"]).lower(): row for row in rows}

    def _companion(self, entity_set: str) -> str:
        return f"{self.companion_path}/{self.company}/{entity_set}"


def _date(value: Any) -> date | None:
    text = str(value or "")[:10]
    return None if not text or text == BLANK_DATE else date.fromisoformat(text)


def _guid(value: Any) -> str:
    text = str(value or "").lower()
    return "" if text in ("", EMPTY_GUID) else text


def invoice_state(row: Mapping[str, Any]) -> InvoiceState:
    """A v2.0 `salesInvoices` row as the flow sees it."""
    return InvoiceState(
        id=str(row["id"]), number=str(row.get("number", "")),
        status=enum_member(row.get("status")), customer_number=str(row.get("customerNumber", "")),
        currency_code=str(row.get("currencyCode", "")), posting_date=_date(row.get("postingDate")),
        total_including_tax=float(row.get("totalAmountIncludingTax") or 0),
        remaining_amount=float(row.get("remainingAmount") or 0),
    )  # fmt: skip


def credit_memo_state(
    row: Mapping[str, Any], mark: Mapping[str, Any] | None = None
) -> CreditMemoState:
    """A v2.0 `salesCreditMemos` row, with its `projectCreditMemos` mark when read."""
    return CreditMemoState(
        id=str(row["id"]), number=str(row.get("number", "")),
        status=enum_member(row.get("status")), invoice_id=_guid(row.get("invoiceId")),
        project_revision_id=_guid((mark or {}).get("projectRevisionId")),
        external_document_number=str(row.get("externalDocumentNumber", "")),
        posting_date=_date(row.get("postingDate")),
        total_including_tax=float(row.get("totalAmountIncludingTax") or 0),
        header=dict(row),
    )  # fmt: skip
