"""Deterministic seed rows: the environment as the connector finds it after setup.

Written through the simulator's own write path (`Seeder`), so every platform rule holds
for them too: owners, currencies, numbers, totals, formatted names. Ids are stable
(`stable_id("dataverse", <set>, <natural key>)`), timestamps lie in the past.

- owners (systemusers) with e-mail addresses: the salespeople BC couples by e-mail,
- Pound Sterling as the base currency (the organization row names it) and the catalog's
  other currencies,
- the unit group "Default" with units PCS (base), HOUR and MONTH, the price list
  "Default" with an item per product, the catalog's licences and services as products,
- the BC masters already synced: payment terms, shipment methods, shipping agents, tax
  areas, locations, countries/regions, configuration templates,
- the catalog's customers as accounts (with the connector's lookups filled in, by
  alternate key), contacts with apostrophes and accents in their names, ship-to
  addresses, open customer ledger entries (an account's balance is their sum) and stock
  per location,
- documents: `sandbox.dataverse.seed_documents`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.catalog import (
    CURRENCIES,
    CUSTOMERS,
    LICENSE_SKUS,
    SERVICE_LINES,
    mailbox_name,
    stable_id,
)
from sandbox.dataverse.context import Call
from sandbox.dataverse.tables import Catalog
from sandbox.dataverse.writes import Writer, base_unit_id

BASE_CURRENCY = ("GBP", "Pound Sterling", "£")
ORGANIZATION_NAME = "CRONUS International Ltd."
EXCHANGE_RATES = {"CAD": 1.72, "DKK": 8.73, "EUR": 1.17, "USD": 1.27}
OWNERS = (("Annette", "Hill", "Sales Manager"), ("Peter", "Saddow", "Account Manager"),
          ("John", "Roberts", "Account Manager"))  # fmt: skip
MASTERS = {
    "bcs_paymentterms": (("30 DAYS", "Net 30 days"), ("14 DAYS", "Net 14 days"),
                         ("CM", "Current month")),
    "bcs_shipmentmethods": (("EXW", "Ex Warehouse"), ("DDP", "Delivered Duty Paid"),
                            ("PICKUP", "Pickup at Location")),
    "bcs_shippingagents": (("DHL", "DHL Systems, Inc."), ("UPS", "UPS"),
                           ("OWN LOG.", "Own Logistics")),
    "bcs_taxareas": (("DOMESTIC", "Domestic customers"), ("EU", "Customers in the EU"),
                     ("EXPORT", "Export customers")),
    "bcs_locations": (("MAIN", "Main warehouse"), ("BLUE", "Blue warehouse"),
                      ("RED", "Red warehouse")),
    "bcs_countryregions": (("GB", "United Kingdom"), ("IE", "Ireland"), ("DE", "Germany"),
                           ("US", "USA"), ("FR", "France"), ("DK", "Denmark")),
    "bcs_configtemplates": (("CUST-DOM", "Domestic customer"), ("CUST-EU", "EU customer"),
                            ("CUST-EXP", "Export customer")),
}  # fmt: skip
TAX_AREA_OF_COUNTRY = {"GB": "DOMESTIC", "IE": "EU", "DE": "EU", "FR": "EU", "DK": "EU"}
PEOPLE = (
    ("Siobhán", "O'Neil", "Finance Director"), ("Jürgen", "Müller", "IT Manager"),
    ("Aoife", "O'Brien", "Office Manager"), ("Renée", "Dubois", "Head of Operations"),
    ("Tomás", "García", "CTO"), ("Priya", "Natarajan", "Procurement Lead"),
)  # fmt: skip


def row_id(entity_set: str, natural_key: str) -> str:
    return stable_id("dataverse", entity_set, natural_key)


def ref(entity_set: str, natural_key: str) -> str:
    """An `@odata.bind` value for a seeded row."""
    return f"/{entity_set}({row_id(entity_set, natural_key)})"


def unit_ref(name: str) -> str:
    """A unit of the "Default" group; its base unit PCS was made with the group."""
    if name == "PCS":
        return f"/uoms({base_unit_id(row_id('uomschedules', 'Default'))})"
    return ref("uoms", name)


@dataclass
class Seeder:
    """Writes seed rows as a client would, as the system user."""

    catalog: Catalog
    writer: Writer
    call: Call

    def add(self, entity_set: str, key: str, body: dict[str, Any]) -> str:
        table = self.catalog.by_set(entity_set)
        record, _ = self.writer.create(
            self.call, table, {table.primary_id: row_id(entity_set, key), **body}
        )
        return str(record[table.primary_id])

    def change(self, entity_set: str, key: str, body: dict[str, Any]) -> None:
        table = self.catalog.by_set(entity_set)
        self.writer.update(self.call, table, row_id(entity_set, key), body, if_match=None)


def seed_masters(seed: Seeder) -> None:
    for first, last, title in OWNERS:
        seed.add("systemusers", last, {
            "firstname": first, "lastname": last, "title": title,
            "internalemailaddress": f"{mailbox_name(first, last)}@cronus.example",
            "domainname": f"{mailbox_name(first, last)}@cronus.example",
        })  # fmt: skip
    for code, name, symbol in (BASE_CURRENCY, *((c.code, c.name, c.symbol) for c in CURRENCIES)):
        seed.add("transactioncurrencies", code, {
            "isocurrencycode": code, "currencyname": name, "currencysymbol": symbol,
            "exchangerate": EXCHANGE_RATES.get(code, 1.0), "currencyprecision": 2,
        })  # fmt: skip
    seed_organization(seed)
    for entity_set, rows in MASTERS.items():
        for code, description in rows:
            seed.add(entity_set, code, {"bcs_code": code, "bcs_description": description})
    seed_products(seed)


def seed_organization(seed: Seeder) -> None:
    """The environment's one organization row. Its base currency columns are the
    platform's (read-only to clients), so they are written as internal fields."""
    code, _, symbol = BASE_CURRENCY
    table = seed.catalog.by_set("organizations")
    seed.writer.create(
        seed.call, table,
        {table.primary_id: row_id("organizations", ORGANIZATION_NAME), "name": ORGANIZATION_NAME},
        internal={"_basecurrencyid_value": row_id("transactioncurrencies", code),
                  "basecurrencyidtype": "transactioncurrency", "basecurrencysymbol": symbol,
                  "basecurrencyprecision": 2},
    )  # fmt: skip


