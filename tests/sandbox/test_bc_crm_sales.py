"""The connector's quote and order pages, their archives and number series, and the lock.

Each test names its section of sandbox/BC_CUSTOM_API.md (`crmSalesQuotes`,
`crmSalesOrders` (GET, POST, PATCH, DELETE) and their lines; "Locked documents";
`salesDocumentArchives` (GET); `noSeries` (GET)) and, for v2.0 behaviour, the API v2.0
page it comes from (`api-reference/v2.0/resources/dynamics_salesquote`, `_salesorder`,
`api-reference/v2.0/dynamics-error-codes` for the error codes). BC's own texts are named
where they come from: table 37 Sales Line's LineDiscountPctErr ('The value in the Line
Discount % field must be between 0 and 100.'), the platform's table relation and
duplicate key errors (webservices/dynamics-error-codes: Internal_InvalidTableRelation,
Internal_EntityWithSameKeyExists).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sandbox.run import RunningSandbox
from tests.sandbox.bc_documents import account_line, error, item_line, ok, request
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox
EMPTY = "00000000-0000-0000-0000-000000000000"
ANY = {"If-Match": "*"}
FROM_CRM = "it comes from CRM and the CRM Integration Setup does not allow it to be modified."


def text_of(message: str) -> str:
    return message.split("  CorrelationId")[0]


def rows(api: Api, path: str, filter_: str, **params: str) -> list[dict[str, Any]]:
    answer = ok(api.get(path, params={"$filter": filter_, **params}))
    return list(answer["value"])


def now() -> str:
    moment = datetime.now(UTC) - timedelta(seconds=1)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def crm_line(**fields: Any) -> dict[str, Any]:
    return {"lineType": "Item", "lineObjectNumber": "SUPPORT-HRS", "quantity": 2,
            "crmLineId": str(uuid.uuid4()), **fields}  # fmt: skip


def crm_quote(bc_custom: Api, *lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"customerNumber": "C00010", "crmId": str(uuid.uuid4()), **fields}
    if lines:
        body["lines"] = list(lines)
    return ok(bc_custom.request("POST", "/crmSalesQuotes", json=body), 201)


def crm_order(bc_custom: Api, *lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"customerNumber": "C00010", "crmId": str(uuid.uuid4()), **fields}
    if lines:
        body["lines"] = list(lines)
    return ok(bc_custom.request("POST", "/crmSalesOrders", json=body), 201)


def series(bc_custom: Api, code: str) -> dict[str, Any]:
    [row] = rows(bc_custom, "/noSeries", f"code eq '{code}'")
    return row


def lines_of(api: Api, entity_set: str, document_id: str, navigation: str) -> list[dict[str, Any]]:
    found = ok(api.get(f"/{entity_set}({document_id})/{navigation}"))["value"]
    return sorted(found, key=lambda line: line["sequence"])


def number_after(number: str, prefix: str) -> str:
    return f"{prefix}{int(number.removeprefix(prefix)) + 1}"


# --- the same records as v2.0 -----------------------------------------------------------


def test_a_quote_made_for_crm_is_a_v2_quote_with_its_lines(bc: Api, bc_custom: Api) -> None:
    """BC_CUSTOM_API.md `crmSalesQuotes`: its records are v2.0's salesQuotes (same id and
    number from the S-QUO series shared with v2.0), lines are salesQuoteLines; a deep
    insert of `lines` answers with them; the fields v2.0 lacks (Name 2, Work Description
    of any length, Your Reference, shipping agent, location, CRM id and revision) are kept
    and v2.0 does not show them; a quote's Posting Date stays empty; defaults come from
    the customer (dynamics_salesquote: customer's name, address and terms)."""
    chosen, crm_id = str(uuid.uuid4()), str(uuid.uuid4())
    work = "Install and configure. " * 200  # a BLOB: longer than any Text field
    created = crm_quote(
        bc_custom,
        crm_line(description2="winter support", lineDiscountAmount=20),
        crm_line(lineType="Account", lineObjectNumber="6100", quantity=1, unitPrice=99.5,
                 unitOfMeasureCode="hour"),
        crm_line(lineType="Comment", description="Delivered remotely", quantity=0),
        id=chosen.upper(), crmId=crm_id, crmRevisionNumber=2, customerName2="Trading as Adatum",
        workDescription=work, yourReference="crm quote 17", shippingAgentCode="dhl",
        locationCode="east", requestedDeliveryDate="2027-02-01",
    )  # fmt: skip
    assert created["id"] == chosen and created["number"].startswith("S-QUO")
    assert (created["noSeriesCode"], created["crmId"], created["crmRevisionNumber"]) == (
        "S-QUO", crm_id, 2,
    )  # fmt: skip
    assert (created["workDescription"], created["yourReference"]) == (work, "crm quote 17")
    assert (created["shippingAgentCode"], created["locationCode"]) == ("DHL", "EAST")
    assert (created["customerName"], created["city"]) == ("Adatum Corporation", "London")
    assert (created["postingDate"], created["requestedDeliveryDate"]) == (
        "0001-01-01", "2027-02-01",
    )  # fmt: skip
    assert (created["crmLocked"], created["crmComplete"], created["status"]) == (
        False, True, "Open",
    )  # fmt: skip
    assert (created["noOfArchivedVersions"], created["totalAmountExcludingTax"]) == (0, 249.5)
    lines = sorted(created["lines"], key=lambda line: line["sequence"])
    assert [(x["sequence"], x["lineType"], x["lineAmount"]) for x in lines] == [
        (10000, "Item", 150.0), (20000, "Account", 99.5), (30000, "Comment", 0),
    ]  # fmt: skip
    assert (lines[0]["description"], lines[0]["unitPrice"], lines[0]["unitOfMeasureCode"]) == (
        "Managed support hours", 85, "HOUR",
    )  # fmt: skip
    assert (lines[1]["description"], lines[1]["unitOfMeasureCode"]) == ("Sales, services", "HOUR")

    v2 = ok(bc.get(f"/salesQuotes({chosen})"))
    assert (v2["number"], v2["customerNumber"], v2["totalAmountExcludingTax"]) == (
        created["number"], "C00010", 249.5,
    )  # fmt: skip
    assert not {"crmId", "workDescription", "customerName2", "noSeriesCode"} & set(v2)
    v2_lines = lines_of(bc, "salesQuotes", chosen, "salesQuoteLines")
    assert [(x["id"], x["discountAmount"], x["description2"]) for x in v2_lines] == [
        (lines[0]["id"], 20, "winter support"), (lines[1]["id"], 0, ""), (lines[2]["id"], 0, ""),
    ]  # fmt: skip
    assert "crmLineId" not in v2_lines[0]


def test_what_v2_writes_shows_on_the_companion_pages(bc: Api, bc_custom: Api) -> None:
    """BC_CUSTOM_API.md `crmSalesQuotes`, `crmSalesOrders`: "what v2.0 writes shows here":
    a v2.0 quote and order (dynamics_salesquote, dynamics_salesorder) with their codes in
    place of v2.0's ids, the sell-to address, the document date (an order's orderDate)
    and its lines through `lines`."""
    quote = ok(bc.request("POST", "/salesQuotes", json={
        "customerNumber": "C00020", "documentDate": "2026-11-02",
        "salesQuoteLines": [item_line("SPE_E3", 3)]}), 201)  # fmt: skip
    page = ok(bc_custom.get(f"/crmSalesQuotes({quote['id']})"))
    assert (page["number"], page["noSeriesCode"], page["documentDate"]) == (
        quote["number"], "S-QUO", "2026-11-02",
    )  # fmt: skip
    assert (page["customerName"], page["city"], page["country"]) == (
        "O'Neil Plumbing Ltd.", "Cork", "IE",
    )  # fmt: skip
    terms = ok(bc.get(f"/paymentTerms({quote['paymentTermsId']})"))["code"] if quote[
        "paymentTermsId"] != EMPTY else ""  # fmt: skip
    assert page["paymentTermsCode"] == terms and page["crmId"] == EMPTY
    [line] = lines_of(bc_custom, "crmSalesQuotes", quote["id"], "lines")
    assert (line["lineObjectNumber"], line["lineAmount"], line["crmLineId"]) == (
        "SPE_E3", 101.25, EMPTY,
    )  # fmt: skip
    order = ok(bc.request("POST", "/salesOrders", json={
        "customerNumber": "C00010", "orderDate": "2026-11-03",
        "requestedDeliveryDate": "2026-12-01"}), 201)  # fmt: skip
    page = ok(bc_custom.get(f"/crmSalesOrders({order['id']})"))
    assert (page["number"], page["documentDate"], page["requestedDeliveryDate"]) == (
        order["number"], "2026-11-03", "2026-12-01",
    )  # fmt: skip
    assert (page["quoteNumber"], page["status"], page["postingDate"]) == (
        "", "Open", order["postingDate"],
    )  # fmt: skip
    assert error(bc_custom.get(f"/crmSalesOrders({quote['id']})"), 404)[0] == "BadRequest_NotFound"


def test_an_order_made_for_crm_is_a_v2_order(bc: Api, bc_custom: Api) -> None:
    """BC_CUSTOM_API.md `crmSalesOrders`: a v2.0 salesOrder (S-ORD series shared with
    v2.0), `quoteNumber` (orders only), `documentDate` as v2.0's orderDate, the customer
    name writable here although v2.0 shows it read-only (dynamics_salesorder)."""
    order = crm_order(
        bc_custom, crm_line(quantity=1), quoteNumber="s-quo1001", documentDate="2026-11-20",
        customerName="Adatum, Goods-in", postingDate="2026-11-21",
    )  # fmt: skip
    assert order["number"].startswith("S-ORD") and order["quoteNumber"] == "S-QUO1001"
    assert (order["customerName"], order["totalAmountExcludingTax"]) == ("Adatum, Goods-in", 85)
    v2 = ok(bc.get(f"/salesOrders({order['id']})"))
    assert (v2["number"], v2["orderDate"], v2["postingDate"], v2["customerName"]) == (
        order["number"], "2026-11-20", "2026-11-21", "Adatum, Goods-in",
    )  # fmt: skip
    assert [x["id"] for x in lines_of(bc, "salesOrders", order["id"], "salesOrderLines")] == [
        order["lines"][0]["id"]
    ]


def test_a_ship_to_code_copies_the_customers_ship_to_address(bc: Api, bc_custom: Api) -> None:
    """BC_CUSTOM_API.md `crmSalesQuotes` `shipToCode`: one of the customer's
    `shipToAddresses`; like validating Ship-to Code in BC it fills the document's ship-to
    name and address (v2.0's shipTo… fields, dynamics_salesquote); "" restores the
    customer's own address."""
    quote = crm_quote(bc_custom, shipToCode="goods-in")
    v2 = ok(bc.get(f"/salesQuotes({quote['id']})"))
    assert (quote["shipToCode"], v2["shipToName"], v2["shipToAddressLine1"], v2["shipToCity"]) == (
        "GOODS-IN", "Adatum goods-in", "Unit 4, Dock Road", "Tilbury",
    )  # fmt: skip
    cleared = ok(bc_custom.request("PATCH", f"/crmSalesQuotes({quote['id']})", headers=ANY,
                                   json={"shipToCode": ""}))  # fmt: skip
    v2 = ok(bc.get(f"/salesQuotes({quote['id']})"))
    assert (cleared["shipToCode"], v2["shipToName"], v2["shipToCity"]) == (
        "", "Adatum Corporation", "London",
    )  # fmt: skip


# --- numbers ----------------------------------------------------------------------------


def test_numbers_given_drawn_from_a_series_or_shared_with_v2(bc: Api, bc_custom: Api) -> None:
    """BC_CUSTOM_API.md `crmSalesQuotes` `number` and `noSeriesCode`, `noSeries`: a given
    No. is used upper-cased; `noSeriesCode` draws that series' next No. (CRM-QUO:
    CQ00001…); without either, the company's S-QUO series, the one v2.0 draws from;
    `lastNumberUsed` follows every draw."""
    wanted = f"quo-{uuid.uuid4().hex[:8]}"
    given = crm_quote(bc_custom, number=wanted)
    assert (given["number"], given["noSeriesCode"]) == (wanted.upper(), "")
    assert rows(bc, "/salesQuotes", f"number eq '{wanted.upper()}'")[0]["id"] == given["id"]

    from_crm = crm_quote(bc_custom, noSeriesCode="crm-quo")
    assert from_crm["number"].startswith("CQ") and len(from_crm["number"]) == 7
    assert from_crm["noSeriesCode"] == "CRM-QUO"
    assert series(bc_custom, "CRM-QUO")["lastNumberUsed"] == from_crm["number"]
    again = crm_quote(bc_custom, noSeriesCode="CRM-QUO")
    assert again["number"] == f"CQ{int(from_crm['number'][2:]) + 1:05d}"

    companion = crm_quote(bc_custom)
    v2 = ok(bc.request("POST", "/salesQuotes", json={"customerNumber": "C00010"}), 201)
    assert v2["number"] == number_after(companion["number"], "S-QUO")
    assert series(bc_custom, "S-QUO")["lastNumberUsed"] == v2["number"]
    order = crm_order(bc_custom, noSeriesCode="CRM-ORD")
    assert order["number"].startswith("CO") and len(order["number"]) == 7
    assert series(bc_custom, "CRM-ORD")["lastNumberUsed"] == order["number"]


def test_a_number_the_document_type_has_is_refused(bc_custom: Api) -> None:
    """BC_CUSTOM_API.md `crmSalesQuotes` `number`: a No. the document type already has →
    400 Internal_EntityWithSameKeyExists with the platform's duplicate key text (Sales
    Header key Document Type, No.); an order may have a quote's No."""
    number = f"QUO-{uuid.uuid4().hex[:6].upper()}"
    crm_quote(bc_custom, number=number)
    body = {"customerNumber": "C00020", "number": number}
    got, message = error(bc_custom.request("POST", "/crmSalesQuotes", json=body))
    assert (got, text_of(message)) == (
        "Internal_EntityWithSameKeyExists",
        "The record in table Sales Header already exists. Identification fields and values: "
        f"Document Type='Quote',No.='{number}'",
    )  # fmt: skip
    assert crm_order(bc_custom, number=number)["number"] == number


def test_number_and_series_are_insert_only(bc_custom: Api) -> None:
    """BC_CUSTOM_API.md `crmSalesQuotes`: `number` and `noSeriesCode` are writable on POST
    only; later → 400 BadRequest_InvalidOperation, as the other companion pages refuse a
    read-only control; an unknown series → Internal_InvalidTableRelation (No. Series)."""
    quote = crm_quote(bc_custom)
    for field, value in (("number", "QUO-X"), ("noSeriesCode", "CRM-QUO")):
        got, message = error(bc_custom.request("PATCH", f"/crmSalesQuotes({quote['id']})",
                                               headers=ANY, json={field: value}))  # fmt: skip
        assert (got, text_of(message)) == (
            "BadRequest_InvalidOperation",
            f"Control '{field}' is read-only.",
        )
    got, message = error(bc_custom.request("POST", "/crmSalesQuotes",
                                           json={"customerNumber": "C00010",
                                                 "noSeriesCode": "CRM-XYZ"}))  # fmt: skip
    assert (got, text_of(message)) == (
        "Internal_InvalidTableRelation",
        "The field No. Series of table Sales Header contains a value (CRM-XYZ) that cannot be "
        "found in the related table (No. Series).",
    )  # fmt: skip


def test_no_series_are_listed_read_only(bc_custom: Api) -> None:
    """BC_CUSTOM_API.md `noSeries` (table 308 No. Series): S-QUO, S-ORD, CRM-QUO (CQ00001…)
    and CRM-ORD (CO00001…); POST, PATCH, DELETE → 405 BadRequest_MethodNotAllowed."""
    listed = {row["code"]: row for row in ok(bc_custom.get("/noSeries"))["value"]}
    assert {"S-QUO", "S-ORD", "CRM-QUO", "CRM-ORD"} <= set(listed)
    assert (listed["CRM-QUO"]["startingNumber"], listed["CRM-ORD"]["startingNumber"]) == (
        "CQ00001", "CO00001",
    )  # fmt: skip
    assert listed["S-QUO"]["startingNumber"] == "S-QUO1001"
    assert set(listed["S-ORD"]) == {"@odata.etag", "id", "code", "description", "startingNumber",
                                    "lastNumberUsed"}  # fmt: skip
    row = listed["CRM-QUO"]
    for method, path in (("POST", "/noSeries"), ("PATCH", f"/noSeries({row['id']})"),
                         ("DELETE", f"/noSeries({row['id']})")):  # fmt: skip
        answer = bc_custom.request(method, path, headers=ANY, json={"code": "X"})
        assert error(answer, 405)[0] == "BadRequest_MethodNotAllowed"


def test_a_failed_deep_insert_leaves_nothing_and_takes_no_number(bc_custom: Api) -> None:
    """BC_CUSTOM_API.md `crmSalesQuotes` (deep insert of `lines` on POST) and `noSeries`:
    header and lines are one transaction; a refused line leaves no quote and gives the
    drawn No. back (BC rolls the No. Series Line back with the transaction)."""
    before = series(bc_custom, "CRM-QUO")["lastNumberUsed"]
    crm_id = str(uuid.uuid4())
    answer = bc_custom.request("POST", "/crmSalesQuotes", json={
        "customerNumber": "C00010", "crmId": crm_id, "noSeriesCode": "CRM-QUO",
        "lines": [crm_line(), crm_line(lineObjectNumber="NO-SUCH-ITEM")]})  # fmt: skip
    assert error(answer)[0] == "Internal_InvalidTableRelation"
    assert rows(bc_custom, "/crmSalesQuotes", f"crmId eq {crm_id}") == []
    assert series(bc_custom, "CRM-QUO")["lastNumberUsed"] == before


# --- refusals ---------------------------------------------------------------------------


def _relation(caption: str, value: str, related: str, table: str = "Sales Header") -> str:
    return (f"The field {caption} of table {table} contains a value ({value}) that cannot be "
            f"found in the related table ({related}).")  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "code", "text"),
    [
        ({"paymentTermsCode": "NEVER"}, "Internal_InvalidTableRelation",
         _relation("Payment Terms Code", "NEVER", "Payment Terms")),
        ({"shipmentMethodCode": "CARRIER"}, "Internal_InvalidTableRelation",
         _relation("Shipment Method Code", "CARRIER", "Shipment Method")),
        ({"shippingAgentCode": "PIGEON"}, "Internal_InvalidTableRelation",
         _relation("Shipping Agent Code", "PIGEON", "Shipping Agent")),
        ({"salespersonCode": "ZZ"}, "Internal_InvalidTableRelation",
         _relation("Salesperson Code", "ZZ", "Salesperson/Purchaser")),
        ({"locationCode": "NORTH"}, "Internal_InvalidTableRelation",
         _relation("Location Code", "NORTH", "Location")),
        ({"currencyCode": "XYZ"}, "Internal_InvalidTableRelation",
         _relation("Currency Code", "XYZ", "Currency")),
        ({"country": "XX"}, "Internal_InvalidTableRelation",
         _relation("Sell-to Country/Region Code", "XX", "Country/Region")),
        ({"shipToCode": "LAGER"}, "Internal_InvalidTableRelation",  # C00030's, not C00010's
         _relation("Ship-to Code", "LAGER", "Ship-to Address")),
        ({"customerNumber": "C99999"}, "Internal_InvalidTableRelation",
         _relation("Sell-to Customer No.", "C99999", "Customer")),
        ({"yourReference": "R" * 36}, "Application_StringExceededLength",
         "The length of the string is 36, but it must be less than or equal to 35"),
        ({"customerName2": "N" * 51}, "Application_StringExceededLength",
         "The length of the string is 51, but it must be less than or equal to 50"),
        ({"status": "Released"}, "BadRequest_InvalidOperation", "Control 'status' is read-only."),
        ({"noOfArchivedVersions": 3}, "BadRequest_InvalidOperation",
         "Control 'noOfArchivedVersions' is read-only."),
        ({"totalAmountExcludingTax": 1}, "BadRequest_InvalidOperation",
         "Control 'totalAmountExcludingTax' is read-only."),
        ({"lastModifiedDateTime": "2026-01-01T00:00:00Z"}, "BadRequest_InvalidOperation",
         "Control 'lastModifiedDateTime' is read-only."),
        ({"quoteNumber": "S-QUO1001"}, "BadRequest",  # orders only
         "Invalid Request Body. The property 'quoteNumber' does not exist on type "
         "'Microsoft.NAV.crmSalesQuote'."),
    ],
)  # fmt: skip
def test_crm_quote_refusals(bc_custom: Api, fields: dict[str, Any], code: str, text: str) -> None:
    """BC_CUSTOM_API.md `crmSalesQuotes` header properties: unknown codes →
    Internal_InvalidTableRelation naming the Sales Header field and its related table
    (webservices/dynamics-error-codes), a ship-to code of another customer likewise, text
    sizes, read-only properties (400 BadRequest_InvalidOperation as the other companion
    pages); the same refusals on PATCH."""
    body = {"customerNumber": "C00010", **fields}
    got, message = error(bc_custom.request("POST", "/crmSalesQuotes", json=body))
    assert got == code and text_of(message).startswith(text)
    quote = crm_quote(bc_custom)
    patch = bc_custom.request("PATCH", f"/crmSalesQuotes({quote['id']})", json=fields, headers=ANY)
    assert error(patch)[0] == code


