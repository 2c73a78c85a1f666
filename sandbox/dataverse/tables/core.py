"""The organization, owners, currencies, accounts and contacts, with the connector's columns.

Column names, types and lengths: the account, contact, organization, systemuser and
transactioncurrency pages of the Dataverse table reference. The organization is the one
row that names the base currency (`basecurrencyid`: chosen when the environment is made,
never changed; the transaction currency page names Organization.BaseCurrencyID as where it
is kept), which BC's blank currency code stands for. The connector (publisher prefix
`bcs_`) adds to accounts the lookups to its masters (configuration template,
country/region, payment term, shipment method, shipping agent, tax area), the tax
registration number, tax liable, the balance of open ledger entries and the BC customer
number; to contacts the country/region lookup. Alternate key of the connector's solution:
account number.
"""

from __future__ import annotations

from sandbox.dataverse.schema import (
    AlternateKey,
    Column,
    Kind,
    OneToMany,
    Required,
    Table,
    choice,
    custom_lookup,
    lookup,
    memo,
    money,
    number,
    text,
    with_currency,
    yes_no,
)
from sandbox.dataverse.tables.common import (
    ACTIVE_INACTIVE,
    active_inactive,
    audit_columns,
    id_column,
    owner_column,
)


def _address(prefix: str) -> tuple[Column, ...]:
    return (
        text(f"{prefix}_line1", 250, "Street 1"),
        text(f"{prefix}_line2", 250, "Street 2"),
        text(f"{prefix}_line3", 250, "Street 3"),
        text(f"{prefix}_city", 80, "City"),
        text(f"{prefix}_stateorprovince", 50, "State/Province"),
        text(f"{prefix}_postalcode", 20, "ZIP/Postal Code"),
        text(f"{prefix}_country", 80, "Country/Region"),
    )


ORGANIZATION = Table(
    "organization", "organizations", "Organization", "organizationid", "name",
    columns=(
        id_column("organizationid", "Organization"),
        text("name", 160, "Organization Name", required=Required.SYSTEM),
        lookup("basecurrencyid", "transactioncurrency", label="Currency", writable=False),
        text("basecurrencysymbol", 5, "Currency Symbol", writable=False),
        number("basecurrencyprecision", Kind.INTEGER, "Base Currency Precision",
               writable=False),
        *audit_columns(),
    ),
)  # fmt: skip

SYSTEMUSER = Table(
    "systemuser", "systemusers", "User", "systemuserid", "fullname",
    columns=(
        id_column("systemuserid", "User"),
        text("firstname", 64, "First Name"),
        text("lastname", 64, "Last Name"),
        text("fullname", 200, "Full Name", writable=False),
        text("internalemailaddress", 100, "Primary Email"),
        text("domainname", 1024, "User Name", required=Required.SYSTEM),
        text("title", 128, "Title"),
        Column("applicationid", Kind.UNIQUEIDENTIFIER, "Application ID"),
        Column("azureactivedirectoryobjectid", Kind.UNIQUEIDENTIFIER, "Azure AD Object ID"),
        yes_no("isdisabled", "User Status", labels=("Enabled", "Disabled")),
        *audit_columns(),
    ),
    full_name=("firstname", "lastname"),
)  # fmt: skip

TRANSACTIONCURRENCY = Table(
    "transactioncurrency", "transactioncurrencies", "Currency", "transactioncurrencyid",
    "currencyname",
    columns=(
        id_column("transactioncurrencyid", "Currency"),
        text("currencyname", 100, "Currency Name", required=Required.SYSTEM),
        text("isocurrencycode", 5, "Currency Code", required=Required.SYSTEM),
        text("currencysymbol", 10, "Currency Symbol", required=Required.SYSTEM),
        number("exchangerate", label="Exchange Rate", required=Required.SYSTEM),
        number("currencyprecision", Kind.INTEGER, "Currency Precision"),
        *active_inactive(),
        *audit_columns(),
    ),
    states=ACTIVE_INACTIVE,
)  # fmt: skip

