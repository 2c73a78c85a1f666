"""Seed documents that make every flow demonstrable.

- quote QUO-…-Adatum: revision 0 activated and revised (now Closed/Revised), revision 1
  Active with a changed quantity; a Draft quote with a write-in line; a quote won and
  converted to an order,
- orders: the converted one and one made directly, both Active with the connector's
  status reason Confirmed; one Active/New; one Submitted; one Invoiced with the sales
  invoice BC posted for it,
- Project Operations: two projects, transaction categories, an invoice for the Adatum
  project with time and expense lines and their line details, Confirmed; its revision
  (a corrective invoice crediting all of one detail and half of another), Confirmed.
"""

from __future__ import annotations

from typing import Any

from sandbox.catalog import CUSTOMERS
from sandbox.dataverse.actions import QuoteActions
from sandbox.dataverse.invoicing import revise_project_invoice
from sandbox.dataverse.seed import Seeder, ref, row_id, unit_ref
from sandbox.dataverse.tables.sales import CONFIRMED as CONFIRMED_ORDER

ADATUM, ONEIL, MUELLER, TREY, CAFE = CUSTOMERS
HEADER_LOOKUPS = {
    "bcs_PaymentTermId@odata.bind": "/bcs_paymentterms(bcs_code='30 DAYS')",
    "bcs_ShipmentMethodId@odata.bind": "/bcs_shipmentmethods(bcs_code='EXW')",
    "bcs_ShippingAgentId@odata.bind": "/bcs_shippingagents(bcs_code='DHL')",
    "bcs_LocationId@odata.bind": "/bcs_locations(bcs_code='MAIN')",
}


def _header(party: Any, name: str, owner: str, **more: Any) -> dict[str, Any]:
    return {
        "name": name, "customerid_account@odata.bind": ref("accounts", party.number),
        "pricelevelid@odata.bind": ref("pricelevels", "Default"),
        "ownerid@odata.bind": ref("systemusers", owner), "requestdeliveryby": "2025-03-01",
        "bcs_postingdate": "2025-02-03", **HEADER_LOOKUPS, **more,
    }  # fmt: skip


def _line(code: str, unit: str, quantity: float, number: int) -> dict[str, Any]:
    return {"productid@odata.bind": ref("products", code), "uomid@odata.bind": unit_ref(unit),
            "quantity": quantity, "lineitemnumber": number}  # fmt: skip


def seed_documents(seed: Seeder, actions: QuoteActions) -> None:
    seed_quotes(seed, actions)
    seed_orders(seed)
    seed_project_invoices(seed)


def seed_quotes(seed: Seeder, actions: QuoteActions) -> None:
    ship_to = f"/bcs_shiptoaddresses(bcs_customerno='{ADATUM.number}',bcs_code='MAIN')"
    seed.add("quotes", "adatum", {
        **_header(ADATUM, "Adatum licences 2025", "Hill", bcs_quotedate="2025-02-03",
                  **{"bcs_ShipToAddressId@odata.bind": ship_to}),
        "quote_details": [_line("SPE_E3", "MONTH", 25, 1), _line("SUPPORT-HRS", "HOUR", 10, 2)],
    })  # fmt: skip
    seed.change("quotes", "adatum", {"statecode": 1, "statuscode": 2})
    revision, _ = actions.revise_quote(seed.call, row_id("quotes", "adatum"))
    lines = seed.writer.store.find("quotedetails", "_quoteid_value", revision["quoteid"])
    first = next(line for line, _ in lines if line["lineitemnumber"] == 1)
    table = seed.catalog.by_name("quotedetail")
    seed.writer.update(seed.call, table, first["quotedetailid"], {"quantity": 30}, if_match=None)
    quotes = seed.catalog.by_name("quote")
    seed.writer.update(
        seed.call, quotes, revision["quoteid"], {"statecode": 1, "statuscode": 2}, if_match=None
    )
    seed.add("quotes", "oneil-draft", {
        **_header(ONEIL, "O'Neil onboarding", "Saddow", bcs_quotedate="2025-02-04"),
        "quote_details": [{"isproductoverridden": True, "productdescription": "Onboarding workshop",
                           "ispriceoverridden": True, "priceperunit": 450, "quantity": 1,
                           "lineitemnumber": 1}],
    })  # fmt: skip
    seed.add("quotes", "trey", {
        **_header(TREY, "Trey Research Power BI", "Roberts", bcs_quotedate="2025-01-20"),
        "quote_details": [_line("POWER_BI_PRO", "MONTH", 12, 1)],
    })  # fmt: skip
    seed.change("quotes", "trey", {"statecode": 1, "statuscode": 2})
    order, _ = actions.convert_quote(seed.call, row_id("quotes", "trey"))
    orders = seed.catalog.by_name("salesorder")
    seed.writer.update(
        seed.call, orders, order["salesorderid"], {"statuscode": CONFIRMED_ORDER}, if_match=None
    )


