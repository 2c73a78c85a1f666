"""The connector's own tables (publisher prefix `bcs_`), from the CRM <-> BC product document.

Masters BC sends to CRM (payment term, shipment method, shipping agent, tax area,
location, country/region, configuration template) have a code and a description; their
alternate key is the code, so a sync upserts `bcs_paymentterms(bcs_code='30 DAYS')`.
Lengths follow the BC fields they mirror (Code[10], Code[20], Text[100]).

A ship-to address belongs to an account and is keyed by customer number and code:
`bcs_shiptoaddresses(bcs_customerno='C00010',bcs_code='MAIN')`. Open customer ledger
entries (keyed by the BC entry number) and inventory per location (keyed by product and
location code, a key with a lookup part: `_bcs_productid_value`) are replaced nightly;
stock without a location has no location code.

Change tracking is on for ship-to addresses (they flow CRM → BC) and off for the tables
only BC writes. All are user-owned with Active/Inactive states, as a new custom table is.
"""

from __future__ import annotations

from sandbox.dataverse.schema import (
    AlternateKey,
    Kind,
    OneToMany,
    Required,
    Table,
    choice,
    custom_lookup,
    date_only,
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


def _master(
    logical: str, entity_set: str, label: str, code_length: int, description: str,
    description_length: int = 100, relationships: tuple[OneToMany, ...] = (),
) -> Table:  # fmt: skip
    return Table(
        logical,
        entity_set,
        label,
        f"{logical}id",
        "bcs_code",
        columns=(
            id_column(f"{logical}id", label),
            text("bcs_code", code_length, "Code", required=Required.SYSTEM),
            text("bcs_description", description_length, description),
            owner_column(),
            *active_inactive(),
            *audit_columns(),
        ),
        keys=(AlternateKey(f"{logical}_code_key", ("bcs_code",)),),
        relationships=relationships,
        custom=True,
        states=ACTIVE_INACTIVE,
    )


PAYMENTTERM = _master("bcs_paymentterm", "bcs_paymentterms", "Payment Term", 10, "Description")
SHIPMENTMETHOD = _master(
    "bcs_shipmentmethod", "bcs_shipmentmethods", "Shipment Method", 10, "Description"
)
SHIPPINGAGENT = _master("bcs_shippingagent", "bcs_shippingagents", "Shipping Agent", 10, "Name", 50)
TAXAREA = _master("bcs_taxarea", "bcs_taxareas", "Tax Area", 20, "Description")
LOCATION = _master("bcs_location", "bcs_locations", "Location", 10, "Name")
COUNTRYREGION = _master("bcs_countryregion", "bcs_countryregions", "Country/Region", 10, "Name", 50)
CONFIGTEMPLATE = _master(
    "bcs_configtemplate", "bcs_configtemplates", "BC Configuration Template", 10, "Description"
)

SHIPTOADDRESS = Table(
    "bcs_shiptoaddress", "bcs_shiptoaddresses", "Ship-to Address", "bcs_shiptoaddressid",
    "bcs_code",
    columns=(
        id_column("bcs_shiptoaddressid", "Ship-to Address"),
        text("bcs_code", 10, "Code", required=Required.SYSTEM),
        text("bcs_customerno", 20, "Customer No.", required=Required.SYSTEM),
        custom_lookup("bcs_AccountId", "account", "Account", required=Required.APPLICATION),
        text("bcs_name", 100, "Name"),
        text("bcs_street1", 100, "Street 1"),
        text("bcs_street2", 50, "Street 2"),
        text("bcs_city", 30, "City"),
        text("bcs_state", 30, "State"),
        text("bcs_zipcode", 20, "Zip Code"),
        custom_lookup("bcs_CountryRegionId", "bcs_countryregion", "Country/Region"),
        yes_no("bcs_taxliable", "Tax Liable"),
        custom_lookup("bcs_TaxAreaId", "bcs_taxarea", "Tax Area"),
        text("bcs_contact", 100, "Contact"),
        text("bcs_email", 80, "Email"),
        text("bcs_phoneno", 30, "Phone No."),
        owner_column(),
        *active_inactive(),
        *audit_columns(),
    ),
    keys=(AlternateKey("bcs_shiptoaddress_key", ("bcs_customerno", "bcs_code")),),
    change_tracking=True,
    custom=True,
    states=ACTIVE_INACTIVE,
)  # fmt: skip

DOCUMENT_TYPES = {
    862070000: "Payment", 862070001: "Invoice", 862070002: "Credit Memo",
    862070003: "Finance Charge Memo", 862070004: "Reminder", 862070005: "Refund",
}  # fmt: skip

CUSTOMERLEDGERENTRY = with_currency(Table(
    "bcs_customerledgerentry", "bcs_customerledgerentries", "Customer Ledger Entry",
    "bcs_customerledgerentryid", "bcs_documentno",
    columns=(
        id_column("bcs_customerledgerentryid", "Customer Ledger Entry"),
        number("bcs_entryno", Kind.INTEGER, "BC Entry No", required=Required.SYSTEM),
        choice("bcs_documenttype", DOCUMENT_TYPES, "Document Type"),
        text("bcs_documentno", 20, "Document No."),
        date_only("bcs_postingdate", "Posting Date"),
        text("bcs_customerno", 20, "Customer No."),
        custom_lookup("bcs_AccountId", "account", "Account"),
        money("bcs_amount", "Invoice Amount"),
        money("bcs_remainingamount", "Remaining Amount"),
        money("bcs_remainingamountlcy", "Remaining Amount Other Currencies"),
        text("bcs_currencycode", 10, "Currency Code"),
        date_only("bcs_duedate", "Due Date"),
        text("bcs_description", 100, "Description"),
        owner_column(),
        *active_inactive(),
        *audit_columns(),
    ),
    keys=(AlternateKey("bcs_customerledgerentry_key", ("bcs_entryno",)),),
    custom=True,
    states=ACTIVE_INACTIVE,
))  # fmt: skip

INVENTORY = Table(
    "bcs_inventory", "bcs_inventories", "Inventory", "bcs_inventoryid", "bcs_locationcode",
    columns=(
        id_column("bcs_inventoryid", "Inventory"),
        custom_lookup("bcs_ProductId", "product", "Product", required=Required.SYSTEM),
        text("bcs_locationcode", 10, "Location Code", required=Required.APPLICATION),
        custom_lookup("bcs_LocationId", "bcs_location", "Location"),
        number("bcs_quantity", label="Inventory"),
        owner_column(),
        *active_inactive(),
        *audit_columns(),
    ),
    keys=(AlternateKey("bcs_inventory_key", ("_bcs_productid_value", "bcs_locationcode")),),
    custom=True,
    states=ACTIVE_INACTIVE,
)  # fmt: skip
