"""The quotes and orders part of `hub demo` (product document §18, §19): a quote made in
CRM reaches BC, is revised (BC archives the first version), becomes a confirmed order (BC
archives and removes the quote, the order names it), an order with a write-in product
waits for its G/L account and goes once the operator sets it, and a BC user's edit of a
locked field is refused while a Comment line is allowed. Everything through the host's
HTTP routes, as Power Automate calls them; CRM is changed through the Dataverse Web API."""

from __future__ import annotations

from typing import Any

import click

from hub.demo.crm import Say, get, post
from hub.demo.walker import call
from hub.host import LocalHost
from shared.bootstrap import build_business_central, build_dataverse
from shared.config import get_settings
from shared.entities.documents import ORDER_CONFIRMED
from shared.errors import RecordError

GL_ACCOUNT = "6100"  # the sandbox's sales account


def quotes_and_orders(host: LocalHost, say: Say) -> tuple[int, int]:
    """Answers (quotes, orders) in BC at the end of the step."""
    settings = get_settings()
    crm, bc = build_dataverse(settings), build_business_central(settings)
    account = next(crm.rows("accounts", filter="name eq 'Tailspin Toys'", select=["accountid"]))
    products = {row["productnumber"]: row["productid"] for row in crm.rows(
        "products", filter="productnumber eq 'SPE_E3' or productnumber eq 'SUPPORT-HRS'",
        select=["productid", "productnumber"])}  # fmt: skip
    units = {row["name"]: row["uomid"] for row in crm.rows("uoms", select=["uomid", "name"])}
    price_list = next(crm.rows("pricelevels", filter="name eq 'Default'", select=["pricelevelid"]))
    base = next(crm.rows("organizations", select=["_basecurrencyid_value"]))
    header = {
        "customerid_account@odata.bind": f"/accounts({account['accountid']})",
        "pricelevelid@odata.bind": f"/pricelevels({price_list['pricelevelid']})",
        "transactioncurrencyid@odata.bind":
            f"/transactioncurrencies({base['_basecurrencyid_value']})",
        "requestdeliveryby": "2026-12-15",
    }  # fmt: skip

    def line(product: str, unit: str, quantity: float, **more: Any) -> dict[str, Any]:
        return {"productid@odata.bind": f"/products({products[product]})",
                "uomid@odata.bind": f"/uoms({units[unit]})", "quantity": quantity, **more}  # fmt: skip

    first = post(host, "crm/documents/run", {"all": True})
    for entity in first["entities"]:
        say(f"  seeded CRM {entity['entity']}: staged {entity['staged']}, created "
            f"{entity['created']}, waiting {entity['waiting']}, needs G/L account "
            f"{entity['needsGlAccount']}")  # fmt: skip
    waiting = get(host, "crm/documents/quotes", status="Waiting")["records"]
    if waiting:
        say(f"  e.g. {waiting[0]['number']}: {waiting[0]['error'][:110]}")

    quote_id = crm.create("quotes", {
        **header, "name": "Tailspin licences and onboarding", "bcs_quotedate": "2026-11-30",
        "description": "Microsoft 365 E3 for 20 users, 8 onboarding hours",
        "quote_details": [line("SPE_E3", "PCS", 20, lineitemnumber=1),
                          line("SUPPORT-HRS", "HOUR", 8, lineitemnumber=2,
                               description="Onboarding workshop, on site")],
    })  # fmt: skip
    crm.upsert("quotes", quote_id, {"statecode": 1, "statuscode": 2}, mode="update")  # Active
    number = crm.get("quotes", quote_id, select=["quotenumber"])["quotenumber"]
    post(host, "crm/documents/run", {"entities": ["quotes"]})
    bc_quote = _bc_document(bc, "crmSalesQuotes", number)
    say(f"  quote {number} active in CRM -> BC sales quote {bc_quote['number']} "
        f"(the CRM number kept), {len(bc_quote['lines'])} lines")  # fmt: skip

    revised = crm.http.request("POST", "ReviseQuote", json={
        "QuoteId": quote_id, "ColumnSet": {"AllColumns": True}}).json()  # fmt: skip
    revision_id = revised["quoteid"]
    first_line = next(crm.rows("quotedetails", filter=f"_quoteid_value eq {revision_id} and "
                               "lineitemnumber eq 1", select=["quotedetailid"]))  # fmt: skip
    crm.upsert("quotedetails", first_line["quotedetailid"], {"quantity": 25}, mode="update")
    crm.upsert("quotes", revision_id, {"statecode": 1, "statuscode": 2}, mode="update")
    post(host, "crm/documents/run", {"entities": ["quotes"]})
    bc_quote = _bc_document(bc, "crmSalesQuotes", number)
    say(f"  revised in CRM (revision {bc_quote['crmRevisionNumber']}, 25 users) -> the BC quote "
        f"replaced, No. of Archived Versions {bc_quote['noOfArchivedVersions']}")  # fmt: skip

    converted = crm.http.request("POST", "ConvertQuoteToSalesOrder", json={
        "QuoteId": revision_id, "ColumnSet": {"AllColumns": True}}).json()  # fmt: skip
    crm.upsert("salesorders", converted["salesorderid"], {
        "statuscode": ORDER_CONFIRMED, "bcs_documentdate": "2026-11-30",
        "bcs_postingdate": "2026-11-30"}, mode="update")  # fmt: skip
    order_number = crm.get("salesorders", converted["salesorderid"],
                           select=["ordernumber"])["ordernumber"]  # fmt: skip
    post(host, "crm/documents/run", {"entities": ["orders"]})
    bc_order = _bc_document(bc, "crmSalesOrders", order_number)
    archived = list(bc.records("salesDocumentArchives", api="companion",
                               filter=f"documentType eq 'Quote' and number eq '{number}'"))  # fmt: skip
    still_there = list(bc.records("crmSalesQuotes", api="companion",
                                  filter=f"number eq '{number}'"))  # fmt: skip
    say(f"  order {order_number} confirmed in CRM -> BC sales order {bc_order['number']} (series "
        f"CRM-ORD), Quote No. {bc_order['quoteNumber']}; the BC quote archived "
        f"({len(archived)} versions) and {'kept' if still_there else 'removed'}")  # fmt: skip

    write_in_order = crm.create("salesorders", {
        **header, "name": "Tailspin on-site installation", "bcs_documentdate": "2026-11-30",
        "bcs_postingdate": "2026-11-30",
        "order_details": [line("SUPPORT-HRS", "HOUR", 4, lineitemnumber=1),
                          {"isproductoverridden": True, "productdescription":
                           "Cabling and installation", "ispriceoverridden": True,
                           "priceperunit": 650, "quantity": 1, "lineitemnumber": 2}],
    })  # fmt: skip
    crm.upsert("salesorders", write_in_order, {"statuscode": ORDER_CONFIRMED}, mode="update")
    second = crm.get("salesorders", write_in_order, select=["ordernumber"])["ordernumber"]
    post(host, "crm/documents/run", {"entities": ["orders"]})
    staged = get(host, f"crm/documents/orders/{second}")
    say(f"  order {second} with a write-in product: {staged['status']} - {staged['error'][:90]}")
    line_id = next(x["crmLineId"] for x in staged["lines"] if x["crm"].get("isproductoverridden"))
    answer = call(host, "PUT", f"crm/documents/orders/{second}/lines/{line_id}/gl-account",
                  json_body={"glAccount": GL_ACCOUNT})  # fmt: skip
    if answer.status_code != 200:
        raise click.ClickException(f"setting the G/L account: {answer.status_code} {answer.text}")
    post(host, "crm/documents/orders/create-in-bc", {"numbers": [second]})
    bc_second = _bc_document(bc, "crmSalesOrders", second)
    kinds = sorted(f"{x['lineType']} {x['lineObjectNumber']}" for x in bc_second["lines"])
    say(f"  G/L account {GL_ACCOUNT} set on the staging line -> BC sales order "
        f"{bc_second['number']}: {', '.join(kinds)}")  # fmt: skip

    _locked_edit(bc, bc_order, say)
    quotes = get(host, "crm/documents/quotes")["statuses"]
    orders = get(host, "crm/documents/orders")["statuses"]
    in_bc = ("Created", "Replaced", "Synced", "Archived", "Changed in BC")
    return (sum(n for s, n in quotes.items() if s in in_bc),
            sum(n for s, n in orders.items() if s in in_bc))  # fmt: skip


