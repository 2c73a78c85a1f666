"""What the Project Operations credit-notes flow meets in BC (product document 001):
accounting periods and the allowed posting dates, an invoice's remaining amount and
status after payments and credit memos, deleting invoices, the PROJECT dimension, and the
companion `projectCreditMemos` / `projectCreditMemoSetup` with the lock they set
(sandbox/BC_CUSTOM_API.md)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from sandbox.business_central.admin import BusinessCentralAdmin
from sandbox.business_central.project_credit_memos import SETUP, SETUP_ID
from sandbox.run import RunningSandbox
from tests.sandbox.bc_documents import (
    account_line,
    credit_memo_admin,
    error,
    ok,
    post,
    request,
    sales_invoice,
)
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox

ANY = {"If-Match": "*"}
NOT_ALLOWED = "Posting Date is not within your range of allowed posting dates."
FROM_PROJECT = (
    "it comes from Project Operations and the Dataverse Integration Setup does not allow it "
    "to be changed."
)
LAST_YEAR = date.today().year - 1


@pytest.fixture
def admin(sandbox: RunningSandbox) -> Iterator[BusinessCentralAdmin]:
    """The simulator's admin API; periods reopened and nothing locked afterwards."""
    yield from credit_memo_admin(sandbox)


def text_of(message: str) -> str:
    return message.split("  CorrelationId:")[0]


def posted_invoice(bc: Api, amount: float = 1000, **fields: Any) -> dict[str, Any]:
    invoice = sales_invoice(bc, account_line(unitPrice=amount), **fields)
    assert post(bc, "salesInvoices", invoice["id"]).status_code == 204
    return ok(bc.get(f"/salesInvoices({invoice['id']})"))


def credit_memo(bc: Api, *lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"customerNumber": "C00010", "salesCreditMemoLines": list(lines), **fields}
    return ok(bc.request("POST", "/salesCreditMemos", json=body), 201)


