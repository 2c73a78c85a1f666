"""statecode/statuscode transitions of quotes, orders and invoices, the quote actions and
Project Operations invoice revisions."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from sandbox.run import RunningSandbox
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox
REPRESENTATION = {"Prefer": "return=representation"}
UPDATE = {"If-Match": "*"}
CONFIRMED = 192350002


def draft_quote(dataverse: Api, lines: int = 1) -> dict[str, Any]:
    line = {"isproductoverridden": True, "productdescription": "Work", "ispriceoverridden": True,
            "priceperunit": 100, "quantity": 2}  # fmt: skip
    body = {"name": f"Quote {uuid.uuid4().hex[:6]}", "quote_details": [line] * lines,
            "customerid_account@odata.bind": "/accounts(accountnumber='C00010')"}  # fmt: skip
    return dataverse.request("POST", "/quotes", json=body, headers=REPRESENTATION).json()  # type: ignore[no-any-return]


def active_quote(dataverse: Api) -> dict[str, Any]:
    quote = draft_quote(dataverse)
    path = f"/quotes({quote['quoteid']})"
    assert (
        dataverse.request(
            "PATCH", path, json={"statecode": 1, "statuscode": 2}, headers=UPDATE
        ).status_code
        == 204
    )
    return dataverse.get(path).json()  # type: ignore[no-any-return]


def close_body(quote: dict[str, Any], status: int = -1) -> dict[str, Any]:
    return {"QuoteClose": {"subject": "Closed", "quoteid@odata.bind": f"/quotes({quote['quoteid']})"},
            "Status": status}  # fmt: skip


def test_a_quote_starts_draft_and_is_activated_by_an_update(dataverse: Api) -> None:
    """reference/entities/quote (statecode 0 Draft → 1 Active, statuscode 1 In Progress);
    update-delete-entities-using-web-api: send statecode and statuscode together."""
    quote = draft_quote(dataverse)
    active = active_quote(dataverse)

    assert (quote["statecode"], quote["statuscode"], quote["revisionnumber"]) == (0, 1, 0)
    assert quote["quotenumber"].startswith("QUO-")
    assert (active["statecode"], active["statuscode"]) == (1, 2)


def test_state_and_status_must_belong_together(dataverse: Api) -> None:
    """InvalidStateCodeStatusCode (0x80048408): statuscode 4 (Won) is not a reason of Active."""
    quote = draft_quote(dataverse)
    response = dataverse.request(
        "PATCH",
        f"/quotes({quote['quoteid']})",
        json={"statecode": 1, "statuscode": 4},
        headers=UPDATE,
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "0x80048408"


def test_only_draft_quotes_can_be_edited(dataverse: Api) -> None:
    """reference/entities/quote: an active quote is read-only, its lines too (0x8004022e)."""
    quote = active_quote(dataverse)
    line = dataverse.get(f"/quotes({quote['quoteid']})/quote_details").json()["value"][0]

    header = dataverse.request(
        "PATCH", f"/quotes({quote['quoteid']})", json={"name": "X"}, headers=UPDATE
    )
    line_change = dataverse.request(
        "PATCH", f"/quotedetails({line['quotedetailid']})", json={"quantity": 9}, headers=UPDATE
    )
    new_line = dataverse.request("POST", "/quotedetails", json={
        "quoteid@odata.bind": f"/quotes({quote['quoteid']})", "productdescription": "More", "quantity": 1
    })  # fmt: skip

    for response in (header, line_change, new_line):
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "0x8004022e"


def test_won_and_closed_are_reached_by_actions_only(dataverse: Api) -> None:
    """Quote messages: WinQuote and CloseQuote; an update to Won or Closed is refused
    (0x80040233) and the actions need an Active quote."""
    quote = active_quote(dataverse)
    by_update = dataverse.request(
        "PATCH",
        f"/quotes({quote['quoteid']})",
        json={"statecode": 2, "statuscode": 4},
        headers=UPDATE,
    )
    won = dataverse.request("POST", "/WinQuote", json=close_body(quote))
    again = dataverse.request("POST", "/WinQuote", json=close_body(quote))
    lost = active_quote(dataverse)
    closed = dataverse.request("POST", "/CloseQuote", json=close_body(lost, 6))

    assert by_update.status_code == 400 and by_update.json()["error"]["code"] == "0x80040233"
    assert won.status_code == 204
    assert dataverse.get(f"/quotes({quote['quoteid']})").json()["statuscode"] == 4
    assert again.status_code == 400
    assert closed.status_code == 204
    assert (dataverse.get(f"/quotes({lost['quoteid']})").json()["statecode"],
            dataverse.get(f"/quotes({lost['quoteid']})").json()["statuscode"]) == (3, 6)  # fmt: skip


def test_revise_quote_makes_a_new_draft_revision(dataverse: Api) -> None:
    """ReviseQuote action: the quote is closed as Revised (statuscode 7) and a new Draft
    quote with the same number, revisionnumber + 1 and copies of the lines is answered;
    another revision while that Draft exists is refused (0x80048d00)."""
    quote = active_quote(dataverse)
    response = dataverse.request("POST", "/ReviseQuote", json={
        "QuoteId": quote["quoteid"], "ColumnSet": {"AllColumns": True}
    })  # fmt: skip
    revision = response.json()
    original = dataverse.get(f"/quotes({quote['quoteid']})").json()
    lines = dataverse.get(f"/quotes({revision['quoteid']})/quote_details").json()["value"]
    second = dataverse.request("POST", "/ReviseQuote", json={"QuoteId": quote["quoteid"]})

    assert response.status_code == 200
    assert revision["@odata.context"].endswith("$metadata#quotes/$entity")
    assert (original["statecode"], original["statuscode"]) == (3, 7)
    assert revision["quotenumber"] == quote["quotenumber"] and revision["revisionnumber"] == 1
    assert (revision["statecode"], revision["statuscode"]) == (0, 1)
    assert len(lines) == 1 and revision["totalamount"] == quote["totalamount"] == 200
    assert second.status_code == 400


def test_revision_while_another_revision_is_open(dataverse: Api, sandbox: RunningSandbox) -> None:
    """QuoteReviseExistingActiveQuote (0x80048d00): revising a closed revision while a
    Draft/Active quote has the same number."""
    quote = active_quote(dataverse)
    lost = dataverse.request("POST", "/CloseQuote", json=close_body(quote, 5))
    first = dataverse.request("POST", "/ReviseQuote", json={"QuoteId": quote["quoteid"]}).json()
    store = sandbox.dataverse.state
    store.update("quotes", quote["quoteid"], {"statuscode": 5})  # as if it had been lost again
    second = dataverse.request("POST", "/ReviseQuote", json={"QuoteId": quote["quoteid"]})

    assert lost.status_code == 204 and first["revisionnumber"] == 1
    assert second.status_code == 400 and second.json()["error"]["code"] == "0x80048d00"


def test_convert_quote_to_sales_order(dataverse: Api) -> None:
    """ConvertQuoteToSalesOrder action: the quote is won and an order with its lines and a
    link to it is answered."""
    quote = active_quote(dataverse)
    order = dataverse.request("POST", "/ConvertQuoteToSalesOrder", json={
        "QuoteId": quote["quoteid"], "ColumnSet": {"Columns": ["name", "ordernumber", "_quoteid_value"]}
    }).json()  # fmt: skip
    lines = dataverse.get(f"/salesorders({order['salesorderid']})/order_details").json()["value"]

    assert order["ordernumber"].startswith("ORD-") and order["_quoteid_value"] == quote["quoteid"]
    assert dataverse.get(f"/quotes({quote['quoteid']})").json()["statecode"] == 2
    assert [line["extendedamount"] for line in lines] == [200]


@pytest.mark.parametrize(
    ("steps", "refused"),
    [([(1, 3), (3, 100001), (4, 100003)], None),   # Submitted → Fulfilled → Invoiced
     ([(2, 4)], None),                            # Active → Canceled
     ([(4, 100003), (0, 1)], "0x80040233"),       # Invoiced is final
     ([(2, 4), (1, 3)], "0x80040233")],           # Canceled is final
)  # fmt: skip
def test_order_transitions(
    dataverse: Api, steps: list[tuple[int, int]], refused: str | None
) -> None:
    """reference/entities/salesorder: Active, Submitted, Canceled, Fulfilled, Invoiced."""
    order = dataverse.request(
        "POST", "/salesorders", json={"name": "O"}, headers=REPRESENTATION
    ).json()
    answers = [
        dataverse.request("PATCH", f"/salesorders({order['salesorderid']})",
                          json={"statecode": state, "statuscode": status}, headers=UPDATE)
        for state, status in steps
    ]  # fmt: skip

    assert [a.status_code for a in answers[:-1]] == [204] * (len(answers) - 1)
    if refused is None:
        assert answers[-1].status_code == 204
    else:
        assert answers[-1].json()["error"]["code"] == refused


def test_confirmed_status_reason_of_active_orders(dataverse: Api) -> None:
    """The product sends Active + Confirmed orders: a status reason of the Active state."""
    order = dataverse.request("POST", "/salesorders", json={"name": "C", "statuscode": 862070000},
                              headers={**REPRESENTATION, "Prefer": 'return=representation,odata.include-annotations="*"'})  # fmt: skip
    assert order.json()["statecode"] == 0
    assert order.json()["statuscode@OData.Community.Display.V1.FormattedValue"] == "Confirmed"


def test_paid_and_canceled_invoices_are_read_only_until_reactivated(dataverse: Api) -> None:
    """reference/entities/invoice statecode: "Paid and canceled invoices are read-only and
    can't be edited unless they are reactivated"."""
    invoice = dataverse.request(
        "POST", "/invoices", json={"name": "I"}, headers=REPRESENTATION
    ).json()
    path = f"/invoices({invoice['invoiceid']})"

    paid = dataverse.request(
        "PATCH", path, json={"statecode": 2, "statuscode": 100001}, headers=UPDATE
    )
    edit = dataverse.request("PATCH", path, json={"name": "Changed"}, headers=UPDATE)
    reactivated = dataverse.request(
        "PATCH", path, json={"statecode": 0, "statuscode": 1}, headers=UPDATE
    )
    edit_again = dataverse.request("PATCH", path, json={"name": "Changed"}, headers=UPDATE)
    canceled = dataverse.request(
        "PATCH", path, json={"statecode": 3, "statuscode": 100003}, headers=UPDATE
    )

    assert paid.status_code == 204
    assert edit.status_code == 400 and edit.json()["error"]["code"] == "0x8004022e"
    assert reactivated.status_code == edit_again.status_code == canceled.status_code == 204