def test_a_quote_needs_an_unblocked_customer(sandbox: RunningSandbox, bc_custom: Api) -> None:
    """BC_CUSTOM_API.md `crmSalesQuotes` `customerNumber`: required; a blocked customer →
    400 Application_DialogException "You cannot create this type of document when
    Customer … is blocked with type All" (BC's Sales Header CheckBlockedCustOnDocs)."""
    got, message = error(bc_custom.request("POST", "/crmSalesQuotes", json={}))
    assert (got, text_of(message)) == (
        "Application_DialogException",
        'A "customerNumber" must be provided.',
    )
    number = f"CB{uuid.uuid4().hex[:6].upper()}"
    sandbox.business_central.admin.add_customer(number, "Blocked Quotes Ltd.", blocked="All")
    got, message = error(bc_custom.request("POST", "/crmSalesOrders",
                                           json={"customerNumber": number}))  # fmt: skip
    assert (got, text_of(message)) == (
        "Application_DialogException",
        f"You cannot create this type of document when Customer {number} is blocked with "
        "type All",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "code", "text"),
    [
        ({"lineObjectNumber": "NO-SUCH-ITEM"}, "Internal_InvalidTableRelation",
         _relation("No.", "NO-SUCH-ITEM", "Item", "Sales Line")),
        ({"lineType": "Account", "lineObjectNumber": "9999"}, "Internal_InvalidTableRelation",
         _relation("No.", "9999", "G/L Account", "Sales Line")),
        ({"unitOfMeasureCode": "CRATE"}, "Internal_InvalidTableRelation",
         _relation("Unit of Measure Code", "CRATE", "Unit of Measure", "Sales Line")),
        ({"lineDiscountAmount": 170.01}, "Application_DialogException",
         "The value in the Line Discount % field must be between 0 and 100."),
        ({"lineDiscountAmount": -1}, "Application_DialogException",
         "The value in the Line Discount % field must be between 0 and 100."),
        ({"lineType": "Resource"}, "Application_EvaluateException",
         'The value "Resource" cannot be evaluated into type Option.'),
        ({"lineAmount": 5}, "BadRequest_InvalidOperation", "Control 'lineAmount' is read-only."),
        ({"description2": "D" * 51}, "Application_StringExceededLength",
         "The length of the string is 51, but it must be less than or equal to 50"),
    ],
)  # fmt: skip
def test_crm_line_refusals(bc_custom: Api, fields: dict[str, Any], code: str, text: str) -> None:
    """BC_CUSTOM_API.md line properties: an unknown item, G/L account or unit →
    Internal_InvalidTableRelation on table Sales Line; `lineDiscountAmount` beyond
    quantity × unitPrice (2 × 85 here) → table 37's LineDiscountPctErr; `lineType` is
    Item, Account or Comment; `lineAmount` is read-only. POST to the set and, for the
    values a line may change, PATCH."""
    quote = crm_quote(bc_custom, crm_line())
    body = {**crm_line(), "documentId": quote["id"], **fields}
    got, message = error(bc_custom.request("POST", "/crmSalesQuoteLines", json=body))
    assert got == code and text_of(message).startswith(text)
    if "lineDiscountAmount" in fields or "unitOfMeasureCode" in fields:
        path = f"/crmSalesQuoteLines({quote['lines'][0]['id']})"
        assert error(bc_custom.request("PATCH", path, headers=ANY, json=fields))[0] == code