# --- accounting periods ---------------------------------------------------------------------
def test_accounting_periods_are_the_months_of_three_years_none_closed(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_accountingperiod: GET only; id, startingDate,
    name, newFiscalYear, closed, dateLocked, lastModifiedDateTime. The seed: a period per
    month of the previous, current and next year, a new fiscal year each January."""
    rows = ok(bc.get("/accountingPeriods", params={"$orderby": "startingDate"}))["value"]
    starts = [row["startingDate"] for row in rows]
    assert starts == [f"{y}-{m:02d}-01" for y in range(LAST_YEAR, LAST_YEAR + 3)
                      for m in range(1, 13)]  # fmt: skip
    assert set(rows[0]) - {"@odata.etag"} == {
        "id", "startingDate", "name", "newFiscalYear", "closed", "dateLocked",
        "lastModifiedDateTime"}  # fmt: skip
    assert (rows[0]["name"], rows[0]["newFiscalYear"], rows[1]["newFiscalYear"]) == (
        "January", True, False)  # fmt: skip
    for method in ("POST", "PATCH", "DELETE"):
        path = "/accountingPeriods" if method == "POST" else f"/accountingPeriods({rows[0]['id']})"
        answer = bc.request(method, path, json={} if method != "DELETE" else None, headers=ANY)
        assert error(answer, 405)[0] == "BadRequest_MethodNotAllowed"


def test_closing_periods_refuses_posting_into_them(bc: Api, admin: BusinessCentralAdmin) -> None:
    """dynamics_accountingperiod `closed`/`dateLocked`, and the bound action `post`
    (api-reference/v2.0/api/dynamics_salesinvoice_post, dynamics_salescreditmemo_post):
    Sales-Post refuses a Posting Date before the General Ledger Setup's Allow Posting From
    with 400 Application_DialogException "Posting Date is not within your range of allowed
    posting dates."; nothing changes. The first open day posts."""
    closed = admin.close_periods(date(LAST_YEAR, 2, 10))
    assert [row["startingDate"] for row in closed] == [f"{LAST_YEAR}-01-01"]
    january, february = ok(bc.get("/accountingPeriods", params={
        "$filter": f"startingDate le {LAST_YEAR}-02-01", "$orderby": "startingDate"}))["value"][-2:]  # fmt: skip
    assert (january["closed"], january["dateLocked"], february["closed"]) == (True, True, False)
    early = sales_invoice(bc, account_line(unitPrice=10), postingDate=f"{LAST_YEAR}-01-31")
    code, message = error(post(bc, "salesInvoices", early["id"]))
    assert (code, text_of(message)) == ("Application_DialogException", NOT_ALLOWED)
    assert ok(bc.get(f"/salesInvoices({early['id']})"))["status"] == "Draft"
    memo = credit_memo(bc, account_line(unitPrice=10), postingDate=f"{LAST_YEAR}-01-02")
    assert text_of(error(post(bc, "salesCreditMemos", memo["id"]))[1]) == NOT_ALLOWED
    later = sales_invoice(bc, account_line(unitPrice=10), postingDate=f"{LAST_YEAR}-02-01")
    assert post(bc, "salesInvoices", later["id"]).status_code == 204


def test_cancel_of_an_invoice_in_a_closed_period_is_refused(
    bc: Api, admin: BusinessCentralAdmin
) -> None:
    """api-reference/v2.0/resources/dynamics_salesinvoice `cancel` (Correct Posted Sales
    Invoice, TestIfPostingIsAllowed first): "You cannot cancel this posted sales invoice
    because it was posted in a posting period that is closed."; no credit memo is made."""
    invoice = posted_invoice(bc, 50, postingDate=f"{LAST_YEAR}-03-15")
    admin.close_periods(date(LAST_YEAR, 3, 31))
    code, message = error(
        bc.request("POST", f"/salesInvoices({invoice['id']})/Microsoft.NAV.cancel")
    )
    assert code == "Application_DialogException"
    assert text_of(message) == ("You cannot cancel this posted sales invoice because it was "
                                "posted in a posting period that is closed.")  # fmt: skip
    assert ok(bc.get(f"/salesInvoices({invoice['id']})"))["status"] == "Open"
    memos = ok(bc.get("/salesCreditMemos", params={"$filter": f"invoiceId eq {invoice['id']}"}))
    assert memos["value"] == []


# --- remaining amount and status ------------------------------------------------------------
def test_remaining_amount_and_status_follow_payments_and_credit_memos(
    bc: Api, admin: BusinessCentralAdmin
) -> None:
    """api-reference/v2.0/resources/dynamics_salesinvoice `remainingAmount` and `status`
    (Open, Paid): a partial payment leaves the rest open (a FlowField: the invoice's
    ETag stays), a credit memo applied on posting (dynamics_salescreditmemo `invoiceId`)
    takes the rest, and the invoice is Paid; the fully applied credit memo is Paid too."""
    invoice = posted_invoice(bc, 1000)
    assert (invoice["remainingAmount"], invoice["status"]) == (1000, "Open")
    admin.settle("C00010", invoice["number"], 400)
    after_payment = ok(bc.get(f"/salesInvoices({invoice['id']})"))
    assert (after_payment["remainingAmount"], after_payment["status"]) == (600, "Open")
    assert after_payment["@odata.etag"] == invoice["@odata.etag"]
    memo = credit_memo(bc, account_line(unitPrice=600), invoiceId=invoice["id"])
    assert post(bc, "salesCreditMemos", memo["id"]).status_code == 204
    paid = ok(bc.get(f"/salesInvoices({invoice['id']})"))
    assert (paid["remainingAmount"], paid["status"]) == (0, "Paid")
    assert paid["lastModifiedDateTime"] > invoice["lastModifiedDateTime"]
    assert ok(bc.get(f"/salesCreditMemos({memo['id']})"))["status"] == "Paid"
    found = ok(bc.get("/salesInvoices", params={
        "$filter": f"number eq '{invoice['number']}' and remainingAmount eq 0"}))["value"]  # fmt: skip
    assert [row["id"] for row in found] == [invoice["id"]]


def test_a_canceled_invoice_stays_canceled_with_nothing_remaining(bc: Api) -> None:
    """dynamics_salesinvoice `cancel`: the corrective credit memo closes the invoice's
    entry; its status is Canceled (not Paid), the credit memo's Corrective."""
    invoice = posted_invoice(bc, 80)
    assert (
        bc.request("POST", f"/salesInvoices({invoice['id']})/Microsoft.NAV.cancel").status_code
        == 204
    )
    after = ok(bc.get(f"/salesInvoices({invoice['id']})"))
    assert (after["status"], after["remainingAmount"]) == ("Canceled", 0)


def test_a_paid_invoice_cannot_be_canceled(bc: Api, admin: BusinessCentralAdmin) -> None:
    """dynamics_salesinvoice `cancel`: "... because it is fully or partially paid."."""
    invoice = posted_invoice(bc, 70)
    admin.settle("C00010", invoice["number"])
    assert ok(bc.get(f"/salesInvoices({invoice['id']})"))["status"] == "Paid"
    _, message = error(bc.request("POST", f"/salesInvoices({invoice['id']})/Microsoft.NAV.cancel"))
    assert "because it is fully or partially paid." in message


# --- DELETE ------------------------------------------------------------------------------------
def test_a_draft_invoice_is_deleted_a_posted_one_is_refused(bc: Api) -> None:
    """api-reference/v2.0/api/dynamics_salesinvoice_delete: a draft → 204, gone with its
    lines. A posted one: the page deletes the Sales Invoice Header, whose OnDelete needs
    the Sales & Receivables Setup's Allow Document Deletion Before (blank) → 400
    Application_FieldValidationException (TestField), nothing changes."""
    draft = sales_invoice(bc, account_line(unitPrice=5))
    line = ok(bc.get(f"/salesInvoices({draft['id']})/salesInvoiceLines"))["value"][0]
    ok(bc.request("DELETE", f"/salesInvoices({draft['id']})", headers=ANY), 204)
    assert error(bc.get(f"/salesInvoices({draft['id']})"), 404)[0] == "BadRequest_NotFound"
    assert bc.get(f"/salesInvoiceLines({line['id']})").status_code == 404
    invoice = posted_invoice(bc, 5)
    code, message = error(bc.request("DELETE", f"/salesInvoices({invoice['id']})", headers=ANY))
    assert (code, text_of(message)) == (
        "Application_FieldValidationException",
        "Allow Document Deletion Before must have a value in Sales & Receivables Setup: "
        "Primary Key=. It cannot be zero or empty.",
    )
    assert ok(bc.get(f"/salesInvoices({invoice['id']})"))["status"] == "Open"


# --- the PROJECT dimension --------------------------------------------------------------------
def test_project_dimension_has_the_projects_and_is_not_mandatory(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_dimension and dynamics_dimensionvalue: PROJECT
    "Project" with a value per Project Operations project; no customer has it as a
    default dimension, so a credit memo line may carry it and post
    (dynamics_dimensionsetline)."""
    [dimension] = ok(bc.get("/dimensions", params={"$filter": "code eq 'PROJECT'"}))["value"]
    assert dimension["displayName"] == "Project"
    values = ok(bc.get(f"/dimensions({dimension['id']})/dimensionValues"))["value"]
    assert {v["code"]: v["displayName"] for v in values} == {
        "ADATUM-CLOUD": "Adatum Cloud Migration", "MUELLER-ERP": "Müller ERP Rollout"}  # fmt: skip
    defaults = ok(bc.get("/defaultDimensions", params={"$filter": "dimensionCode eq 'PROJECT'"}))
    assert defaults["value"] == []
    line = account_line(unitPrice=20, dimensionSetLines=[
        {"code": "PROJECT", "valueCode": "ADATUM-CLOUD"}])  # fmt: skip
    memo = credit_memo(bc, line)
    assert post(bc, "salesCreditMemos", memo["id"]).status_code == 204


# --- projectCreditMemos -----------------------------------------------------------------------
def test_project_credit_memos_show_every_credit_memo_and_take_the_mark(
    bc: Api, bc_custom: Api
) -> None:
    """BC_CUSTOM_API.md `projectCreditMemos`: v2.0's sales credit memos, unposted and
    posted, same id, number and status; PATCH with If-Match writes projectRevisionId and
    projectInvoiceId (the credit memo's lastModifiedDateTime moves), found by `$filter`
    on them and on invoiceId; other properties are read-only; POST, DELETE → 405."""
    invoice = posted_invoice(bc, 300)
    memo = credit_memo(bc, account_line(unitPrice=100), invoiceId=invoice["id"],
                       externalDocumentNumber="REV-1")  # fmt: skip
    row = ok(bc_custom.get(f"/projectCreditMemos({memo['id']})"))
    assert (row["number"], row["status"], row["invoiceNumber"]) == (
        memo["number"], "Draft", invoice["number"])  # fmt: skip
    assert (row["projectRevisionId"], row["totalAmountIncludingTax"]) == (
        "00000000-0000-0000-0000-000000000000", 100)  # fmt: skip
    revision, po_invoice = str(uuid.uuid4()), str(uuid.uuid4())
    marked = ok(bc_custom.request(
        "PATCH", f"/projectCreditMemos({memo['id']})",
        json={"projectRevisionId": revision, "projectInvoiceId": po_invoice},
        headers={"If-Match": row["@odata.etag"]}))  # fmt: skip
    assert marked["lastModifiedDateTime"] > row["lastModifiedDateTime"]
    assert post(bc, "salesCreditMemos", memo["id"]).status_code == 204
    posted = ok(bc.get(f"/salesCreditMemos({memo['id']})"))
    [found] = ok(bc_custom.get("/projectCreditMemos", params={
        "$filter": f"projectRevisionId eq {revision}"}))["value"]  # fmt: skip
    assert (found["id"], found["number"], found["status"]) == (
        memo["id"], posted["number"], posted["status"])  # fmt: skip
    assert found["projectInvoiceId"] == po_invoice
    by_invoice = ok(bc_custom.get("/projectCreditMemos", params={
        "$filter": f"invoiceId eq {invoice['id']}"}))["value"]  # fmt: skip
    assert [r["id"] for r in by_invoice] == [memo["id"]]
    path = f"/projectCreditMemos({memo['id']})"
    assert error(bc_custom.request("PATCH", path, json={"number": "X"}, headers=ANY))[0] == (
        "BadRequest_InvalidOperation")  # fmt: skip
    assert error(bc_custom.request("DELETE", path, headers=ANY), 405)[0] == (
        "BadRequest_MethodNotAllowed")  # fmt: skip
    assert bc_custom.request("POST", "/projectCreditMemos", json={}).status_code == 405


def test_the_setup_takes_v2_property_names_and_refuses_others(
    bc_custom: Api, admin: BusinessCentralAdmin
) -> None:
    """BC_CUSTOM_API.md `projectCreditMemoSetup`: one row; `nonChangeableFields` are
    salesCreditMemo properties (api-reference/v2.0/resources/dynamics_salescreditmemo)
    and, as `lines/<name>`, salesCreditMemoLine ones (dynamics_salescreditmemoline),
    stored trimmed; an unknown name → 400 naming it; POST, DELETE → 405."""
    [setup] = ok(bc_custom.get(f"/{SETUP}"))["value"]
    path = f"/{SETUP}({setup['id']})"
    changed = ok(bc_custom.request("PATCH", path, headers={"If-Match": setup["@odata.etag"]},
                                   json={"nonChangeableFields": " postingDate, customerNumber,"
                                         "lines/quantity ,lines/unitPrice,postingDate"}))  # fmt: skip
    assert changed["nonChangeableFields"] == (
        "postingDate,customerNumber,lines/quantity,lines/unitPrice")  # fmt: skip
    code, message = error(bc_custom.request("PATCH", path, headers=ANY, json={
        "nonChangeableFields": "postingDate,lines/colour"}))  # fmt: skip
    assert code == "Application_DialogException" and '"lines/colour"' in message
    assert ok(bc_custom.get(path))["nonChangeableFields"] == changed["nonChangeableFields"]
    assert bc_custom.request("DELETE", path, headers=ANY).status_code == 405
    assert bc_custom.request("POST", f"/{SETUP}", json={}).status_code == 405


# --- the lock -------------------------------------------------------------------------------------
def locked_memo(bc: Api, bc_custom: Api, fields: str) -> dict[str, Any]:
    """A marked unposted credit memo with two lines; `fields` non-changeable."""
    ok(bc_custom.request("PATCH", f"/{SETUP}({SETUP_ID})", headers=ANY,
                         json={"nonChangeableFields": fields}))  # fmt: skip
    memo = credit_memo(bc, account_line(unitPrice=10), account_line(unitPrice=20),
                       postingDate="2026-11-02")  # fmt: skip
    ok(bc_custom.request("PATCH", f"/projectCreditMemos({memo['id']})", headers=ANY,
                         json={"projectRevisionId": str(uuid.uuid4())}))  # fmt: skip
    memo["lines"] = ok(bc.get(f"/salesCreditMemos({memo['id']})/salesCreditMemoLines"))["value"]
    return memo


def test_the_lock_refuses_users_changes_of_non_changeable_fields(
    bc: Api, bc_custom: Api, admin: BusinessCentralAdmin
) -> None:
    """BC_CUSTOM_API.md "Locked credit memos": v2.0 PATCH of a non-changeable header field
    (dynamics_salescreditmemo_update) or line field (dynamics_salescreditmemoline_update)
    to another value → 400 Application_DialogException with the field's caption; the
    same value and other fields pass; lines cannot be added or deleted, nor the credit
    memo; the companion's writes are not checked."""
    memo = locked_memo(bc, bc_custom, "postingDate,customerNumber,lines/quantity")
    path, number = f"/salesCreditMemos({memo['id']})", memo["number"]
    code, message = error(
        bc.request("PATCH", path, headers=ANY, json={"postingDate": "2026-11-03"})
    )
    assert (code, text_of(message)) == ("Application_DialogException",
        f"You cannot change Posting Date on Sales Credit Memo {number}: {FROM_PROJECT}")  # fmt: skip
    customer = ok(bc.get("/customers", params={"$filter": "number eq 'C00020'"}))["value"][0]
    _, message = error(bc.request("PATCH", path, headers=ANY, json={"customerId": customer["id"]}))
    assert text_of(message).startswith(
        f"You cannot change Sell-to Customer No. on Sales Credit Memo {number}"
    )
    ok(bc.request("PATCH", path, headers=ANY, json={"postingDate": "2026-11-02",
                                                    "externalDocumentNumber": "REV-7"}))  # fmt: skip
    first, second = memo["lines"]
    line_path = f"{path}/salesCreditMemoLines({first['id']})"
    _, message = error(bc.request("PATCH", line_path, headers=ANY, json={"quantity": 3}))
    assert text_of(message) == (
        f"You cannot change Quantity on line {first['sequence']} of Sales Credit Memo {number}: "
        f"{FROM_PROJECT}")  # fmt: skip
    ok(bc.request("PATCH", line_path, headers=ANY, json={"description": "Reworded"}))
    _, message = error(bc.request("DELETE", f"/salesCreditMemoLines({second['id']})", headers=ANY))
    assert text_of(message) == (
        f"You cannot delete line {second['sequence']} of Sales Credit Memo {number}: {FROM_PROJECT}"
    )
    _, message = error(bc.request("POST", f"{path}/salesCreditMemoLines", json=account_line()))
    assert text_of(message) == f"You cannot add lines to Sales Credit Memo {number}: {FROM_PROJECT}"
    _, message = error(bc.request("DELETE", path, headers=ANY))
    assert text_of(message) == f"You cannot delete Sales Credit Memo {number}: {FROM_PROJECT}"
    ok(bc_custom.request("PATCH", f"/projectCreditMemos({memo['id']})", headers=ANY,
                         json={"projectRevisionId": str(uuid.uuid4())}))  # fmt: skip
    after = ok(bc.get(path, params={"$expand": "salesCreditMemoLines"}))
    assert (after["postingDate"], after["externalDocumentNumber"]) == ("2026-11-02", "REV-7")
    assert [line["quantity"] for line in after["salesCreditMemoLines"]] == [1, 1]


def test_header_only_locks_leave_lines_free_and_unmarked_memos_alone(
    bc: Api, bc_custom: Api, admin: BusinessCentralAdmin
) -> None:
    """BC_CUSTOM_API.md "Locked credit memos": without `lines/…` fields, lines may be
    added, changed and deleted; a credit memo without the mark is not locked at all;
    with nothing non-changeable a marked one can be deleted."""
    memo = locked_memo(bc, bc_custom, "postingDate")
    path = f"/salesCreditMemos({memo['id']})"
    ok(bc.request("PATCH", f"/salesCreditMemoLines({memo['lines'][0]['id']})", headers=ANY,
                  json={"quantity": 2}))  # fmt: skip
    ok(bc.request("POST", f"{path}/salesCreditMemoLines", json=account_line(unitPrice=1)), 201)
    ok(bc.request("DELETE", f"/salesCreditMemoLines({memo['lines'][1]['id']})", headers=ANY), 204)
    plain = credit_memo(bc, account_line(unitPrice=10))
    ok(bc.request("PATCH", f"/salesCreditMemos({plain['id']})", headers=ANY,
                  json={"postingDate": "2026-11-05"}))  # fmt: skip
    ok(bc.request("DELETE", f"/salesCreditMemos({plain['id']})", headers=ANY), 204)
    ok(bc_custom.request("PATCH", f"/{SETUP}({SETUP_ID})", headers=ANY,
                         json={"nonChangeableFields": ""}))  # fmt: skip
    ok(bc.request("DELETE", path, headers=ANY), 204)


def test_the_lock_holds_inside_a_v2_batch(
    sandbox: RunningSandbox, bc: Api, bc_api: Api, bc_custom: Api, admin: BusinessCentralAdmin
) -> None:
    """BC_CUSTOM_API.md "Locked credit memos", through v2.0 `$batch`
    (api-reference/v2.0/dynamics-batch-requests): the inner PATCH is refused and, with
    `Isolation: snapshot`, the batch's other change rolls back."""
    memo = locked_memo(bc, bc_custom, "dueDate")
    company = f"companies({sandbox.config.bc_company_id})"
    inner = [
        request("PATCH", f"{company}/salesCreditMemos({memo['id']})",
                {"externalDocumentNumber": "REV-9"}, **ANY),
        request("PATCH", f"{company}/salesCreditMemos({memo['id']})",
                {"dueDate": "2027-01-31"}, **ANY),
    ]  # fmt: skip
    answer = ok(bc_api.request("POST", "/$batch", json={"requests": inner},
                               headers={"Isolation": "snapshot"}))["responses"]  # fmt: skip
    assert [a["status"] for a in answer] == [200, 400]
    assert text_of(answer[1]["body"]["error"]["message"]) == (
        f"You cannot change Due Date on Sales Credit Memo {memo['number']}: {FROM_PROJECT}"
    )
    assert ok(bc.get(f"/salesCreditMemos({memo['id']})"))["externalDocumentNumber"] == ""
