"""The companion API's connector sets: what API v2.0 lacks, served as BC_CUSTOM_API.md says.

Each test names the contract section (sandbox/BC_CUSTOM_API.md) and the BC table or v2.0
page it stands in for.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from sandbox.catalog import CONFIG_TEMPLATES, SHIPPING_AGENTS, STOCK_ITEMS
from sandbox.run import RunningSandbox
from tests.sandbox.bc_documents import error, item_line, ok, post, sales_invoice
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox
EMPTY = "00000000-0000-0000-0000-000000000000"


def rows(api: Api, path: str, filter_: str | None = None) -> list[dict[str, Any]]:
    params = {"$filter": filter_} if filter_ else None
    return ok(api.get(path, params=params))["value"]  # type: ignore[no-any-return]


def test_shipping_agents_are_a_keyed_code_table(bc_custom: Api) -> None:
    """sandbox/BC_CUSTOM_API.md `shippingAgents` (table 291 "Shipping Agent"): GET, POST,
    PATCH, DELETE; `code` is the key."""
    assert {code for code, _, _ in SHIPPING_AGENTS} <= {
        r["code"] for r in rows(bc_custom, "/shippingAgents")
    }
    code = "A" + uuid.uuid4().hex[:6].upper()
    created = ok(bc_custom.request("POST", "/shippingAgents",
                                   json={"code": code.lower(), "displayName": "Acme Freight"}), 201)  # fmt: skip
    assert created["code"] == code
    duplicate = bc_custom.request("POST", "/shippingAgents", json={"code": "DHL"})
    got, message = error(duplicate)
    assert got == "Internal_EntityWithSameKeyExists"
    assert message.startswith("The Shipping Agent already exists. Identification fields and "
                              "values: Code='DHL'")  # fmt: skip


def test_configuration_templates_are_read_only(bc_custom: Api) -> None:
    """sandbox/BC_CUSTOM_API.md `configurationTemplates` (table 8618 "Config. Template
    Header"): GET only, 405 BadRequest_MethodNotAllowed otherwise."""
    templates = {row["code"]: row for row in rows(bc_custom, "/configurationTemplates")}
    assert {code for code, _, _ in CONFIG_TEMPLATES} <= set(templates)
    assert (templates["CUST-EU"]["tableId"], templates["ITEM-HW"]["tableName"]) == (18, "Item")
    refused = bc_custom.request("POST", "/configurationTemplates", json={"code": "NEW"})
    assert error(refused, 405)[0] == "BadRequest_MethodNotAllowed"


def test_ship_to_addresses_belong_to_one_customer(bc_custom: Api) -> None:
    """sandbox/BC_CUSTOM_API.md `shipToAddresses` (table 222 "Ship-to Address", key
    Customer No. + Code): created from CRM by customer number or id."""
    body = {"customerNumber": "C00020", "code": "yard", "displayName": "O'Neil yard",
            "city": "Cork", "country": "IE", "taxAreaCode": "EU"}  # fmt: skip
    created = ok(bc_custom.request("POST", "/shipToAddresses", json=body), 201)
    assert (created["code"], created["customerId"]) == ("YARD", created["customerId"])
    assert created["customerId"] != EMPTY
    again = error(bc_custom.request("POST", "/shipToAddresses", json=body))
    assert again[0] == "Internal_EntityWithSameKeyExists"
    assert "Customer No.='C00020',Code='YARD'" in again[1]
    other = ok(bc_custom.request("POST", "/shipToAddresses",
                                 json={**body, "customerNumber": "C00040"}), 201)  # fmt: skip
    assert other["code"] == "YARD"  # the same code under another customer is fine
    moved = bc_custom.request("PATCH", f"/shipToAddresses({created['id']})",
                              json={"customerNumber": "C00010"}, headers={"If-Match": "*"})  # fmt: skip
    assert error(moved)[1].startswith('The value for "customerNumber" cannot be modified.')


@pytest.mark.parametrize(
    ("fields", "code", "text"),
    [
        ({}, "Application_DialogException", 'A "customerNumber" or a "customerId" must be provided.'),
        ({"customerNumber": "C99999"}, "Internal_RecordNotFound",
         "The Customer does not exist. Identification fields and values: No.='C99999'"),
        ({"customerNumber": "C00010", "taxAreaCode": "MARS"}, "Internal_InvalidTableRelation",
         "The field Tax Area Code of table Ship-to Address contains a value (MARS) that cannot "
         "be found in the related table (Tax Area)."),
    ],
)  # fmt: skip
def test_ship_to_refusals(bc_custom: Api, fields: dict[str, Any], code: str, text: str) -> None:
    """sandbox/BC_CUSTOM_API.md `shipToAddresses`: the refusals the contract lists."""
    got, message = error(
        bc_custom.request("POST", "/shipToAddresses", json={"code": "X", **fields})
    )
    assert got == code and message.startswith(text)


def test_posting_writes_open_ledger_entries_and_the_balance_due(
    sandbox: RunningSandbox, bc: Api, bc_custom: Api
) -> None:
    """sandbox/BC_CUSTOM_API.md `customerLedgerEntries` (table 21, open entries) and
    api-reference/v2.0/resources/dynamics_customer `balanceDue` (total balance due): a
    posted invoice opens an entry; a payment closes it."""
    number = "C8" + uuid.uuid4().hex[:4].upper()
    customer = sandbox.business_central.admin.add_customer(number, "Ledger Ltd.", "EUR")
    invoice = sales_invoice(bc, item_line("SPE_E3", 2), customerNumber=number)
    assert post(bc, "salesInvoices", invoice["id"]).status_code == 204
    posted = ok(bc.get(f"/salesInvoices({invoice['id']})"))
    entry = rows(bc_custom, "/customerLedgerEntries", f"customerNumber eq '{number}'")[0]
    assert (entry["documentType"], entry["documentNumber"], entry["description"]) == (
        "Invoice",
        posted["number"],
        f"Invoice {invoice['number']}",
    )
    assert (entry["amount"], entry["remainingAmount"], entry["currencyCode"]) == (67.5, 67.5, "EUR")
    assert entry["remainingAmountLCY"] == round(67.5 * 0.85, 2) and entry["open"] is True
    assert ok(bc.get(f"/customers({customer['id']})"))["balanceDue"] == entry["remainingAmountLCY"]
    sandbox.business_central.admin.settle(number, posted["number"])
    assert rows(bc_custom, "/customerLedgerEntries", f"customerNumber eq '{number}'") == []
    assert ok(bc.get(f"/customers({customer['id']})"))["balanceDue"] == 0


def test_a_credit_memo_is_applied_to_the_invoice_it_corrects(
    sandbox: RunningSandbox, bc: Api, bc_custom: Api
) -> None:
    """sandbox/BC_CUSTOM_API.md `customerLedgerEntries`; api-reference/v2.0/resources/
    dynamics_salescreditmemo `invoiceId`/`invoiceNumber`: the invoice it is linked to."""
    number = "C7" + uuid.uuid4().hex[:4].upper()
    sandbox.business_central.admin.add_customer(number, "Credit Ltd.")
    invoice = sales_invoice(bc, item_line("SPE_E5", 2), customerNumber=number)
    post(bc, "salesInvoices", invoice["id"])
    memo = ok(bc.request("POST", "/salesCreditMemos", json={
        "customerNumber": number, "invoiceId": invoice["id"],
        "salesCreditMemoLines": [item_line("SPE_E5", 1)]}), 201)  # fmt: skip
    assert post(bc, "salesCreditMemos", memo["id"]).status_code == 204
    entries = rows(bc_custom, "/customerLedgerEntries", f"customerNumber eq '{number}'")
    assert [(e["documentType"], e["remainingAmount"]) for e in entries] == [("Invoice", 54.75)]


def test_stock_per_location_including_none(sandbox: RunningSandbox, bc_custom: Api) -> None:
    """sandbox/BC_CUSTOM_API.md `locationInventories` (item ledger remaining quantity by
    item and location; v2.0 itemLedgerEntries has no location): stock without a location
    has locationCode ""."""
    laptop = next(stock for stock in STOCK_ITEMS if stock.code == "HW-LAPTOP")
    found = rows(bc_custom, "/locationInventories", "itemNumber eq 'HW-LAPTOP'")
    assert {(row["locationCode"], row["quantity"]) for row in found} == set(laptop.stock)
    blank = next(row for row in found if row["locationCode"] == "")
    assert blank["locationId"] == EMPTY
    refused = bc_custom.request("POST", "/locationInventories", json={"quantity": 1})
    assert error(refused, 405)[0] == "BadRequest_MethodNotAllowed"


def test_crm_ids_are_written_back_onto_the_records(bc: Api, bc_custom: Api) -> None:
    """sandbox/BC_CUSTOM_API.md `crmIds`: the CRM id on every integrated record, written
    with PATCH and the record's ETag; the record counts as modified."""
    term = ok(bc.request("POST", "/paymentTerms", json={"code": "P" + uuid.uuid4().hex[:6]}), 201)
    row = ok(bc_custom.get(f"/crmIds({term['id']})"))
    assert (row["entitySet"], row["number"], row["crmId"]) == ("paymentTerms", term["code"], EMPTY)
    assert row["@odata.etag"] == term["@odata.etag"]
    crm_id = str(uuid.uuid4())
    stale = bc_custom.request("PATCH", f"/crmIds({term['id']})", json={"crmId": crm_id},
                              headers={"If-Match": 'W/"JzE7MTswMDsn"'})  # fmt: skip
    assert error(stale, 409)[0] == "Request_EntityChanged"
    written = ok(bc_custom.request("PATCH", f"/crmIds({term['id']})", json={"crmId": crm_id},
                                   headers={"If-Match": row["@odata.etag"]}))  # fmt: skip
    assert written["crmId"] == crm_id
    after = ok(bc.get(f"/paymentTerms({term['id']})"))
    assert after["lastModifiedDateTime"] > term["lastModifiedDateTime"] and "crmId" not in after
    coupled = rows(bc_custom, "/crmIds", f"crmId eq {crm_id}")
    assert [r["id"] for r in coupled] == [term["id"]]
    assert error(bc_custom.request("DELETE", f"/crmIds({term['id']})",
                                   headers={"If-Match": "*"}), 405)[0] == "BadRequest_MethodNotAllowed"  # fmt: skip


def test_every_integrated_table_has_crm_ids(bc_custom: Api) -> None:
    """sandbox/BC_CUSTOM_API.md `crmIds`: the tables the connector couples."""
    sets = {row["entitySet"] for row in rows(bc_custom, "/crmIds")}
    assert {"customers", "contacts", "items", "unitsOfMeasure", "paymentTerms",
            "shipmentMethods", "shippingAgents", "taxAreas", "locations", "countriesRegions",
            "currencies", "salespeoplePurchasers", "configurationTemplates",
            "shipToAddresses"} <= sets  # fmt: skip


def test_inventory_posting_groups_say_whether_their_items_go_to_crm(
    bc: Api, bc_custom: Api
) -> None:
    """sandbox/BC_CUSTOM_API.md `inventoryPostingGroupSettings` ("Create in CRM" on table 94);
    api-reference/v2.0/resources/dynamics_inventorypostinggroup does not show the flag."""
    settings = {row["code"]: row for row in rows(bc_custom, "/inventoryPostingGroupSettings")}
    assert (settings["RESALE"]["createInCrm"], settings["SPARES"]["createInCrm"]) == (True, False)
    spares = settings["SPARES"]
    changed = ok(bc_custom.request("PATCH", f"/inventoryPostingGroupSettings({spares['id']})",
                                   json={"createInCrm": True}, headers={"If-Match": "*"}))  # fmt: skip
    assert changed["createInCrm"] is True
    ok(bc_custom.request("PATCH", f"/inventoryPostingGroupSettings({spares['id']})",
                         json={"createInCrm": False}, headers={"If-Match": "*"}))  # fmt: skip
    renamed = bc_custom.request("PATCH", f"/inventoryPostingGroupSettings({spares['id']})",
                                json={"code": "X"}, headers={"If-Match": "*"})  # fmt: skip
    assert error(renamed)[0] == "BadRequest_InvalidOperation"
    assert "createInCrm" not in ok(bc.get(f"/inventoryPostingGroups({spares['id']})"))


def test_companion_sets_are_not_in_the_standard_api(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_company lists the v2.0 sets; shipping agents,
    ship-to addresses and the other companion sets are not among them (404
    BadRequest_ResourceNotFound)."""
    for entity_set in ("shippingAgents", "shipToAddresses", "crmIds", "customerLedgerEntries"):
        assert error(bc.get(f"/{entity_set}"), 404)[0] == "BadRequest_ResourceNotFound"