CUSTOMER_TYPES = {
    1: "Competitor", 2: "Consultant", 3: "Customer", 4: "Investor", 5: "Partner",
    6: "Influencer", 7: "Press", 8: "Prospect", 9: "Reseller", 10: "Supplier", 11: "Vendor",
    12: "Other",
}  # fmt: skip

ACCOUNT = with_currency(Table(
    "account", "accounts", "Account", "accountid", "name",
    columns=(
        id_column("accountid", "Account"),
        text("name", 160, "Account Name", required=Required.APPLICATION),
        text("accountnumber", 20, "Account Number"),
        text("telephone1", 50, "Main Phone"),
        text("fax", 50, "Fax"),
        text("emailaddress1", 100, "Email"),
        text("websiteurl", 200, "Website"),
        *_address("address1"),
        memo("description", 2000, "Description"),
        choice("customertypecode", CUSTOMER_TYPES, "Relationship Type"),
        money("revenue", "Annual Revenue"),
        number("numberofemployees", Kind.INTEGER, "Number of Employees"),
        yes_no("creditonhold", "Credit Hold"),
        lookup("parentaccountid", "account", label="Parent Account"),
        lookup("primarycontactid", "contact", label="Primary Contact"),
        owner_column(),
        custom_lookup("bcs_ConfigTemplateId", "bcs_configtemplate", "Template"),
        custom_lookup("bcs_CountryRegionId", "bcs_countryregion", "Country/Region"),
        custom_lookup("bcs_PaymentTermId", "bcs_paymentterm", "Payment Term"),
        custom_lookup("bcs_ShipmentMethodId", "bcs_shipmentmethod", "Shipment Method"),
        custom_lookup("bcs_ShippingAgentId", "bcs_shippingagent", "Shipping Agent"),
        custom_lookup("bcs_TaxAreaId", "bcs_taxarea", "Tax Area"),
        text("bcs_taxregistrationno", 20, "Tax Registration No."),
        yes_no("bcs_taxliable", "Tax Liable"),
        money("bcs_balance", "Balance"),
        text("bcs_bccustomerno", 20, "BC Customer No."),
        *active_inactive(),
        *audit_columns(),
    ),
    keys=(AlternateKey("bcs_accountnumber_key", ("accountnumber",)),),
    relationships=(
        OneToMany("contact_customer_accounts", "contact", "parentcustomerid"),
        OneToMany("quote_customer_accounts", "quote", "customerid"),
        OneToMany("order_customer_accounts", "salesorder", "customerid"),
        OneToMany("invoice_customer_accounts", "invoice", "customerid"),
        OneToMany("bcs_account_shiptoaddresses", "bcs_shiptoaddress", "bcs_accountid",
                  cascade_delete=True),
        OneToMany("bcs_account_customerledgerentries", "bcs_customerledgerentry",
                  "bcs_accountid", cascade_delete=True),
    ),
    change_tracking=True,
    states=ACTIVE_INACTIVE,
))  # fmt: skip

CONTACT = Table(
    "contact", "contacts", "Contact", "contactid", "fullname",
    columns=(
        id_column("contactid", "Contact"),
        text("salutation", 100, "Salutation"),
        text("firstname", 50, "First Name"),
        text("middlename", 50, "Middle Name"),
        text("lastname", 50, "Last Name", required=Required.APPLICATION),
        text("fullname", 160, "Full Name", writable=False),
        text("jobtitle", 100, "Job Title"),
        text("telephone1", 50, "Business Phone"),
        text("telephone2", 50, "Home Phone"),
        text("mobilephone", 50, "Mobile Phone"),
        text("fax", 50, "Fax"),
        text("emailaddress1", 100, "Email"),
        *_address("address1"),
        memo("description", 2000, "Description"),
        lookup("parentcustomerid", "account", "contact", label="Company Name"),
        owner_column(),
        custom_lookup("bcs_CountryRegionId", "bcs_countryregion", "Country/Region"),
        *active_inactive(),
        *audit_columns(),
    ),
    change_tracking=True,
    states=ACTIVE_INACTIVE,
    full_name=("firstname", "lastname"),
)  # fmt: skip