# --- lines, totals, modification --------------------------------------------------------


def test_lines_through_the_set_and_the_navigation(bc: Api, bc_custom: Api) -> None:
    """BC_CUSTOM_API.md line properties: POST to `crmSalesQuoteLines` with `documentId` or
    through `crmSalesQuotes({id})/lines` (sequence 10000 after the last unless chosen, a
    client-chosen id); `lineAmount` = quantity × unitPrice − lineDiscountAmount to the
    cent, `totalAmountExcludingTax` their sum; PATCH and DELETE by either path; the lines
    are v2.0's salesQuoteLines."""
    quote = crm_quote(bc_custom)
    line_id = str(uuid.uuid4())
    first = ok(bc_custom.request("POST", "/crmSalesQuoteLines", json={
        **crm_line(quantity=3, unitPrice=19.99, lineDiscountAmount=0.97), "id": line_id,
        "documentId": quote["id"]}), 201)  # fmt: skip
    assert (first["id"], first["sequence"], first["lineAmount"]) == (line_id, 10000, 59)
    second = ok(bc_custom.request("POST", f"/crmSalesQuotes({quote['id']})/lines",
                                  json=crm_line(sequence=15000, quantity=1)), 201)  # fmt: skip
    assert (second["documentId"], second["sequence"], second["lineAmount"]) == (
        quote["id"], 15000, 85,
    )  # fmt: skip
    comment = crm_line(lineType="Comment", description="Note", quantity=0)
    third = ok(bc_custom.request("POST", f"/crmSalesQuotes({quote['id']})/lines", json=comment),
               201)  # fmt: skip
    assert third["sequence"] == 20000
    assert ok(bc_custom.get(f"/crmSalesQuotes({quote['id']})"))["totalAmountExcludingTax"] == 144
    changed = ok(bc_custom.request("PATCH", f"/crmSalesQuotes({quote['id']})/lines({line_id})",
                                   headers=ANY, json={"quantity": 4}))  # fmt: skip
    assert changed["lineAmount"] == 78.99
    ok(bc_custom.request("DELETE", f"/crmSalesQuoteLines({second['id']})", headers=ANY), 204)
    listed = rows(bc_custom, "/crmSalesQuoteLines", f"documentId eq {quote['id']}")
    assert sorted(x["sequence"] for x in listed) == [10000, 20000]
    expanded = ok(bc_custom.get(f"/crmSalesQuotes({quote['id']})", params={"$expand": "lines"}))
    assert (expanded["totalAmountExcludingTax"], len(expanded["lines"])) == (78.99, 2)
    v2 = lines_of(bc, "salesQuotes", quote["id"], "salesQuoteLines")
    assert [(x["id"], x["quantity"], x["amountExcludingTax"]) for x in v2] == [
        (line_id, 4, 78.99), (third["id"], 0, 0),
    ]  # fmt: skip
    missing = bc_custom.request("POST", "/crmSalesQuoteLines",
                                json={**crm_line(), "documentId": str(uuid.uuid4())})  # fmt: skip
    got, message = error(missing)
    assert (got, text_of(message)) == (
        "Application_DialogException",
        "No document with the specified ID exists.",
    )


