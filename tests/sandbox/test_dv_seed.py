"""The seeded environment tells the connector's story end to end.

What each later flow needs, from the CRM <-> BC product document (owners coupled by
e-mail, currencies by code, the "Default" unit group and price list, customers, quotes
with revisions, Active + Confirmed orders) and the Project Operations credit-note flow
(a confirmed invoice and a confirmed revision of it).
"""

from __future__ import annotations

import pytest

from sandbox.catalog import CUSTOMERS, LICENSE_SKUS
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox


def rows(dataverse: Api, path: str, **params: str) -> list[dict[str, object]]:
    response = dataverse.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()["value"]  # type: ignore[no-any-return]


def test_owners_currencies_units_and_price_list(dataverse: Api) -> None:
    """reference/entities/systemuser (internalemailaddress), transactioncurrency,
    uomschedule/uom and pricelevel: what the coupling jobs and the item sync need."""
    owners = rows(
        dataverse, "/systemusers", **{"$filter": "endswith(internalemailaddress,'@cronus.example')"}
    )
    currencies = {c["isocurrencycode"]: c for c in rows(dataverse, "/transactioncurrencies")}
    group = rows(dataverse, "/uomschedules", **{"$filter": "name eq 'Default'",
                                               "$expand": "unit_of_measure_schedule_conversions($select=name)"})  # fmt: skip
    price_list = rows(dataverse, "/pricelevels", **{"$filter": "name eq 'Default'",
                                                   "$expand": "price_level_product_price_levels($select=amount)"})  # fmt: skip

    assert {o["fullname"] for o in owners} == {"Annette Hill", "Peter Saddow", "John Roberts"}
    assert currencies["GBP"]["exchangerate"] == 1.0 and {"EUR", "USD"} <= currencies.keys()
    units = {u["name"] for u in group[0]["unit_of_measure_schedule_conversions"]}  # type: ignore[index, union-attr]
    # other tests add units to the group (the session's simulators are shared)
    assert {"PCS", "HOUR", "MONTH"} <= units and group[0]["baseuomname"] == "PCS"
    assert len(price_list[0]["price_level_product_price_levels"]) >= len(LICENSE_SKUS)  # type: ignore[arg-type]


def test_accounts_carry_the_connector_columns(dataverse: Api) -> None:
    """The product document's account fields: template, country/region, payment term,
    shipment method, shipping agent, tax area, tax registration no., tax liable, balance."""
    accounts = rows(dataverse, "/accounts", **{"$filter": "bcs_bccustomerno ne null",
                                              "$expand": "bcs_TaxAreaId($select=bcs_code),bcs_CountryRegionId($select=bcs_code)"})  # fmt: skip
    by_number = {a["accountnumber"]: a for a in accounts}
    adatum = by_number["C00010"]

    assert {p.number for p in CUSTOMERS} <= by_number.keys()
    assert adatum["bcs_TaxAreaId"] == {
        "bcs_code": "DOMESTIC",
        "bcs_taxareaid": adatum["_bcs_taxareaid_value"],
    }
    assert adatum["bcs_CountryRegionId"]["bcs_code"] == "GB"  # type: ignore[index]
    entries = rows(dataverse, "/bcs_customerledgerentries",
                   **{"$filter": f"_bcs_accountid_value eq {adatum['accountid']}"})  # fmt: skip
    # the sum of its open ledger entries (the seed's, or the nightly feed's after it ran)
    assert adatum["bcs_balance"] == sum(e["bcs_remainingamountlcy"] for e in entries)
    seeded = [by_number[p.number] for p in CUSTOMERS]  # other tests add accounts of their own
    assert all(a["_bcs_paymenttermid_value"] and a["_bcs_configtemplateid_value"] for a in seeded)


def test_quotes_with_a_revision_and_confirmed_orders(dataverse: Api) -> None:
    """Quotes with revision (closed Revised + Active), Active + Confirmed orders, one made
    from a won quote, and an order invoiced by a posted sales invoice."""
    adatum = rows(dataverse, "/quotes", **{"$filter": "name eq 'Adatum licences 2025'",
                                          "$orderby": "revisionnumber"})  # fmt: skip
    confirmed = rows(
        dataverse, "/salesorders", **{"$filter": "statecode eq 0 and statuscode eq 862070000"}
    )
    invoiced = rows(dataverse, "/salesorders", **{"$filter": "statecode eq 4",
                                                 "$expand": "order_invoices($select=invoicenumber)"})  # fmt: skip

    assert [(q["revisionnumber"], q["statecode"], q["statuscode"]) for q in adatum] == [
        (0, 3, 7),
        (1, 1, 2),
    ]
    assert adatum[0]["quotenumber"] == adatum[1]["quotenumber"]
    assert len(confirmed) >= 2 and any(o["_quoteid_value"] for o in confirmed)
    invoices = {i["invoicenumber"] for o in invoiced for i in o["order_invoices"]}  # type: ignore[attr-defined]
    assert "103003" in invoices  # other tests may invoice orders of their own


def test_project_operations_invoice_and_its_revision(dataverse: Api) -> None:
    """revise-project-invoices: the original Confirmed invoice and its Confirmed corrective
    revision (Has corrections = Yes), whose line details point back at the originals."""
    invoices = rows(dataverse, "/invoices", **{"$filter": "name eq 'Adatum Cloud Migration - January'",
                                              "$orderby": "invoicenumber"})  # fmt: skip
    original, revision = invoices[0], invoices[1]
    corrections = rows(dataverse, f"/invoices({revision['invoiceid']})/msdyn_invoice_msdyn_invoicelinetransaction_Invoice",
                       **{"$expand": "msdyn_OriginalInvoiceLineDetail($select=_msdyn_invoice_value)"})  # fmt: skip

    assert (
        original["msdyn_projectinvoicestatus"]
        == revision["msdyn_projectinvoicestatus"]
        == 192350002
    )
    assert (original["msdyn_hascorrections"], revision["msdyn_hascorrections"]) == (False, True)
    assert {c["msdyn_OriginalInvoiceLineDetail"]["_msdyn_invoice_value"] for c in corrections} == {  # type: ignore[index]
        original["invoiceid"]
    }
    assert revision["totalamount"] == 1200.0  # 10 of 20 hours kept, the rest credited
