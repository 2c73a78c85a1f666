"""Unit groups, units, price lists, products and price list items.

From the uomschedule, uom, pricelevel, product and productpricelevel reference pages:
price lists answer status reasons 100001/100002, new products start as Draft, a price
list item ties a price list, a product and a unit to an amount, and its primary name is
`productidname`. The connector adds `bcs_inventory` (stock over all locations) to
products and the alternate key on the product number its item sync upserts by.
"""

from __future__ import annotations

from sandbox.dataverse.schema import (
    AlternateKey,
    Column,
    Kind,
    OneToMany,
    Required,
    StateModel,
    Table,
    choice,
    date_only,
    lookup,
    memo,
    money,
    number,
    state_columns,
    text,
    with_currency,
)
from sandbox.dataverse.tables.common import (
    ACTIVE_INACTIVE,
    active_inactive,
    audit_columns,
    id_column,
)

UOMSCHEDULE = Table(
    "uomschedule", "uomschedules", "Unit Group", "uomscheduleid", "name",
    columns=(
        id_column("uomscheduleid", "Unit Schedule"),
        text("name", 200, "Name", required=Required.SYSTEM),
        text("baseuomname", 100, "Base Unit Name", required=Required.SYSTEM),
        memo("description", 2000, "Description"),
        *active_inactive(),
        *audit_columns(),
    ),
    relationships=(
        OneToMany("unit_of_measure_schedule_conversions", "uom", "uomscheduleid",
                  cascade_delete=True),
    ),
    states=ACTIVE_INACTIVE,
)  # fmt: skip

UOM = Table(
    "uom", "uoms", "Unit", "uomid", "name",
    columns=(
        id_column("uomid", "Unit"),
        text("name", 100, "Name", required=Required.SYSTEM),
        lookup("uomscheduleid", "uomschedule", label="Unit Schedule", required=Required.SYSTEM),
        lookup("baseuom", "uom", label="Base Unit", required=Required.SYSTEM),
        number("quantity", label="Quantity", required=Required.SYSTEM),
        Column("isschedulebaseuom", Kind.BOOLEAN, "Is Schedule Base Unit", writable=False,
               options={False: "No", True: "Yes"}),
        *audit_columns(),
    ),
)  # fmt: skip

PRICELEVEL_STATES = StateModel(
    states={0: ("Active", 100001), 1: ("Inactive", 100002)},
    statuses={100001: (0, "Active"), 100002: (1, "Inactive")},
    editable=frozenset({0, 1}),
    transitions=frozenset({(0, 0), (0, 1), (1, 0), (1, 1)}),
)

PRICELEVEL = Table(
    "pricelevel", "pricelevels", "Price List", "pricelevelid", "name",
    columns=(
        id_column("pricelevelid", "Price List"),
        text("name", 100, "Name", required=Required.SYSTEM),
        lookup("transactioncurrencyid", "transactioncurrency", label="Currency",
               required=Required.APPLICATION),
        date_only("begindate", "Start Date"),
        date_only("enddate", "End Date"),
        memo("description", 2000, "Description"),
        *state_columns(PRICELEVEL_STATES),
        *audit_columns(),
    ),
    relationships=(
        OneToMany("price_level_product_price_levels", "productpricelevel", "pricelevelid",
                  cascade_delete=True),
    ),
    states=PRICELEVEL_STATES,
)  # fmt: skip

PRODUCT_STATES = StateModel(
    states={0: ("Active", 1), 1: ("Retired", 2), 2: ("Draft", 0), 3: ("Under Revision", 3)},
    statuses={1: (0, "Active"), 2: (1, "Retired"), 0: (2, "Draft"), 3: (3, "Under Revision")},
    editable=frozenset({0, 2, 3}),
    transitions=frozenset({(2, 2), (2, 0), (0, 0), (0, 1), (0, 3), (3, 0), (1, 0)}),
    initial=2,
)

PRODUCT = with_currency(Table(
    "product", "products", "Product", "productid", "name",
    columns=(
        id_column("productid", "Product"),
        text("name", 100, "Name", required=Required.SYSTEM),
        text("productnumber", 100, "Product ID", required=Required.SYSTEM),
        memo("description", 2000, "Description"),
        choice("producttypecode", {1: "Sales Inventory", 2: "Miscellaneous Charges",
                                   3: "Services", 4: "Flat Fees"}, "Product Type"),
        choice("productstructure", {1: "Product", 2: "Product Family", 3: "Product Bundle"},
               "Product Structure"),
        number("quantitydecimal", Kind.INTEGER, "Decimals Supported", required=Required.SYSTEM),
        lookup("defaultuomscheduleid", "uomschedule", label="Unit Group",
               required=Required.APPLICATION),
        lookup("defaultuomid", "uom", label="Default Unit", required=Required.APPLICATION),
        lookup("pricelevelid", "pricelevel", label="Default Price List"),
        money("price", "List Price"),
        money("standardcost", "Standard Cost"),
        money("currentcost", "Current Cost"),
        number("bcs_inventory", label="Inventory"),
        *state_columns(PRODUCT_STATES),
        *audit_columns(),
    ),
    keys=(AlternateKey("bcs_productnumber_key", ("productnumber",)),),
    relationships=(
        OneToMany("product_price_levels", "productpricelevel", "productid", cascade_delete=True),
        OneToMany("bcs_product_inventories", "bcs_inventory", "bcs_productid",
                  cascade_delete=True),
    ),
    change_tracking=True,
    states=PRODUCT_STATES,
))  # fmt: skip

PRODUCTPRICELEVEL = with_currency(Table(
    "productpricelevel", "productpricelevels", "Price List Item", "productpricelevelid",
    "productidname",
    columns=(
        id_column("productpricelevelid", "Price List Item"),
        Column("productidname", Kind.STRING, "Product Name", max_length=100, writable=False),
        lookup("pricelevelid", "pricelevel", label="Price List", required=Required.SYSTEM),
        lookup("productid", "product", label="Product", required=Required.SYSTEM),
        lookup("uomid", "uom", label="Unit", required=Required.SYSTEM),
        lookup("uomscheduleid", "uomschedule", label="Unit Schedule", writable=False),
        money("amount", "Amount"),
        choice("pricingmethodcode", {1: "Currency Amount", 2: "Percent of List",
                                     3: "Percent Markup - Current Cost",
                                     4: "Percent Margin - Current Cost",
                                     5: "Percent Markup - Standard Cost",
                                     6: "Percent Margin - Standard Cost"}, "Pricing Method"),
        *audit_columns(),
    ),
))  # fmt: skip