def test_the_header_changes_with_its_lines(bc: Api, bc_custom: Api) -> None:
    """BC_CUSTOM_API.md `crmSalesQuotes` `lastModifiedDateTime`: moves with any change to
    the header or its lines, even one that leaves the totals (a description), so a
    `lastModifiedDateTime gt` poll finds the document; its ETag changes too. It is v2.0's
    salesQuote `lastModifiedDateTime` (dynamics_salesquote), which moves alike."""
    quote = crm_quote(bc_custom, crm_line())
    v2_before = ok(bc.get(f"/salesQuotes({quote['id']})"))["lastModifiedDateTime"]
    start = now()
    path = f"/crmSalesQuoteLines({quote['lines'][0]['id']})"
    ok(bc_custom.request("PATCH", path, headers=ANY, json={"description": "Renamed"}))
    after = ok(bc_custom.get(f"/crmSalesQuotes({quote['id']})"))
    assert after["lastModifiedDateTime"] > quote["lastModifiedDateTime"]
    assert after["@odata.etag"] != quote["@odata.etag"]
    v2_after = ok(bc.get(f"/salesQuotes({quote['id']})"))["lastModifiedDateTime"]
    assert v2_after == after["lastModifiedDateTime"] > v2_before
    polled = rows(bc_custom, "/crmSalesQuotes", f"lastModifiedDateTime gt {start}")
    assert quote["id"] in {row["id"] for row in polled}