def seed_products(seed: Seeder) -> None:
    seed.add("uomschedules", "Default", {"name": "Default", "baseuomname": "PCS"})
    group = ref("uomschedules", "Default")
    for unit in ("HOUR", "MONTH"):
        seed.add("uoms", unit, {"name": unit, "quantity": 1, "uomscheduleid@odata.bind": group,
                                "baseuom@odata.bind": unit_ref("PCS")})  # fmt: skip
    seed.add("pricelevels", "Default", {
        "name": "Default", "transactioncurrencyid@odata.bind": ref("transactioncurrencies", "GBP"),
        "begindate": "2025-01-01",
    })  # fmt: skip
    products = [(s.code, s.name, s.unit_price, "MONTH", 1) for s in LICENSE_SKUS]
    products += [(code, name, price, "HOUR", 3) for code, name, price in SERVICE_LINES]
    for code, name, price, unit, product_type in products:
        seed.add("products", code, {
            "productnumber": code, "name": name, "price": price, "quantitydecimal": 2,
            "producttypecode": product_type, "defaultuomscheduleid@odata.bind": group,
            "defaultuomid@odata.bind": unit_ref(unit),
            "pricelevelid@odata.bind": ref("pricelevels", "Default"),
        })  # fmt: skip
        seed.change("products", code, {"statecode": 0, "statuscode": 1})  # published
        seed.add("productpricelevels", code, {
            "amount": price, "pricingmethodcode": 1,
            "pricelevelid@odata.bind": ref("pricelevels", "Default"),
            "productid@odata.bind": ref("products", code), "uomid@odata.bind": unit_ref(unit),
        })  # fmt: skip