def _bc_document(bc: Any, entity_set: str, reference: str) -> dict[str, Any]:
    rows = list(bc.odata.list(f"{bc.companion_path}/{bc.company}/{entity_set}",
                              filter=f"yourReference eq '{reference}'", expand="lines"))  # fmt: skip
    if len(rows) != 1:
        raise click.ClickException(f"expected one BC document for {reference}, found {len(rows)}")
    return dict(rows[0])


def _locked_edit(bc: Any, order: dict[str, Any], say: Say) -> None:
    """A BC user (v2.0, as BC's own client) edits the locked order."""
    url = f"{bc.api_path}/{bc.company}/salesOrders({order['id']})"
    try:
        bc.http.request("PATCH", url, json={"requestedDeliveryDate": "2027-01-31"},
                        headers={"If-Match": "*"})  # fmt: skip
        say("  a BC user changed the locked order's requested delivery date (not refused!)")
    except RecordError as refused:
        text = refused.message[refused.message.find("You cannot") :].split(": it comes")[0]
        say(f"  a BC user's edit of the locked order: refused - {text}: it comes from CRM")
    bc.http.request("POST", f"{bc.api_path}/{bc.company}/salesOrderLines", json={
        "documentId": order["id"], "lineType": "Comment",
        "description": "Deliver to reception, ask for Sam"})  # fmt: skip
    say("  a Comment line added by the BC user: allowed")