def test_quotes_filter_by_crm_id_number_and_modification(bc: Api, bc_custom: Api) -> None:
    """BC_CUSTOM_API.md `crmSalesQuotes` `$filter`: `crmId eq <guid>`, `number eq '…'`,
    `lastModifiedDateTime gt …`; the ETag and If-Match of the standard API (a stale one
    → 409 Request_EntityChanged, dynamics-error-codes)."""
    start = now()
    quote = crm_quote(bc_custom)
    assert [r["id"] for r in rows(bc_custom, "/crmSalesQuotes", f"crmId eq {quote['crmId']}")] == [
        quote["id"]
    ]
    by_number = rows(bc_custom, "/crmSalesQuotes", f"number eq '{quote['number']}'")
    assert [r["id"] for r in by_number] == [quote["id"]]
    assert quote["id"] in {r["id"] for r in rows(bc_custom, "/crmSalesQuotes",
                                                 f"lastModifiedDateTime gt {start}")}  # fmt: skip
    ok(bc.request("PATCH", f"/salesQuotes({quote['id']})", headers=ANY,
                  json={"externalDocumentNumber": "PO-1"}))  # fmt: skip
    stale = bc_custom.request("PATCH", f"/crmSalesQuotes({quote['id']})", json={"city": "York"},
                              headers={"If-Match": quote["@odata.etag"]})  # fmt: skip
    assert error(stale, 409)[0] == "Request_EntityChanged"