def seed_orders(seed: Seeder) -> None:
    seed.add("salesorders", "cafe", {
        **_header(CAFE, "Café licences", "Roberts", bcs_documentdate="2025-02-05"),
        "order_details": [_line("O365_BUSINESS_PREMIUM", "MONTH", 8, 1)],
    })  # fmt: skip
    seed.change("salesorders", "cafe", {"statuscode": CONFIRMED_ORDER})
    seed.add("salesorders", "mueller-new", {
        **_header(MUELLER, "Müller Exchange", "Saddow", bcs_documentdate="2025-02-06"),
        "order_details": [_line("EXCHANGESTANDARD", "MONTH", 40, 1)],
    })  # fmt: skip
    seed.add("salesorders", "adatum-submitted", {
        **_header(ADATUM, "Adatum Entra P2", "Hill", bcs_documentdate="2025-01-10"),
        "order_details": [_line("AAD_PREMIUM_P2", "MONTH", 25, 1)],
    })  # fmt: skip
    seed.change("salesorders", "adatum-submitted", {"statecode": 1, "statuscode": 3})
    seed.add("salesorders", "oneil-invoiced", {
        **_header(ONEIL, "O'Neil Teams rollout", "Saddow", bcs_documentdate="2025-01-05"),
        "order_details": [_line("ONBOARDING", "HOUR", 6, 1)],
    })  # fmt: skip
    seed.add("invoices", "103003", {
        **_header(ONEIL, "Posted invoice 103003", "Saddow", invoicenumber="103003",
                  duedate="2025-02-14", bcs_documentdate="2025-01-15"),
        "salesorderid@odata.bind": ref("salesorders", "oneil-invoiced"),
        "invoice_details": [_line("ONBOARDING", "HOUR", 6, 1)],
    })  # fmt: skip
    seed.change("salesorders", "oneil-invoiced", {"statecode": 4, "statuscode": 100003})


def seed_project_invoices(seed: Seeder) -> None:
    for key, subject, party in (("cloud", "Adatum Cloud Migration", ADATUM),
                                ("erp", "Müller ERP Rollout", MUELLER)):  # fmt: skip
        seed.add("msdyn_projects", key, {
            "msdyn_subject": subject, "msdyn_customer_account@odata.bind": ref("accounts", party.number)
        })  # fmt: skip
    for key, name in (("time", "Consulting Hours"), ("travel", "Travel Expenses")):
        seed.add("msdyn_transactioncategories", key, {"msdyn_name": name})
    seed.add("invoices", "PI-1001", {
        **_header(ADATUM, "Adatum Cloud Migration - January", "Hill", duedate="2025-03-02"),
        "msdyn_projectinvoicestatus": 192350000, "msdyn_ordertype": 192350001,
        "msdyn_invoicedate": "2025-01-31",
    })  # fmt: skip
    invoice = ref("invoices", "PI-1001")
    for key, text, quantity, price in (("consulting", "Cloud migration consulting", 40, 120.0),
                                       ("travel", "Travel to London", 1, 350.0)):  # fmt: skip
        seed.add("invoicedetails", f"PI-1001/{key}", {
            "invoiceid@odata.bind": invoice, "isproductoverridden": True,
            "productdescription": text, "ispriceoverridden": True, "priceperunit": price,
            "quantity": quantity, "msdyn_billingmethod": 192350000, "msdyn_linetype": 690970000,
            "msdyn_Project@odata.bind": ref("msdyn_projects", "cloud"),
        })  # fmt: skip
    details = (("D1", "consulting", "Week 1 consulting", 20, 120.0, "time", 192350000),
               ("D2", "consulting", "Week 2 consulting", 20, 120.0, "time", 192350000),
               ("D3", "travel", "Train and hotel", 1, 350.0, "travel", 192350001))  # fmt: skip
    for key, line, text, quantity, price, category, kind in details:
        seed.add("msdyn_invoicelinetransactions", f"PI-1001/{key}", {
            "msdyn_description": text, "msdyn_quantity": quantity, "msdyn_price": price,
            "msdyn_amount": quantity * price, "msdyn_billingtype": 192350001,
            "msdyn_transactionclassification": kind, "msdyn_transactiontypecode": 192350006,
            "msdyn_documentdate": "2025-01-31", "msdyn_Invoice@odata.bind": invoice,
            "msdyn_InvoiceLineId@odata.bind": ref("invoicedetails", f"PI-1001/{line}"),
            "msdyn_Project@odata.bind": ref("msdyn_projects", "cloud"),
            "msdyn_TransactionCategory@odata.bind": ref("msdyn_transactioncategories", category),
        })  # fmt: skip
    seed.change("invoices", "PI-1001", {"msdyn_projectinvoicestatus": 192350002})
    kept = {row_id("msdyn_invoicelinetransactions", "PI-1001/D2"): 10.0}
    revise_project_invoice(seed.writer, seed.catalog, seed.call, row_id("invoices", "PI-1001"),
                           confirm=True, kept=kept)  # fmt: skip
