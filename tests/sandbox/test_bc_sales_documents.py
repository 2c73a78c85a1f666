"""Sales quotes and orders with their lines, their bound actions, and the invoices they become."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from sandbox.run import RunningSandbox
from tests.sandbox.bc_documents import account_line, error, item_line, ok, unique
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox


def document(bc: Api, entity_set: str, *lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    line_set = entity_set[:-1] + "Lines"
    body = {"customerNumber": "C00010", "externalDocumentNumber": unique("CRM"), **fields}
    if lines:
        body[line_set] = list(lines)
    return ok(bc.request("POST", f"/{entity_set}", json=body), 201)


def action(bc: Api, entity_set: str, document_id: str, name: str) -> Any:
    return bc.request("POST", f"/{entity_set}({document_id})/Microsoft.NAV.{name}")


def by_external(bc: Api, entity_set: str, reference: str) -> list[dict[str, Any]]:
    found = bc.get(f"/{entity_set}", params={"$filter": f"externalDocumentNumber eq '{reference}'"})
    return ok(found)["value"]  # type: ignore[no-any-return]


def test_a_quote_takes_the_customers_details_and_its_lines(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_salesquote and _salesquoteline: a quote with
    its lines in one POST (api/dynamics_salesQuote_create); the customer's name, addresses,
    payment terms, shipment method and salesperson are copied; totals are Read-Only sums."""
    customer = ok(bc.get("/customers", params={"$filter": "number eq 'C00020'"}))["value"][0]
    quote = document(bc, "salesQuotes", item_line("SPE_E3", 2), account_line("6100", 1,
                     unitPrice=150), customerNumber="C00020", validUntilDate="2030-01-31")  # fmt: skip
    assert quote["number"].startswith("S-QUO") and quote["status"] == "Draft"
    assert (quote["customerName"], quote["sellToCity"], quote["shipToName"]) == (
        customer["displayName"],
        customer["city"],
        customer["displayName"],
    )
    assert (quote["paymentTermsId"], quote["shipmentMethodId"], quote["salesperson"]) == (
        customer["paymentTermsId"],
        customer["shipmentMethodId"],
        customer["salespersonCode"],
    )
    assert (quote["documentDate"], quote["validUntilDate"]) == (
        date.today().isoformat(),
        "2030-01-31",
    )
    assert quote["totalAmountExcludingTax"] == 2 * 33.75 + 150
    assert [line["sequence"] for line in quote["salesQuoteLines"]] == [10000, 20000]
    assert quote["sentDate"] == "0001-01-01T00:00:00Z"