def test_the_companion_batch_writes_documents_and_their_lines(
    sandbox: RunningSandbox, bc_custom: Api
) -> None:
    """BC_CUSTOM_API.md "Route and authentication": the companion `$batch` (same rules as
    the standard one: `Isolation: snapshot` is one transaction) serves `crmSalesQuotes`
    and `crmSalesQuoteLines`; a failing request rolls the whole batch back."""
    company = f"companies({sandbox.config.bc_company_id})"
    root = bc_custom.base.rsplit("/companies(", 1)[0]
    header_id, crm_id = str(uuid.uuid4()), str(uuid.uuid4())
    inner = [
        request("POST", f"{company}/crmSalesQuotes", {
            "id": header_id, "customerNumber": "C00010", "crmId": crm_id, "crmComplete": False,
            "lines": [crm_line()]}),
        request("POST", f"{company}/crmSalesQuoteLines", {**crm_line(), "documentId": header_id}),
        request("PATCH", f"{company}/crmSalesQuotes({header_id})", {"crmComplete": True},
                **{"If-Match": "*"}),
    ]  # fmt: skip
    answer = ok(bc_custom.request("POST", f"{root}/$batch", json={"requests": inner},
                                  headers={"Isolation": "snapshot"}))  # fmt: skip
    assert [a["status"] for a in answer["responses"]] == [201, 201, 200]
    assert answer["responses"][2]["body"]["crmComplete"] is True
    assert len(lines_of(bc_custom, "crmSalesQuotes", header_id, "lines")) == 2
    failing = [
        request("POST", f"{company}/crmSalesQuoteLines", {**crm_line(), "documentId": header_id}),
        request("POST", f"{company}/crmSalesQuoteLines",
                {**crm_line(lineObjectNumber="NOPE"), "documentId": header_id}),
    ]  # fmt: skip
    answer = ok(bc_custom.request("POST", f"{root}/$batch", json={"requests": failing},
                                  headers={"Isolation": "snapshot"}))  # fmt: skip
    assert [a["status"] for a in answer["responses"]] == [201, 400]
    assert len(lines_of(bc_custom, "crmSalesQuotes", header_id, "lines")) == 2


def test_each_api_serves_only_its_own_sets(bc: Api, bc_custom: Api) -> None:
    """BC_CUSTOM_API.md: the connector's pages are the companion API's; v2.0 has none of
    them (404 BadRequest_ResourceNotFound, as for any unknown segment), archive lines are
    only an archive's `lines`, and `archive` is no v2.0 action."""
    quote = crm_quote(bc_custom)
    for path in ("/crmSalesQuotes", "/crmSalesOrderLines", "/salesDocumentArchives", "/noSeries",
                 "/salesDocumentArchiveLines"):  # fmt: skip
        assert error(bc.get(path), 404)[0] == "BadRequest_ResourceNotFound"
    assert error(bc_custom.get("/salesDocumentArchiveLines"), 404)[0] == (
        "BadRequest_ResourceNotFound"
    )
    v2_archive = bc.request("POST", f"/salesQuotes({quote['id']})/Microsoft.NAV.archive")
    assert error(v2_archive, 404)[0] == "BadRequest_ResourceNotFound"


# --- locked documents -------------------------------------------------------------------