def test_a_confirmed_project_invoice_is_read_only(dataverse: Api) -> None:
    """project-operations proforma-invoicing/confirm-proforma-invoice: "When an invoice is
    confirmed, it becomes read-only"; its lines and line details too."""
    invoice = dataverse.get("/invoices", params={"$filter": "msdyn_projectinvoicestatus eq 192350002",
                                                 "$top": "1"}).json()["value"][0]  # fmt: skip
    line = dataverse.get(f"/invoices({invoice['invoiceid']})/invoice_details").json()["value"][0]

    header = dataverse.request(
        "PATCH", f"/invoices({invoice['invoiceid']})", json={"name": "X"}, headers=UPDATE
    )
    line_edit = dataverse.request("PATCH", f"/invoicedetails({line['invoicedetailid']})",
                                  json={"quantity": 1}, headers=UPDATE)  # fmt: skip

    assert header.json()["error"]["code"] == line_edit.json()["error"]["code"] == "0x8004022e"


def test_revise_a_confirmed_project_invoice(
    sandbox: RunningSandbox, dataverse: Api, http: Any
) -> None:
    """project-operations proforma-invoicing/revise-project-invoices: a new Draft invoice
    whose line details are copies with Correction = Yes pointing at the originals, the
    quantities zero (full credit) unless kept; Has corrections = Yes; a draft cannot be
    revised."""
    original = dataverse.get("/invoices", params={
        "$filter": "name eq 'Adatum Cloud Migration - January' and msdyn_hascorrections eq false"
    }).json()["value"][0]  # fmt: skip
    details = dataverse.get(f"/invoices({original['invoiceid']})/msdyn_invoice_msdyn_invoicelinetransaction_Invoice"
                            ).json()["value"]  # fmt: skip
    keep = next(d for d in details if d["msdyn_description"] == "Week 2 consulting")
    url = f"{sandbox.roots['dataverse']}/_sandbox/invoices/{original['invoiceid']}/revise"
    answer = http.post(url, json={"kept": {keep["msdyn_invoicelinetransactionid"]: 5}}).json()

    revision = dataverse.get(f"/invoices({answer['invoiceid']})", params={
        "$expand": "msdyn_invoice_msdyn_invoicelinetransaction_Invoice($select=msdyn_quantity,"
                   "msdyn_correction,_msdyn_originalinvoicelinedetail_value)"
    }).json()  # fmt: skip
    corrections = revision["msdyn_invoice_msdyn_invoicelinetransaction_Invoice"]
    quantities = {
        c["_msdyn_originalinvoicelinedetail_value"]: c["msdyn_quantity"] for c in corrections
    }
    draft = http.post(
        f"{sandbox.roots['dataverse']}/_sandbox/invoices/{answer['invoiceid']}/revise", json={}
    )

    assert (
        revision["msdyn_projectinvoicestatus"] == 192350000
        and revision["msdyn_hascorrections"] is True
    )
    assert all(c["msdyn_correction"] for c in corrections)
    assert quantities == {
        d["msdyn_invoicelinetransactionid"]: (5 if d is keep else 0) for d in details
    }
    assert revision["totalamount"] == 5 * 120
    assert draft.status_code == 400 and draft.json()["error"]["code"] == "0x80040233"