def test_an_order_has_no_due_date_and_its_lines_ship_what_they_order(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_salesorder has orderDate and
    requestedDeliveryDate but no dueDate; dynamics_salesorderline: shipQuantity and
    invoiceQuantity (to ship/invoice) follow the quantity, shippedQuantity and
    invoicedQuantity are what was done."""
    order = document(bc, "salesOrders", item_line("HW-DOCK", 3), requestedDeliveryDate="2030-02-01")
    assert "dueDate" not in order and order["number"].startswith("S-ORD")
    assert (order["status"], order["requestedDeliveryDate"]) == ("Draft", "2030-02-01")
    line = order["salesOrderLines"][0]
    assert (line["quantity"], line["shipQuantity"], line["invoiceQuantity"]) == (3, 3, 3)
    assert (line["shippedQuantity"], line["invoicedQuantity"]) == (0, 0)
    path = f"/salesOrders({order['id']})/salesOrderLines({line['id']})"
    changed = ok(bc.request("PATCH", path, json={"quantity": 5}, headers={"If-Match": "*"}))
    assert (changed["shipQuantity"], changed["amountExcludingTax"]) == (5, 5 * 259.0)
    refused = bc.request("PATCH", path, json={"shippedQuantity": 5}, headers={"If-Match": "*"})
    assert error(refused)[0] == "BadRequest_InvalidOperation"


@pytest.mark.parametrize("blocked", ["Ship", "Invoice", "All"])
def test_a_customer_blocked_for_shipping_gets_no_quote_or_order(
    sandbox: RunningSandbox, bc: Api, blocked: str
) -> None:
    """api-reference/v2.0/resources/dynamics_customer (`blocked`: " ", "Ship", "Invoice" or
    "All"); the Customer table's Blocked field: Ship stops new quotes, orders and shipments,
    Invoice also invoices (previous-versions/dynamicsnav-2016/hh894189)."""
    number = "C9" + unique("B")[2:8]
    sandbox.business_central.admin.add_customer(number, f"Blocked {blocked}", blocked=blocked)
    for entity_set in ("salesQuotes", "salesOrders"):
        code, message = error(bc.request("POST", f"/{entity_set}", json={"customerNumber": number}))
        assert code == "Application_DialogException"
        assert f"is blocked with type {blocked}" in message


def test_sending_a_quote_marks_it_sent(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_salesquote: bound action `send` (204); status
    "Sent" and sentDate, the time it was sent; a sent quote can still be revised."""
    quote = document(bc, "salesQuotes", item_line())
    assert action(bc, "salesQuotes", quote["id"], "send").status_code == 204
    sent = ok(bc.get(f"/salesQuotes({quote['id']})"))
    assert sent["status"] == "Sent" and sent["sentDate"] > "2025"
    revised = bc.request("PATCH", f"/salesQuotes({quote['id']})",
                         json={"externalDocumentNumber": unique("REV")}, headers={"If-Match": "*"})  # fmt: skip
    assert revised.status_code == 200


@pytest.mark.parametrize(("name", "target"), [("makeOrder", "salesOrders"),
                                              ("makeInvoice", "salesInvoices")])  # fmt: skip
def test_a_quote_becomes_an_order_or_invoice_with_its_lines_and_dimensions(
    bc: Api, name: str, target: str
) -> None:
    """api-reference/v2.0/resources/dynamics_salesquote: bound actions `makeOrder` and
    `makeInvoice` (204); the quote is gone, the new document has its lines and dimensions."""
    quote = document(bc, "salesQuotes", item_line("SPE_E5", 4, description="Seats"))
    dimension = {"code": "DEPARTMENT", "valueCode": "SALES"}
    ok(bc.request("POST", f"/salesQuotes({quote['id']})/dimensionSetLines", json=dimension), 201)
    assert action(bc, "salesQuotes", quote["id"], name).status_code == 204
    assert bc.get(f"/salesQuotes({quote['id']})").status_code == 404
    made = by_external(bc, target, quote["externalDocumentNumber"])[0]
    assert (made["status"], made["shortcutDimension1Code"]) == ("Draft", "SALES")
    lines = ok(bc.get(f"/{target}({made['id']})/{target[:-1]}Lines"))["value"]
    assert [(line["description"], line["quantity"]) for line in lines] == [("Seats", 4)]
    codes = {
        row["code"] for row in ok(bc.get(f"/{target}({made['id']})/dimensionSetLines"))["value"]
    }
    assert {"DEPARTMENT", "CUSTOMERGROUP", "AREA"} <= codes


def test_ship_and_invoice_posts_the_order_as_an_invoice(bc: Api, bc_custom: Api) -> None:
    """api-reference/v2.0/resources/dynamics_salesorder: bound action `shipAndInvoice`
    (204); dynamics_salesinvoice: orderId and orderNumber (Read-Only) name the order the
    posted invoice came from; the posted invoice's status is "Open"."""
    order = document(bc, "salesOrders", item_line("HW-LAPTOP", 1), orderDate="2026-03-02")
    assert action(bc, "salesOrders", order["id"], "shipAndInvoice").status_code == 204
    assert bc.get(f"/salesOrders({order['id']})").status_code == 404
    invoice = by_external(bc, "salesInvoices", order["externalDocumentNumber"])[0]
    assert (invoice["orderId"], invoice["orderNumber"]) == (order["id"], order["number"])
    assert (invoice["status"], invoice["invoiceDate"]) == ("Open", "2026-03-02")
    assert invoice["number"].startswith("PS-INV")
    assert invoice["totalAmountIncludingTax"] == 1299.0
    entries = ok(bc_custom.get("/customerLedgerEntries",
                               params={"$filter": f"documentNumber eq '{invoice['number']}'"}))  # fmt: skip
    assert entries["value"][0]["description"] == f"Order {order['number']}"


def test_an_order_with_nothing_to_ship_is_refused_and_kept(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_salesorder (`shipAndInvoice`): posting's
    checks apply; a refusal is 400 Application_DialogException and changes nothing."""
    order = document(bc, "salesOrders")
    code, message = error(action(bc, "salesOrders", order["id"], "shipAndInvoice"))
    assert code == "Application_DialogException" and message.startswith("There is nothing to post.")
    assert ok(bc.get(f"/salesOrders({order['id']})"))["number"] == order["number"]
    assert by_external(bc, "salesInvoices", order["externalDocumentNumber"]) == []


@pytest.mark.parametrize("entity_set", ["salesQuotes", "salesOrders", "salesInvoices"])
def test_documents_changed_since_a_moment_are_found(bc: Api, entity_set: str) -> None:
    """api-reference/v2.0/dynamics-rate-limits: poll with `lastModifiedDateTime gt` on
    dynamics_salesquote, dynamics_salesorder and dynamics_salesinvoice."""
    start = (datetime.now(UTC) - timedelta(seconds=1)).isoformat(timespec="seconds")
    start = start.replace("+00:00", "Z")
    created = document(bc, entity_set, item_line())
    changed = ok(bc.get(f"/{entity_set}", params={"$filter": f"lastModifiedDateTime gt {start}"}))
    assert created["id"] in {row["id"] for row in changed["value"]}
    later = datetime.now(UTC) + timedelta(minutes=1)
    none = later.isoformat(timespec="seconds").replace("+00:00", "Z")
    assert (
        ok(bc.get(f"/{entity_set}", params={"$filter": f"lastModifiedDateTime gt {none}"}))["value"]
        == []
    )