def locked_quote(bc_custom: Api, *lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return crm_quote(bc_custom, *(lines or (crm_line(),)), crmLocked=True, **fields)


def test_a_locked_header_refuses_users_edits_of_crm_fields(bc: Api, bc_custom: Api) -> None:
    """BC_CUSTOM_API.md "Locked documents": a v2.0 PATCH changing a header field the
    connector writes → 400 Application_DialogException naming the field's caption and the
    document; v2.0-only fields (externalDocumentNumber, phoneNumber, email) and dimensions
    (dimensionSetLines, dynamics_salesquote) stay writable; writing a locked field's
    current value changes nothing and passes."""
    quote = locked_quote(bc_custom, paymentTermsCode="CM")
    path = f"/salesQuotes({quote['id']})"
    terms = rows(bc, "/paymentTerms", "code eq '14 DAYS'")[0]["id"]
    for body, caption in (({"paymentTermsId": terms}, "Payment Terms Code"),
                          ({"sellToCity": "Leeds"}, "Sell-to City"),
                          ({"documentDate": "2027-01-01"}, "Document Date"),
                          ({"customerNumber": "C00020"}, "Sell-to Customer No."),
                          ({"currencyCode": "EUR"}, "Currency Code")):  # fmt: skip
        got, message = error(bc.request("PATCH", path, headers=ANY, json=body))
        assert (got, text_of(message)) == (
            "Application_DialogException",
            f"You cannot change {caption} on Sales Quote {quote['number']}: {FROM_CRM}",
        )  # fmt: skip
    changed = ok(bc.request("PATCH", path, headers=ANY, json={
        "externalDocumentNumber": "PO-77", "phoneNumber": "+44 1", "email": "a@b.example",
        "sellToCity": "London"}))  # fmt: skip
    assert changed["externalDocumentNumber"] == "PO-77"
    ok(bc.request("POST", f"{path}/dimensionSetLines",
                  json={"code": "COSTCENTRE", "valueCode": "CC-100"}), 201)  # fmt: skip
    got, message = error(bc.request("DELETE", path, headers=ANY))
    assert text_of(message) == f"You cannot delete Sales Quote {quote['number']}: {FROM_CRM}"


def test_a_locked_documents_crm_lines_refuse_users_edits(bc: Api, bc_custom: Api) -> None:
    """BC_CUSTOM_API.md "Locked documents": a line from CRM (a crmLineId) refuses a v2.0
    PATCH of type, number, description(s), quantity, unit, unit price or line discount and
    its DELETE; its dimensions may change; a new line must be a Comment, and Comment lines
    may be added, changed and deleted; lines without a CRM line id are the user's."""
    quote = locked_quote(bc_custom, crm_line(), crm_line(lineType="Comment", description="CRM"))
    crm_item, crm_comment = sorted(quote["lines"], key=lambda line: line["sequence"])
    path = f"/salesQuoteLines({crm_item['id']})"
    for body, caption in (({"quantity": 5}, "Quantity"), ({"unitPrice": 1}, "Unit Price"),
                          ({"description": "x"}, "Description"),
                          ({"description2": "x"}, "Description 2"),
                          ({"discountAmount": 1}, "Line Discount Amount"),
                          ({"discountPercent": 10}, "Line Discount %"),
                          ({"unitOfMeasureCode": "PCS"}, "Unit of Measure Code")):  # fmt: skip
        got, message = error(bc.request("PATCH", path, headers=ANY, json=body))
        assert (got, text_of(message)) == (
            "Application_DialogException",
            f"You cannot change {caption} on Sales Quote {quote['number']}: {FROM_CRM}",
        )  # fmt: skip
    ok(bc.request("PATCH", f"{path}/dimensionSetLines(" + rows(
        bc, "/dimensions", "code eq 'CUSTOMERGROUP'")[0]["id"] + ")", headers=ANY,
        json={"valueCode": "SMALL"}))  # fmt: skip
    ok(bc.request("PATCH", path, headers=ANY, json={"quantity": 2, "taxCode": "STANDARD"}))
    got, message = error(bc.request("DELETE", path, headers=ANY))
    assert text_of(message) == (
        f"You cannot delete line 10000 of Sales Quote {quote['number']}: {FROM_CRM}"
    )
    got, message = error(bc.request("POST", "/salesQuoteLines",
                                    json={**item_line(), "documentId": quote["id"]}))  # fmt: skip
    assert (got, text_of(message)) == (
        "Application_DialogException",
        f"You can only add Comment lines to Sales Quote {quote['number']}: {FROM_CRM}",
    )  # fmt: skip
    nested = bc.request("POST", f"/salesQuotes({quote['id']})/salesQuoteLines",
                        json=account_line())  # fmt: skip
    assert error(nested)[0] == "Application_DialogException"
    comment = ok(bc.request("POST", "/salesQuoteLines", json={
        "documentId": quote["id"], "lineType": "Comment", "description": "Ring at the gate"}),
        201)  # fmt: skip
    ok(bc.request("PATCH", f"/salesQuoteLines({comment['id']})", headers=ANY,
                  json={"description": "Ring twice"}))  # fmt: skip
    ok(bc.request("DELETE", f"/salesQuoteLines({comment['id']})", headers=ANY), 204)
    ok(bc.request("PATCH", f"/salesQuoteLines({crm_comment['id']})", headers=ANY,
                  json={"description": "Edited by a user"}))  # fmt: skip


def test_the_connector_writes_a_locked_document_and_can_unlock_it(bc: Api, bc_custom: Api) -> None:
    """BC_CUSTOM_API.md "Locked documents": "Writes through this companion API (the
    connector's integration user) are not locked": it changes header and CRM lines, adds
    Item lines and deletes them; once `crmLocked` is false, v2.0 may change the document;
    a line added through v2.0 before the lock (no crmLineId) stays the user's."""
    quote = crm_quote(bc_custom, crm_line())
    body = {**item_line("SPE_E3", 1), "documentId": quote["id"]}
    users = ok(bc.request("POST", "/salesQuoteLines", json=body), 201)
    ok(bc_custom.request("PATCH", f"/crmSalesQuotes({quote['id']})", headers=ANY,
                         json={"crmLocked": True}))  # fmt: skip
    ok(bc.request("PATCH", f"/salesQuoteLines({users['id']})", headers=ANY, json={"quantity": 9}))
    crm_path = f"/crmSalesQuoteLines({quote['lines'][0]['id']})"
    ok(bc_custom.request("PATCH", crm_path, headers=ANY, json={"quantity": 7, "unitPrice": 80}))
    ok(bc_custom.request("PATCH", f"/crmSalesQuotes({quote['id']})", headers=ANY,
                         json={"paymentTermsCode": "COD", "city": "Hull"}))  # fmt: skip
    added = ok(bc_custom.request("POST", f"/crmSalesQuotes({quote['id']})/lines",
                                 json=crm_line()), 201)  # fmt: skip
    ok(bc_custom.request("DELETE", f"/crmSalesQuoteLines({added['id']})", headers=ANY), 204)
    ok(bc_custom.request("PATCH", f"/crmSalesQuotes({quote['id']})", headers=ANY,
                         json={"crmLocked": False}))  # fmt: skip
    ok(bc.request("PATCH", f"/salesQuotes({quote['id']})", headers=ANY,
                  json={"sellToCity": "Leeds"}))  # fmt: skip
    ok(bc.request("DELETE", f"/salesQuoteLines({quote['lines'][0]['id']})", headers=ANY), 204)


def test_a_locked_order_refuses_users_edits_inside_a_batch(
    sandbox: RunningSandbox, bc: Api, bc_api: Api, bc_custom: Api
) -> None:
    """BC_CUSTOM_API.md "Locked documents" (through v2.0 `$batch` too) for orders: the
    v2.0 batch's inner PATCH of requestedDeliveryDate is refused (dynamics_salesorder),
    and with `Isolation: snapshot` the batch's other changes roll back; a companion
    DELETE removes the locked order and its lines."""
    order = crm_order(bc_custom, crm_line(), crmLocked=True, requestedDeliveryDate="2027-01-10")
    company = f"companies({sandbox.config.bc_company_id})"
    inner = [
        request("PATCH", f"{company}/salesOrders({order['id']})",
                {"externalDocumentNumber": "PO-9"}, **{"If-Match": "*"}),
        request("PATCH", f"{company}/salesOrders({order['id']})",
                {"requestedDeliveryDate": "2027-01-31"}, **{"If-Match": "*"}),
    ]  # fmt: skip
    answer = ok(bc_api.request("POST", "/$batch", json={"requests": inner},
                               headers={"Isolation": "snapshot"}))["responses"]  # fmt: skip
    assert [a["status"] for a in answer] == [200, 400]
    assert text_of(answer[1]["body"]["error"]["message"]) == (
        f"You cannot change Requested Delivery Date on Sales Order {order['number']}: {FROM_CRM}"
    )
    assert ok(bc.get(f"/salesOrders({order['id']})"))["externalDocumentNumber"] == ""
    ok(bc_custom.request("DELETE", f"/crmSalesOrders({order['id']})", headers=ANY), 204)
    assert error(bc.get(f"/salesOrders({order['id']})"), 404)[0] == "BadRequest_NotFound"
    assert rows(bc_custom, "/crmSalesOrderLines", f"documentId eq {order['id']}") == []


# --- crmComplete ------------------------------------------------------------------------


def test_an_incomplete_document_cannot_become_an_order_or_be_invoiced(
    bc: Api, bc_custom: Api
) -> None:
    """BC_CUSTOM_API.md `crmComplete`: while false, v2.0's makeOrder and makeInvoice
    (dynamics_salesquote) and shipAndInvoice (dynamics_salesorder) → 400
    Application_DialogException "… is still being written by the CRM connector."; once
    true, makeOrder works and the order keeps the quote's No. as Quote No. (`quoteNumber`,
    as BC's Sales-Quote to Order sets it)."""
    quote = crm_quote(bc_custom, crm_line(), crmComplete=False)
    for action in ("makeOrder", "makeInvoice"):
        got, message = error(
            bc.request("POST", f"/salesQuotes({quote['id']})/Microsoft.NAV.{action}")
        )
        assert (got, text_of(message)) == (
            "Application_DialogException",
            f"Sales Quote {quote['number']} is still being written by the CRM connector.",
        )  # fmt: skip
    order = crm_order(bc_custom, crm_line(), crmComplete=False)
    action = f"/salesOrders({order['id']})/Microsoft.NAV.shipAndInvoice"
    got, message = error(bc.request("POST", action))
    assert text_of(message) == (
        f"Sales Order {order['number']} is still being written by the CRM connector."
    )
    ok(bc_custom.request("PATCH", f"/crmSalesQuotes({quote['id']})", headers=ANY,
                         json={"crmComplete": True}))  # fmt: skip
    ok(bc.request("POST", f"/salesQuotes({quote['id']})/Microsoft.NAV.makeOrder"), 204)
    [made] = rows(bc_custom, "/crmSalesOrders", f"quoteNumber eq '{quote['number']}'")
    assert made["crmComplete"] is True and made["totalAmountExcludingTax"] == 170


# --- archives ---------------------------------------------------------------------------


def test_archive_copies_the_document_as_the_next_version(bc_custom: Api) -> None:
    """BC_CUSTOM_API.md bound action `archive` and `salesDocumentArchives`: 204; the
    header and lines as they were go to the archive as version noOfArchivedVersions + 1,
    `noOfArchivedVersions` grows, the document does not change otherwise; `$expand=lines`;
    `$filter` by documentType and number, documentId, crmId; archives outlive their
    document."""
    comment = crm_line(lineType="Comment", description="Note", quantity=0)
    quote = crm_quote(bc_custom, crm_line(), comment, crmRevisionNumber=1, yourReference="rev 1")
    action = f"/crmSalesQuotes({quote['id']})/Microsoft.NAV.archive"
    ok(bc_custom.request("POST", action), 204)
    after = ok(bc_custom.get(f"/crmSalesQuotes({quote['id']})"))
    assert after["noOfArchivedVersions"] == 1
    assert (after["@odata.etag"], after["lastModifiedDateTime"]) == (
        quote["@odata.etag"], quote["lastModifiedDateTime"],
    )  # fmt: skip
    ok(bc_custom.request("PATCH", f"/crmSalesQuotes({quote['id']})", headers=ANY,
                         json={"crmRevisionNumber": 2, "yourReference": "rev 2"}))  # fmt: skip
    ok(bc_custom.request("PATCH", f"/crmSalesQuoteLines({quote['lines'][0]['id']})",
                         headers=ANY, json={"quantity": 5}))  # fmt: skip
    ok(bc_custom.request("POST", action), 204)
    assert ok(bc_custom.get(f"/crmSalesQuotes({quote['id']})"))["noOfArchivedVersions"] == 2

    found = rows(bc_custom, "/salesDocumentArchives",
                 f"documentType eq 'Quote' and number eq '{quote['number']}'",
                 **{"$expand": "lines"})  # fmt: skip
    versions = sorted(found, key=lambda row: row["versionNumber"])
    assert [(v["versionNumber"], v["crmRevisionNumber"], v["yourReference"]) for v in versions] == [
        (1, 1, "rev 1"), (2, 2, "rev 2"),
    ]  # fmt: skip
    first = versions[0]
    assert (first["documentId"], first["crmId"], first["customerNumber"]) == (
        quote["id"], quote["crmId"], "C00010",
    )  # fmt: skip
    assert first["id"] != quote["id"] and first["archivedDateTime"] > "2026"
    archived = sorted(first["lines"], key=lambda x: x["sequence"])
    assert [(x["sequence"], x["quantity"], x["lineAmount"]) for x in archived] == [
        (10000, 2, 170), (20000, 0, 0),
    ]  # fmt: skip
    assert sorted(x["quantity"] for x in versions[1]["lines"]) == [0, 5]
    assert first["lines"][0]["crmLineId"] in {x["crmLineId"] for x in quote["lines"]}
    by_id = rows(bc_custom, "/salesDocumentArchives", f"documentId eq {quote['id']}")
    by_crm = rows(bc_custom, "/salesDocumentArchives", f"crmId eq {quote['crmId']}")
    assert len(by_id) == len(by_crm) == 2
    nav = ok(bc_custom.get(f"/salesDocumentArchives({first['id']})/lines"))["value"]
    assert len(nav) == 2
    ok(bc_custom.request("DELETE", f"/crmSalesQuotes({quote['id']})", headers=ANY), 204)
    assert len(rows(bc_custom, "/salesDocumentArchives", f"documentId eq {quote['id']}")) == 2


def test_orders_archive_too_and_archives_are_read_only(bc_custom: Api) -> None:
    """BC_CUSTOM_API.md `salesDocumentArchives` (table 5107 Sales Header Archive): read-only,
    POST, PATCH, DELETE → 405 BadRequest_MethodNotAllowed; `archive` on an order archives
    an Order version with its `quoteNumber`."""
    order = crm_order(bc_custom, crm_line(), quoteNumber="S-QUO9999")
    ok(bc_custom.request("POST", f"/crmSalesOrders({order['id']})/Microsoft.NAV.archive"), 204)
    [archive] = rows(bc_custom, "/salesDocumentArchives", f"documentId eq {order['id']}")
    assert (archive["documentType"], archive["versionNumber"], archive["quoteNumber"]) == (
        "Order", 1, "S-QUO9999",
    )  # fmt: skip
    path = f"/salesDocumentArchives({archive['id']})"
    for method, url in (("POST", "/salesDocumentArchives"), ("PATCH", path), ("DELETE", path),
                        ("POST", f"{path}/lines")):  # fmt: skip
        answer = bc_custom.request(method, url, headers=ANY, json={"number": "X"})
        assert error(answer, 405)[0] == "BadRequest_MethodNotAllowed"