def seed_customers(seed: Seeder) -> None:
    for i, party in enumerate(CUSTOMERS):
        currency = party.currency_code or BASE_CURRENCY[0]
        area = TAX_AREA_OF_COUNTRY.get(party.country, "EXPORT")
        seed.add("accounts", party.number, {
            "name": party.name, "accountnumber": party.number, "bcs_bccustomerno": party.number,
            "telephone1": f"+44 20 7946 1{100 + i}", "emailaddress1": party.email,
            "address1_line1": f"{10 + i} High Street", "address1_city": party.city,
            "address1_postalcode": f"{1000 + 37 * i}", "address1_country": party.country,
            "customertypecode": 3, "bcs_taxregistrationno": f"GB{123456780 + i}",
            "bcs_taxliable": party.country == "GB",
            "transactioncurrencyid@odata.bind": ref("transactioncurrencies", currency),
            "ownerid@odata.bind": ref("systemusers", OWNERS[i % len(OWNERS)][1]),
            "bcs_CountryRegionId@odata.bind": f"/bcs_countryregions(bcs_code='{party.country}')",
            "bcs_PaymentTermId@odata.bind": "/bcs_paymentterms(bcs_code='30 DAYS')",
            "bcs_ShipmentMethodId@odata.bind": "/bcs_shipmentmethods(bcs_code='EXW')",
            "bcs_ShippingAgentId@odata.bind": "/bcs_shippingagents(bcs_code='DHL')",
            "bcs_TaxAreaId@odata.bind": f"/bcs_taxareas(bcs_code='{area}')",
            "bcs_ConfigTemplateId@odata.bind": f"/bcs_configtemplates(bcs_code='{_template(area)}')",
        })  # fmt: skip
    for i, (first, last, title) in enumerate(PEOPLE):
        party = CUSTOMERS[i % len(CUSTOMERS)]
        seed.add("contacts", str(i), {
            "firstname": first, "lastname": last, "jobtitle": title,
            "emailaddress1": f"{mailbox_name(first, last)}@example.com",
            "telephone1": f"+44 20 7946 2{100 + i}", "mobilephone": f"+44 7700 900{100 + i}",
            "parentcustomerid_account@odata.bind": ref("accounts", party.number),
            "bcs_CountryRegionId@odata.bind": f"/bcs_countryregions(bcs_code='{party.country}')",
        })  # fmt: skip
    seed_customer_data(seed)


def _template(tax_area: str) -> str:
    return {"DOMESTIC": "CUST-DOM", "EU": "CUST-EU"}.get(tax_area, "CUST-EXP")


def seed_customer_data(seed: Seeder) -> None:
    for party, code, name in ((CUSTOMERS[0], "MAIN", "Head office"),
                              (CUSTOMERS[0], "GOODS-IN", "Goods-in"),
                              (CUSTOMERS[1], "MAIN", "Head office"),
                              (CUSTOMERS[2], "MAIN", "Zentrale")):  # fmt: skip
        seed.add("bcs_shiptoaddresses", f"{party.number}/{code}", {
            "bcs_code": code, "bcs_customerno": party.number, "bcs_name": f"{party.name} {name}",
            "bcs_street1": "1 Dock Road", "bcs_city": party.city, "bcs_taxliable": True,
            "bcs_AccountId@odata.bind": ref("accounts", party.number),
            "bcs_CountryRegionId@odata.bind": f"/bcs_countryregions(bcs_code='{party.country}')",
        })  # fmt: skip
    entries = ((CUSTOMERS[0], 1201, 862070001, "103001", 1200.0, 1200.0),
               (CUSTOMERS[0], 1202, 862070001, "103002", 850.0, 350.0),
               (CUSTOMERS[0], 1203, 862070000, "2501", -250.0, -250.0),
               (CUSTOMERS[1], 1204, 862070001, "103003", 640.0, 640.0))  # fmt: skip
    balances: dict[str, float] = {}
    for party, entry_no, kind, document_no, amount, remaining in entries:
        seed.add("bcs_customerledgerentries", str(entry_no), {
            "bcs_entryno": entry_no, "bcs_documenttype": kind, "bcs_documentno": document_no,
            "bcs_postingdate": "2025-01-15", "bcs_duedate": "2025-02-14",
            "bcs_customerno": party.number, "bcs_amount": amount, "bcs_remainingamount": remaining,
            "bcs_remainingamountlcy": remaining, "bcs_description": f"Invoice {document_no}",
            "bcs_AccountId@odata.bind": ref("accounts", party.number),
        })  # fmt: skip
        balances[party.number] = balances.get(party.number, 0.0) + remaining
    for number, balance in balances.items():
        seed.change("accounts", number, {"bcs_balance": balance})
    stock = {"SPE_E3": (("MAIN", 40.0), ("BLUE", 10.0)), "POWER_BI_PRO": ((None, 5.0),)}
    for code, places in stock.items():
        for location, quantity in places:
            body: dict[str, Any] = {
                "bcs_quantity": quantity,
                "bcs_ProductId@odata.bind": ref("products", code),
            }
            if location:
                body.update({"bcs_locationcode": location,
                             "bcs_LocationId@odata.bind": f"/bcs_locations(bcs_code='{location}')"})  # fmt: skip
            seed.add("bcs_inventories", f"{code}/{location or ''}", body)
        seed.change("products", code, {"bcs_inventory": sum(q for _, q in places)})
