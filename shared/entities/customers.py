"""CRM → BC: accounts become customers, and their ship-to addresses follow (product
document §4, §10), through the CRM Data staging.

Account → customer (the companion API's `crmCustomers`, which carries what v2.0's
`customers` lacks: Name 2, fax, home page, shipping agent, the template):
- the account name fills Name (the first 100 characters) and Name 2 (the rest). BC's
  Name 2 holds 50, so a name longer than 150 is refused naming the field rather than cut;
- street 1 → Address (100), street 2 → Address 2 (50); street 3 is not sent;
- country/region, configuration template, payment term, shipment method, shipping agent
  and tax area are CRM lookups to the masters BC sent; each resolves through that
  master's coupling to its BC code, and an account pointing at a master that is not
  coupled waits (retried on the next run) with the field named;
- the template is applied by BC when it creates the customer (its posting groups etc.);
- an account that already carries a BC customer No. is coupled to that customer; the
  No. of a new customer is written back to the account (BC Customer No.).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.ports.odata import quote_literal
from shared.registry import Table
from shared.sync.maps import Copy, Direction, Email, EntityMap, Field, Flag, Lookup, Split

ACCOUNT_LOOKUPS = (
    Lookup("_bcs_countryregionid_value", "countries-regions", "country", by="crm",
           value="key", label="Country/Region"),
    Lookup("_bcs_configtemplateid_value", "configuration-templates", "templateCode", by="crm",
           value="key", label="Template"),
    Lookup("_bcs_paymenttermid_value", "payment-terms", "paymentTermsCode", by="crm",
           value="key", label="Payment Term"),
    Lookup("_bcs_shipmentmethodid_value", "shipment-methods", "shipmentMethodCode", by="crm",
           value="key", label="Shipment Method"),
    Lookup("_bcs_shippingagentid_value", "shipping-agents", "shippingAgentCode", by="crm",
           value="key", label="Shipping Agent"),
    Lookup("_bcs_taxareaid_value", "tax-areas", "taxAreaCode", by="crm", value="key",
           label="Tax Area"),
)  # fmt: skip

CUSTOMERS = EntityMap(
    name="customers",
    label="Customer",
    direction=Direction.CRM_TO_BC,
    source_set="accounts",
    target_set="crmCustomers",
    target_table="account",
    source_key="bcs_bccustomerno",
    target_key="number",
    fields=(
        Field("displayName", ("name",), Split(0, 100, limit=150)),
        Field("name2", ("name",), Split(1, 100, limit=150)),
        Field("phoneNumber", ("telephone1",), Copy(30)),
        Field("faxNumber", ("fax",), Copy(30)),
        Field("email", ("emailaddress1",), Email(80)),
        Field("homePage", ("websiteurl",), Copy(80)),
        Field("taxRegistrationNumber", ("bcs_taxregistrationno",), Copy(20)),
        Field("addressLine1", ("address1_line1",), Copy(100)),
        Field("addressLine2", ("address1_line2",), Copy(50)),
        Field("city", ("address1_city",), Copy(30)),
        Field("postalCode", ("address1_postalcode",), Copy(20)),
        Field("state", ("address1_stateorprovince",), Copy(30)),
        Field("taxLiable", ("bcs_taxliable",), Flag()),
        Field("crmId", ("id",)),
    ),
    lookups=ACCOUNT_LOOKUPS,
    target_api="companion",
    auto_sync="customers",
    keep=("companyContactNumber",),
    create_method="post",
    write_back_field="bcs_bccustomerno",
    staging=Table.CRM_CUSTOMERS,
)


def _ship_to_key(row: Mapping[str, Any]) -> str:
    return f"{row.get('customerNumber', '')}/{row.get('code', '')}"


def _same_ship_to(body: Mapping[str, Any]) -> str:
    customer, code = quote_literal(body.get("customerNumber")), quote_literal(body.get("code"))
    return f"customerNumber eq {customer} and code eq {code}"


SHIP_TO_ADDRESSES = EntityMap(
    name="ship-to-addresses",
    label="Ship-to Address",
    direction=Direction.CRM_TO_BC,
    source_set="bcs_shiptoaddresses",
    target_set="shipToAddresses",
    target_table="bcs_shiptoaddress",
    source_key="bcs_code",
    target_key="code",
    fields=(
        Field("code", ("bcs_code",), Copy(10)),
        Field("displayName", ("bcs_name",), Copy(100)),
        Field("addressLine1", ("bcs_street1",), Copy(100)),
        Field("addressLine2", ("bcs_street2",), Copy(50)),
        Field("city", ("bcs_city",), Copy(30)),
        Field("state", ("bcs_state",), Copy(30)),
        Field("postalCode", ("bcs_zipcode",), Copy(20)),
        Field("taxLiable", ("bcs_taxliable",), Flag()),
        Field("contact", ("bcs_contact",), Copy(100)),
        Field("email", ("bcs_email",), Email(80)),
        Field("phoneNumber", ("bcs_phoneno",), Copy(30)),
        Field("crmId", ("id",)),
    ),
    lookups=(
        Lookup(
            "_bcs_accountid_value",
            "customers",
            "customerNumber",
            by="crm",
            value="key",
            label="Account (its BC customer)",
        ),
        Lookup(
            "_bcs_countryregionid_value",
            "countries-regions",
            "country",
            by="crm",
            value="key",
            label="Country/Region",
        ),
        Lookup(
            "_bcs_taxareaid_value",
            "tax-areas",
            "taxAreaCode",
            by="crm",
            value="key",
            label="Tax Area",
        ),
    ),
    target_api="companion",
    auto_sync="customers",  # ship-to addresses follow their account
    create_method="post",
    write_back=False,
    bc_key=_ship_to_key,
    find_existing=_same_ship_to,
    staging=Table.CRM_SHIP_TO_ADDRESSES,
)
